// conn_minutes.hpp - client sessions per minute: each tick of the lock sampler
// adds the counts it saw to the current minute of a ring of minutes.
//
// Pure functions on a POD ring the caller keeps (in shared memory); no
// allocation, no exceptions.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

namespace xray::core
{
struct ConnMinute
{
	int64_t minute; // start of the minute, microseconds (a PostgreSQL timestamp)
	int32_t ticks;
	int64_t sum_active;
	int32_t max_active;
	int64_t sum_idle;
	int64_t sum_idle_in_xact;
	int32_t max_idle_in_xact;
	int32_t max_total;
};

// One tick's client sessions by state.
struct SessionCounts
{
	int active; // running a statement (fast-path calls included)
	int idle;
	int idle_in_xact; // idle in transaction, aborted ones included
	int total;		  // every client session
};

// MinutesAddTick folds counts seen at now_us into the ring (cap minutes;
// count = minutes ever started, the current one is count - 1): a tick in a
// new minute starts it, replacing the oldest when the ring is full.
void MinutesAddTick(ConnMinute *ring, int cap, uint64_t *count, int64_t now_us, const SessionCounts &c) noexcept;

// MinutesKept: how many minutes of the ring hold data (the newest count - kept
// .. count - 1, oldest first).
inline uint64_t
MinutesKept(uint64_t count, int cap) noexcept
{
	return count < static_cast<uint64_t>(cap) ? count : static_cast<uint64_t>(cap);
}
} // namespace xray::core
