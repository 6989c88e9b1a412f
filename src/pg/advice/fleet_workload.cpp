// fleet_workload.cpp - the fleet's statements join the index advisor's workload (#14).
//
// When fleet nodes are registered (xray.nodes, docs/fleet.md), the statements the
// standbys recorded are read from xray.fleet_statements (as the caller: no more than
// it may read there, other roles' texts hidden by this server's rule) and added to
// this server's: the same query id on a physical standby is the same statement, so
// its calls and time add up, and a statement only the standbys run is planned here
// from its normalized text (generic plans: their constants are not carried). The
// schema is the same on every node. Read through SPI, search_path pinned.
#include <cstring>

#include "advice/workload.hpp"
#include "recorder/store.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
}

namespace xray::pg
{
namespace
{
// (two queries: a table in the second is checked for privileges before any row is read)
constexpr const char *kMayRead = "SELECT pg_catalog.has_table_privilege('xray.nodes', 'SELECT') "
								 "AND pg_catalog.has_table_privilege('xray.fleet_statements', 'SELECT')";
constexpr const char *kAnyNode = "SELECT EXISTS (SELECT 1 FROM xray.nodes n WHERE n.enabled)";
// (the view's node filter and privileges, then only what the advisor reads)
constexpr const char *kRows =
	"SELECT s.userid, s.toplevel, s.queryid, s.query, s.calls, s.total_exec_time, s.rows, s.first_seen, s.last_seen "
	"FROM xray.fleet_statements s "
	"WHERE s.node <> 'local' AND s.dbid = $1 AND s.queryid IS NOT NULL AND s.calls > 0";

bool
Yes(const char *sql)
{
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

// CopyRows turns the result of kRows into StmtRows allocated outside SPI's memory
StmtRow *
CopyRows(int *n)
{
	*n = (int) SPI_processed;
	StmtRow *rows = (StmtRow *) SPI_palloc(sizeof(StmtRow) * Max(*n, 1));
	memset(rows, 0, sizeof(StmtRow) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		HeapTuple t = SPI_tuptable->vals[i];
		TupleDesc d = SPI_tuptable->tupdesc;
		bool null[9];
		Datum v[9];
		for (int k = 0; k < 9; k++)
			v[k] = SPI_getbinval(t, d, k + 1, &null[k]);
		StmtRow &r = rows[i];
		r.key.userid = null[0] ? InvalidOid : DatumGetObjectId(v[0]);
		r.key.dbid = MyDatabaseId;
		r.key.toplevel = null[1] ? true : DatumGetBool(v[1]);
		r.key.queryid = (uint64) DatumGetInt64(v[2]);
		if (!null[3])
		{
			char *query = TextDatumGetCString(v[3]);
			size_t len = strlen(query);
			r.text = (char *) SPI_palloc(len + 1);
			memcpy(r.text, query, len + 1);
		}
		r.c.exec.count = null[4] ? 0 : DatumGetInt64(v[4]);
		r.c.exec.total = null[5] ? 0 : DatumGetFloat8(v[5]);
		r.c.rows = null[6] ? 0 : DatumGetInt64(v[6]);
		r.first_seen = null[7] ? GetCurrentTimestamp() : DatumGetTimestampTz(v[7]);
		r.last_seen = null[8] ? r.first_seen : DatumGetTimestampTz(v[8]);
	}
	return rows;
}
} // namespace

StmtRow *
FleetStatementRows(int *n)
{
	*n = 0;
	StmtRow *rows = NULL;
	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
	SPI_connect();
	if (Yes(kMayRead) && Yes(kAnyNode))
	{
		Oid types[1] = {OIDOID};
		Datum values[1] = {ObjectIdGetDatum(MyDatabaseId)};
		if (SPI_execute_with_args(kRows, 1, types, values, NULL, true, 0) == SPI_OK_SELECT)
			rows = CopyRows(n);
	}
	SPI_finish();
	AtEOXact_GUC(true, nest);
	return rows;
}
} // namespace xray::pg
