// fleet_workload.cpp - the fleet's statements join the index advisor's workload (#14).
//
// When fleet nodes are registered (xray.nodes, docs/fleet.md), the statements the
// standbys recorded are read from xray.fleet_statements (as the caller: no more than
// it may read there, other roles' texts hidden by this server's rule) and added to
// this server's: the same query id on a physical standby is the same statement, so
// its calls and time add up, and a statement only the standbys run is planned here
// as it ran there: with the constants of the sample the node kept
// (xray._fleet_samples(), for pg_read_all_stats: the values are private), else
// from its normalized text (a generic plan). The schema is the same on every
// node. Read through SPI, search_path pinned.
#include <cstring>

#include <cstdlib>

#include "param_text.hpp"

#include "advice/workload.hpp"
#include "guc.hpp"
#include "recorder/store.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/array.h"
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
constexpr const char *kMaySample = "SELECT pg_catalog.has_function_privilege('xray._fleet_samples()', 'EXECUTE')";
// (the one compared over the most runs first)
constexpr const char *kSamples = "SELECT s.queryid, s.sample, s.const_at, s.const_len, s.differed, s.runs "
								 "FROM xray._fleet_samples() s WHERE s.queryid IS NOT NULL AND s.sample IS NOT NULL "
								 "ORDER BY s.queryid, s.runs DESC";
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
// IntArray: the elements of an int4[] column (at most max), or -1 when it is
// NULL, has NULLs or is longer
int
IntArray(Datum d, bool isnull, int *out, int max)
{
	if (isnull)
		return -1;
	ArrayType *a = DatumGetArrayTypeP(d);
	Datum *v;
	bool *nulls;
	int n;
	deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &v, &nulls, &n);
	if (n > max)
		return -1;
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			return -1;
		out[i] = DatumGetInt32(v[i]);
	}
	return n;
}

// CopySample turns row i of kSamples into info (text allocated outside SPI's
// memory); false when it does not describe its text (another version's node)
bool
CopySample(int i, uint64 *queryid, SampleInfo *info)
{
	HeapTuple t = SPI_tuptable->vals[i];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool null[6];
	Datum v[6];
	for (int k = 0; k < 6; k++)
		v[k] = SPI_getbinval(t, d, k + 1, &null[k]);
	int at[kSampleConsts], len[kSampleConsts], differed[kSampleConsts];
	int n = IntArray(v[2], null[2], at, kSampleConsts);
	if (null[0] || null[1] || null[5] || n < 0 || IntArray(v[3], null[3], len, kSampleConsts) != n ||
		IntArray(v[4], null[4], differed, kSampleConsts) != n)
		return false;
	char *sql = TextDatumGetCString(v[1]);
	size_t textlen = strlen(sql);
	for (int k = 0; k < n; k++)
		if (at[k] < 0 || len[k] <= 0 || (size_t) at[k] + (size_t) len[k] > textlen || differed[k] < 0)
			return false;
	*queryid = (uint64) DatumGetInt64(v[0]);
	info->text = (char *) SPI_palloc(textlen + 1);
	memcpy(info->text, sql, textlen + 1);
	info->nconst = n;
	for (int k = 0; k < n; k++)
	{
		info->consts[k] = SampleConst{at[k], len[k]};
		info->differed[k] = (uint32) differed[k];
	}
	int64 runs = DatumGetInt64(v[5]);
	info->nsamples = (uint32) Max(Min(runs, (int64) PG_UINT32_MAX), 0);
	return true;
}

// PinSearchPath sets search_path to pg_catalog, pg_temp until AtEOXact_GUC(true,
// the level returned) (an ERROR meanwhile: until the transaction's end)
int
PinSearchPath()
{
	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
	return nest;
}
} // namespace

FleetSamples
ReadFleetSamples()
{
	FleetSamples fs = {0, NULL, NULL};
	// the primary keeps no values: it uses none of the nodes' either
	if (!guc_store_sample_values)
		return fs;
	int nest = PinSearchPath();
	SPI_connect();
	if (Yes(kMaySample) && Yes(kAnyNode) && SPI_execute(kSamples, true, 0) == SPI_OK_SELECT && SPI_processed > 0)
	{
		int rows = (int) Min(SPI_processed, (uint64) (MaxAllocSize / sizeof(SampleInfo)));
		fs.queryids = (uint64 *) SPI_palloc(sizeof(uint64) * rows);
		fs.infos = (SampleInfo *) SPI_palloc(sizeof(SampleInfo) * rows);
		for (int i = 0; i < rows; i++)
		{
			CHECK_FOR_INTERRUPTS();
			uint64 queryid;
			SampleInfo info;
			// sorted by query id: the first row of each is kept
			if (CopySample(i, &queryid, &info) && (fs.n == 0 || fs.queryids[fs.n - 1] != queryid))
			{
				fs.queryids[fs.n] = queryid;
				fs.infos[fs.n++] = info;
			}
		}
	}
	SPI_finish();
	AtEOXact_GUC(true, nest);
	return fs;
}

SampleInfo *
FleetSampleFind(const FleetSamples &fs, uint64 queryid)
{
	int lo = 0, hi = fs.n - 1;
	while (lo <= hi)
	{
		// (in the order of SQL's bigint)
		int mid = (lo + hi) / 2;
		if (fs.queryids[mid] == queryid)
			return &fs.infos[mid];
		if ((int64) fs.queryids[mid] < (int64) queryid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

StmtRow *
FleetStatementRows(int *n)
{
	*n = 0;
	StmtRow *rows = NULL;
	int nest = PinSearchPath();
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
