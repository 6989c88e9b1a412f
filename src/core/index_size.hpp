// index_size.hpp - size of a btree or gin index estimated from statistics.
//
// Used to size hypothetical indexes (what-if planning) and to judge bloat. A
// leaf tuple takes a 4-byte line pointer, an 8-byte tuple header and the key
// widths rounded up to 8 bytes; leaf pages keep 40 bytes of page header and
// special space and are filled to the fill factor; internal pages add about
// 1/fanout on top.
#pragma once
#include "pg_free.hpp"

namespace xray::core
{
struct BtreeSize
{
	double leaf_pages;
	double pages; // leaf + internal pages, at least 1
	int height;	  // levels above the leaves (0 for a single page)
};

BtreeSize EstimateBtree(double tuples, double key_width, int block_size, double fillfactor) noexcept;

// EstimateGinPages: pages of a gin index over one column of this average width:
// about one entry per 4 bytes of value (trigrams, jsonb paths), each a 6-byte
// item pointer in posting lists compressed to about half, plus the metapage and
// a root.
double EstimateGinPages(double tuples, double value_width, int block_size) noexcept;
} // namespace xray::core
