// store.cpp - pg_xray's shared-memory statement store: layout, recording, flush, eviction.
//
// Design
//   One shared segment holds two bounded tables (statements keyed by userid,
//   dbid, queryid, toplevel; plans keyed by dbid, queryid, planid), each a fixed
//   array of entries with an open-addressing index and fixed-size text slots,
//   and one pending slot per PGPROC. A statement's counters first go to the
//   backend's own pending slot (up to kPendingItems keys, each with its counters,
//   histogram and texts). The slot is merged ("flushed") into the shared tables
//   when it is full, when xray.flush_interval has passed, and at backend exit.
//   Readers merge the shared tables with every backend's pending slot, so what
//   they show is always complete and up to date.
//
// Locking protocol
//   - Recording a statement takes no lock and writes only the backend's own
//     slot (cache lines no other backend writes). Each pending item carries a
//     changecount: the owner makes it odd, writes, makes it even, with write
//     barriers; a reader copies the item and retries until it saw the same even
//     count before and after. A new item is fully written before nitems is
//     raised past it. Texts are written before the flag that publishes them.
//   - store.hdr->lock (one LWLock): flushing, eviction, reset and clearing a
//     slot take it exclusively; readers take it shared. A flush is O(items in
//     the slot) and an eviction O(kEvictMaxSteps): bounded, never O(entries).
//   - Resets bump reset_epoch and leave a filter in a small ring. A backend
//     applies newer filters to its own items at its next record (by flushing);
//     readers apply them to items they copy. Items are never changed by anyone
//     but their owner outside the exclusive lock.
//
// Caveats (races we accept)
//   - A statement running while a reset happens may be counted before or after it.
//   - Text of an entry evicted and recreated from a backend that believed the text
//     stored is filled at that backend's next window (see QueryTextFor callers).
//   - A backend more than kResetRing resets behind drops all its pending items.
//   - An error recorded while the store lock is busy and a flush is due (slot
//     full, reset pending, first statement) is counted in `dropped`, not
//     waited for: the error may come from this backend's own read under the lock.
#include <cstring>

#include "recorder/store_internal.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "recorder/plan_walk.hpp"
#include "recorder/query_normalize.hpp"
#include "shared_modules.hpp"
#include "shmem_area.hpp"

extern "C" {
#include "storage/bufmgr.h" // track_io_timing
}

