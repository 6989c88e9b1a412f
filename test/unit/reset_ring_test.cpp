// reset_ring_test.cpp - which pending counts a reset drops.
#include "reset_ring.hpp"

#include <gtest/gtest.h>

using namespace xray::core;

namespace
{
struct Ring
{
	ResetFilter r[kResetRing] = {};
	uint64_t epoch = 0;

	void All() { ++epoch, r[epoch % kResetRing] = ResetFilter{epoch, true, 0}; }
	void Query(uint64_t q) { ++epoch, r[epoch % kResetRing] = ResetFilter{epoch, false, q}; }
};
} // namespace

TEST(ResetRing, NothingSinceTheSlotFlushed)
{
	Ring ring;
	ring.All();
	EXPECT_FALSE(ResetDrops(ring.r, ring.epoch, ring.epoch, 42));
	EXPECT_FALSE(ResetDrops(ring.r, ring.epoch + 1, ring.epoch, 42)) << "a slot never ahead, but harmless";
}

TEST(ResetRing, FullResetDropsEverything)
{
	Ring ring;
	uint64_t slot = ring.epoch;
	ring.All();
	EXPECT_TRUE(ResetDrops(ring.r, slot, ring.epoch, 1));
	EXPECT_TRUE(ResetDrops(ring.r, slot, ring.epoch, 2));
}

TEST(ResetRing, QueryResetDropsOnlyThatQuery)
{
	Ring ring;
	uint64_t slot = ring.epoch;
	ring.Query(7);
	ring.Query(9);
	EXPECT_TRUE(ResetDrops(ring.r, slot, ring.epoch, 7));
	EXPECT_TRUE(ResetDrops(ring.r, slot, ring.epoch, 9));
	EXPECT_FALSE(ResetDrops(ring.r, slot, ring.epoch, 8));
	// a slot that flushed after the first reset only sees the second
	EXPECT_FALSE(ResetDrops(ring.r, slot + 1, ring.epoch, 7));
}

TEST(ResetRing, MoreResetsThanTheRingRemembersDropAll)
{
	Ring ring;
	uint64_t slot = ring.epoch;
	for (int i = 0; i < kResetRing + 1; i++)
		ring.Query(100 + i);
	EXPECT_TRUE(ResetDrops(ring.r, slot, ring.epoch, 5)) << "the ring was overwritten: cannot tell";
	// exactly a ring's worth behind: every reset is still known
	EXPECT_FALSE(ResetDrops(ring.r, ring.epoch - kResetRing, ring.epoch, 5));
	EXPECT_TRUE(ResetDrops(ring.r, ring.epoch - kResetRing, ring.epoch, 100 + kResetRing));
}
