// store_read.cpp - readers of the statement store: merged snapshots and info.
//
// Locking protocol: a reader allocates everything first (rows for the tables'
// fixed capacity, an arena for the texts), then holds store.hdr->lock in
// shared mode while it copies the shared tables and every backend's pending
// items, without calling anything that can raise an ERROR: an error under the
// lock would reach the executor hook's error path in the same backend. When
// the texts did not fit the arena, the copy is repeated with a larger one (at
// most three tries; then the texts that did not fit read NULL). It copies so no flush
// (exclusive) can move counts from a slot into the tables in between: every
// count is seen exactly once. Pending items are copied with the changecount
// protocol described in store.cpp. The work is O(entries + backends x
// kPendingItems), on the reader's side only; recording never waits for it.
#include <cstring>

#include "hash_index.hpp"
#include "recorder/store_internal.hpp"

#include "compat.hpp"
#include "shared_modules.hpp"

namespace xray::pg
{
namespace
{
struct PlanTriple
{
	Oid dbid;
	uint64 queryid;
	uint64 planid;
};

int
CompareTriple(const void *a, const void *b)
{
	const PlanTriple *x = (const PlanTriple *) a;
	const PlanTriple *y = (const PlanTriple *) b;
	if (x->dbid != y->dbid)
		return x->dbid < y->dbid ? -1 : 1;
	if (x->queryid != y->queryid)
		return x->queryid < y->queryid ? -1 : 1;
	if (x->planid != y->planid)
		return x->planid < y->planid ? -1 : 1;
	return 0;
}

// RowIndex is a palloc'd open-addressing index over snapshot rows.
struct RowIndex
{
	int32 *slots;
	uint32 cap;
};

RowIndex
RowIndexCreate(uint32 n)
{
	RowIndex ix;
	ix.cap = core::IndexCapacityFor(n);
	ix.slots = (int32 *) palloc_extended(ix.cap * sizeof(int32), MCXT_ALLOC_HUGE);
	core::IndexClear(ix.slots, ix.cap);
	return ix;
}

// FindOrAddRow returns the snapshot row of key, appending an empty one if needed.
template <typename Row, typename Key>
Row &
FindOrAddRow(Row *rows, RowIndex &ix, int *n, const Key &key, uint64 hash)
{
	int32 r = core::IndexFind(ix.slots, ix.cap, hash, [&](int32 x) { return KeyEqual(rows[x].key, key); });
	if (r == core::kIndexEmpty)
	{
		r = (*n)++;
		memset((void *) &rows[r], 0, sizeof(Row));
		rows[r].key = key;
		core::IndexInsert(ix.slots, ix.cap, hash, r);
	}
	return rows[r];
}

// MergeHistAndTimes adds a pending item's histogram and seen times to a row.
template <typename Row>
void
MergeHistAndTimes(Row &row, const PendingItem &it)
{
	for (int b = it.hist_lo; b <= it.hist_hi; b++)
		row.hist[b] += it.hist[b];
	if (row.first_seen == 0 || it.first_seen < row.first_seen)
		row.first_seen = it.first_seen;
	if (it.last_seen > row.last_seen)
		row.last_seen = it.last_seen;
}

// TextArena holds the texts of one snapshot: allocated before the lock is
// taken, filled under it (no allocation there), grown and refilled when short.
struct TextArena
{
	char *buf;
	size_t cap;
	size_t used;
	size_t needed;

