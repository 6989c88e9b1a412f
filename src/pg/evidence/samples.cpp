// samples.cpp - statement texts with their constants, kept for the advisors.
//
// Normalized texts ($n) plan only as generic plans; a statement as it was run
// lets the advisors plan it with real constants (custom plans: selectivities
// of the actual values, LIKE patterns). One text per (dbid, queryid) lives in a
// 2-way set-associative table of xray.max_statements / 2 slots of xray.query_text_size
// bytes; a newer sample replaces an older one, or another query's in the same
// slot. Nothing is persisted. xray.store_sample_values = off keeps none (the
// constants of statements may be private).
//
// The first run is kept; later runs only count, per constant, how often its
// value differed (a literal the same in most runs is a partial index's
// predicate). A statement's first kSampleFirstRuns runs are all compared, then
// one in kSampleLaterOneIn at random (SampleWanted, a peek without the lock).
//
// Locking: one LWLock. A backend writes a sample when it meets a statement
// whose text is not known to be stored (with the normalized text), and for the
// runs SampleWanted picks, and only if it gets the lock at once
// (LWLockConditionalAcquire): a statement never waits for a sample. Readers
// (the advisors) take it shared.
#include <cstring>

#include <type_traits>

#include "hash_index.hpp"
#include "param_text.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "recorder/query_normalize.hpp"
#include "evidence/samples.hpp"
#include "shmem_area.hpp"

extern "C" {
#include "common/pg_prng.h"
}