namespace xray::pg
{
StoreMem store;

namespace
{
constexpr int kLocalIndexCap = 128;	  // power of two, > 2 * kPendingItems
constexpr int kKnownCacheSize = 8192; // direct-mapped, power of two

// This backend's pending slot and a private index of its items.
BackendSlot *my_slot = NULL;
bool my_slot_failed = false;
int32 local_index[kLocalIndexCap];
// Keys whose shared entry this backend has seen with its text stored.
uint64 known_stmt[kKnownCacheSize];
uint64 known_plan[kKnownCacheSize];
uint64 known_epoch = 0;
uint64 known_salt = 0; // mixes the epoch into every tag: a new epoch empties the caches without a memset

// A planning kept back by StoreRecordPlan (no texts: see store.hpp).
struct HeldPlan
{
	bool valid;
	StmtKey key;
	uint64 planid;
	double ms;
};
HeldPlan held_plan = {};

void
RecordHeldPlan(bool in_error)
{
	if (!held_plan.valid)
		return;
	held_plan.valid = false;
	RecordEvent ev{};
	ev.in_error = in_error; // then nothing may wait for a lock (see LockStore)
	ev.kind = kEventPlan;
	ev.key = held_plan.key;
	ev.planid = held_plan.planid;
	ev.ms = held_plan.ms;
	StoreRecord(ev);
}

struct Layout
{
	Size hdr, stmts, stmt_index, stmt_texts, stmt_long_texts, stmt_long_next, plans, plan_index, plan_texts,
		plan_long_texts, plan_long_next, slots, slot_arenas, total;
};

// TextShape: the short slot of every entry and the long-text pool of a table
// of max entries whose texts may take size bytes
struct TextShape
{
	uint32 short_size, nlong;
};

TextShape
TextShapeFor(uint32 max, uint32 size, uint32 share)
{
	if (size <= kShortText)
		return TextShape{size, 0};
	return TextShape{kShortText, Max(max / share, Min(max, 1u))};
}

Layout
ComputeLayout(uint32 max_stmts, uint32 max_plans, uint32 qsize, uint32 psize, uint32 nslots)
{
	Layout l;
	const TextShape qs = TextShapeFor(max_stmts, qsize, kLongTextShare);
	const TextShape ps = TextShapeFor(max_plans, psize, kPlanLongTextShare);
	Size off = 0;
	auto take = [&off](Size n) {
		Size at = off;
		off = add_size(off, MAXALIGN(n));
		return at;
	};
	l.hdr = take(sizeof(StoreHeader));
	l.stmts = take(mul_size(max_stmts, sizeof(StmtEntry)));
	l.stmt_index = take(mul_size(core::IndexCapacityFor(max_stmts), sizeof(int32)));
	l.stmt_texts = take(mul_size(max_stmts, qs.short_size));
	l.stmt_long_texts = take(mul_size(qs.nlong, qsize));
	l.stmt_long_next = take(mul_size(qs.nlong, sizeof(int32)));
	l.plans = take(mul_size(max_plans, sizeof(PlanEntry)));
	l.plan_index = take(mul_size(core::IndexCapacityFor(max_plans), sizeof(int32)));
	l.plan_texts = take(mul_size(max_plans, ps.short_size));
	l.plan_long_texts = take(mul_size(ps.nlong, psize));
	l.plan_long_next = take(mul_size(ps.nlong, sizeof(int32)));
	l.slots = take(mul_size(nslots, sizeof(BackendSlot)));
	l.slot_arenas = take(mul_size(nslots, SlotArenaSize(qsize, psize)));
	l.total = off;
	return l;
}

Layout
CurrentLayout()
{
	return ComputeLayout(guc_max_statements, guc_max_plans, guc_query_text_size, guc_plan_text_size, XRAY_PROC_SLOTS());
}

template <typename Entry>
void
TableClear(const Table<Entry> &t)
{
	for (uint32 i = 0; i < t.st->max; i++)
	{
		t.entries[i].in_use = false;
		t.entries[i].long_text = -1;
		t.entries[i].next_free = (i + 1 < t.st->max) ? (int32) (i + 1) : -1;
	}
	t.st->free_head = t.st->max ? 0 : -1;
	for (uint32 l = 0; l < t.st->nlong; l++)
		t.long_next[l] = (l + 1 < t.st->nlong) ? (int32) (l + 1) : -1;
	t.st->long_free_head = t.st->nlong ? 0 : -1;
	t.st->count = 0;
	t.st->evictions = 0;
	core::IndexClear(t.index, t.st->index_cap);
}

void
FreeListsInit()
{
	TableClear(Stmts());
	TableClear(Plans());
}

uint64
ItemHash(const StmtKey &k, uint64 planid)
{
	return core::HashMix64(StmtKeyHash(k) ^ (planid * 0x9e3779b97f4a7c15ULL));
}

void
LocalIndexClear()
{
	core::IndexClear(local_index, kLocalIndexCap);
}

void
KnownCheckEpoch()
{
	uint64 e = pg_atomic_read_u64(&store.hdr->text_epoch);
	if (e != known_epoch)
	{
		known_epoch = e;
		known_salt = e * 0x9e3779b97f4a7c15ULL;
		// an entry may have been evicted: look for the texts again
		for (uint32 i = 0; my_slot && i < my_slot->nitems; i++)
			my_slot->items[i].text_checked = my_slot->items[i].plan_text_checked = false;
	}
}

inline void
KnownMark(uint64 *cache, uint64 hash)
{
	cache[hash & (kKnownCacheSize - 1)] = (hash ^ known_salt) | 1;
}

inline bool
KnownHas(const uint64 *cache, uint64 hash)
{
	return cache[hash & (kKnownCacheSize - 1)] == ((hash ^ known_salt) | 1);
}

void FlushSlot(BackendSlot *slot, uint32 slot_no);

void
FlushAtExit(int code, Datum arg)
{
	StoreFlushOwn();
}

// LockStore takes the store lock exclusively. In an error path (may_wait
// false) it never waits: the error may have been raised while this very
// backend held the lock (a reader), and waiting would hang it and, at their
// next flush, every other backend.
bool
LockStore(bool may_wait)
{
	if (may_wait)
	{
		LWLockAcquire(store.hdr->lock, LW_EXCLUSIVE);
		return true;
	}
	return LWLockConditionalAcquire(store.hdr->lock, LW_EXCLUSIVE);
}

// FlushOwn merges this backend's slot into the tables; false when it could not
// take the lock without waiting (may_wait false).
bool
FlushOwn(bool may_wait)
{
	if (!my_slot)
		return true;
	if (may_wait)
		RecordHeldPlan(false);
	if (!LockStore(may_wait))
		return false;
	FlushSlot(my_slot, (uint32) (my_slot - store.slots));
	my_slot->window_start = GetCurrentStatementStartTimestamp();
	LWLockRelease(store.hdr->lock);
	LocalIndexClear();
	return true;
}

// MySlot attaches this backend to its pending slot on first use.
BackendSlot *
MySlot(bool may_wait = true)
{
	if (my_slot)
		return my_slot;
	if (my_slot_failed)
		return NULL;
	int n = XRAY_MY_PROC_NUMBER();
	if (n < 0 || (uint32) n >= store.hdr->nslots)
	{
		my_slot_failed = true;
		return NULL;
	}
	BackendSlot *slot = &store.slots[n];
	LocalIndexClear();
	if (!LockStore(may_wait))
		return NULL;
	if (slot->nitems > 0)
		FlushSlot(slot, n); // left by a previous owner that could not flush
	slot->arena_used = 0;
	slot->owner_pid = MyProcPid;
	slot->reset_epoch = pg_atomic_read_u64(&store.hdr->reset_epoch);
	slot->window_start = GetCurrentStatementStartTimestamp();
	LWLockRelease(store.hdr->lock);
	my_slot = slot;
	before_shmem_exit(FlushAtExit, (Datum) 0);
	return my_slot;
}

// MergeInto adds a pending item's histogram, times and text to a shared entry
// (found or inserted by key) and returns it, or NULL when it cannot be kept.
template <typename Entry, typename Key>
Entry *
MergeInto(const Table<Entry> &t, const Key &key, uint64 hash, const PendingItem &it, bool has_text, const char *text,
		  uint32 text_len, uint32 short_len, uint64 *known)
{
	bool inserted;
	int32 e = TableFindOrInsert(t, key, hash, it.first_seen, &inserted);
	if (e < 0)
	{
		pg_atomic_fetch_add_u64(&store.hdr->dropped, 1);
		return NULL;
	}
	Entry *entry = &t.entries[e];
	if (entry->text_len == 0 && has_text && text_len > 0)
	{
		uint32 len = Min(text_len, t.st->text_size - 1);
		if (len >= t.Room(e) && !t.TakeLong(e))
		{
			len = Min(short_len, t.Room(e) - 1); // cut by the backend that captured it
			t.st->texts_cut++;
		}
		memcpy(t.Text(e), text, len);
		t.Text(e)[len] = '\0';
		entry->text_len = len;
	}
	for (int b = it.hist_lo; b <= it.hist_hi; b++)
		entry->hist[b] += it.hist[b];
	if (it.first_seen < entry->first_seen)
		entry->first_seen = it.first_seen;
	if (it.last_seen > entry->last_seen)
		entry->last_seen = it.last_seen;
	if (entry->usage < core::kUsageMax)
		entry->usage++;
	if (entry->text_len > 0)
		KnownMark(known, hash);
	return entry;
}

// FlushSlot merges a slot's live items into the shared tables; exclusive lock held.
void
FlushSlot(BackendSlot *slot, uint32 slot_no)
{
	StoreHeader *h = store.hdr;
	uint64 cur_epoch = pg_atomic_read_u64(&h->reset_epoch);
	uint32 n = Min(slot->nitems, (uint32) kPendingItems);
	for (uint32 i = 0; i < n; i++)
	{
		const PendingItem &it = slot->items[i];
		if (ResetDropsItem(it, slot->reset_epoch, cur_epoch))
			continue;
		StmtEntry *se = MergeInto(Stmts(), it.key, StmtKeyHash(it.key), it, it.has_text,
								  SlotArena(slot_no) + it.text_off, it.text_len, it.text_short_len, known_stmt);
		if (se)
			core::CountersMerge(se->c, it.c);
		if (it.planid == 0 || it.c.exec.count == 0)
			continue;
		PlanKey pk{it.key.dbid, it.key.queryid, it.planid};
		PlanEntry *pe =
			MergeInto(Plans(), pk, PlanKeyHash(pk), it, it.has_plan_text, SlotArena(slot_no) + it.plan_text_off,
					  it.plan_text_len, it.plan_text_short_len, known_plan);
		if (pe)
			core::TimingMerge(pe->exec, it.c.exec);
	}
	slot->nitems = 0;
	slot->arena_used = 0;
	slot->reset_epoch = cur_epoch;
	h->hook_time_ms += slot->hook_time_ms;
	slot->hook_time_ms = 0;
	h->flushes++;
}

int
LocalFind(BackendSlot *slot, uint64 hash, const StmtKey &key, uint64 planid)
{
	return core::IndexFind(local_index, kLocalIndexCap, hash, [&](int32 i) {
		const PendingItem &it = slot->items[i];
		return it.hash == hash && it.planid == planid && StmtKeyEqual(it.key, key);
	});
}

// ShortLen: the bytes of text (len of them) that fit a short slot, cut at a
// character boundary of the database's encoding
uint32
ShortLen(const char *text, size_t len, uint32 short_size)
{
	if (len < short_size)
		return (uint32) len;
	return (uint32) pg_mbcliplen(text, (int) len, (int) short_size - 1);
}

inline bool
PlanTextWanted(const RecordEvent &ev)
{
	return ev.planid != 0 && ev.plan != NULL && !ev.in_error;
}

// CaptureTexts fills a slot item's texts when this backend has not seen them
// stored (and how much of each fits a short slot). Runs before the item's flags
// are set, so readers never see a half-written text.
void
CaptureTexts(const RecordEvent &ev, BackendSlot *slot, uint32 slot_no, PendingItem *it, bool *has_text,
			 uint32 *text_len, bool *has_plan_text, uint32 *plan_text_len)
{
	const StoreHeader *h = store.hdr;
	if (!it->text_checked && ev.source_text)
	{
		if (KnownHas(known_stmt, StmtKeyHash(ev.key)))
			it->text_checked = true;
		else if (h->slot_arena_size - slot->arena_used >= h->query_text_size)
		{
			char *dst = SlotArena(slot_no) + slot->arena_used;
			size_t len =
				QueryTextFor(ev.key.queryid, ev.source_text, ev.stmt_location, ev.stmt_len, dst, h->query_text_size);
			if (len > 0)
			{
				*has_text = true;
				*text_len = (uint32) len;
				it->text_off = slot->arena_used;
				it->text_short_len = ShortLen(dst, len, h->stmt_table.short_size);
				slot->arena_used += (uint32) Min(len + 1, (size_t) h->query_text_size);
				// the pending item carries the text now: no need to prepare it again
				it->text_checked = true;
				KnownMark(known_stmt, StmtKeyHash(ev.key));
			}
		}
	}
	if (!it->plan_text_checked && PlanTextWanted(ev))
	{
		PlanKey pk{ev.key.dbid, ev.key.queryid, ev.planid};
		if (KnownHas(known_plan, PlanKeyHash(pk)))
			it->plan_text_checked = true;
		else if (h->slot_arena_size - slot->arena_used >= h->plan_text_size)
		{
			char *dst = SlotArena(slot_no) + slot->arena_used;
			size_t len = PlanTextBuild(ev.plan, dst, h->plan_text_size);
			if (len > 0)
			{
				*has_plan_text = true;
				*plan_text_len = (uint32) len;
				it->plan_text_off = slot->arena_used;
				it->plan_text_short_len = ShortLen(dst, len, h->plan_table.short_size);
				slot->arena_used += (uint32) Min(len + 1, (size_t) h->plan_text_size);
				it->plan_text_checked = true;
				KnownMark(known_plan, PlanKeyHash(pk));
			}
		}
	}
}

void
AddBuffers(StmtCounters &c, const BufferUsage *b, const WalUsage *w)
{
	if (b)
	{
		core::IoCounters &io = c.io;
		io.shared_blks_hit += b->shared_blks_hit;
		io.shared_blks_read += b->shared_blks_read;
		io.shared_blks_dirtied += b->shared_blks_dirtied;
		io.shared_blks_written += b->shared_blks_written;
		io.local_blks_hit += b->local_blks_hit;
		io.local_blks_read += b->local_blks_read;
		io.local_blks_dirtied += b->local_blks_dirtied;
		io.local_blks_written += b->local_blks_written;
		io.temp_blks_read += b->temp_blks_read;
		io.temp_blks_written += b->temp_blks_written;
		if (track_io_timing) // the times stay zero without it
		{
			io.blk_read_time += INSTR_TIME_GET_MILLISEC(XRAY_BUF_READ_TIME(b));
			io.blk_write_time += INSTR_TIME_GET_MILLISEC(XRAY_BUF_WRITE_TIME(b));
			io.local_blk_read_time += XRAY_BUF_LOCAL_READ_MS(b);
			io.local_blk_write_time += XRAY_BUF_LOCAL_WRITE_MS(b);
			io.temp_blk_read_time += INSTR_TIME_GET_MILLISEC(b->temp_blk_read_time);
			io.temp_blk_write_time += INSTR_TIME_GET_MILLISEC(b->temp_blk_write_time);
		}
	}
	if (w)
	{
		c.io.wal_records += w->wal_records;
		c.io.wal_fpi += w->wal_fpi;
		c.io.wal_bytes += w->wal_bytes;
		c.io.wal_buffers_full += XRAY_WAL_BUFFERS_FULL(w);
	}
}

// AddJit counts one execution's JIT work as pg_stat_statements does
void
AddJit(core::JitCounters &j, const JitInstrumentation *ji)
{
	if (ji == NULL)
		return;
	j.functions += (int64) ji->created_functions;
	j.generation_time += INSTR_TIME_GET_MILLISEC(ji->generation_counter);
	double inl = INSTR_TIME_GET_MILLISEC(ji->inlining_counter);
	double opt = INSTR_TIME_GET_MILLISEC(ji->optimization_counter);
	double emi = INSTR_TIME_GET_MILLISEC(ji->emission_counter);
	double def = XRAY_JIT_DEFORM_MS(ji);
	j.inlining_count += inl > 0;
	j.inlining_time += inl;
	j.optimization_count += opt > 0;
	j.optimization_time += opt;
	j.emission_count += emi > 0;
	j.emission_time += emi;
	j.deform_count += def > 0;
	j.deform_time += def;
}
} // namespace

uint64
StmtKeyHash(const StmtKey &k)
{
	uint64 h = k.queryid ^ ((uint64) k.userid << 32) ^ ((uint64) k.dbid << 1) ^ (k.toplevel ? 1 : 0);
	return core::HashMix64(h);
}

uint64
PlanKeyHash(const PlanKey &k)
{
	return core::HashMix64(k.queryid ^ core::HashMix64(k.planid ^ ((uint64) k.dbid << 20)));
}

bool
StmtKeyEqual(const StmtKey &a, const StmtKey &b)
{
	return a.queryid == b.queryid && a.userid == b.userid && a.dbid == b.dbid && a.toplevel == b.toplevel;
}

bool
PlanKeyEqual(const PlanKey &a, const PlanKey &b)
{
	return a.queryid == b.queryid && a.planid == b.planid && a.dbid == b.dbid;
}

bool
ResetDropsItem(const PendingItem &item, uint64 slot_epoch, uint64 current_epoch)
{
	return item.dead || core::ResetDrops(store.hdr->resets, slot_epoch, current_epoch, item.key.queryid);
}

bool
CopyPendingItem(const PendingItem *src, PendingItem *dst)
{
	for (int tries = 0; tries < 10000; tries++)
	{
		uint32 before = *(volatile const uint32 *) &src->changecount;
		pg_read_barrier();
		if (before & 1)
		{
			SPIN_DELAY();
			continue;
		}
		memcpy((void *) dst, (const void *) src, sizeof(PendingItem));
		pg_read_barrier();
		uint32 after = *(volatile const uint32 *) &src->changecount;
		if (before == after)
			return true;
	}
	return false;
}

void
StoreReserve()
{
	RequestAddinShmemSpace(CurrentLayout().total);
	RequestNamedLWLockTranche("pg_xray", 1);
}

void
StoreAttach()
{
	Layout l = CurrentLayout();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	char *base = (char *) ShmemInitStruct("pg_xray", l.total, &found);
	store.hdr = (StoreHeader *) (base + l.hdr);
	store.stmts = (StmtEntry *) (base + l.stmts);
	store.stmt_index = (int32 *) (base + l.stmt_index);
	store.stmt_texts = base + l.stmt_texts;
	store.stmt_long_texts = base + l.stmt_long_texts;
	store.stmt_long_next = (int32 *) (base + l.stmt_long_next);
	store.plans = (PlanEntry *) (base + l.plans);
	store.plan_index = (int32 *) (base + l.plan_index);
	store.plan_texts = base + l.plan_texts;
	store.plan_long_texts = base + l.plan_long_texts;
	store.plan_long_next = (int32 *) (base + l.plan_long_next);
	store.slots = (BackendSlot *) (base + l.slots);
	store.slot_arenas = base + l.slot_arenas;
	if (!found)
	{
		StoreHeader *h = store.hdr;
		memset(h, 0, sizeof(StoreHeader));
		h->lock = &(GetNamedLWLockTranche("pg_xray"))->lock;
		h->query_text_size = guc_query_text_size;
		h->plan_text_size = guc_plan_text_size;
		h->nslots = XRAY_PROC_SLOTS();
		h->slot_arena_size = SlotArenaSize(guc_query_text_size, guc_plan_text_size);
		h->stmt_table.max = guc_max_statements;
		h->stmt_table.index_cap = core::IndexCapacityFor(guc_max_statements);
		h->stmt_table.text_size = guc_query_text_size;
		const TextShape qs = TextShapeFor(guc_max_statements, guc_query_text_size, kLongTextShare);
		h->stmt_table.short_size = qs.short_size;
		h->stmt_table.nlong = qs.nlong;
		h->plan_table.max = guc_max_plans;
		h->plan_table.index_cap = core::IndexCapacityFor(guc_max_plans);
		h->plan_table.text_size = guc_plan_text_size;
		const TextShape ps = TextShapeFor(guc_max_plans, guc_plan_text_size, kPlanLongTextShare);
		h->plan_table.short_size = ps.short_size;
		h->plan_table.nlong = ps.nlong;
		h->stats_reset = GetCurrentTimestamp();
		h->total_size = l.total + shmem_areas_bytes; // the store and every other area
		pg_atomic_init_u64(&h->reset_epoch, 0);
		pg_atomic_init_u64(&h->text_epoch, 1);
		pg_atomic_init_u64(&h->dropped, 0);
		FreeListsInit();
		memset(store.slots, 0, mul_size(h->nslots, sizeof(BackendSlot)));
	}
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
	{
		if (!found)
			StoreLoadFile();
		on_shmem_exit(StoreDumpFile, (Datum) 0);
	}
}

bool
StoreReady()
{
	return store.hdr != NULL;
}

bool
StoreStmtTextKnown(const StmtKey &key)
{
	if (!StoreReady())
		return true;
	KnownCheckEpoch();
	return KnownHas(known_stmt, StmtKeyHash(key));
}

void
StoreFlushOwn()
{
	(void) FlushOwn(true);
}

void
StoreAddHookTime(double ms)
{
	BackendSlot *slot = StoreReady() ? MySlot() : NULL;
	if (slot)
		slot->hook_time_ms += ms;
}

void
StoreRecord(const RecordEvent &ev)
{
	if (!StoreReady())
		return;
	// in an error path nothing may wait for a lock (see LockStore)
	bool may_wait = !ev.in_error;
	BackendSlot *slot = MySlot(may_wait);
	if (!slot)
	{
		pg_atomic_fetch_add_u64(&store.hdr->dropped, 1);
		return;
	}
	if (pg_atomic_read_u64(&store.hdr->reset_epoch) != slot->reset_epoch && !FlushOwn(may_wait))
	{
		// the reset is applied at this backend's next statement; this error is not counted
		pg_atomic_fetch_add_u64(&store.hdr->dropped, 1);
		return;
	}
	KnownCheckEpoch();
	double held_plan_ms = -1.0; // a planning of this very statement and plan
	if (held_plan.valid)
	{
		if (ev.kind == kEventExec && held_plan.planid == ev.planid && StmtKeyEqual(held_plan.key, ev.key))
		{
			held_plan.valid = false;
			held_plan_ms = held_plan.ms;
		}
		else
			RecordHeldPlan(ev.in_error);
	}

	uint32 slot_no = (uint32) (slot - store.slots);
	TimestampTz now = GetCurrentStatementStartTimestamp();
	uint64 hash = ItemHash(ev.key, ev.planid);
	int idx = LocalFind(slot, hash, ev.key, ev.planid);
	if (idx < 0)
	{
		if (slot->nitems >= (uint32) kPendingItems && !FlushOwn(may_wait))
		{
			pg_atomic_fetch_add_u64(&store.hdr->dropped, 1);
			return;
		}
		idx = (int) slot->nitems;
		PendingItem *it = &slot->items[idx];
		// not yet published (idx >= nitems): no reader looks at it
		memset((void *) it, 0, sizeof(PendingItem));
		it->key = ev.key;
		it->planid = ev.planid;
		it->hash = hash;
		it->first_seen = now;
		it->last_seen = now;
		it->hist_lo = kHistBuckets - 1;
		it->hist_hi = 0;
		pg_write_barrier();
		slot->nitems = idx + 1;
		core::IndexInsert(local_index, kLocalIndexCap, hash, idx);
	}
	PendingItem *it = &slot->items[idx];

	bool has_text = false, has_plan_text = false;
	uint32 text_len = 0, plan_text_len = 0;
	if (!it->text_checked || (!it->plan_text_checked && PlanTextWanted(ev)))
		CaptureTexts(ev, slot, slot_no, it, &has_text, &text_len, &has_plan_text, &plan_text_len);

	it->changecount++;
	pg_write_barrier();
	if (has_text)
	{
		it->text_len = text_len;
		it->has_text = true;
	}
	if (has_plan_text)
	{
		it->plan_text_len = plan_text_len;
		it->has_plan_text = true;
	}
	switch (ev.kind)
	{
		case kEventExec:
		{
			core::TimingAdd(it->c.exec, ev.ms);
			int b = core::HistBucket(ev.ms);
			it->hist[b]++;
			if (b < it->hist_lo)
				it->hist_lo = (uint16) b;
			if (b > it->hist_hi)
				it->hist_hi = (uint16) b;
			it->c.rows += ev.rows;
			AddBuffers(it->c, ev.bufusage, ev.walusage);
			AddJit(it->c.jit, ev.jit);
			it->c.parallel_workers_to_launch += ev.parallel_workers_to_launch;
			it->c.parallel_workers_launched += ev.parallel_workers_launched;
			if (held_plan_ms >= 0.0)
				core::TimingAdd(it->c.plan, held_plan_ms);
			break;
		}
		case kEventPlan:
			core::TimingAdd(it->c.plan, ev.ms);
			break;
		case kEventError:
			it->c.errors++;
			it->c.error_time += ev.ms;
			AddBuffers(it->c, ev.bufusage, ev.walusage);
			break;
	}
	if (now > it->last_seen)
		it->last_seen = now;
	pg_write_barrier();
	it->changecount++;

	// an error path leaves the periodic flush to the next statement; the next
	// record must find room for a statement's and a plan's text
	if (may_wait &&
		(now - slot->window_start >= (int64) guc_flush_interval_ms * 1000 ||
		 store.hdr->slot_arena_size - slot->arena_used < store.hdr->query_text_size + store.hdr->plan_text_size))
		StoreFlushOwn();
}

void
StoreRecordPlan(const StmtKey &key, uint64 planid, double ms)
{
	if (!StoreReady())
		return;
	RecordHeldPlan(false);
	held_plan = HeldPlan{true, key, planid, ms};
}

void
StoreReset()
{
	CheckPreloaded();
	StoreHeader *h = store.hdr;
	LWLockAcquire(h->lock, LW_EXCLUSIVE);
	FreeListsInit();
	h->flushes = 0;
	h->hook_time_ms = 0;
	h->stats_reset = GetCurrentTimestamp();
	pg_atomic_write_u64(&h->dropped, 0);
	uint64 e = pg_atomic_read_u64(&h->reset_epoch) + 1;
	h->resets[e % kResetRing] = ResetFilter{e, true, 0};
	pg_write_barrier();
	pg_atomic_write_u64(&h->reset_epoch, e);
	pg_atomic_fetch_add_u64(&h->text_epoch, 1);
	LWLockRelease(h->lock);
}

int64
StoreResetQuery(uint64 queryid)
{
	CheckPreloaded();
	StoreHeader *h = store.hdr;
	int64 removed = 0;
	LWLockAcquire(h->lock, LW_EXCLUSIVE);
	for (uint32 i = 0; i < h->stmt_table.max; i++)
		if (store.stmts[i].in_use && store.stmts[i].key.queryid == queryid)
		{
			TableRemove(Stmts(), i);
			removed++;
		}
	for (uint32 i = 0; i < h->plan_table.max; i++)
		if (store.plans[i].in_use && store.plans[i].key.queryid == queryid)
			TableRemove(Plans(), i);
	// items still pending in backends count as recorded too
	uint64 cur = pg_atomic_read_u64(&h->reset_epoch);
	for (uint32 s = 0; s < h->nslots; s++)
	{
		BackendSlot *slot = &store.slots[s];
		uint32 n = Min(*(volatile uint32 *) &slot->nitems, (uint32) kPendingItems);
		pg_read_barrier();
		for (uint32 i = 0; i < n; i++)
			if (slot->items[i].key.queryid == queryid && !ResetDropsItem(slot->items[i], slot->reset_epoch, cur))
				removed++;
	}
	if (removed > 0)
	{
		uint64 e = cur + 1;
		h->resets[e % kResetRing] = ResetFilter{e, false, queryid};
		pg_write_barrier();
		pg_atomic_write_u64(&h->reset_epoch, e);
		pg_atomic_fetch_add_u64(&h->text_epoch, 1);
	}
	LWLockRelease(h->lock);
	return removed;
}
} // namespace xray::pg