	void Prepare(size_t size)
	{
		if (size > cap)
		{
			if (buf)
				pfree(buf);
			buf = (char *) palloc_extended(size, MCXT_ALLOC_HUGE);
			cap = size;
		}
		used = needed = 0;
	}
	// Copy returns a NUL-terminated copy, or NULL when len is 0 or it does not fit.
	char *Copy(const char *src, uint32 len)
	{
		if (len == 0)
			return NULL;
		needed += len + 1;
		if (used + len + 1 > cap)
			return NULL;
		char *out = buf + used;
		memcpy(out, src, len);
		out[len] = '\0';
		used += len + 1;
		return out;
	}
	// Retry: true when the texts did not fit and another try may make them
	bool Retry(int attempt) const { return needed > cap && attempt < 2; }
	size_t Grown() const { return needed + needed / 4 + 4096; }
};

// ForEachPendingItem calls fn(slot_no, item_no, copy) for every live pending item; shared lock held.
template <typename Fn>
void
ForEachPendingItem(Fn fn)
{
	StoreHeader *h = store.hdr;
	uint64 cur = pg_atomic_read_u64(&h->reset_epoch);
	PendingItem copy;
	for (uint32 s = 0; s < h->nslots; s++)
	{
		BackendSlot *slot = &store.slots[s];
		uint32 n = Min(*(volatile uint32 *) &slot->nitems, (uint32) kPendingItems);
		pg_read_barrier();
		for (uint32 i = 0; i < n; i++)
		{
			// an item its owner keeps rewriting is left out of this read only
			if (!CopyPendingItem(&slot->items[i], &copy))
				continue;
			if (ResetDropsItem(copy, slot->reset_epoch, cur))
				continue;
			fn(s, (int) i, copy);
		}
	}
}
} // namespace

StmtRow *
StoreSnapshotStatements(int *nrows)
{
	CheckPreloaded();
	StoreHeader *h = store.hdr;
	// capacities fixed at server start: sized without the lock
	uint32 cap = h->stmt_table.max + h->nslots * kPendingItems;
	StmtRow *rows = (StmtRow *) palloc_extended(mul_size(cap, sizeof(StmtRow)), MCXT_ALLOC_HUGE);
	RowIndex ix = RowIndexCreate(cap);
	PlanTriple *triples = (PlanTriple *) palloc_extended(
		mul_size(h->plan_table.max + h->nslots * kPendingItems + 1, sizeof(PlanTriple)), MCXT_ALLOC_HUGE);
	TextArena arena{NULL, 0, 0, 0};
	size_t want = 64 * 1024;
	int n = 0;
	uint32 ntriples = 0;
	for (int attempt = 0;; attempt++)
	{
		arena.Prepare(want);
		core::IndexClear(ix.slots, ix.cap);
		n = 0;
		ntriples = 0;
		LWLockAcquire(h->lock, LW_SHARED);
		for (uint32 i = 0; i < h->stmt_table.max; i++)
		{
			const StmtEntry &e = store.stmts[i];
			if (!e.in_use)
				continue;
			StmtRow &r = rows[n];
			r.key = e.key;
			r.c = e.c;
			memcpy(r.hist, e.hist, sizeof(r.hist));
			r.first_seen = e.first_seen;
			r.last_seen = e.last_seen;
			r.distinct_plans = 0;
			r.text = arena.Copy(StmtText(i), e.text_len);
			core::IndexInsert(ix.slots, ix.cap, e.hash, n);
			n++;
		}
		for (uint32 i = 0; i < h->plan_table.max; i++)
			if (store.plans[i].in_use)
				triples[ntriples++] =
					PlanTriple{store.plans[i].key.dbid, store.plans[i].key.queryid, store.plans[i].key.planid};

		ForEachPendingItem([&](uint32 s, int i, const PendingItem &it) {
			StmtRow &row = FindOrAddRow(rows, ix, &n, it.key, StmtKeyHash(it.key));
			if (!row.text && it.has_text)
				row.text = arena.Copy(SlotArena(s) + it.text_off, Min(it.text_len, h->query_text_size - 1));
			core::CountersMerge(row.c, it.c);
			MergeHistAndTimes(row, it);
			if (it.planid != 0 && it.c.exec.count > 0)
				triples[ntriples++] = PlanTriple{it.key.dbid, it.key.queryid, it.planid};
		});
		LWLockRelease(h->lock);
		if (!arena.Retry(attempt))
			break;
		want = arena.Grown();
	}

	// distinct plans per (dbid, queryid), counted over what is stored
	if (ntriples > 0)
	{
		qsort(triples, ntriples, sizeof(PlanTriple), CompareTriple);
		for (int r = 0; r < n; r++)
		{
			PlanTriple probe{rows[r].key.dbid, rows[r].key.queryid, 0};
			uint32 lo = 0, hi = ntriples;
			while (lo < hi)
			{
				uint32 mid = (lo + hi) / 2;
				if (CompareTriple(&triples[mid], &probe) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			int32 count = 0;
			for (uint32 t = lo; t < ntriples && triples[t].dbid == probe.dbid && triples[t].queryid == probe.queryid;
				 t++)
				if (t == lo || triples[t].planid != triples[t - 1].planid)
					count++;
			rows[r].distinct_plans = count;
		}
	}
	pfree(triples);
	pfree(ix.slots);
	*nrows = n;
	return rows;
}

PlanRow *
StoreSnapshotPlans(int *nrows)
{
	CheckPreloaded();
	StoreHeader *h = store.hdr;
	uint32 cap = h->plan_table.max + h->nslots * kPendingItems;
	PlanRow *rows = (PlanRow *) palloc_extended(mul_size(cap, sizeof(PlanRow)), MCXT_ALLOC_HUGE);
	RowIndex ix = RowIndexCreate(cap);
	TextArena arena{NULL, 0, 0, 0};
	size_t want = 64 * 1024;
	int n = 0;
	for (int attempt = 0;; attempt++)
	{
		arena.Prepare(want);
		core::IndexClear(ix.slots, ix.cap);
		n = 0;
		LWLockAcquire(h->lock, LW_SHARED);
		for (uint32 i = 0; i < h->plan_table.max; i++)
		{
			const PlanEntry &e = store.plans[i];
			if (!e.in_use)
				continue;
			PlanRow &r = rows[n];
			r.key = e.key;
			r.exec = e.exec;
			memcpy(r.hist, e.hist, sizeof(r.hist));
			r.first_seen = e.first_seen;
			r.last_seen = e.last_seen;
			r.text = arena.Copy(PlanText(i), e.text_len);
			core::IndexInsert(ix.slots, ix.cap, e.hash, n);
			n++;
		}
		ForEachPendingItem([&](uint32 s, int i, const PendingItem &it) {
			if (it.planid == 0 || it.c.exec.count == 0)
				return;
			PlanKey pk{it.key.dbid, it.key.queryid, it.planid};
			PlanRow &row = FindOrAddRow(rows, ix, &n, pk, PlanKeyHash(pk));
			if (!row.text && it.has_plan_text)
				row.text = arena.Copy(SlotArena(s) + it.plan_text_off, Min(it.plan_text_len, h->plan_text_size - 1));
			core::TimingMerge(row.exec, it.c.exec);
			MergeHistAndTimes(row, it);
		});
		LWLockRelease(h->lock);
		if (!arena.Retry(attempt))
			break;
		want = arena.Grown();
	}
	pfree(ix.slots);
	*nrows = n;
	return rows;
}

void
StoreGetInfo(StoreInfo *info)
{
	CheckPreloaded();
	StoreHeader *h = store.hdr;
	LWLockAcquire(h->lock, LW_SHARED);
	info->statements = h->stmt_table.count;
	info->max_statements = h->stmt_table.max;
	info->plans = h->plan_table.count;
	info->max_plans = h->plan_table.max;
	info->statement_evictions = h->stmt_table.evictions;
	info->plan_evictions = h->plan_table.evictions;
	info->flushes = h->flushes;
	info->shared_memory_bytes = (int64) h->total_size;
	info->stats_reset = h->stats_reset;
	info->hook_time_ms = h->hook_time_ms;
	int64 pending = 0;
	ForEachPendingItem([&](uint32, int, const PendingItem &) { pending++; });
	for (uint32 s = 0; s < h->nslots; s++)
		info->hook_time_ms += store.slots[s].hook_time_ms;
	info->pending = pending;
	LWLockRelease(h->lock);
	info->dropped = (int64) pg_atomic_read_u64(&h->dropped);
}
} // namespace xray::pg
