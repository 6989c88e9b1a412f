// stmt_slots.hpp - a bounded shared table of per-statement evidence.
//
// Direct-mapped on (dbid, queryid[, relid]) over xray.max_statements slots: a
// newer key replaces an older one in its slot (evidence is advice, not an exact
// counter). Writers use LWLockConditionalAcquire only, so a query never waits
// for it: when the lock is busy the evidence of that one execution is dropped.
// Readers take it shared and copy out. T must be plain data (zero means empty).
// Used for the scan signals (per statement and table), the plan-node evidence
// and the repeats (per statement).
#pragma once
#include <type_traits>
#include <cstring>

#include "hash_index.hpp"

#include "guc.hpp"
#include "shmem_area.hpp"

namespace xray::pg
{
// SlotKey: a statement of a database, or a table it scanned (relid; else 0).
struct SlotKey
{
	Oid dbid;
	Oid relid;
	uint64 queryid;

	bool operator==(const SlotKey &o) const { return dbid == o.dbid && relid == o.relid && queryid == o.queryid; }
	uint64 Hash() const { return core::HashMix64(queryid ^ ((uint64) dbid << 32) ^ core::HashMix64(relid)); }
};

template <typename T> class StmtSlots
{
	static_assert(std::is_trivially_copyable<T>::value, "shared memory holds PODs (slots are memset and copied)");

public:
	struct Slot
	{
		SlotKey key; // queryid 0: empty
		T v;
	};

	explicit constexpr StmtSlots(const char *name, const char *tranche) : area_{name, tranche, &AreaSize, &Init} {}

	void Reserve() const { ShmemAreaReserve(area_); }
	void Attach() { hdr_ = (Header *) ShmemAreaAttach(area_); }
	bool Ready() const { return hdr_ != NULL && hdr_->nslots > 0; }

	// Batch runs fn(at) under one conditional exclusive lock; at(key) returns the
	// value of key's slot, emptied first when it held another key. False when the
	// lock was busy (nothing done).
	template <typename Fn> bool Batch(Fn fn)
	{
		if (hdr_ == NULL || hdr_->nslots == 0 || !LWLockConditionalAcquire(hdr_->lock, LW_EXCLUSIVE))
			return false;
		fn([this](const SlotKey &key) -> T & {
			Slot *s = &Slots()[key.Hash() % hdr_->nslots];
			if (!(s->key == key))
			{
				memset(s, 0, sizeof(*s));
				s->key = key;
			}
			return s->v;
		});
		LWLockRelease(hdr_->lock);
		return true;
	}

	// Update runs fn on the value of (dbid, queryid)'s slot (see Batch).
	template <typename Fn> bool Update(Oid dbid, uint64 queryid, Fn fn)
	{
		return Batch([&](auto at) { fn(at(SlotKey{dbid, InvalidOid, queryid})); });
	}

	// Get copies key's value into *out; false when the key has no slot now.
	bool Get(const SlotKey &key, T *out) const
	{
		if (hdr_ == NULL || hdr_->nslots == 0)
			return false;
		LWLockAcquire(hdr_->lock, LW_SHARED);
		const Slot *s = &Slots()[key.Hash() % hdr_->nslots];
		bool found = s->key == key;
		if (found)
			*out = s->v;
		LWLockRelease(hdr_->lock);
		return found;
	}

	// Copy returns a palloc'd array of this database's slots (*n of them).
	Slot *Copy(Oid dbid, int *n) const
	{
		*n = 0;
		if (hdr_ == NULL || hdr_->nslots == 0)
			return NULL;
		Slot *out = (Slot *) palloc(sizeof(Slot) * hdr_->nslots);
		LWLockAcquire(hdr_->lock, LW_SHARED);
		for (uint32 i = 0; i < hdr_->nslots; i++)
			if (Slots()[i].key.dbid == dbid && Slots()[i].key.queryid != 0)
				out[(*n)++] = Slots()[i];
		LWLockRelease(hdr_->lock);
		return out;
	}

	// CopyValues: the same as parallel arrays of values and query ids.
	T *CopyValues(Oid dbid, uint64 **queryids, int *n) const
	{
		Slot *slots = Copy(dbid, n);
		T *out = (T *) palloc(sizeof(T) * Max(*n, 1));
		*queryids = (uint64 *) palloc(sizeof(uint64) * Max(*n, 1));
		for (int i = 0; i < *n; i++)
		{
			out[i] = slots[i].v;
			(*queryids)[i] = slots[i].key.queryid;
		}
		return out;
	}

	// ForgetQuery empties the slots of queryid in every database (xray.reset_query).
	void ForgetQuery(uint64 queryid)
	{
		if (hdr_ == NULL)
			return;
		LWLockAcquire(hdr_->lock, LW_EXCLUSIVE);
		for (uint32 i = 0; i < hdr_->nslots; i++)
			if (Slots()[i].key.queryid == queryid)
				memset(&Slots()[i], 0, sizeof(Slot));
		LWLockRelease(hdr_->lock);
	}

	void Reset()
	{
		if (hdr_ == NULL)
			return;
		LWLockAcquire(hdr_->lock, LW_EXCLUSIVE);
		memset(Slots(), 0, sizeof(Slot) * hdr_->nslots);
		LWLockRelease(hdr_->lock);
	}

private:
	struct Header
	{
		LWLock *lock;
		uint32 nslots;
	};

	static Size AreaSize() { return add_size(MAXALIGN(sizeof(Header)), mul_size(guc_max_statements, sizeof(Slot))); }

	static void Init(void *mem, LWLock *lock)
	{
		Header *h = (Header *) mem;
		h->lock = lock;
		h->nslots = guc_max_statements;
	}

	Slot *Slots() const { return (Slot *) ((char *) hdr_ + MAXALIGN(sizeof(Header))); }

	ShmemArea area_;
	Header *hdr_ = NULL;
};
} // namespace xray::pg
