// scan_signals.cpp - row counts of table scans in sampled executions (advisor evidence).
//
// For a fraction xray.advice_sample_rate of top-level executions (counting in
// xray.statements stays exact: it does not depend on this), the executor is
// asked for per-node row counts (INSTRUMENT_ROWS, no timers). At the end of the
// execution, every sequential, index and bitmap heap scan adds its rows returned
// and rows removed by its filter to a direct-mapped shared table keyed by
// (dbid, queryid, relid) of xray.max_statements slots; a newer key replaces an
// older one in the same slot. Each scan also notes which columns its executed
// conditions compared with a value (equality or range): the advisor adds them to
// what it reads from re-planning the statement.
//
// Locking: one LWLock, taken with LWLockConditionalAcquire only: a sampled
// execution never waits; if the lock is busy its signal is dropped. Readers
// (the advisor) take it shared.
#include <cstring>

#include "hash_index.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "samples.hpp"
#include "scan_signals.hpp"

extern "C" {
#include "access/stratnum.h"
#include "common/pg_prng.h"
#include "optimizer/optimizer.h"
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
	int nfilters[64];
	int16 filter_att[64][kSignalFilters];
	bool filter_range[64][kSignalFilters];
};

// AddConditions notes the columns a scan's conditions compare with a value.
void
AddConditions(Collect *c, int i, Index scanrelid, List *quals)
{
	ListCell *lc;
	foreach (lc, quals)
	{
		Node *q = (Node *) lfirst(lc);
		if (!IsA(q, OpExpr) || list_length(((OpExpr *) q)->args) != 2)
			continue;
		OpExpr *op = (OpExpr *) q;
		int kind = QualOperatorKind(op->opno);
		if (kind == 0)
			continue;
		Node *l = (Node *) linitial(op->args), *r = (Node *) lsecond(op->args);
		while (l && IsA(l, RelabelType))
			l = (Node *) ((RelabelType *) l)->arg;
		while (r && IsA(r, RelabelType))
			r = (Node *) ((RelabelType *) r)->arg;
		Var *v = NULL;
		if (l && IsA(l, Var) && !contain_var_clause(r))
			v = (Var *) l;
		else if (r && IsA(r, Var) && !contain_var_clause(l))
			v = (Var *) r;
		if (v == NULL || v->varno != (int) scanrelid || v->varattno < 1)
			continue;
		bool seen = false;
		for (int k = 0; k < c->nfilters[i] && !seen; k++)
			seen = c->filter_att[i][k] == v->varattno;
		if (!seen && c->nfilters[i] < kSignalFilters)
		{
			c->filter_att[i][c->nfilters[i]] = v->varattno;
			c->filter_range[i][c->nfilters[i]++] = kind == 2;
		}
	}
}

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
				int i = c->n;
				c->relid[i] = rte->relid;
				c->seq[i] = IsA(p, SeqScan);
				c->rows[i] = ps->instrument->ntuples;
				c->removed[i] = ps->instrument->nfiltered1 + ps->instrument->nfiltered2;
				c->nfilters[i] = 0;
				AddConditions(c, i, rti, p->qual);
				if (IsA(p, IndexScan))
					AddConditions(c, i, rti, ((IndexScan *) p)->indexqualorig);
				else if (IsA(p, BitmapHeapScan))
					AddConditions(c, i, rti, ((BitmapHeapScan *) p)->bitmapqualorig);
				c->n++;
			}
		}
	}
	return planstate_tree_walker(ps, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(CollectScans)), arg);
}
}	// namespace

int
QualOperatorKind(Oid opno)
{
	List *interp = get_op_btree_interpretation(opno);
	ListCell *lc;
	int kind = 0;
	foreach (lc, interp)
	{
		OpBtreeInterpretation *o = (OpBtreeInterpretation *) lfirst(lc);
		if (o->strategy == BTEqualStrategyNumber)
			return 1;
		if (o->strategy != ROWCOMPARE_NE)
			kind = 2;
	}
	return kind;
}

void
ScanSignalsReset()
{
	if (signals == NULL)
		return;
	LWLockAcquire(signals->lock, LW_EXCLUSIVE);
	memset(Slots(), 0, sizeof(SignalSlot) * signals->nslots);
	LWLockRelease(signals->lock);
}

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
	SampleBoundParams(queryDesc);
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
		for (int k = 0; k < c.nfilters[i]; k++)
		{
			bool seen = false;
			for (int m = 0; m < s->s.nfilters && !seen; m++)
				seen = s->s.filter_att[m] == c.filter_att[i][k];
			if (!seen && s->s.nfilters < kSignalFilters)
			{
				s->s.filter_att[s->s.nfilters] = c.filter_att[i][k];
				s->s.filter_range[s->s.nfilters++] = c.filter_range[i][k];
			}
		}
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
