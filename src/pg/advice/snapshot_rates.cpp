// snapshot_rates.cpp - the index advisor's weights from the history snapshots.
//
// A statement's weight is how often it runs now, not how often it ran since
// the statistics were reset: when xray.snapshot() (#6) counted it in the last
// kRateWindowHours, the calls since the oldest such snapshot over the time
// since it (core::RecentCallsPerHour). The snapshot is read through SPI as the
// caller (no more privilege than the caller has: nothing when it may not read
// the history tables), with search_path pinned to pg_catalog; another role's
// counts only for a caller who may see that role's statements (TextAccess).
#include <cstdlib>

#include "call_rate.hpp"

#include "advice/workload.hpp"
#include "text_access.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/guc.h"
}

namespace xray::pg
{
namespace
{
constexpr const char *kMayRead = "SELECT pg_catalog.has_table_privilege('xray.snapshots', 'SELECT') "
								 "AND pg_catalog.has_table_privilege('xray.snapshot_statements', 'SELECT')";
// the oldest snapshot of the window, and what it counted of this database
constexpr const char *kCounted =
	"SELECT s.queryid, s.userid, s.calls_total, "
	"pg_catalog.date_part('epoch', pg_catalog.now() - n.taken_at)::pg_catalog.float8 "
	"FROM (SELECT snap_id, taken_at FROM xray.snapshots "
	"      WHERE node = 'local' AND taken_at >= pg_catalog.now() - pg_catalog.make_interval(hours => $2) "
	"      ORDER BY taken_at LIMIT 1) n "
	"JOIN xray.snapshot_statements s ON s.snap_id = n.snap_id "
	"WHERE s.dbid = $1 AND s.calls_total IS NOT NULL AND s.queryid IS NOT NULL";

struct ByQueryId
{
	uint64 queryid;
	int index; // into w.queries
};

int
CompareQueryId(const void *a, const void *b)
{
	uint64 x = ((const ByQueryId *) a)->queryid, y = ((const ByQueryId *) b)->queryid;
	return x < y ? -1 : (x > y ? 1 : 0);
}

bool
MayReadHistory()
{
	if (SPI_execute(kMayRead, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

// Counted adds what the snapshot counted of each statement into calls_then
// (per statement; counted[i] when it counted it) and returns its age in seconds.
double
Counted(const Workload &w, const ByQueryId *sorted, double *calls_then, bool *counted)
{
	Oid types[2] = {OIDOID, INT4OID};
	Datum values[2] = {ObjectIdGetDatum(MyDatabaseId), Int32GetDatum(kRateWindowHours)};
	if (SPI_execute_with_args(kCounted, 2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		return -1;
	TextAccess access;
	double age = -1;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CHECK_FOR_INTERRUPTS();
		HeapTuple t = SPI_tuptable->vals[r];
		TupleDesc d = SPI_tuptable->tupdesc;
		bool n1, n2, n3, n4;
		ByQueryId key = {(uint64) DatumGetInt64(SPI_getbinval(t, d, 1, &n1)), 0};
		Oid userid = DatumGetObjectId(SPI_getbinval(t, d, 2, &n2));
		double calls = (double) DatumGetInt64(SPI_getbinval(t, d, 3, &n3));
		age = DatumGetFloat8(SPI_getbinval(t, d, 4, &n4));
		if (n2 || !access.Sees(userid))
			continue;
		const ByQueryId *hit = (const ByQueryId *) bsearch(&key, sorted, w.nqueries, sizeof(ByQueryId), CompareQueryId);
		if (hit == NULL)
			continue;
		calls_then[hit->index] += calls;
		counted[hit->index] = true;
	}
	return age;
}
} // namespace

void
ApplySnapshotRates(Workload &w)
{
	if (w.nqueries <= 0)
		return;
	ByQueryId *sorted = (ByQueryId *) palloc(sizeof(ByQueryId) * w.nqueries);
	for (int i = 0; i < w.nqueries; i++)
		sorted[i] = ByQueryId{w.queries[i].queryid, i};
	qsort(sorted, w.nqueries, sizeof(ByQueryId), CompareQueryId);
	double *calls_then = (double *) palloc0(sizeof(double) * w.nqueries);
	bool *counted = (bool *) palloc0(sizeof(bool) * w.nqueries);

	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
	SPI_connect();
	double age = MayReadHistory() ? Counted(w, sorted, calls_then, counted) : -1;
	SPI_finish();
	AtEOXact_GUC(true, nest);
	if (age < 0)
		return;
	TimestampTz now = GetCurrentTimestamp();
	for (int i = 0; i < w.nqueries; i++)
	{
		QueryPod &q = w.queries[i];
		q.weight =
			core::RecentCallsPerHour(q.calls, (double) (now - q.first_seen) / 1e6, counted[i], calls_then[i], age);
	}
}
} // namespace xray::pg
