// srf.hpp - helpers for pg_xray's set-returning SQL functions.
#pragma once
#include "compat.hpp"

namespace xray::pg
{
// CheckSrfColumns stops with a clear ERROR when the installed SQL definition of
// a function returns another number of columns than its C code builds (a
// library newer or older than the extension's SQL objects).
inline void
CheckSrfColumns(ReturnSetInfo *rsinfo, int built)
{
	if (rsinfo->setDesc->natts != built)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("pg_xray's SQL definitions do not match its library"),
				 errhint("Run ALTER EXTENSION pg_xray UPDATE, or reinstall pg_xray.")));
}

// RecordResult: the one row of a function returning a record, from values
// and nulls in the order of its declared columns.
inline Datum
RecordResult(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc desc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("function returning record called in context that cannot accept type record")));
	desc = BlessTupleDesc(desc);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// StartSrf prepares a materialized result set and returns it.
inline ReturnSetInfo *
StartSrf(FunctionCallInfo fcinfo)
{
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

// SrfRow appends Datums left to right; Done checks the count and stores the row.
// The one row builder of every set-returning function.
struct SrfRow
{
	static constexpr int kMax = 64;
	Datum values[kMax];
	bool nulls[kMax];
	int n = 0;

	void Put(Datum d)
	{
		nulls[n] = false;
		values[n++] = d;
	}
	void Null()
	{
		nulls[n] = true;
		values[n++] = (Datum) 0;
	}
	void Int64(int64 v) { Put(Int64GetDatum(v)); }
	void Float(double v) { Put(Float8GetDatum(v)); }
	void FloatOrNull(double v, bool null) { null ? Null() : Float(v); }
	void Oid_(Oid o) { OidIsValid(o) ? Put(ObjectIdGetDatum(o)) : Null(); }
	void QueryId(uint64 q) { q != 0 ? Put(Int64GetDatum((int64) q)) : Null(); }
	void Time(TimestampTz t) { t != 0 ? Put(TimestampTzGetDatum(t)) : Null(); }
	void Seconds(double s)
	{
		Interval *iv = (Interval *) palloc0(sizeof(Interval));
		iv->time = (TimeOffset) (Max(s, 0.0) * USECS_PER_SEC);
		Put(IntervalPGetDatum(iv));
	}
	void Text(const char *s) { s ? Put(CStringGetTextDatum(s)) : Null(); }
	void Done(ReturnSetInfo *rsinfo)
	{
		CheckSrfColumns(rsinfo, n);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
};
} // namespace xray::pg
