// sql_histograms.cpp - the latency histograms behind xray.statements'
// percentiles, for merging across servers (xray.fleet_statements_merged):
// xray.statement_histograms() lists each statement's non-empty buckets, and
// xray.histogram_quantile() reads a quantile off buckets summed from several.
//
// Text visibility as in xray.statements: another role's query id is NULL for a
// caller without pg_read_all_stats (its buckets alone tell nothing of its text).

#include "histogram.hpp"

#include "compat.hpp"
#include "shared_modules.hpp"
#include "recorder/store.hpp"
#include "srf.hpp"
#include "text_access.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(xray_statement_histograms);
PG_FUNCTION_INFO_V1(xray_histogram_quantile);
PGDLLEXPORT Datum xray_statement_histograms(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_histogram_quantile(PG_FUNCTION_ARGS);
}

namespace
{
using namespace xray::pg;

Datum
IntArray(const Datum *v, int n, Oid type)
{
	int16 len;
	bool byval;
	char align;
	get_typlenbyvalalign(type, &len, &byval, &align);
	return PointerGetDatum(construct_array(const_cast<Datum *>(v), n, type, len, byval, align));
}
} // namespace

Datum
xray_statement_histograms(PG_FUNCTION_ARGS)
{
	CheckPreloaded();
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TextAccess access;
	int nrows;
	StmtRow *rows = StoreSnapshotStatements(&nrows);
	Datum buckets[xray::core::kHistBuckets], counts[xray::core::kHistBuckets];
	for (int i = 0; i < nrows; i++)
	{
		const StmtRow &r = rows[i];
		int n = 0;
		for (int b = 0; b < xray::core::kHistBuckets; b++)
			if (r.hist[b] > 0)
			{
				buckets[n] = Int32GetDatum(b);
				counts[n++] = Int64GetDatum((int64) r.hist[b]);
			}
		SrfRow c;
		c.Put(ObjectIdGetDatum(r.key.userid));
		c.Put(ObjectIdGetDatum(r.key.dbid));
		c.Put(BoolGetDatum(r.key.toplevel));
		access.Sees(r.key.userid) ? c.Int64((int64) r.key.queryid) : c.Null();
		c.Put(IntArray(buckets, n, INT4OID));
		c.Put(IntArray(counts, n, INT8OID));
		c.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_histogram_quantile(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	ArrayType *ba = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType *ca = PG_GETARG_ARRAYTYPE_P(1);
	double q = PG_GETARG_FLOAT8(2);
	if (!(q > 0 && q <= 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("quantile must be in (0, 1], not %g", q)));
	Datum *bv, *cv;
	bool *bn, *cn;
	int nb, nc;
	deconstruct_array(ba, INT4OID, 4, true, TYPALIGN_INT, &bv, &bn, &nb);
	deconstruct_array(ca, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &cv, &cn, &nc);
	if (nb != nc)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("buckets and counts differ in length (%d and %d)", nb, nc)));
	uint64 hist[xray::core::kHistBuckets] = {0};
	for (int i = 0; i < nb; i++)
	{
		if (bn[i] || cn[i])
			continue;
		int b = DatumGetInt32(bv[i]);
		int64 count = DatumGetInt64(cv[i]);
		if (b < 0 || b >= xray::core::kHistBuckets)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("bucket %d is out of range 0..%d", b, xray::core::kHistBuckets - 1)));
		if (count < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("a bucket count must not be negative")));
		hist[b] += (uint64) count;
	}
	double v = xray::core::HistQuantile(hist, q);
	if (v < 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(v);
}
