// samples.cpp - statement texts with their constants, kept for the advisors.
//
// Normalized texts ($n) plan only as generic plans; a statement as it was run
// lets the advisors plan it with real constants (custom plans: selectivities
// of the actual values, LIKE patterns). One text per (dbid, queryid) lives in a
// direct-mapped table of xray.max_statements slots of xray.query_text_size
// bytes; a newer sample replaces an older one, or another query's in the same
// slot. Nothing is persisted. xray.store_sample_values = off keeps none (the
// constants of statements may be private).
//
// Locking: one LWLock. A backend writes a sample only when it first meets a
// statement whose text is not known to be stored (with the normalized text),
// never per execution, and only if it gets the lock at once
// (LWLockConditionalAcquire): a statement never waits for a sample. Readers
// (the advisors) take it shared.
#include <cstring>

#include "hash_index.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "query_normalize.hpp"
#include "samples.hpp"

namespace xray::pg
{
namespace
{
struct SampleSlot
{
	uint64 queryid;
	Oid dbid;
	uint32 len;
};

struct SamplesHeader
{
	LWLock *lock;
	uint32 nslots;
	uint32 text_size;
};

SamplesHeader *samples = NULL;
shmem_request_hook_type prev_request = NULL;

Size
SamplesSize()
{
	return add_size(MAXALIGN(sizeof(SamplesHeader)),
					mul_size(guc_max_statements, MAXALIGN(sizeof(SampleSlot)) + MAXALIGN(guc_query_text_size)));
}

SampleSlot *
Slot(uint32 i)
{
	char *base = (char *) samples + MAXALIGN(sizeof(SamplesHeader));
	return (SampleSlot *) (base + (Size) i * (MAXALIGN(sizeof(SampleSlot)) + MAXALIGN(samples->text_size)));
}

char *
SlotText(SampleSlot *s)
{
	return (char *) s + MAXALIGN(sizeof(SampleSlot));
}

uint32
SlotFor(Oid dbid, uint64 queryid)
{
	return (uint32) (core::HashMix64(queryid ^ ((uint64) dbid << 32)) % samples->nslots);
}

void
Request()
{
	if (prev_request)
		prev_request();
	RequestAddinShmemSpace(SamplesSize());
	RequestNamedLWLockTranche("pg_xray_samples", 1);
}
}	// namespace

void
SamplesRequestShmem()
{
	prev_request = shmem_request_hook;
	shmem_request_hook = Request;
}

void
SamplesStartup()
{
	bool found;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	samples = (SamplesHeader *) ShmemInitStruct("pg_xray samples", SamplesSize(), &found);
	if (!found)
	{
		memset(samples, 0, SamplesSize());
		samples->lock = &(GetNamedLWLockTranche("pg_xray_samples"))->lock;
		samples->nslots = guc_max_statements;
		samples->text_size = guc_query_text_size;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
SamplePut(Oid dbid, uint64 queryid, const char *text, size_t len)
{
	if (samples == NULL || !guc_store_sample_values || samples->nslots == 0)
		return;
	size_t keep = ClipText(text, len, samples->text_size);
	// best effort: a busy lock means this sample is skipped, the statement never waits
	if (!LWLockConditionalAcquire(samples->lock, LW_EXCLUSIVE))
		return;
	SampleSlot *s = Slot(SlotFor(dbid, queryid));
	s->queryid = queryid;
	s->dbid = dbid;
	memcpy(SlotText(s), text, keep);
	SlotText(s)[keep] = '\0';
	s->len = (uint32) keep;
	LWLockRelease(samples->lock);
}

char *
SampleGet(Oid dbid, uint64 queryid)
{
	if (samples == NULL || samples->nslots == 0)
		return NULL;
	char *copy = NULL;
	LWLockAcquire(samples->lock, LW_SHARED);
	SampleSlot *s = Slot(SlotFor(dbid, queryid));
	// copy under the lock; palloc may fail only for lack of memory, which releases the lock
	if (s->queryid == queryid && s->dbid == dbid && s->len > 0)
		copy = pnstrdup(SlotText(s), s->len);
	LWLockRelease(samples->lock);
	return copy;
}
}	// namespace xray::pg
