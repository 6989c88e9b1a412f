// heap_layout.hpp - how many heap pages a table's rows need when packed, with
// the tuple laid out as PostgreSQL lays it out (heaptuple.c, hio.c,
// rewriteheap.c): a 23-byte header, a null bitmap when the row has a NULL,
// every column aligned to its typalign in column order (short varlenas and
// TOAST pointers unaligned), the whole tuple MAXALIGNed, a 4-byte line pointer,
// pages filled up to the fillfactor.
//
// Pure functions; no allocation, no exceptions.
#pragma once
#include "pg_free.hpp"

#include <cstddef>
#include <cstdint>

namespace xray::core
{
constexpr int kPageHeaderBytes = 24;  // SizeOfPageHeaderData
constexpr int kLinePointerBytes = 4;  // sizeof(ItemIdData)
constexpr int kTupleHeaderBytes = 23; // SizeofHeapTupleHeader
constexpr int kMaxAlign = 8;		  // MAXIMUM_ALIGNOF on every platform PostgreSQL 15-18 builds for

// One column as the heap stores it (pg_attribute + pg_stats), dropped ones included.
struct ColumnLayout
{
	int len;		  // typlen: > 0 fixed width, -1 varlena, -2 cstring
	char align;		  // typalign: 'c', 's', 'i' or 'd'
	double width;	  // average stored bytes of a non-NULL value (pg_stats.avg_width; typlen when fixed)
	double null_frac; // share of rows where it is NULL (0..1)
	bool packable;	  // a varlena that takes a 1-byte header when short (attstorage <> 'p')
	bool varies;	  // values of different widths (varlena other than char(n))
};

struct TupleEstimate
{
	double bytes; // mean MAXALIGNed tuple length, header included, line pointer not
	bool fixed;	  // every row the same length (fixed-width columns, no NULL ever)
};

// EstimateTuple: the mean stored length of a row of these columns (ncols =
// every attribute the rows carry, dropped ones included: the null bitmap covers them).
TupleEstimate EstimateTuple(const ColumnLayout *cols, int ncols) noexcept;

// UsableBytes: the bytes of a page tuples may fill (page header and the
// fillfactor reserve taken off, as RelationGetTargetPageFreeSpace does).
int UsableBytes(int fillfactor, int block_size) noexcept;

// MaxTuplesPerPage: MaxHeapTuplesPerPage of block_size.
int MaxTuplesPerPage(int block_size) noexcept;

// PackedPages: the pages `tuples` rows of this mean length need when written
// in one pass (COPY, INSERT ... SELECT, VACUUM FULL). Rows of one length fill
// floor(usable / slot) per page; rows of varying length leave on average half
// a row free at the end of each page.
double PackedPages(double tuples, const TupleEstimate &t, int fillfactor, int block_size) noexcept;

// NextFitPages: the pages these tuples (MAXALIGNed lengths, in physical order)
// take when written one after the other the way a rewrite writes them (a new
// page when the next one does not fit).
double NextFitPages(const uint16_t *tuple_bytes, size_t n, int fillfactor, int block_size) noexcept;

// MeanAlignedBytes: the mean MAXALIGNed length of rows whose mean unaligned
// length is mean_len (pgstattuple's tuple_len / tuple_count): exact for rows
// of one length, half an alignment unit more on average otherwise.
double MeanAlignedBytes(double mean_len, bool fixed) noexcept;
} // namespace xray::core
