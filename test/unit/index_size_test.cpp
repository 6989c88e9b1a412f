// index_size_test.cpp - btree size estimates against known shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "index_size.hpp"

using namespace xray::core;

TEST(IndexSize, IntegerKeyOnAMillionRows)
{
	// int4 keys: 4 + 8 + 8 = 20 bytes a tuple, (8192 - 40) * 0.9 / 20 = 366 a page
	BtreeSize s = EstimateBtree(1e6, 4, 8192, 0.9);
	EXPECT_EQ(s.leaf_pages, 2733);
	EXPECT_EQ(s.height, 2);
	EXPECT_GT(s.pages, s.leaf_pages);
	EXPECT_LT(s.pages, s.leaf_pages * 1.01 + 2);
}

TEST(IndexSize, WiderKeysTakeMorePagesAndTinyTablesOnePage)
{
	EXPECT_GT(EstimateBtree(1e5, 40, 8192, 0.9).pages, EstimateBtree(1e5, 8, 8192, 0.9).pages);
	BtreeSize tiny = EstimateBtree(10, 8, 8192, 0.9);
	EXPECT_EQ(tiny.leaf_pages, 1);
	EXPECT_EQ(tiny.height, 0);
	BtreeSize none = EstimateBtree(-1, -1, 8192, 7);
	EXPECT_EQ(none.leaf_pages, 1);
}

TEST(IndexSize, GinPagesFromEntries)
{
	// 100,000 values of 40 bytes: 10 entries each, 3 bytes per entry compressed
	// -> 3,000,000 bytes over 8152-byte pages, plus metapage and root
	EXPECT_DOUBLE_EQ(xray::core::EstimateGinPages(100000, 40, 8192), std::ceil(3000000.0 / 8152) + 2);
	// a value narrower than 4 bytes still makes one entry; no rows: the two fixed pages
	EXPECT_DOUBLE_EQ(xray::core::EstimateGinPages(1000, 2, 8192), std::ceil(3000.0 / 8152) + 2);
	EXPECT_DOUBLE_EQ(xray::core::EstimateGinPages(0, 40, 8192), 2.0);
}
