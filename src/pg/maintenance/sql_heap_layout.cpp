// sql_heap_layout.cpp - SQL wrappers of the heap layout arithmetic
// (core/heap_layout.hpp) used by xray.table_bloat: the packed size of a table
// from its columns' statistics, and a bounded sample of a relation's pages
// measuring the tuples as they are stored (for TOAST relations, tables with
// dropped columns, and the exact mode's packed size).
#include "srf.hpp"
#include "heap_layout.hpp"

#include "compat.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/rel.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_heap_estimate);
PG_FUNCTION_INFO_V1(xray_heap_sample);
PGDLLEXPORT Datum xray_heap_estimate(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_heap_sample(PG_FUNCTION_ARGS);
}

namespace
{

// Elements of a one-dimensional array argument without NULLs, as Datums.
int
ArrayArg(FunctionCallInfo fcinfo, int argno, Oid elemtype, const char *name, Datum **elems)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", name)));
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_ELEMTYPE(a) != elemtype || ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must be a one-dimensional array", name)));
	int16 len;
	bool byval;
	char align;
	get_typlenbyvalalign(elemtype, &len, &byval, &align);
	bool *isnull;
	int n;
	deconstruct_array(a, elemtype, len, byval, align, elems, &isnull, &n);
	for (int i = 0; i < n; i++)
		if (isnull[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULL", name)));
	return n;
}
} // namespace

// xray._heap_estimate(tuples float8, lens int4[], aligns "char"[], widths float8[],
//                     null_fracs float8[], packable bool[], varies bool[], fillfactor int)
//   -> (pages float8, tuple_bytes float8, fixed bool)
// One array element per attribute of the rows, in attnum order, dropped ones included.
Datum
xray_heap_estimate(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(7))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("tuples and fillfactor must not be NULL")));
	double tuples = PG_GETARG_FLOAT8(0);
	int fillfactor = PG_GETARG_INT32(7);
	Datum *lens, *aligns, *widths, *nulls, *packable, *varies;
	int n = ArrayArg(fcinfo, 1, INT4OID, "lens", &lens);
	if (ArrayArg(fcinfo, 2, CHAROID, "aligns", &aligns) != n ||
		ArrayArg(fcinfo, 3, FLOAT8OID, "widths", &widths) != n ||
		ArrayArg(fcinfo, 4, FLOAT8OID, "null_fracs", &nulls) != n ||
		ArrayArg(fcinfo, 5, BOOLOID, "packable", &packable) != n ||
		ArrayArg(fcinfo, 6, BOOLOID, "varies", &varies) != n)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("the column arrays must have the same length")));
	if (n > MaxHeapAttributeNumber)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("a heap row has at most %d columns", MaxHeapAttributeNumber)));
	xray::core::ColumnLayout *cols = (xray::core::ColumnLayout *) palloc(sizeof(xray::core::ColumnLayout) * Max(n, 1));
	for (int i = 0; i < n; i++)
		cols[i] =
			xray::core::ColumnLayout{DatumGetInt32(lens[i]),   DatumGetChar(aligns[i]),	  DatumGetFloat8(widths[i]),
									 DatumGetFloat8(nulls[i]), DatumGetBool(packable[i]), DatumGetBool(varies[i])};
	xray::core::TupleEstimate t = xray::core::EstimateTuple(cols, n);
	Datum values[3];
	bool isnull[3] = {false, false, false};
	values[0] = Float8GetDatum(xray::core::PackedPages(tuples, t, fillfactor, BLCKSZ));
	values[1] = Float8GetDatum(t.bytes);
	values[2] = BoolGetDatum(t.fixed);
	return xray::pg::RecordResult(fcinfo, values, isnull);
}

