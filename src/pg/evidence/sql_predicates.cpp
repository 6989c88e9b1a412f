// sql_predicates.cpp - xray.predicates(): what sampled executions did with
// each table's columns (conditions, sort keys, join keys), per statement.
#include "compat.hpp"
#include "shared_modules.hpp"
#include "evidence/scan_signals.hpp"
#include "srf.hpp"
#include "recorder/store.hpp"

extern "C" {
#include "utils/syscache.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_predicates);
PGDLLEXPORT Datum xray_predicates(PG_FUNCTION_ARGS);
}

namespace
{
constexpr int kPredicateCols = 12;
}

Datum
xray_predicates(PG_FUNCTION_ARGS)
{
	using namespace xray::pg;
	CheckPreloaded();
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	CheckSrfColumns(rsinfo, kPredicateCols);
	int n = 0;
	auto *slots = scan_signals.Copy(MyDatabaseId, &n);
	for (int i = 0; i < n; i++)
	{
		const ScanSignal &sig = slots[i].v;
		Oid relid = slots[i].key.relid;
		if (sig.runs == 0)
			continue;
		// a table dropped since has no columns to name
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			continue;
		for (int k = 0; k < sig.nfilters; k++)
		{
			const SignalUse &u = sig.filters[k];
			char *att = get_attname(relid, u.att, true);
			if (att == NULL)
				continue;
			const char *column = quote_identifier(att);
			if (u.func != InvalidOid)
			{
				char *fn = get_func_name(u.func);
				column = psprintf("%s(%s)", fn ? quote_identifier(fn) : "?", column);
			}
			else if (u.cast != InvalidOid)
				column = psprintf("%s::%s", column, format_type_be(u.cast));
			SrfRow row;
			row.Int64((int64) slots[i].key.queryid);
			row.Put(ObjectIdGetDatum(relid));
			row.Put(Int16GetDatum(u.att));
			row.Text(column);
			row.Text(SignalKindName(u.kind));
			row.Int64(sig.runs);
			row.Int64(sig.seq_scans);
			row.Int64(sig.limited);
			row.Float(sig.rows);
			row.Float(sig.removed);
			row.Float(sig.rows + sig.removed > 0 ? sig.removed / (sig.rows + sig.removed) : 0.0);
			row.Float(sig.est_rows);
			row.Done(rsinfo);
		}
	}
	return (Datum) 0;
}
