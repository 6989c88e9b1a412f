// sql_report_html.cpp - xray.report_html(): the self-contained HTML report.
//
// The data comes from pg_xray's own views through SPI (so their visibility
// rules apply), copied into palloc'd strings; the page is rendered by
// core/html_report under the guard, after every SPI call is done.
#include <string>
#include <vector>

#include "html_report.hpp"

#include "compat.hpp"
#include "guard.hpp"

extern "C" {
#include "executor/spi.h"

PG_FUNCTION_INFO_V1(xray_report_html);
PGDLLEXPORT Datum xray_report_html(PG_FUNCTION_ARGS);
}

namespace
{
// Rows of one query as palloc'd C strings (NULL for SQL NULL).
struct Table
{
	int nrows = 0;
	int ncols = 0;
	char ***cells = NULL;
};

Table
FetchRows(const char *sql)
{
	Table t;
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		return t;
	t.nrows = (int) SPI_processed;
	t.ncols = SPI_tuptable->tupdesc->natts;
	t.cells = (char ***) palloc(sizeof(char **) * Max(t.nrows, 1));
	for (int i = 0; i < t.nrows; i++)
	{
		t.cells[i] = (char **) palloc(sizeof(char *) * t.ncols);
		for (int c = 0; c < t.ncols; c++)
		{
			char *v = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1);
			t.cells[i][c] = v ? pstrdup(v) : NULL;
		}
	}
	return t;
}

double
D(const char *s)
{
	return s ? strtod(s, NULL) : 0.0;
}

std::string
S(const char *s)
{
	return s ? std::string(s) : std::string();
}
} // namespace

Datum
xray_report_html(PG_FUNCTION_ARGS)
{
	int top = PG_ARGISNULL(0) ? 10 : PG_GETARG_INT32(0);
	if (top < 1 || top > 1000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("top must be between 1 and 1000")));
	SPI_connect();
	Table title =
		FetchRows("SELECT format('pg_xray report — database %s', current_database()), "
				  "format('generated %s on %s', to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS TZ'), version())");
	Table lat =
		FetchRows(psprintf("SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 200), min_exec_time, p50_exec_time, "
						   "p95_exec_time, p99_exec_time, max_exec_time, mean_exec_time, calls FROM xray.statements "
						   "WHERE queryid IS NOT NULL AND calls > 0 ORDER BY total_exec_time DESC LIMIT %d",
						   top));
	Table ser = FetchRows("SELECT to_char(s.taken_at, 'MM-DD HH24:MI'), coalesce(sum(st.calls), 0), "
						  "coalesce(sum(st.total_exec_time) / nullif(sum(st.calls), 0), 0) "
						  "FROM (SELECT * FROM xray.snapshots WHERE node = 'local' ORDER BY snap_id DESC LIMIT 200) s "
						  "LEFT JOIN xray.snapshot_statements st ON st.snap_id = s.snap_id "
						  "WHERE s.prev_snap_id IS NOT NULL GROUP BY s.snap_id, s.taken_at ORDER BY s.snap_id");
	Table edges =
		FetchRows("SELECT waiting_pid, blocking_pid, extract(epoch FROM wait_duration), object || ' ' || waiting_mode "
				  "FROM xray.lock_waits");
	Table labels = FetchRows(
		"SELECT pid, coalesce(usename::text, '') || coalesce(' (' || nullif(application_name, '') || ')', '') "
		"|| coalesce(': ' || left(query, 120), '') FROM xray.blocking_tree");
	Table alerts = FetchRows("SELECT severity, rule || ' on ' || subject || ': ' || evidence FROM xray.alerts() "
							 "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule");
	Table regs = FetchRows(
		"SELECT 'warning', slowdown || 'x slower since ' || to_char(changed_at, 'YYYY-MM-DD HH24:MI') || ': ' "
		"|| left(coalesce(query, ''), 120) || coalesce(' — ' || likely_cause, '') FROM xray.plan_regressions(0.5)");
	Table maint = FetchRows(psprintf(
		"SELECT kind, command || ' — ' || reason FROM xray.maintenance_advice ORDER BY priority LIMIT %d", top));
	SPI_finish();

	char *html = NULL;
	{
		// every C++ object lives inside the guard; the result leaves it as palloc'd text
		XRAY_GUARD({
			xray::core::HtmlReport r;
			if (title.nrows > 0)
			{
				r.title = S(title.cells[0][0]);
				r.generated = S(title.cells[0][1]);
			}
			for (int i = 0; i < lat.nrows; i++)
			{
				char **c = lat.cells[i];
				r.latency.push_back(xray::core::LatencyRow{S(c[0]), D(c[1]), D(c[2]), D(c[3]), D(c[4]), D(c[5]),
														   D(c[6]), (long long) D(c[7])});
			}
			for (int i = 0; i < ser.nrows; i++)
				r.series.push_back(xray::core::SeriesPoint{S(ser.cells[i][0]), D(ser.cells[i][1]), D(ser.cells[i][2])});
			for (int i = 0; i < edges.nrows; i++)
				r.lock_edges.push_back(xray::core::WaitEdge{(int32_t) D(edges.cells[i][0]),
															(int32_t) D(edges.cells[i][1]), D(edges.cells[i][2]),
															S(edges.cells[i][3])});
			for (int i = 0; i < labels.nrows; i++)
				r.session_labels.emplace_back((int32_t) D(labels.cells[i][0]), S(labels.cells[i][1]));
			for (int i = 0; i < alerts.nrows; i++)
				r.alerts.push_back(xray::core::ListRow{S(alerts.cells[i][0]), S(alerts.cells[i][1])});
			for (int i = 0; i < regs.nrows; i++)
				r.regressions.push_back(xray::core::ListRow{S(regs.cells[i][0]), S(regs.cells[i][1])});
			for (int i = 0; i < maint.nrows; i++)
				r.maintenance.push_back(xray::core::ListRow{S(maint.cells[i][0]), S(maint.cells[i][1])});
			std::string out = xray::core::RenderHtmlReport(r);
			html = xray::pg::GuardCopyString(out.data(), out.size());
		});
	}
	PG_RETURN_TEXT_P(cstring_to_text(html));
}
