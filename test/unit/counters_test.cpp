// counters_test.cpp - batch merging gives the same mean/stddev as one series.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "counters.hpp"

using namespace xray::core;

TEST(Counters, MergedBatchesEqualOneSeries)
{
	std::mt19937 rng(1);
	std::exponential_distribution<double> d(0.5);
	TimingStats whole{}, merged{}, batch{};
	for (int i = 0; i < 10000; i++)
	{
		double v = d(rng);
		TimingAdd(whole, v);
		TimingAdd(batch, v);
		if (i % 37 == 0)
		{
			TimingMerge(merged, batch);
			batch = TimingStats{};
		}
	}
	TimingMerge(merged, batch);
	EXPECT_EQ(merged.count, whole.count);
	EXPECT_NEAR(merged.total, whole.total, 1e-6);
	EXPECT_NEAR(merged.mean, whole.mean, 1e-9);
	EXPECT_NEAR(TimingStddev(merged), TimingStddev(whole), 1e-9);
	EXPECT_EQ(merged.min, whole.min);
	EXPECT_EQ(merged.max, whole.max);
}

TEST(Counters, StddevOfKnownSeries)
{
	TimingStats s{};
	for (double v : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0})
		TimingAdd(s, v);
	EXPECT_DOUBLE_EQ(s.mean, 5.0);
	EXPECT_DOUBLE_EQ(TimingStddev(s), 2.0);
	TimingStats one{};
	TimingAdd(one, 3.0);
	EXPECT_EQ(TimingStddev(one), 0.0);
}

TEST(Counters, CountersMergeAddsEverything)
{
	StmtCounters a{}, b{};
	TimingAdd(a.exec, 1.0);
	TimingAdd(b.exec, 3.0);
	a.rows = 5;
	b.rows = 7;
	b.errors = 2;
	b.error_time = 1.5;
	a.io.shared_blks_hit = 10;
	b.io.shared_blks_hit = 1;
	b.io.wal_bytes = 100;
	CountersMerge(a, b);
	EXPECT_EQ(a.exec.count, 2);
	EXPECT_EQ(a.rows, 12);
	EXPECT_EQ(a.errors, 2);
	EXPECT_EQ(a.io.shared_blks_hit, 11);
	EXPECT_EQ(a.io.wal_bytes, 100u);
	EXPECT_DOUBLE_EQ(a.exec.mean, 2.0);
}
