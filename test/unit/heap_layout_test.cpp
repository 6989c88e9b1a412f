// heap_layout_test.cpp - tuple lengths and packed pages per table shape, checked
// against the layout heaptuple.c produces (worked out by hand per case).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "heap_layout.hpp"

using namespace xray::core;

namespace
{
ColumnLayout
Fixed(int len, char align, double null_frac = 0.0)
{
	return ColumnLayout{len, align, static_cast<double>(len), null_frac, false, false};
}

ColumnLayout
Varlena(double width, double null_frac = 0.0, bool varies = true, char align = 'i')
{
	return ColumnLayout{-1, align, width, null_frac, true, varies};
}
} // namespace

TEST(HeapLayout, AlignmentPaddingBetweenColumns)
{
	// (bool, int8, int2, int8, int4): 1, pad 7, 8, 2, pad 6, 8, 4 = 36 data bytes;
	// header 24, tuple 60 -> MAXALIGN 64
	std::vector<ColumnLayout> c = {Fixed(1, 'c'), Fixed(8, 'd'), Fixed(2, 's'), Fixed(8, 'd'), Fixed(4, 'i')};
	TupleEstimate t = EstimateTuple(c.data(), static_cast<int>(c.size()));
	EXPECT_DOUBLE_EQ(t.bytes, 64.0);
	EXPECT_TRUE(t.fixed);
	// 8168 usable bytes / 68 per row = 120 rows a page
	EXPECT_DOUBLE_EQ(PackedPages(1200000, t, 100, 8192), 10000.0);
	// the same columns ordered by alignment need no padding: 8+8+4+2+1 = 23 -> 24 + 23 = 47 -> 48
	std::vector<ColumnLayout> o = {Fixed(8, 'd'), Fixed(8, 'd'), Fixed(4, 'i'), Fixed(2, 's'), Fixed(1, 'c')};
	EXPECT_DOUBLE_EQ(EstimateTuple(o.data(), 5).bytes, 48.0);
}

TEST(HeapLayout, IntegerPair)
{
	// (int4, int4): the pgbench-like narrow table: 24 + 8 = 32 bytes, 226 a page
	std::vector<ColumnLayout> c = {Fixed(4, 'i'), Fixed(4, 'i')};
	TupleEstimate t = EstimateTuple(c.data(), 2);
	EXPECT_DOUBLE_EQ(t.bytes, 32.0);
	EXPECT_DOUBLE_EQ(PackedPages(226, t, 100, 8192), 1.0);
	EXPECT_DOUBLE_EQ(PackedPages(227, t, 100, 8192), 2.0);
}

TEST(HeapLayout, NullsWeighAndAddTheBitmap)
{
	// 40 int8 columns, each NULL in 90 % of rows: the bitmap (5 bytes) is in
	// nearly every row: header MAXALIGN(23 + 5) = 32; data 40 * 0.1 * 8 = 32
	std::vector<ColumnLayout> c(40, Fixed(8, 'd', 0.9));
	TupleEstimate t = EstimateTuple(c.data(), 40);
	EXPECT_NEAR(t.bytes, 32.0 + 32.0, 0.01);
	EXPECT_FALSE(t.fixed);
	// without NULLs: 24 + 320
	std::vector<ColumnLayout> full(40, Fixed(8, 'd'));
	EXPECT_DOUBLE_EQ(EstimateTuple(full.data(), 40).bytes, 344.0);
	// a column that is always NULL (a dropped column after a rewrite) takes no data
	std::vector<ColumnLayout> d = {Fixed(4, 'i'), Fixed(8, 'd', 1.0), Fixed(4, 'i')};
	TupleEstimate td = EstimateTuple(d.data(), 3);
	EXPECT_DOUBLE_EQ(td.bytes, 32.0); // header 24 (bitmap of 1 byte fits), data 8
	EXPECT_TRUE(td.fixed);
}

