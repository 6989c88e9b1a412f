// maintenance_test.cpp - wraparound math, autovacuum triggers and heap estimates on synthetic inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "maintenance.hpp"

using namespace xray::core;

TEST(Wraparound, PercentagesAndDaysLeft)
{
	// 150M old, forced at 200M, 10M consumed a day
	WraparoundForecast f = ForecastWraparound(150000000, 200000000, 10000000.0);
	EXPECT_DOUBLE_EQ(f.pct_to_forced, 75.0);
	EXPECT_NEAR(f.pct_to_stop, 100.0 * 150000000 / 2144483647.0, 1e-9);
	EXPECT_DOUBLE_EQ(f.days_to_forced, 5.0);
	EXPECT_NEAR(f.days_to_stop, (2144483647.0 - 150000000.0) / 1e7, 1e-6);
	EXPECT_FALSE(f.forced_now);
}

TEST(Wraparound, PastTheForcedAgeAndUnknownRate)
{
	WraparoundForecast f = ForecastWraparound(250000000, 200000000, 0.0);
	EXPECT_TRUE(f.forced_now);
	EXPECT_DOUBLE_EQ(f.pct_to_forced, 125.0);
	EXPECT_LT(f.days_to_forced, 0.0); // no rate: unknown
	EXPECT_LT(f.days_to_stop, 0.0);
	WraparoundForecast g = ForecastWraparound(250000000, 200000000, 1e6);
	EXPECT_DOUBLE_EQ(g.days_to_forced, 0.0); // already due
	EXPECT_GT(g.days_to_stop, 1000.0);
	// at the stop age: 100 %, nothing left
	WraparoundForecast h = ForecastWraparound(kWrapStopAge, 200000000, 1e6);
	EXPECT_DOUBLE_EQ(h.pct_to_stop, 100.0);
	EXPECT_DOUBLE_EQ(h.days_to_stop, 0.0);
	// negative ages (clock or input noise) count as 0
	EXPECT_DOUBLE_EQ(ForecastWraparound(-5, 200000000, 1e6).pct_to_forced, 0.0);
}

TEST(Wraparound, ConsumptionRate)
{
	EXPECT_DOUBLE_EQ(ConsumptionPerDay(1000, 0.0, 2000, 86.4), 1000000.0);
	EXPECT_LT(ConsumptionPerDay(1000, 5.0, 2000, 5.0), 0.0);  // same instant
	EXPECT_LT(ConsumptionPerDay(2000, 0.0, 1000, 10.0), 0.0); // went backwards
	EXPECT_DOUBLE_EQ(ConsumptionPerDay(7, 0.0, 7, 10.0), 0.0);
	// 64-bit ids past 2^32 (epochs) work
	EXPECT_DOUBLE_EQ(ConsumptionPerDay(5000000000ULL, 0.0, 5000086400ULL, 86400.0), 86400.0);
}

TEST(Autovacuum, TriggerAndSuggestedScaleFactor)
{
	EXPECT_DOUBLE_EQ(AutovacuumTrigger(50, 0.2, 1000000), 200050.0);
	EXPECT_DOUBLE_EQ(AutovacuumTrigger(50, 0.2, -1), 50.0); // never analyzed
	// 100M rows at 0.2 fire at 20M dead rows; to fire near 1M: 0.0099 (rounded down)
	double s = SuggestedScaleFactor(1e8, 50, 0.2, 1e6);
	EXPECT_NEAR(s, 0.0099, 1e-9);
	EXPECT_LE(AutovacuumTrigger(50, s, 1e8), 1e6);
	EXPECT_DOUBLE_EQ(SuggestedScaleFactor(1e4, 50, 0.2, 1e6), 0.2);	  // small table: keep
	EXPECT_DOUBLE_EQ(SuggestedScaleFactor(1e12, 50, 0.2, 10), 0.001); // floor
}

TEST(Heap, PagesFromStatistics)
{
	// int + int: 8 data bytes, 24-byte header+data aligned 32 + 4 line pointer: 226 per page
	HeapShape h{1000000, 8, 2, false, 100, 8192};
	EXPECT_DOUBLE_EQ(EstimateHeapPages(h), std::ceil(1000000 / 226.0));
	// fillfactor 50 halves the rows per page
	h.fillfactor = 50;
	EXPECT_DOUBLE_EQ(EstimateHeapPages(h), std::ceil(1000000 / 113.0));
	// nulls add a bitmap: 23 + 1 still aligns to 24; with 9+ columns 23 + 2 -> 32
	HeapShape n{1000, 8, 9, true, 100, 8192};
	HeapShape m{1000, 8, 9, false, 100, 8192};
	EXPECT_GT(EstimateHeapPages(n), EstimateHeapPages(m) - 1);
	// wide rows: at least one per page; empty table: 0 pages
	HeapShape w{10, 9000, 1, false, 100, 8192};
	EXPECT_DOUBLE_EQ(EstimateHeapPages(w), 10.0);
	HeapShape e{0, 8, 1, false, 100, 8192};
	EXPECT_DOUBLE_EQ(EstimateHeapPages(e), 0.0);
	// tiny rows hit the line-pointer cap (291 per 8 kB page)
	HeapShape t{2910, 0, 1, false, 100, 8192};
	EXPECT_DOUBLE_EQ(EstimateHeapPages(t), 10.0);
}

TEST(Heap, BloatPercent)
{
	EXPECT_DOUBLE_EQ(BloatPercent(100, 400), 75.0);
	EXPECT_DOUBLE_EQ(BloatPercent(100, 90), 0.0);
	EXPECT_DOUBLE_EQ(BloatPercent(100, 0), 0.0);
}
