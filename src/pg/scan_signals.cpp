// scan_signals.cpp - row counts of table scans in sampled executions (advisor evidence).
//
// For a fraction xray.advice_sample_rate of top-level executions (counting in
// xray.statements stays exact: it does not depend on this), the executor is
// asked for per-node row counts (INSTRUMENT_ROWS, no timers). At the end of the
// execution, every sequential, index and bitmap heap scan adds its rows returned
// and rows removed by its filter to a direct-mapped shared table keyed by
// (dbid, queryid, relid) of xray.max_statements slots; a newer key replaces an
// older one in the same slot.
//
// Locking: one LWLock, taken with LWLockConditionalAcquire only: a sampled
// execution never waits; if the lock is busy its signal is dropped. Readers
// (the advisor) take it shared.
#include <cstring>

#include "hash_index.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "scan_signals.hpp"

extern "C" {
#include "common/pg_prng.h"
}

namespace xray::pg
{
namespace
{
struct SignalSlot
{
	Oid dbid;
	Oid relid;
	uint64 queryid;
	ScanSignal s;
};

struct SignalsHeader
{
	LWLock *lock;
	uint32 nslots;
};

SignalsHeader *signals = NULL;
shmem_request_hook_type prev_request = NULL;
QueryDesc *sampled = NULL;	// the top-level execution being sampled, if any

Size
SignalsSize()
{
	return add_size(MAXALIGN(sizeof(SignalsHeader)), mul_size(guc_max_statements, sizeof(SignalSlot)));
}

SignalSlot *
Slots()
{
	return (SignalSlot *) ((char *) signals + MAXALIGN(sizeof(SignalsHeader)));
}

uint32
SlotFor(Oid dbid, uint64 queryid, Oid relid)
{
	return (uint32) (core::HashMix64(queryid ^ ((uint64) dbid << 32) ^ core::HashMix64(relid)) % signals->nslots);
}

void
Request()
{
	if (prev_request)
		prev_request();
	RequestAddinShmemSpace(SignalsSize());
	RequestNamedLWLockTranche("pg_xray_scan_signals", 1);
}

struct Collect
{
	List *rtable;
	uint64 queryid;
	int n;
	Oid relid[64];
	bool seq[64];
	double rows[64];
	double removed[64];
};

bool
CollectScans(PlanState *ps, void *arg)
{
	Collect *c = (Collect *) arg;
	if (ps == NULL)
		return false;
	Plan *p = ps->plan;
	if ((IsA(p, SeqScan) || IsA(p, IndexScan) || IsA(p, BitmapHeapScan)) && ps->instrument && c->n < 64)
	{
		Index rti = ((Scan *) p)->scanrelid;
		if (rti >= 1 && rti <= (Index) list_length(c->rtable))
		{
			RangeTblEntry *rte = rt_fetch(rti, c->rtable);
			if (rte->rtekind == RTE_RELATION)
			{
				InstrEndLoop(ps->instrument);
				c->relid[c->n] = rte->relid;
				c->seq[c->n] = IsA(p, SeqScan);
				c->rows[c->n] = ps->instrument->ntuples;
				c->removed[c->n] = ps->instrument->nfiltered1 + ps->instrument->nfiltered2;
				c->n++;
			}
		}
	}
	return planstate_tree_walker(ps, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(CollectScans)), arg);
}
}	// namespace

void
ScanSignalsRequestShmem()
{
	prev_request = shmem_request_hook;
	shmem_request_hook = Request;
}

void
ScanSignalsStartup()
{
	bool found;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	signals = (SignalsHeader *) ShmemInitStruct("pg_xray scan signals", SignalsSize(), &found);
	if (!found)
	{
		memset(signals, 0, SignalsSize());
		signals->lock = &(GetNamedLWLockTranche("pg_xray_scan_signals"))->lock;
		signals->nslots = guc_max_statements;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
ScanSignalsBefore(QueryDesc *queryDesc, int eflags)
{
	sampled = NULL;
	if (signals == NULL || guc_advice_sample_rate <= 0.0 || (eflags & EXEC_FLAG_EXPLAIN_ONLY) ||
		queryDesc->plannedstmt->queryId == 0 || queryDesc->plannedstmt->commandType == CMD_UTILITY)
		return;
	if (guc_advice_sample_rate < 1.0 && pg_prng_double(&pg_global_prng_state) >= guc_advice_sample_rate)
		return;
	queryDesc->instrument_options |= INSTRUMENT_ROWS;
	sampled = queryDesc;
}

void
ScanSignalsAfter(QueryDesc *queryDesc)
{
	if (queryDesc != sampled || signals == NULL || queryDesc->planstate == NULL)
		return;
	sampled = NULL;
	Collect c;
	c.rtable = queryDesc->plannedstmt->rtable;
	c.queryid = queryDesc->plannedstmt->queryId;
	c.n = 0;
	CollectScans(queryDesc->planstate, &c);
	if (c.n == 0 || !LWLockConditionalAcquire(signals->lock, LW_EXCLUSIVE))
		return;
	for (int i = 0; i < c.n; i++)
	{
		SignalSlot *s = &Slots()[SlotFor(MyDatabaseId, c.queryid, c.relid[i])];
		if (s->dbid != MyDatabaseId || s->queryid != c.queryid || s->relid != c.relid[i])
		{
			memset(s, 0, sizeof(*s));
			s->dbid = MyDatabaseId;
			s->queryid = c.queryid;
			s->relid = c.relid[i];
		}
		s->s.runs++;
		s->s.seq_scans += c.seq[i] ? 1 : 0;
		s->s.rows += c.rows[i];
		s->s.removed += c.removed[i];
	}
	LWLockRelease(signals->lock);
}

bool
ScanSignalGet(Oid dbid, uint64 queryid, Oid relid, ScanSignal *out)
{
	if (signals == NULL || signals->nslots == 0)
		return false;
	bool found = false;
	LWLockAcquire(signals->lock, LW_SHARED);
	SignalSlot *s = &Slots()[SlotFor(dbid, queryid, relid)];
	if (s->dbid == dbid && s->queryid == queryid && s->relid == relid && s->s.runs > 0)
	{
		*out = s->s;
		found = true;
	}
	LWLockRelease(signals->lock);
	return found;
}
}	// namespace xray::pg