TEST(HeapLayout, ShortVarlenasAreUnaligned)
{
	// (int4 id, text of 11 bytes stored = 1-byte header + 10, int8)
	// 4, text at 4 unaligned -> 15, int8 aligned at 16 -> 24 data; 24 + 24 = 48
	std::vector<ColumnLayout> c = {Fixed(4, 'i'), Varlena(11, 0.0, false), Fixed(8, 'd')};
	EXPECT_DOUBLE_EQ(EstimateTuple(c.data(), 3).bytes, 48.0);
	// a long varlena (4-byte header) is int-aligned: (bool, 200-byte text): 1, pad 3, 200 = 204
	std::vector<ColumnLayout> l = {Fixed(1, 'c'), Varlena(200, 0.0, false)};
	EXPECT_DOUBLE_EQ(EstimateTuple(l.data(), 2).bytes, 24.0 + 208.0);
	// a double-aligned array (float8[]) of 300 bytes after an int4: pad to 8
	std::vector<ColumnLayout> a = {Fixed(4, 'i'), Varlena(300, 0.0, false, 'd')};
	EXPECT_DOUBLE_EQ(EstimateTuple(a.data(), 2).bytes, 24.0 + 8.0 + 304.0);
}

TEST(HeapLayout, VaryingWidthsSpreadTheTail)
{
	// text of varying length (mean 40): the tuple's final MAXALIGN adds 3.5 on average
	std::vector<ColumnLayout> c = {Fixed(8, 'd'), Varlena(40)};
	TupleEstimate t = EstimateTuple(c.data(), 2);
	EXPECT_NEAR(t.bytes, 24.0 + 48.0 + 3.5, 1e-9);
	EXPECT_FALSE(t.fixed);
	// pages leave half a row free at their end on average
	double slot = t.bytes + 4;
	EXPECT_NEAR(PackedPages(100000, t, 100, 8192), 100000 / (8168 / slot - 0.5), 1e-6);
}

TEST(HeapLayout, FillfactorAppliesToThePackedSize)
{
	std::vector<ColumnLayout> c = {Fixed(4, 'i'), Fixed(4, 'i')};
	TupleEstimate t = EstimateTuple(c.data(), 2);
	// fillfactor 50 keeps 4096 bytes free: 8168 - 4096 = 4072 usable, 113 rows a page
	EXPECT_EQ(UsableBytes(50, 8192), 4072);
	EXPECT_DOUBLE_EQ(PackedPages(113, t, 50, 8192), 1.0);
	EXPECT_DOUBLE_EQ(PackedPages(114, t, 50, 8192), 2.0);
	// nonsense fillfactors count as the default
	EXPECT_EQ(UsableBytes(0, 8192), 8168);
	EXPECT_EQ(UsableBytes(500, 8192), 8168);
}

TEST(HeapLayout, LinePointerCap)
{
	// empty rows (no columns): 24 + 4 per row would fit 291; MaxHeapTuplesPerPage is 291
	EXPECT_EQ(MaxTuplesPerPage(8192), 291);
	TupleEstimate t = EstimateTuple(nullptr, 0);
	EXPECT_DOUBLE_EQ(t.bytes, 24.0);
	EXPECT_DOUBLE_EQ(PackedPages(291, t, 100, 8192), 1.0);
	EXPECT_DOUBLE_EQ(PackedPages(292, t, 100, 8192), 2.0);
}

TEST(HeapLayout, NextFitAsARewriteWritesIt)
{
	// TOAST chunks: 4 full chunks (2032 + 4) fill a page; a value's last,
	// smaller chunk starts the next one
	std::vector<uint16_t> chunks;
	for (int v = 0; v < 10; v++)
	{
		for (int k = 0; k < 4; k++)
			chunks.push_back(2032);
		chunks.push_back(1000);
	}
	// a page holds 4 full chunks, or a last chunk and 3 full ones (1004 + 3 * 2036
	// = 7112; a 4th does not fit): 13 pages, the last 37 % full, where the bytes
	// alone would fill 11.2
	double pages = NextFitPages(chunks.data(), chunks.size(), 100, 8192);
	EXPECT_NEAR(pages, 12.0 + 3040.0 / 8168.0, 1e-9);
	// a tuple larger than the fill target still gets a page of its own
	std::vector<uint16_t> big = {5000, 5000, 5000};
	EXPECT_DOUBLE_EQ(NextFitPages(big.data(), 3, 50, 8192), 3.0);
	EXPECT_DOUBLE_EQ(NextFitPages(nullptr, 0, 100, 8192), 0.0);
}

TEST(HeapLayout, MeanAlignedBytes)
{
	EXPECT_DOUBLE_EQ(MeanAlignedBytes(36.0, true), 40.0);
	EXPECT_DOUBLE_EQ(MeanAlignedBytes(40.0, true), 40.0);
	EXPECT_DOUBLE_EQ(MeanAlignedBytes(36.0, false), 39.5);
	EXPECT_DOUBLE_EQ(MeanAlignedBytes(0.0, false), 0.0);
}
