// store_internal.hpp - shared-memory layout of the statement store.
//
// Shared only by the store's own files (store.cpp, store_read.cpp,
// store_persist.cpp). Everything here is trivially copyable; the segment holds
// no pointers into process memory (StoreMem holds per-process pointers that
// each backend computes from the segment's base address).
#pragma once
#include <type_traits>

#include "store.hpp"

namespace xray::pg
{
// Pending items per backend: a backend merges its items into the shared tables
// when they are all taken, when xray.flush_interval has passed, and at exit.
constexpr int kPendingItems = 16;
// Reset requests remembered for backends that have not yet seen them.
constexpr int kResetRing = 8;
// Bound on the CLOCK sweep per eviction.
constexpr uint32 kEvictMaxSteps = 64;

struct StmtEntry
{
	StmtKey key;
	uint64 hash;
	int32 next_free;
	bool in_use;
	uint8 usage;
	uint32 text_len;
	TimestampTz first_seen;
	TimestampTz last_seen;
	StmtCounters c;
	uint64 hist[kHistBuckets];
};

struct PlanEntry
{
	PlanKey key;
	uint64 hash;
	int32 next_free;
	bool in_use;
	uint8 usage;
	uint32 text_len;
	TimestampTz first_seen;
	TimestampTz last_seen;
	TimingStats exec;
	uint64 hist[kHistBuckets];
};

// PendingItem is one key's counts since the owner's last flush. Only the owner
// writes it; readers copy it under the changecount protocol (odd = being
// written), as PostgreSQL's pgstat does for backend status.
struct PendingItem
{
	uint32 changecount;
	bool has_text;
	bool has_plan_text;
	bool dead;	// removed by a reset the owner has not yet applied
	StmtKey key;
	uint64 planid;
	uint64 hash;
	uint32 text_len;
	uint32 plan_text_len;
	uint16 hist_lo;	// buckets outside [hist_lo, hist_hi] are zero
	uint16 hist_hi;
	TimestampTz first_seen;
	TimestampTz last_seen;
	StmtCounters c;
	uint32 hist[kHistBuckets];
};

struct BackendSlot
{
	uint32 nitems;	// published items; grows lock-free, shrinks to 0 only under the exclusive lock
	int32 owner_pid;
	uint64 reset_epoch;
	TimestampTz window_start;
	double hook_time_ms;	// the owner's own hook time not yet flushed
	PendingItem items[kPendingItems];
};

struct ResetFilter
{
	uint64 epoch;
	bool all;
	uint64 queryid;
};

struct StoreHeader
{
	LWLock *lock;
	uint32 max_statements;
	uint32 max_plans;
	uint32 query_text_size;
	uint32 plan_text_size;
	uint32 nslots;
	uint32 stmt_index_cap;
	uint32 plan_index_cap;
	// below: protected by lock
	uint32 nstmts;
	uint32 nplans;
	int32 stmt_free;
	int32 plan_free;
	uint32 stmt_hand;
	uint32 plan_hand;
	int64 stmt_evictions;
	int64 plan_evictions;
	int64 flushes;
	double hook_time_ms;
	TimestampTz stats_reset;
	ResetFilter resets[kResetRing];
	// read without the lock
	pg_atomic_uint64 reset_epoch;
	pg_atomic_uint64 text_epoch;	// bumped by every eviction and reset
	pg_atomic_uint64 dropped;
	Size total_size;
};

static_assert(std::is_trivially_copyable_v<StmtEntry>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<PlanEntry>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<PendingItem>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<BackendSlot>, "shared memory holds PODs only");

// StoreMem: this process's pointers into the segment.
struct StoreMem
{
	StoreHeader *hdr;
	StmtEntry *stmts;
	int32 *stmt_index;
	char *stmt_texts;
	PlanEntry *plans;
	int32 *plan_index;
	char *plan_texts;
	BackendSlot *slots;
	char *slot_texts;	// [nslots][kPendingItems] query texts
	char *slot_plan_texts;	// [nslots][kPendingItems] plan texts
};

extern StoreMem store;

inline char *
StmtText(uint32 i)
{
	return store.stmt_texts + (Size) i * store.hdr->query_text_size;
}

inline char *
PlanText(uint32 i)
{
	return store.plan_texts + (Size) i * store.hdr->plan_text_size;
}

inline char *
SlotText(uint32 slot, int item)
{
	return store.slot_texts + ((Size) slot * kPendingItems + item) * store.hdr->query_text_size;
}

inline char *
SlotPlanText(uint32 slot, int item)
{
	return store.slot_plan_texts + ((Size) slot * kPendingItems + item) * store.hdr->plan_text_size;
}

uint64 StmtKeyHash(const StmtKey &k);
uint64 PlanKeyHash(const PlanKey &k);
bool StmtKeyEqual(const StmtKey &a, const StmtKey &b);
bool PlanKeyEqual(const PlanKey &a, const PlanKey &b);

// Lookup or insert (evicting if full) in the shared tables; exclusive lock held.
int32 StmtFindOrInsert(const StmtKey &key, uint64 hash, TimestampTz now, bool *inserted);
int32 PlanFindOrInsert(const PlanKey &key, uint64 hash, TimestampTz now, bool *inserted);
void StmtRemove(uint32 i);
void PlanRemove(uint32 i);

// ResetDropsItem tells whether a reset newer than slot_epoch removes the item.
bool ResetDropsItem(const PendingItem &item, uint64 slot_epoch, uint64 current_epoch);

// CopyPendingItem copies a slot's item consistently (retrying while the owner
// writes it); returns false when no consistent copy could be taken.
bool CopyPendingItem(const PendingItem *src, PendingItem *dst);
}	// namespace xray::pg
