// worst_of_test.cpp - the worst instance of a plan node kind across runs.
#include "worst_of.hpp"

#include <gtest/gtest.h>

using namespace xray::core;

namespace
{
struct Spill
{
	uint32_t runs;
	double disk_kb;
	int tag;
	double Worst() const { return disk_kb; }
};

struct Paged
{
	uint32_t runs;
	double skipped, skipped_max, returned;
	int keys; // stands for the order's description
};
} // namespace

TEST(WorstOf, KeepWorseWithinOneExecution)
{
	Spill worst{};
	EXPECT_TRUE(KeepWorse(worst, Spill{0, 100, 1}));
	EXPECT_FALSE(KeepWorse(worst, Spill{0, 50, 2}));
	EXPECT_FALSE(KeepWorse(worst, Spill{0, 100, 3})) << "a tie keeps the first";
	EXPECT_TRUE(KeepWorse(worst, Spill{0, 300, 4}));
	EXPECT_EQ(worst.tag, 4);
	EXPECT_EQ(worst.runs, 1u) << "one execution counts once, however many nodes spilled";
}

TEST(WorstOf, MergeWorseAcrossExecutions)
{
	Spill s{3, 500, 1};
	MergeWorse(s, Spill{1, 200, 2});
	EXPECT_EQ(s.runs, 4u);
	EXPECT_EQ(s.tag, 1);
	MergeWorse(s, Spill{1, 900, 3});
	EXPECT_EQ(s.runs, 5u);
	EXPECT_EQ(s.tag, 3);
	EXPECT_DOUBLE_EQ(s.disk_kb, 900);
	MergeWorse(s, Spill{0, 0, 4});
	EXPECT_EQ(s.runs, 5u) << "an execution without one adds nothing";
}

TEST(WorstOf, MergePaged)
{
	Paged p{2, 2000, 1500, 40, 1};
	MergePaged(p, Paged{0, 0, 0, 0, 9}, true);
	EXPECT_EQ(p.runs, 2u) << "no OFFSET in that run";
	MergePaged(p, Paged{1, 3000, 3000, 20, 2}, false);
	EXPECT_EQ(p.runs, 3u);
	EXPECT_DOUBLE_EQ(p.skipped, 5000);
	EXPECT_DOUBLE_EQ(p.skipped_max, 3000);
	EXPECT_DOUBLE_EQ(p.returned, 60);
	EXPECT_EQ(p.keys, 1) << "a run without keys keeps the known order";
	MergePaged(p, Paged{1, 10, 10, 20, 3}, true);
	EXPECT_EQ(p.keys, 3) << "the newest order is kept";
	EXPECT_DOUBLE_EQ(p.skipped_max, 3000);
}
