// reset_ring.hpp - which pending counts a reset drops.
//
// A backend keeps counts in its own slot until it flushes them into the shared
// tables. xray.reset() and xray.reset_query(id) do not touch the slots: each
// bumps the store's reset epoch and writes what it reset into a small ring
// (kResetRing entries, indexed by epoch). At flush time a slot last flushed at
// epoch E drops a pending item when a reset after E covers it: a full reset,
// one of its query id, or more resets than the ring remembers (everything is
// dropped then: counting something reset would be worse than losing a second
// of counts). Lock-free and O(kResetRing): read on the query path's flush.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

namespace xray::core
{
constexpr int kResetRing = 8;

struct ResetFilter
{
	uint64_t epoch;	  // the reset's epoch (the ring slot is epoch % kResetRing)
	bool all;		  // xray.reset(): every statement
	uint64_t queryid; // xray.reset_query(queryid)
};

// ResetDrops: a count of queryid pending since slot_epoch is dropped by the
// resets up to current_epoch.
inline bool
ResetDrops(const ResetFilter *ring, uint64_t slot_epoch, uint64_t current_epoch, uint64_t queryid) noexcept
{
	if (slot_epoch >= current_epoch)
		return false;
	if (current_epoch - slot_epoch > static_cast<uint64_t>(kResetRing))
		return true;
	for (uint64_t e = slot_epoch + 1; e <= current_epoch; e++)
	{
		const ResetFilter &f = ring[e % kResetRing];
		// a slot already rewritten by a newer reset: what it said is lost, drop
		if (f.epoch != e || f.all || f.queryid == queryid)
			return true;
	}
	return false;
}
} // namespace xray::core