namespace xray::pg
{
namespace
{
constexpr uint32 kSampleFirstRuns = 16;	 // every run compared up to this many
constexpr uint32 kSampleLaterOneIn = 64; // then one run in this many (a power of two)

struct SampleSlot
{
	uint64 queryid;
	Oid dbid;
	uint32 len;
	uint32 nsamples;
	int32 nconst;
	bool bound; // text with an execution's parameter values in place of $n
	SampleConst consts[kSampleConsts];
	uint16 differed[kSampleConsts]; // later runs in which constant i differed (saturating)
	uint32 const_hash[kSampleConsts];
};

struct SamplesHeader
{
	LWLock *lock;
	uint32 nslots;
	uint32 text_size;
};

static_assert(std::is_trivially_copyable<SampleSlot>::value && std::is_trivially_copyable<SamplesHeader>::value,
			  "shared memory holds PODs");

SamplesHeader *samples = NULL;

// SlotCount: one sample for every other statement kept. The advisors plan the
// costliest statements (xray.index_advice_statements, 500 by default): those
// run often, and the 2-way sets keep the sample compared over more runs.
uint32
SlotCount()
{
	return (uint32) Max(guc_max_statements / 2, 2);
}

Size
SamplesSize()
{
	return add_size(MAXALIGN(sizeof(SamplesHeader)),
					mul_size(SlotCount(), MAXALIGN(sizeof(SampleSlot)) + MAXALIGN(guc_query_text_size)));
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

// The table is 2-way set associative: a statement lives in one of the two
// slots of its set, so two statements whose hashes meet do not evict each
// other (a direct-mapped table lost a statement's sample to such a collision,
// and the advisor then planned it without its constants).
uint32
SetFor(Oid dbid, uint64 queryid)
{
	uint32 sets = Max(samples->nslots / 2, 1);
	return (uint32) (core::HashMix64(queryid ^ ((uint64) dbid << 32)) % sets) * 2;
}

bool
Holds(const SampleSlot *s, Oid dbid, uint64 queryid)
{
	return s->queryid == queryid && s->dbid == dbid && s->len > 0;
}

// FindSlot: the slot that holds the statement, or NULL.
SampleSlot *
FindSlot(Oid dbid, uint64 queryid)
{
	uint32 set = SetFor(dbid, queryid);
	for (uint32 k = 0; k < 2 && set + k < samples->nslots; k++)
		if (Holds(Slot(set + k), dbid, queryid))
			return Slot(set + k);
	return NULL;
}

// SlotFor: the slot that holds the statement, else the one of its set to
// take: an empty one, or the one whose statement was sampled fewer times.
SampleSlot *
SlotFor(Oid dbid, uint64 queryid)
{
	SampleSlot *s = FindSlot(dbid, queryid);
	if (s != NULL)
		return s;
	uint32 set = SetFor(dbid, queryid);
	SampleSlot *a = Slot(set);
	if (set + 1 >= samples->nslots || a->len == 0)
		return a;
	SampleSlot *b = Slot(set + 1);
	return (b->len == 0 || b->nsamples <= a->nsamples) ? b : a;
}

void
InitSamples(void *mem, LWLock *lock)
{
	SamplesHeader *h = (SamplesHeader *) mem;
	h->lock = lock;
	h->nslots = SlotCount();
	h->text_size = guc_query_text_size;
}

const ShmemArea kArea = {"pg_xray samples", "pg_xray_samples", SamplesSize, InitSamples};
} // namespace

void
SamplesRequestShmem()
{
	ShmemAreaReserve(kArea);
}

void
SamplesStartup()
{
	samples = (SamplesHeader *) ShmemAreaAttach(kArea);
}

void
SamplePut(Oid dbid, uint64 queryid, const char *text, size_t len, const SampleConst *consts, int nconst, bool bound)
{
	if (samples == NULL || !guc_store_sample_values || samples->nslots == 0)
		return;
	size_t keep = ClipText(text, len, samples->text_size);
	int n = Min(nconst, kSampleConsts);
	uint32 hashes[kSampleConsts];
	for (int i = 0; i < n; i++)
		hashes[i] = (uint32) core::HashMix64(
			hash_bytes_extended((const unsigned char *) text + consts[i].at, consts[i].len, 0));
	// best effort: a busy lock means this sample is skipped, the statement never waits
	if (!LWLockConditionalAcquire(samples->lock, LW_EXCLUSIVE))
		return;
	SampleSlot *s = SlotFor(dbid, queryid);
	bool same = Holds(s, dbid, queryid);
	if (same && s->bound && !bound)
	{
		// "... = $1" parsed again: the text with bound values kept is richer
		LWLockRelease(samples->lock);
		return;
	}
	if (same && s->bound == bound && s->nconst == n)
	{
		// the same statement again: note which constants changed
		for (int i = 0; i < n; i++)
			if (s->const_hash[i] != hashes[i] && s->differed[i] < PG_UINT16_MAX)
				s->differed[i]++;
		if (s->nsamples < PG_UINT32_MAX)
			s->nsamples++;
	}
	else
	{
		s->queryid = queryid;
		s->dbid = dbid;
		memcpy(SlotText(s), text, keep);
		SlotText(s)[keep] = '\0';
		s->len = (uint32) keep;
		s->nsamples = 1;
		s->nconst = n;
		s->bound = bound;
		for (int i = 0; i < n; i++)
		{
			s->consts[i] = consts[i];
			s->const_hash[i] = hashes[i];
			s->differed[i] = 0;
		}
	}
	LWLockRelease(samples->lock);
}

bool
SampleWanted(Oid dbid, uint64 queryid)
{
	if (samples == NULL || !guc_store_sample_values || samples->nslots == 0)
		return false;
	// read without the lock: a torn or stale count only changes one decision
	const SampleSlot *s = FindSlot(dbid, queryid);
	if (s == NULL || s->nsamples < kSampleFirstRuns)
		return true;
	return (pg_prng_uint32(&pg_global_prng_state) & (kSampleLaterOneIn - 1)) == 0;
}

void
SampleBoundParams(QueryDesc *queryDesc)
{
	ParamListInfo params = queryDesc->params;
	PlannedStmt *stmt = queryDesc->plannedstmt;
	if (samples == NULL || !guc_store_sample_values || samples->nslots == 0 || params == NULL ||
		params->numParams <= 0 || params->paramFetch != NULL || queryDesc->sourceText == NULL)
		return;
	int loc = stmt->stmt_location;
	int len = stmt->stmt_len;
	const char *text = CleanQuerytext(queryDesc->sourceText, &loc, &len);
	if (memchr(text, '$', len) == NULL)
		return;
	// each value as an SQL literal of its type: '42'::integer, NULL::text
	int nparams = params->numParams;
	core::ParamLiteral *values = (core::ParamLiteral *) palloc0(sizeof(core::ParamLiteral) * nparams);
	size_t total = 0;
	for (int i = 0; i < nparams; i++)
	{
		ParamExternData *p = &params->params[i];
		// built-in types only: their output functions cannot fail on a bound value
		if (!OidIsValid(p->ptype) || p->ptype >= FirstNormalObjectId)
			return;
		const char *type = format_type_be(p->ptype);
		char *lit;
		size_t quoted = 0;
		if (p->isnull)
			lit = psprintf("NULL::%s", type);
		else
		{
			Oid out;
			bool varlena;
			getTypeOutputInfo(p->ptype, &out, &varlena);
			char *q = quote_literal_cstr(OidOutputFunctionCall(out, p->value));
			quoted = strlen(q);
			lit = psprintf("%s::%s", q, type);
		}
		values[i] = core::ParamLiteral{lit, strlen(lit), quoted};
		total += values[i].len;
		if (total > samples->text_size)
			return; // would not fit anyway
	}
	char *buf = (char *) palloc(samples->text_size + 1);
	core::BoundAt at[kSampleConsts];
	int nat = 0;
	long n =
		core::BindParams(text, (size_t) len, values, nparams, buf, samples->text_size + 1, at, kSampleConsts, &nat);
	if (n <= 0)
		return;
	SampleConst consts[kSampleConsts];
	for (int i = 0; i < nat; i++)
		consts[i] = SampleConst{at[i].at, at[i].len};
	SamplePut(MyDatabaseId, stmt->queryId, buf, (size_t) n, consts, nat, true);
}

void
SamplesReset()
{
	if (samples == NULL)
		return;
	LWLockAcquire(samples->lock, LW_EXCLUSIVE);
	for (uint32 i = 0; i < samples->nslots; i++)
	{
		Slot(i)->len = 0;
		Slot(i)->queryid = 0;
	}
	LWLockRelease(samples->lock);
}

namespace
{
// CopySlot copies slot s into info (text: text_size + 1 bytes, allocated by the caller)
void
CopySlot(const SampleSlot *s, char *text, SampleInfo *info)
{
	size_t len = Min((size_t) s->len, (size_t) samples->text_size);
	memcpy(text, SlotText(const_cast<SampleSlot *>(s)), len);
	text[len] = '\0';
	info->text = text;
	info->nconst = s->nconst;
	info->nsamples = s->nsamples;
	for (int i = 0; i < s->nconst; i++)
	{
		info->consts[i] = s->consts[i];
		info->differed[i] = s->differed[i];
	}
}
} // namespace

uint32
SampleSlots()
{
	return (samples == NULL || !guc_store_sample_values) ? 0 : samples->nslots;
}

bool
SampleAt(uint32 i, Oid dbid, uint64 *queryid, SampleInfo *info)
{
	if (i >= SampleSlots())
		return false;
	bool found = false;
	char *text = (char *) palloc(samples->text_size + 1); // before the lock
	LWLockAcquire(samples->lock, LW_SHARED);
	const SampleSlot *s = Slot(i);
	if (s->len > 0 && s->dbid == dbid)
	{
		*queryid = s->queryid;
		CopySlot(s, text, info);
		found = true;
	}
	LWLockRelease(samples->lock);
	if (!found)
		pfree(text);
	return found;
}

bool
SampleGet(Oid dbid, uint64 queryid, SampleInfo *info)
{
	// values kept before xray.store_sample_values was turned off are not used
	if (samples == NULL || samples->nslots == 0 || !guc_store_sample_values)
		return false;
	bool found = false;
	// allocated before the lock: nothing under it may raise an ERROR
	char *text = (char *) palloc(samples->text_size + 1);
	LWLockAcquire(samples->lock, LW_SHARED);
	SampleSlot *s = FindSlot(dbid, queryid);
	if (s != NULL)
	{
		CopySlot(s, text, info);
		found = true;
	}
	LWLockRelease(samples->lock);
	return found;
}
} // namespace xray::pg
