// lock_history.hpp - sampled lock waits, incidents and wait profiles in shared memory.
#pragma once
#include "lock_incidents.hpp"

#include "pg_includes.hpp"

extern "C" {
#include "storage/lock.h"
}

namespace xray::pg
{
constexpr int kHistoryEntries = 2048; // aggregated (blocker, waiter, object, mode) keys
constexpr int kIncidents = 256;		  // blocking episodes kept (newest replace oldest)
constexpr int kProfileEntries = 8192; // (database, query, wait event) keys
constexpr int kIncidentQuery = 256;	  // bytes of the root blocker's query kept
constexpr int kHistoryQuery = 160;	  // bytes of each statement kept with an aggregate

// One edge at one tick of the sampler.
struct LockSampleRec
{
	TimestampTz ts;
	int32 waiter_pid;
	int32 blocker_pid;
	int32 root_pid;
	int16 depth;
	bool granted;
	bool in_cycle;
	Oid waiter_db;
	Oid waiter_user;
	Oid blocker_user;
	uint64 waiter_queryid;
	uint64 blocker_queryid;
	LOCKTAG tag;
	LOCKMODE wait_mode;
	LOCKMODE blocker_mode; // the strongest conflicting mode held, or the queued mode
	double waited_s;
};

struct LockHistEntry
{
	bool in_use;
	Oid dbid; // the waiter's database
	uint64 blocker_queryid;
	uint64 waiter_queryid;
	Oid relid; // relation of relation/page/tuple locks, else 0
	uint8 locktype;
	uint8 wait_mode;
	int64 samples;
	int64 cycle_samples;
	int64 queue_samples;	// the blocker was itself queued (not granted)
	double total_wait_s;	// samples x sampling interval
	double max_wait_s;		// longest wait seen
	LOCKMASK blocker_modes; // modes the blockers held or queued for
	TimestampTz first_seen;
	TimestampTz last_seen;
	// the statements as first seen: a wait during parse analysis (a relation
	// lock taken while opening tables) happens before the query id is known
	uint32 waiter_text_hash; // part of the key when waiter_queryid is 0
	Oid waiter_user;
	Oid blocker_user;
	char waiter_query[kHistoryQuery];
	char blocker_query[kHistoryQuery];
};

// A blocking incident (core/lock_incidents.hpp) with what the sampler knew of
// its root when it opened.
struct IncidentRec : core::Incident
{
	Oid root_user;
	Oid root_db;
	uint64 root_queryid;
	uint8 root_state; // BackendState of the root when first seen
	char root_query[kIncidentQuery];
};

struct WaitProfEntry
{
	bool in_use;
	Oid dbid;
	uint64 queryid;
	uint32 wait_event_info; // 0: running on CPU (no wait event)
	int64 samples;
	TimestampTz first_seen;
	TimestampTz last_seen;
};

struct LockSamplerInfo
{
	int32 worker_pid;
	int64 ticks;
	double tick_ms_total;
	TimestampTz last_tick;
	int64 samples_written; // edges ever written to the ring
	int64 history_dropped;
	int64 profile_dropped;
	int ring_size;
};

void LockHistoryRequestShmem();
void LockHistoryStartup();
void LockHistoryRegisterWorker();
void LockHistoryReset();

// Copies for the SQL functions (palloc'd), taken under the shared lock.
LockSampleRec *LockSamplesCopy(int *n);
LockHistEntry *LockHistoryCopy(int *n);
IncidentRec *LockIncidentsCopy(int *n);
WaitProfEntry *WaitProfileCopy(int *n);
void LockSamplerGetInfo(LockSamplerInfo *info);

} // namespace xray::pg
