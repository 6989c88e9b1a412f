// repeat_tracker.hpp - N+1 detection for one session: the same statement run
// many times in one transaction, or back to back in transactions of its own.
//
// A backend feeds every top-level execution to Note(); the tracker answers with
// the bursts to publish: when a count reaches its threshold (a new burst), at
// each doubling after it (a larger count), and when the burst ends (its final
// count, through Note() of a later execution or EndTransaction()). Parameter
// values are told apart by a hash the caller computes only when WantsValue()
// says so (from a window's second execution, over its first kValuesCompared).
// No allocation; bounded state (kXactSlots windows and one run).
#pragma once
#include "pg_free.hpp"

#include <cstdint>

#include "hash_index.hpp"

namespace xray::core
{
// A transaction running one statement this many times is a burst...
constexpr uint32_t kRepeatPerXact = 10;
// ... and so is a run of this many back-to-back executions, each in its own
// transaction, each less than kRunGapUs after the previous one.
constexpr uint32_t kRepeatPerRun = 20;
constexpr int64_t kRunGapUs = 100 * 1000;
// Parameter values are counted over the first executions of a window only.
constexpr uint32_t kValuesCompared = 64;
constexpr int kXactSlots = 16;

// One counting window: a statement within a transaction, or a run.
struct RepeatWindow
{
	uint64_t queryid = 0;
	uint32_t xact = 0;	 // the transaction (local id) of its last execution
	int64_t last_us = 0; // when its last execution started
	uint32_t count = 0;
	uint32_t values = 0;	// parameter values seen: changes + 1, a lower bound
	uint64_t last_hash = 0; // 0: not yet computed
};

// What to publish for a statement.
struct RepeatBurst
{
	uint64_t queryid;
	bool in_xact;	// a transaction's burst (else a run's)
	bool new_burst; // it just reached its threshold
	uint32_t count;
	uint32_t values;
};

class RepeatTracker
{
public:
	static constexpr int kMaxBursts = 4; // Note() returns at most this many

	// Execution describes one top-level execution for Note().
	struct Execution
	{
		uint64_t queryid;
		uint32_t xact;	  // local transaction id
		bool in_block;	  // inside BEGIN ... COMMIT
		int64_t start_us; // statement start
	};

	// Note counts one execution; value() is called at most twice, only when the
	// parameters' hash is needed. Returns the number of bursts written to out.
	template <typename ValueFn> int Note(const Execution &e, ValueFn value, RepeatBurst out[kMaxBursts])
	{
		int n = 0;
		uint64_t hash = 0;
		bool hashed = false;
		auto hash_once = [&]() {
			if (!hashed)
			{
				hash = value();
				hash = hash != 0 ? hash : 1; // 0 marks "not computed" in a window
				hashed = true;
			}
			return hash;
		};

		RepeatWindow &x = xact_[SlotOf(e.queryid)];
		if (x.queryid == e.queryid && x.xact == e.xact)
			n += Step(x, true, kRepeatPerXact, hash_once, out + n);
		else
		{
			n += Close(x, true, kRepeatPerXact, out + n);
			Open(x, e.queryid, e.xact, e.start_us);
		}

		if (!e.in_block && run_.queryid == e.queryid && run_.xact != e.xact && e.start_us - run_.last_us < kRunGapUs)
		{
			run_.xact = e.xact;
			run_.last_us = e.start_us;
			n += Step(run_, false, kRepeatPerRun, hash_once, out + n);
		}
		else
		{
			n += Close(run_, false, kRepeatPerRun, out + n);
			Open(run_, e.in_block ? 0 : e.queryid, e.xact, e.start_us);
		}
		return n;
	}

	// EndTransaction closes the transaction's bursts; returns how many it wrote
	// to out (at most kXactSlots).
	int EndTransaction(RepeatBurst out[kXactSlots]);

private:
	// (small and on every execution's path: defined here to be inlined)
	static uint32_t SlotOf(uint64_t queryid) { return (uint32_t) (HashMix64(queryid) % kXactSlots); }

	static void Open(RepeatWindow &w, uint64_t queryid, uint32_t xact, int64_t now_us)
	{
		w.queryid = queryid;
		w.xact = xact;
		w.last_us = now_us;
		w.count = 1;
		w.values = 1;
		w.last_hash = 0;
	}

	static RepeatBurst BurstOf(const RepeatWindow &w, bool in_xact, bool new_burst)
	{
		return RepeatBurst{w.queryid, in_xact, new_burst, w.count, w.values};
	}

	// Close ends a window: its final count when it went past its threshold (the
	// threshold itself and its doublings were published as they were reached).
	static int Close(RepeatWindow &w, bool in_xact, uint32_t threshold, RepeatBurst *out)
	{
		int n = 0;
		if (w.queryid != 0 && w.count > threshold)
			out[n++] = BurstOf(w, in_xact, false);
		w.queryid = 0;
		w.count = 0;
		return n;
	}

	// Step counts one more execution; a burst at the threshold and each doubling.
	template <typename HashFn>
	int Step(RepeatWindow &w, bool in_xact, uint32_t threshold, HashFn hash, RepeatBurst *out)
	{
		w.count++;
		if (in_xact && w.count > threshold)
			xact_bursting_ = true; // EndTransaction has a count to close
		if (w.count <= kValuesCompared)
		{
			uint64_t h = hash();
			if (w.last_hash != 0 && h != w.last_hash)
				w.values++;
			w.last_hash = h;
		}
		uint32_t multiple = w.count / threshold;
		if (w.count % threshold != 0 || (multiple & (multiple - 1)) != 0) // threshold x 1, 2, 4, 8...
			return 0;
		*out = BurstOf(w, in_xact, multiple == 1);
		return 1;
	}

	RepeatWindow xact_[kXactSlots];
	RepeatWindow run_;
	bool xact_bursting_ = false; // a transaction window went past its threshold
};
} // namespace xray::core
