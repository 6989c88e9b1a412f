// sql_plan_nodes.cpp - xray.plan_nodes(): what sampled executions saw at their
// nested loops, hash joins, sorts, hash aggregates and OFFSETs, per statement;
// xray.repeats(): statements a session ran many times in a row (N+1).
#include "compat.hpp"
#include "shared_modules.hpp"
#include "evidence/node_signals.hpp"
#include "evidence/repeat_signals.hpp"
#include "srf.hpp"
#include "recorder/store.hpp"

extern "C" {
#include "catalog/pg_index.h"
#include "lib/stringinfo.h"
#include "utils/syscache.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_plan_nodes);
PGDLLEXPORT Datum xray_plan_nodes(PG_FUNCTION_ARGS);
}

namespace
{
using xray::pg::OffsetEvidence;

void
AppendKey(StringInfo buf, Oid rel, AttrNumber att, bool desc)
{
	char *name = get_attname(rel, att, true);
	if (buf->len > 0)
		appendStringInfoString(buf, ", ");
	appendStringInfo(buf, "%s%s", name ? quote_identifier(name) : "?", desc ? " DESC" : "");
}

// KeysetText: the order an OFFSET pages through, as ORDER BY keys of one table
// ("created DESC, id DESC"), or NULL when it is not known.
char *
KeysetText(const OffsetEvidence &e)
{
	if (e.key_rel == InvalidOid || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(e.key_rel)))
		return NULL;
	StringInfoData buf;
	initStringInfo(&buf);
	if (e.key_index != InvalidOid)
	{
		HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(e.key_index));
		if (!HeapTupleIsValid(tup))
			return NULL;
		Form_pg_index ix = (Form_pg_index) GETSTRUCT(tup);
		bool isnull;
		Datum opt = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indoption, &isnull);
		int2vector *options = isnull ? NULL : (int2vector *) DatumGetPointer(opt);
		for (int k = 0; k < ix->indnkeyatts && k < xray::pg::kKeysetKeys; k++)
		{
			AttrNumber att = ix->indkey.values[k];
			if (att == 0)
				break; // an expression
			bool desc = options && (options->values[k] & INDOPTION_DESC);
			AppendKey(&buf, e.key_rel, att, desc != ((e.key_desc & 1) != 0));
		}
		ReleaseSysCache(tup);
	}
	else
		for (int k = 0; k < e.nkeys; k++)
			AppendKey(&buf, e.key_rel, e.key_atts[k], (e.key_desc >> k) & 1);
	return buf.len > 0 ? buf.data : NULL;
}

const char *
InnerKindName(uint8 kind)
{
	switch (kind)
	{
		case xray::pg::kInnerSeqScan:
			return "sequential scan";
		case xray::pg::kInnerIndexScan:
			return "index scan";
		default:
			return "other";
	}
}

// EmitStatements returns one row per statement of the current database in
// table, built by row_of.
template <typename T, typename RowOf>
Datum
EmitStatements(FunctionCallInfo fcinfo, const xray::pg::StmtSlots<T> &table, RowOf row_of)
{
	using namespace xray::pg;
	CheckPreloaded();
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	uint64 *queryids = NULL;
	int n = 0;
	T *ev = table.CopyValues(MyDatabaseId, &queryids, &n);
	for (int i = 0; i < n; i++)
	{
		SrfRow row;
		row.QueryId(queryids[i]);
		row_of(ev[i], row);
		row.Done(rsinfo);
	}
	return (Datum) 0;
}
} // namespace

Datum
xray_plan_nodes(PG_FUNCTION_ARGS)
{
	using namespace xray::pg;
	return EmitStatements(fcinfo, node_signals, [](const NodeEvidence &e, SrfRow &row) {
		row.Put(Int64GetDatum(e.runs));
		row.Put(Int64GetDatum(e.nl.runs));
		row.Put(Float8GetDatum(e.nl.outer_rows));
		row.Put(Float8GetDatum(e.nl.outer_est));
		row.Oid_(e.nl.inner_rel);
		e.nl.runs > 0 ? row.Text(InnerKindName(e.nl.inner_kind)) : row.Null();
		row.Put(Int64GetDatum(e.hj.runs));
		row.Put(Int32GetDatum(e.hj.batches));
		row.Put(Int32GetDatum(e.hj.batches_planned));
		row.Put(Float8GetDatum(e.hj.bytes));
		row.Put(Int64GetDatum(e.sort.runs));
		row.Put(Float8GetDatum(e.sort.disk_kb * 1024.0));
		row.Put(Float8GetDatum(e.sort.rows));
		row.Put(Int64GetDatum(e.agg.runs));
		row.Put(Float8GetDatum(e.agg.disk_kb * 1024.0));
		row.Put(Float8GetDatum(e.agg.peak_bytes));
		e.work_mem_kb > 0 ? row.Put(Int64GetDatum(e.work_mem_kb * INT64CONST(1024))) : row.Null();
		e.work_mem_kb > 0 ? row.Put(Float8GetDatum(e.hash_mem_multiplier)) : row.Null();
		const OffsetEvidence &o = e.offset;
		row.Put(Int64GetDatum(o.runs));
		row.Put(Float8GetDatum(o.runs > 0 ? o.skipped / o.runs : 0.0));
		row.Put(Float8GetDatum(o.skipped_max));
		row.Put(Float8GetDatum(o.runs > 0 ? o.returned / o.runs : 0.0));
		row.Oid_(o.runs > 0 ? o.key_rel : InvalidOid);
		row.Text(o.runs > 0 ? KeysetText(o) : NULL);
	});
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_repeats);
PGDLLEXPORT Datum xray_repeats(PG_FUNCTION_ARGS);
}

// xray.repeats(): N+1 evidence per statement (repeat_signals.cpp).
Datum
xray_repeats(PG_FUNCTION_ARGS)
{
	using namespace xray::pg;
	return EmitStatements(fcinfo, repeat_signals, [](const RepeatEvidence &r, SrfRow &row) {
		row.Put(Int64GetDatum(r.xact_bursts));
		row.Put(Int64GetDatum(r.xact_max));
		row.Put(Int64GetDatum(r.xact_max_values));
		row.Put(Int64GetDatum(r.run_bursts));
		row.Put(Int64GetDatum(r.run_max));
		row.Put(Int64GetDatum(r.run_max_values));
		row.Oid_(r.userid);
		row.Put(Int32GetDatum(r.pid));
		row.Time(r.last);
	});
}
