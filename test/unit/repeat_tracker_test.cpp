// repeat_tracker_test.cpp - N+1 detection: bursts per transaction and per run of
// back-to-back transactions, their doublings and ends, parameter value counts.
#include <gtest/gtest.h>

#include <vector>

#include "repeat_tracker.hpp"

using namespace xray::core;

namespace
{
// Session replays executions and collects what the tracker asks to publish.
struct Session
{
	RepeatTracker t;
	std::vector<RepeatBurst> bursts;
	int hashes = 0; // how often the tracker asked for the parameters' hash

	void Run(uint64_t queryid, uint32_t xact, bool in_block, int64_t us, uint64_t value)
	{
		RepeatBurst out[RepeatTracker::kMaxBursts];
		int n = t.Note(
			{queryid, xact, in_block, us},
			[&]() {
				hashes++;
				return value;
			},
			out);
		bursts.insert(bursts.end(), out, out + n);
	}
	void Commit()
	{
		RepeatBurst out[kXactSlots];
		int n = t.EndTransaction(out);
		bursts.insert(bursts.end(), out, out + n);
	}
};
} // namespace

TEST(RepeatTracker, TransactionBurstAtThresholdDoublingsAndEnd)
{
	Session s;
	for (uint32_t i = 0; i < 45; i++)
		s.Run(7, 100, true, i * 1000, i + 1); // 45 lookups, 45 ids, one transaction
	s.Commit();
	ASSERT_EQ(s.bursts.size(), 4u); // 10 (new burst), 20, 40, and the end at 45
	EXPECT_TRUE(s.bursts[0].in_xact);
	EXPECT_TRUE(s.bursts[0].new_burst);
	EXPECT_EQ(s.bursts[0].count, 10u);
	EXPECT_EQ(s.bursts[1].count, 20u);
	EXPECT_FALSE(s.bursts[1].new_burst);
	EXPECT_EQ(s.bursts[2].count, 40u);
	EXPECT_EQ(s.bursts[3].count, 45u);
	EXPECT_FALSE(s.bursts[3].new_burst);
	// values from the second execution on: 44 changes seen, the first value unknown
	EXPECT_EQ(s.bursts[3].values, 44u);
	// a second transaction starts a new window
	s.bursts.clear();
	for (uint32_t i = 0; i < 10; i++)
		s.Run(7, 101, true, 100000 + i, 5); // the same value ten times
	s.Commit();
	ASSERT_EQ(s.bursts.size(), 1u);
	EXPECT_TRUE(s.bursts[0].new_burst);
	EXPECT_EQ(s.bursts[0].values, 1u);
}

TEST(RepeatTracker, BelowThresholdNothing)
{
	Session s;
	for (uint32_t i = 0; i < 9; i++)
		s.Run(7, 100, true, i, i + 1);
	s.Commit();
	EXPECT_TRUE(s.bursts.empty());
}

TEST(RepeatTracker, InterleavedStatementsCountPerStatement)
{
	Session s;
	for (uint32_t i = 0; i < 12; i++)
	{
		s.Run(1, 100, true, i * 10, i + 1);
		s.Run(2, 100, true, i * 10 + 5, i + 1);
	}
	s.Commit();
	// both reached 10 in the transaction (and ended at 12): two new bursts, two ends
	int news = 0, ends = 0;
	for (const RepeatBurst &b : s.bursts)
	{
		news += b.new_burst ? 1 : 0;
		ends += !b.new_burst && b.count == 12 ? 1 : 0;
	}
	EXPECT_EQ(news, 2);
	EXPECT_EQ(ends, 2);
	// but no run: they alternate
	for (const RepeatBurst &b : s.bursts)
		EXPECT_TRUE(b.in_xact);
}

TEST(RepeatTracker, RunOfSingleStatementTransactions)
{
	Session s;
	for (uint32_t i = 0; i < 25; i++)
		s.Run(9, 200 + i, false, i * 5000, i + 1); // every 5 ms, each its own transaction
	s.Run(3, 300, false, 200000, 1);			   // another statement ends the run
	ASSERT_EQ(s.bursts.size(), 2u);
	EXPECT_FALSE(s.bursts[0].in_xact);
	EXPECT_TRUE(s.bursts[0].new_burst);
	EXPECT_EQ(s.bursts[0].count, 20u);
	EXPECT_EQ(s.bursts[1].count, 25u);
	EXPECT_EQ(s.bursts[1].values, 24u);
}

TEST(RepeatTracker, RunBrokenByAGapOrABlock)
{
	Session s;
	for (uint32_t i = 0; i < 30; i++)
		s.Run(9, 200 + i, false, i * 150000, i + 1); // 150 ms apart: no run
	EXPECT_TRUE(s.bursts.empty());
	Session b;
	for (uint32_t i = 0; i < 30; i++)
		b.Run(9, 200 + i, true, i * 1000, i + 1); // each in BEGIN ... COMMIT of its own
	b.Commit();
	EXPECT_TRUE(b.bursts.empty()); // one per transaction, and blocks do not make runs
}

TEST(RepeatTracker, ValuesComparedOverTheFirstExecutionsOnly)
{
	Session s;
	for (uint32_t i = 0; i < 200; i++)
		s.Run(7, 100, true, i, i + 1);
	s.Commit();
	// hashes asked for executions 2..64 only
	EXPECT_EQ(s.hashes, (int) kValuesCompared - 1);
	EXPECT_EQ(s.bursts.back().count, 200u);
	EXPECT_EQ(s.bursts.back().values, kValuesCompared - 1);
}

TEST(RepeatTracker, OneHashPerExecutionForBothWindows)
{
	Session s;
	// single-statement transactions, back to back: the xact window restarts each time
	// (one execution per transaction) and the run counts; the hash is asked once each
	for (uint32_t i = 0; i < 5; i++)
		s.Run(9, 200 + i, false, i * 1000, i + 1);
	EXPECT_EQ(s.hashes, 4);
}
