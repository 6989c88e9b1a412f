// lock_incidents_test.cpp - the incident state machine: open, continue, end,
// a reused pid, the oldest slot reused, the start taken from the first waiter.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "lock_incidents.hpp"

using namespace xray::core;

namespace
{
struct Slot : Incident
{
	int extra; // what an adapter keeps besides
};

struct Tracker
{
	Slot slots[3] = {};
	int64_t next_id = 0;
	int slot_of[4] = {};
	bool opened[4] = {};
	bool seen[3] = {};

	void Tick(std::initializer_list<RootSeen> roots, int64_t now, double interval = 1.0)
	{
		std::vector<RootSeen> v(roots);
		IncidentsTick(slots, 3, &next_id, v.data(), static_cast<int>(v.size()), now, interval, slot_of, opened, seen);
	}
};
} // namespace

TEST(LockIncidents, OpensContinuesAndEnds)
{
	Tracker t;
	t.Tick({RootSeen{100, 5, 900, false, 1, 2}}, 1000);
	ASSERT_TRUE(t.opened[0]);
	const Slot &s = t.slots[t.slot_of[0]];
	EXPECT_EQ(s.id, 1);
	EXPECT_EQ(s.started_at, 900); // its first waiter started waiting before the tick
	EXPECT_EQ(s.ended_at, 0);
	EXPECT_DOUBLE_EQ(s.blocked_seconds, 2.0);
	t.Tick({RootSeen{100, 5, 900, true, 3, 4}}, 2000, 0.5);
	EXPECT_FALSE(t.opened[0]);
	EXPECT_EQ(s.last_seen, 2000);
	EXPECT_TRUE(s.cycle);
	EXPECT_EQ(s.max_depth, 3);
	EXPECT_EQ(s.max_sessions, 4);
	EXPECT_DOUBLE_EQ(s.blocked_seconds, 4.0);
	t.Tick({}, 3000);
	EXPECT_EQ(s.ended_at, 3000);
}

TEST(LockIncidents, AReusedPidIsANewIncident)
{
	Tracker t;
	t.Tick({RootSeen{100, 5, 0, false, 1, 1}}, 1000);
	// the same pid with another backend start: the first root is gone, a new one blocks
	t.Tick({RootSeen{100, 6, 0, false, 1, 1}}, 2000);
	EXPECT_TRUE(t.opened[0]);
	EXPECT_EQ(t.next_id, 2);
	int ended = 0;
	for (const Slot &s : t.slots)
		ended += s.id != 0 && s.ended_at == 2000;
	EXPECT_EQ(ended, 1);
	EXPECT_EQ(t.slots[t.slot_of[0]].started_at, 2000); // no wait start known: the tick
}

TEST(LockIncidents, TheOldestSlotIsReused)
{
	Tracker t;
	for (int i = 0; i < 4; i++)
		t.Tick({RootSeen{200 + i, 1, 0, false, 1, 1}}, 1000 * (i + 1));
	// four incidents in three slots: the first one's slot was taken by the fourth
	int64_t ids[3] = {t.slots[0].id, t.slots[1].id, t.slots[2].id};
	std::sort(ids, ids + 3);
	EXPECT_EQ(ids[0], 2);
	EXPECT_EQ(ids[2], 4);
	EXPECT_EQ(t.slots[t.slot_of[0]].root_pid, 203);
	EXPECT_EQ(t.slots[t.slot_of[0]].extra, 0); // the whole slot is cleared for the adapter
}
