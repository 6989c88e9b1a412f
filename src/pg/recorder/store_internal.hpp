// store_internal.hpp - shared-memory layout of the statement store.
//
// Shared only by the store's own files (store.cpp, store_read.cpp,
// store_persist.cpp). Everything here is trivially copyable; the segment holds
// no pointers into process memory (StoreMem holds per-process pointers that
// each backend computes from the segment's base address).
#pragma once
#include <cstring>
#include <type_traits>

#include "reset_ring.hpp"
#include "clock_evict.hpp"
#include "hash_index.hpp"

#include "recorder/store.hpp"

namespace xray::pg
{
// Pending items per backend: a backend merges its items into the shared tables
// when they are all taken, when xray.flush_interval has passed, and at exit.
constexpr int kPendingItems = 16;
// Reset requests remembered for backends that have not yet seen them.
using core::kResetRing;
// Bound on the CLOCK sweep per eviction.
constexpr uint32 kEvictMaxSteps = 64;
// Texts: every entry has a short text slot; a longer text (up to the table's
// text_size) takes a slot of the long-text pool, which has room for one entry
// in kLongTextShare (statements) or kPlanLongTextShare (plans). When the pool
// is full, a long text is kept cut at kShortText bytes (a character boundary).
constexpr uint32 kShortText = 512;
constexpr uint32 kLongTextShare = 8;
constexpr uint32 kPlanLongTextShare = 4;

struct StmtEntry
{
	StmtKey key;
	uint64 hash;
	int32 next_free;
	bool in_use;
	uint8 usage;
	uint32 text_len;
	int32 long_text; // its slot of the long-text pool, or -1: the text is in its short slot
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
	int32 long_text; // its slot of the long-text pool, or -1: the text is in its short slot
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
	bool dead; // removed by a reset the owner has not yet applied
	// owner only: the texts were looked for in this item's window (captured, or
	// known to be stored), so later records of the item skip the look-up
	bool text_checked;
	bool plan_text_checked;
	StmtKey key;
	uint64 planid;
	uint64 hash;
	uint32 text_len;
	uint32 plan_text_len;
	uint32 text_off; // where the texts are in the slot's text arena
	uint32 plan_text_off;
	uint32 text_short_len; // the text cut to fit a short slot (at a character boundary)
	uint32 plan_text_short_len;
	uint16 hist_lo; // buckets outside [hist_lo, hist_hi] are zero
	uint16 hist_hi;
	TimestampTz first_seen;
	TimestampTz last_seen;
	StmtCounters c;
	uint32 hist[kHistBuckets];
};

struct BackendSlot
{
	uint32 nitems; // published items; grows lock-free, shrinks to 0 only under the exclusive lock
	int32 owner_pid;
	uint64 reset_epoch;
	TimestampTz window_start;
	double hook_time_ms; // the owner's own hook time not yet flushed
	uint32 arena_used;	 // bytes of the slot's text arena taken; owner only, 0 after a flush
	PendingItem items[kPendingItems];
};

using core::ResetFilter;

// TableState is the bookkeeping of one shared table (statements or plans).
struct TableState
{
	uint32 max;		   // capacity (entries)
	uint32 index_cap;  // slots of the open-addressing index
	uint32 text_size;  // bytes a text may take (its last one a NUL)
	uint32 short_size; // bytes of each entry's own text slot
	uint32 nlong;	   // slots of the long-text pool (text_size bytes each)
	// below: protected by the store's lock
	int32 long_free_head; // free long-text slots, linked through long_next
	int64 texts_cut;	  // long texts kept cut for want of a long slot
	uint32 count;
	int32 free_head; // free entries, linked through next_free
	uint32 hand;	 // CLOCK hand
	int64 evictions;
};

struct StoreHeader
{
	LWLock *lock;
	uint32 query_text_size;
	uint32 plan_text_size;
	uint32 nslots;
	uint32 slot_arena_size; // bytes of texts each slot's pending items share
	// below: protected by lock
	TableState stmt_table;
	TableState plan_table;
	int64 flushes;
	double hook_time_ms;
	TimestampTz stats_reset;
	ResetFilter resets[kResetRing];
	// read without the lock
	pg_atomic_uint64 reset_epoch;
	pg_atomic_uint64 text_epoch; // bumped by every eviction and reset
	pg_atomic_uint64 dropped;
	Size total_size;
};

static_assert(std::is_trivially_copyable_v<StmtEntry>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<PlanEntry>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<PendingItem>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<BackendSlot>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<TableState>, "shared memory holds PODs only");
static_assert(std::is_trivially_copyable_v<StoreHeader>, "shared memory holds PODs only");

// StoreMem: this process's pointers into the segment.
struct StoreMem
{
	StoreHeader *hdr;
	StmtEntry *stmts;
	int32 *stmt_index;
	char *stmt_texts;
	char *stmt_long_texts;
	int32 *stmt_long_next;
	PlanEntry *plans;
	int32 *plan_index;
	char *plan_texts;
	char *plan_long_texts;
	int32 *plan_long_next;
	BackendSlot *slots;
	char *slot_arenas; // [nslots][slot_arena_size] the pending items' texts
};

extern StoreMem store;

// SlotArena: the texts of a slot's pending items, appended as they are
// captured (each item keeps its offsets) and dropped at the slot's flush. A
// backend flushes when less than one statement text and one plan text would
// still fit, so a record always finds room (but in an error path, which does
// not wait for the lock: it then leaves the text to a later record).
inline char *
SlotArena(uint32 slot)
{
	return store.slot_arenas + (Size) slot * store.hdr->slot_arena_size;
}

// SlotArenaSize: at least two statement and plan texts, at least 16 kB
inline uint32
SlotArenaSize(uint32 qsize, uint32 psize)
{
	return (uint32) MAXALIGN(Max(16384u, 2 * (qsize + psize)));
}

// Table is one shared table as this process sees it.
template <typename Entry> struct Table
{
	TableState *st;
	Entry *entries;
	int32 *index;
	char *texts;	  // [max][short_size]
	char *long_texts; // [nlong][text_size]
	int32 *long_next; // [nlong]

	char *Text(uint32 i) const
	{
		int32 l = entries[i].long_text;
		return l >= 0 ? long_texts + (Size) l * st->text_size : texts + (Size) i * st->short_size;
	}
	// TakeLong gives entry i a long-text slot; false when the pool is empty
	bool TakeLong(uint32 i) const
	{
		int32 l = st->long_free_head;
		if (l < 0)
			return false;
		st->long_free_head = long_next[l];
		entries[i].long_text = l;
		return true;
	}
	void ReleaseLong(uint32 i) const
	{
		int32 l = entries[i].long_text;
		if (l < 0)
			return;
		long_next[l] = st->long_free_head;
		st->long_free_head = l;
		entries[i].long_text = -1;
	}
	// Room: the bytes entry i's text may take now (a NUL included)
	uint32 Room(uint32 i) const { return entries[i].long_text >= 0 ? st->text_size : st->short_size; }
};

inline Table<StmtEntry>
Stmts()
{
	return Table<StmtEntry>{&store.hdr->stmt_table, store.stmts,		   store.stmt_index,
							store.stmt_texts,		store.stmt_long_texts, store.stmt_long_next};
}

inline Table<PlanEntry>
Plans()
{
	return Table<PlanEntry>{&store.hdr->plan_table, store.plans,		   store.plan_index,
							store.plan_texts,		store.plan_long_texts, store.plan_long_next};
}

inline char *
StmtText(uint32 i)
{
	return Stmts().Text(i);
}

inline char *
PlanText(uint32 i)
{
	return Plans().Text(i);
}

uint64 StmtKeyHash(const StmtKey &k);
uint64 PlanKeyHash(const PlanKey &k);
bool StmtKeyEqual(const StmtKey &a, const StmtKey &b);
bool PlanKeyEqual(const PlanKey &a, const PlanKey &b);

inline bool
KeyEqual(const StmtKey &a, const StmtKey &b)
{
	return StmtKeyEqual(a, b);
}

inline bool
KeyEqual(const PlanKey &a, const PlanKey &b)
{
	return PlanKeyEqual(a, b);
}

// TableRemove frees entry i of a table; exclusive lock held.
template <typename Entry>
void
TableRemove(const Table<Entry> &t, uint32 i)
{
	Entry *e = &t.entries[i];
	core::IndexErase(t.index, t.st->index_cap, e->hash, (int32) i, [&t](int32 x) { return t.entries[x].hash; });
	t.ReleaseLong(i);
	e->in_use = false;
	e->next_free = t.st->free_head;
	t.st->free_head = (int32) i;
	t.st->count--;
}

// TableFindOrInsert looks key up and inserts it when missing, evicting the
// CLOCK victim when the table is full (bounded work); exclusive lock held.
// Returns the entry, or -1 for a table of no capacity.
template <typename Entry, typename Key>
int32
TableFindOrInsert(const Table<Entry> &t, const Key &key, uint64 hash, TimestampTz now, bool *inserted)
{
	*inserted = false;
	int32 e = core::IndexFind(t.index, t.st->index_cap, hash,
							  [&](int32 i) { return t.entries[i].hash == hash && KeyEqual(t.entries[i].key, key); });
	if (e != core::kIndexEmpty)
		return e;
	if (t.st->max == 0)
		return -1;
	if (t.st->free_head < 0)
	{
		uint32 victim = core::ClockPick(t.st->max, t.st->hand, kEvictMaxSteps,
										[&t](uint32 i) -> uint8 & { return t.entries[i].usage; });
		TableRemove(t, victim);
		t.st->evictions++;
		pg_atomic_fetch_add_u64(&store.hdr->text_epoch, 1);
	}
	e = t.st->free_head;
	Entry *ne = &t.entries[e];
	t.st->free_head = ne->next_free;
	memset((void *) ne, 0, sizeof(Entry));
	ne->long_text = -1;
	ne->key = key;
	ne->hash = hash;
	ne->in_use = true;
	ne->usage = 1;
	ne->first_seen = now;
	ne->last_seen = now;
	t.Text(e)[0] = '\0';
	core::IndexInsert(t.index, t.st->index_cap, hash, e);
	t.st->count++;
	*inserted = true;
	return e;
}

// ResetDropsItem tells whether a reset newer than slot_epoch removes the item.
bool ResetDropsItem(const PendingItem &item, uint64 slot_epoch, uint64 current_epoch);

// CopyPendingItem copies a slot's item consistently (retrying while the owner
// writes it); returns false when no consistent copy could be taken.
bool CopyPendingItem(const PendingItem *src, PendingItem *dst);
} // namespace xray::pg
