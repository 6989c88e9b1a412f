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

TEST(Counters, MergeAddsTheNewerServersCounters)
{
	StmtCounters a{}, b{};
	a.io.local_blk_read_time = 1.0;
	b.io.local_blk_read_time = 2.0;
	b.io.local_blk_write_time = 0.5;
	b.io.wal_buffers_full = 3;
	a.jit.functions = 4;
	b.jit.functions = 6;
	b.jit.generation_time = 1.25;
	b.jit.inlining_count = 1;
	b.jit.inlining_time = 2.5;
	b.jit.optimization_count = 1;
	b.jit.optimization_time = 3.5;
	b.jit.emission_count = 1;
	b.jit.emission_time = 4.5;
	b.jit.deform_count = 2;
	b.jit.deform_time = 0.75;
	a.parallel_workers_to_launch = 2;
	b.parallel_workers_to_launch = 2;
	b.parallel_workers_launched = 1;
	CountersMerge(a, b);
	EXPECT_DOUBLE_EQ(a.io.local_blk_read_time, 3.0);
	EXPECT_DOUBLE_EQ(a.io.local_blk_write_time, 0.5);
	EXPECT_EQ(a.io.wal_buffers_full, 3);
	EXPECT_EQ(a.jit.functions, 10);
	EXPECT_DOUBLE_EQ(a.jit.generation_time, 1.25);
	EXPECT_EQ(a.jit.inlining_count + a.jit.optimization_count + a.jit.emission_count, 3);
	EXPECT_DOUBLE_EQ(a.jit.inlining_time + a.jit.optimization_time + a.jit.emission_time, 10.5);
	EXPECT_EQ(a.jit.deform_count, 2);
	EXPECT_DOUBLE_EQ(a.jit.deform_time, 0.75);
	EXPECT_EQ(a.parallel_workers_to_launch, 4);
	EXPECT_EQ(a.parallel_workers_launched, 1);
}