// xray._heap_sample(rel regclass, toast bool, max_pages int, fillfactor int)
//   -> (pages_read int, tuples bigint, mean_tuple_bytes float8, packed_pages float8, line_pointers bigint)
// Reads up to max_pages pages spread evenly over the table (or its TOAST
// relation) and measures the stored tuples (live and dead alike: the same
// shapes): their mean MAXALIGNed length, the pages they take written one
// after the other, and the line pointers of the pages (used or not). NULLs when the caller may not read the table
// (SELECT on it, or pg_stat_scan_tables), for other sessions' temporary tables, other table access methods and empty
// relations.
Datum
xray_heap_sample(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the arguments must not be NULL")));
	Oid relid = PG_GETARG_OID(0);
	bool toast = PG_GETARG_BOOL(1);
	int max_pages = PG_GETARG_INT32(2);
	int fillfactor = PG_GETARG_INT32(3);
	if (max_pages < 1 || max_pages > 100000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_pages must be between 1 and 100000")));
	Datum values[5];
	bool nulls[5] = {true, true, true, true, true};
	Oid user = GetUserId();
	bool missing = false;
	if (pg_class_aclcheck_ext(relid, user, ACL_SELECT, &missing) != ACLCHECK_OK &&
		(missing || !has_privs_of_role(user, ROLE_PG_STAT_SCAN_TABLES)))
		return xray::pg::RecordResult(fcinfo, values, nulls);
	Relation owner = try_relation_open(relid, AccessShareLock);
	if (owner == NULL)
		return xray::pg::RecordResult(fcinfo, values, nulls);
	Relation rel = owner;
	char kind = owner->rd_rel->relkind;
	bool readable = (kind == RELKIND_RELATION || kind == RELKIND_MATVIEW) && !RELATION_IS_OTHER_TEMP(owner) &&
					owner->rd_rel->relam == HEAP_TABLE_AM_OID;
	if (readable && toast)
	{
		Oid toastid = owner->rd_rel->reltoastrelid;
		rel = OidIsValid(toastid) ? try_relation_open(toastid, AccessShareLock) : NULL;
		readable = rel != NULL;
	}
	if (readable)
	{
		BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
		BlockNumber npages = Min(nblocks, (BlockNumber) max_pages);
		int per_page = xray::core::MaxTuplesPerPage(BLCKSZ);
		uint16 *lens = (uint16 *) palloc(sizeof(uint16) * Max(npages, 1) * per_page);
		size_t ntuples = 0;
		int64 lines = 0;
		double total = 0.0;
		BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
		for (BlockNumber i = 0; i < npages; i++)
		{
			CHECK_FOR_INTERRUPTS();
			BlockNumber blk = (BlockNumber) ((uint64) i * nblocks / npages);
			Buffer buf = ReadBufferExtended(rel, MAIN_FORKNUM, blk, RBM_NORMAL, strategy);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			Page page = BufferGetPage(buf);
			if (!PageIsNew(page))
			{
				OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
				lines += maxoff;
				for (OffsetNumber off = FirstOffsetNumber; off <= maxoff && (int) off <= per_page; off++)
				{
					ItemId item = PageGetItemId(page, off);
					if (!ItemIdIsNormal(item))
						continue;
					uint16 len = (uint16) MAXALIGN(ItemIdGetLength(item));
					lens[ntuples++] = len;
					total += len;
				}
			}
			UnlockReleaseBuffer(buf);
		}
		FreeAccessStrategy(strategy);
		values[0] = Int32GetDatum((int32) npages);
		values[1] = Int64GetDatum((int64) ntuples);
		values[4] = Int64GetDatum(lines);
		nulls[0] = nulls[1] = nulls[4] = false;
		if (ntuples > 0)
		{
			values[2] = Float8GetDatum(total / ntuples);
			values[3] = Float8GetDatum(xray::core::NextFitPages(lens, ntuples, toast ? 100 : fillfactor, BLCKSZ));
			nulls[2] = nulls[3] = false;
		}
		pfree(lens);
	}
	if (rel != NULL && rel != owner)
		relation_close(rel, AccessShareLock);
	relation_close(owner, AccessShareLock);
	return xray::pg::RecordResult(fcinfo, values, nulls);
}
