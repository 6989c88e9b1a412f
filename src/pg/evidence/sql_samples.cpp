// sql_samples.cpp - xray.statement_samples(): the statement texts kept with
// their constants (one per statement of the current database), for the fleet's
// advisor: the primary plans a statement only a standby ran as it was run there
// (custom plans, partial-index literals), read through xray.node_samples.
//
// The texts carry the values statements ran with: EXECUTE is for
// pg_read_all_stats only (as pg_stat_activity's query column of other roles).
#include "compat.hpp"
#include "shared_modules.hpp"
#include "evidence/samples.hpp"
#include "srf.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(xray_statement_samples);
PGDLLEXPORT Datum xray_statement_samples(PG_FUNCTION_ARGS);
}

namespace
{
constexpr int kSampleCols = 6;

Datum
Int4Array(const Datum *v, int n)
{
	return PointerGetDatum(construct_array(const_cast<Datum *>(v), n, INT4OID, 4, true, TYPALIGN_INT));
}
} // namespace

Datum
xray_statement_samples(PG_FUNCTION_ARGS)
{
	using namespace xray::pg;
	CheckPreloaded();
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	CheckSrfColumns(rsinfo, kSampleCols);
	const uint32 nslots = SampleSlots();
	SampleInfo info;
	Datum at[kSampleConsts], len[kSampleConsts], differed[kSampleConsts];
	for (uint32 i = 0; i < nslots; i++)
	{
		CHECK_FOR_INTERRUPTS();
		uint64 queryid = 0;
		if (!SampleAt(i, MyDatabaseId, &queryid, &info))
			continue;
		for (int k = 0; k < info.nconst; k++)
		{
			at[k] = Int32GetDatum(info.consts[k].at);
			len[k] = Int32GetDatum(info.consts[k].len);
			differed[k] = Int32GetDatum((int32) info.differed[k]);
		}
		SrfRow row;
		row.QueryId(queryid);
		row.Text(info.text);
		row.Put(Int4Array(at, info.nconst));
		row.Put(Int4Array(len, info.nconst));
		row.Put(Int4Array(differed, info.nconst));
		row.Int64((int64) info.nsamples);
		row.Done(rsinfo);
		pfree(info.text);
	}
	return (Datum) 0;
}
