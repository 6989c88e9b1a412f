// call_rate_test.cpp - the advisor's weight: calls per hour in the recent window.
#include <gtest/gtest.h>

#include "call_rate.hpp"

using xray::core::RecentCallsPerHour;

TEST(CallRate, SinceFirstSeenWithoutASnapshot)
{
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(7200, 7200, false, 0, 0), 3600); // 7200 calls in 2 h
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(10, 5, false, 0, 0), 600);		 // 5 s counts as a minute
}

TEST(CallRate, SinceTheSnapshotOfTheWindow)
{
	// 30 days old, 1M calls in all, but 100 calls since the snapshot an hour ago
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(1e6, 30 * 86400, true, 1e6 - 100, 3600), 100);
	// a quiet statement that used to be busy weighs what it weighs now
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(5e5, 30 * 86400, true, 5e5, 3600), 0);
}

TEST(CallRate, CountersThatRestartedOrAStatementNewerThanTheSnapshot)
{
	// reset since the snapshot: calls_now < calls_then -> since first seen
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(360, 360, true, 5000, 3600), 3600);
	// first seen after the snapshot: its own span
	EXPECT_DOUBLE_EQ(RecentCallsPerHour(60, 600, true, 0, 3600), 360);
}
