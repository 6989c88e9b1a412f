// repeat_tracker.cpp - see repeat_tracker.hpp.
#include "repeat_tracker.hpp"

#include "hash_index.hpp"

namespace xray::core
{
uint32_t
RepeatTracker::SlotOf(uint64_t queryid)
{
	return (uint32_t) (HashMix64(queryid) % kXactSlots);
}

void
RepeatTracker::Open(RepeatWindow &w, uint64_t queryid, uint32_t xact, int64_t now_us)
{
	w.queryid = queryid;
	w.xact = xact;
	w.last_us = now_us;
	w.count = 1;
	w.values = 1;
	w.last_hash = 0;
}

RepeatBurst
RepeatTracker::BurstOf(const RepeatWindow &w, bool in_xact, bool new_burst)
{
	return RepeatBurst{w.queryid, in_xact, new_burst, w.count, w.values};
}

// Close ends a window: its final count when it went past its threshold (the
// threshold itself and its doublings were published as they were reached).
int
RepeatTracker::Close(RepeatWindow &w, bool in_xact, uint32_t threshold, RepeatBurst *out)
{
	int n = 0;
	if (w.queryid != 0 && w.count > threshold)
		out[n++] = BurstOf(w, in_xact, false);
	w.queryid = 0;
	w.count = 0;
	return n;
}

int
RepeatTracker::EndTransaction(RepeatBurst out[kXactSlots])
{
	int n = 0;
	for (RepeatWindow &w : xact_)
		if (w.count > kRepeatPerXact)
			n += Close(w, true, kRepeatPerXact, out + n);
	return n;
}
}	// namespace xray::core
