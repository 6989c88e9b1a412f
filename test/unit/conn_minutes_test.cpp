// conn_minutes_test.cpp - per-minute session counts from sampler ticks.
#include <gtest/gtest.h>

#include "conn_minutes.hpp"

using namespace xray::core;

namespace
{
constexpr int64_t kMin = 60LL * 1000000LL;
}

TEST(ConnMinutes, TicksOfOneMinuteAddUp)
{
	ConnMinute ring[4] = {};
	uint64_t count = 0;
	int64_t t0 = 1000 * kMin + 5 * 1000000LL;
	MinutesAddTick(ring, 4, &count, t0, SessionCounts{2, 5, 1, 8});
	MinutesAddTick(ring, 4, &count, t0 + 10 * 1000000LL, SessionCounts{4, 3, 0, 7});
	ASSERT_EQ(count, 1u);
	EXPECT_EQ(ring[0].minute, 1000 * kMin);
	EXPECT_EQ(ring[0].ticks, 2);
	EXPECT_EQ(ring[0].sum_active, 6);
	EXPECT_EQ(ring[0].max_active, 4);
	EXPECT_EQ(ring[0].sum_idle, 8);
	EXPECT_EQ(ring[0].sum_idle_in_xact, 1);
	EXPECT_EQ(ring[0].max_idle_in_xact, 1);
	EXPECT_EQ(ring[0].max_total, 8);
}

TEST(ConnMinutes, ANewMinuteStartsASlotAndTheRingWraps)
{
	ConnMinute ring[3] = {};
	uint64_t count = 0;
	for (int m = 0; m < 5; m++)
		MinutesAddTick(ring, 3, &count, (2000 + m) * kMin + 1, SessionCounts{m, 0, 0, m});
	EXPECT_EQ(count, 5u);
	EXPECT_EQ(MinutesKept(count, 3), 3u);
	// the newest three minutes are kept: 2002, 2003, 2004 at slots 2, 0, 1
	EXPECT_EQ(ring[2].minute, 2002 * kMin);
	EXPECT_EQ(ring[0].minute, 2003 * kMin);
	EXPECT_EQ(ring[1].minute, 2004 * kMin);
	EXPECT_EQ(ring[1].max_total, 4);
	EXPECT_EQ(ring[1].ticks, 1);
}

TEST(ConnMinutes, TimesBefore2000FloorDown)
{
	ConnMinute ring[2] = {};
	uint64_t count = 0;
	MinutesAddTick(ring, 2, &count, -kMin / 2, SessionCounts{1, 0, 0, 1});
	EXPECT_EQ(ring[0].minute, -kMin);
	MinutesAddTick(nullptr, 2, &count, 0, SessionCounts{});
	EXPECT_EQ(count, 1u);
}
