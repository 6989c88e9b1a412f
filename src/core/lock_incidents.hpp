// lock_incidents.hpp - blocking incidents: a root blocker (pid + backend start)
// holding others up, from the first tick it is seen to the first tick it is
// gone. The lock sampler calls IncidentsTick once per tick with the roots of
// that tick's blocking forest.
//
// Pure, header-only (the slots' type extends Incident with what the adapter
// keeps: user, database, query); no allocation, no exceptions.
#pragma once
#include "pg_free.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace xray::core
{
struct Incident
{
	int64_t id;			// 0: free slot; ids grow
	int64_t started_at; // microseconds (PostgreSQL timestamps)
	int64_t ended_at;	// 0 while it lasts
	int64_t last_seen;
	int32_t root_pid;
	int64_t root_backend_start;
	bool cycle;
	int max_depth;
	int max_sessions;
	double blocked_seconds; // sessions blocked x seconds
};

// One root of this tick's forest.
struct RootSeen
{
	int32_t pid;
	int64_t backend_start;	  // with pid, the incident's identity (a reused pid is a new root)
	int64_t first_wait_start; // the earliest wait of the sessions it blocks; 0: unknown
	bool cycle;
	int depth;
	int sessions; // sessions blocked, directly or not
};

// IncidentsTick updates nslots incident slots for one tick at now: each root
// continues its open incident or opens one in the oldest slot (id ++*next_id,
// started when its first waiter started waiting, else now); every open
// incident whose root is not seen ends now. slot_of[r] receives the slot of
// root r and opened[r] whether it was opened now (the caller then fills its own
// fields); seen is scratch of nslots booleans.
template <typename Slot>
void
IncidentsTick(Slot *slots, int nslots, int64_t *next_id, const RootSeen *roots, int nroots, int64_t now,
			  double interval_s, int *slot_of, bool *opened, bool *seen) noexcept
{
	static_assert(std::is_base_of<Incident, Slot>::value && std::is_trivially_copyable<Slot>::value,
				  "incident slots are plain data extending Incident");
	if (nslots <= 0)
		return;
	std::fill(seen, seen + nslots, false);
	for (int r = 0; r < nroots; r++)
	{
		const RootSeen &root = roots[r];
		int at = -1;
		for (int k = 0; k < nslots && at < 0; k++)
			if (slots[k].id != 0 && slots[k].ended_at == 0 && slots[k].root_pid == root.pid &&
				slots[k].root_backend_start == root.backend_start)
				at = k;
		opened[r] = at < 0;
		if (at < 0)
		{
			at = 0;
			for (int k = 1; k < nslots; k++)
				if (slots[k].id < slots[at].id)
					at = k;
			std::memset(static_cast<void *>(&slots[at]), 0, sizeof(Slot));
			Incident &n = slots[at];
			n.id = ++*next_id;
			n.started_at = root.first_wait_start != 0 && root.first_wait_start < now ? root.first_wait_start : now;
			n.root_pid = root.pid;
			n.root_backend_start = root.backend_start;
		}
		Incident &inc = slots[at];
		slot_of[r] = at;
		seen[at] = true;
		inc.last_seen = now;
		inc.cycle = inc.cycle || root.cycle;
		inc.max_depth = std::max(inc.max_depth, root.depth);
		inc.max_sessions = std::max(inc.max_sessions, root.sessions);
		inc.blocked_seconds += root.sessions * interval_s;
	}
	for (int k = 0; k < nslots; k++)
		if (slots[k].id != 0 && slots[k].ended_at == 0 && !seen[k])
			slots[k].ended_at = now;
}
} // namespace xray::core
