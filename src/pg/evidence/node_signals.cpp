// node_signals.cpp - per-node evidence of sampled executions (plan findings).
//
// A sampled execution (xray.advice_sample_rate, see scan_signals.cpp) runs with
// per-node row counts. Before ExecutorEnd frees them, the walk over its plan
// state tree hands every node to NodeEvidenceNote, which reads what EXPLAIN
// ANALYZE would print for it: a nested loop's outer rows (actual and
// estimated) and what its inner side scans; a hash join's batches and memory
// peak; a sort's disk use; a hash aggregate's spill; a Limit's OFFSET and the
// order it pages through. The worst node of each kind is kept per execution and
// merged per statement into a bounded shared table (stmt_slots.hpp).
//
// Locking: the table's LWLock, taken with LWLockConditionalAcquire once per
// sampled execution (never per statement; when it is busy that execution's
// evidence is dropped); readers take it shared and copy (stmt_slots.hpp).
#include "worst_of.hpp"
#include "compat.hpp"
#include "evidence/node_signals.hpp"
#include "evidence/scan_signals.hpp"

extern "C" {
#include "executor/hashjoin.h"
#include "utils/tuplesort.h"
}

namespace xray::pg
{
StmtSlots<NodeEvidence> node_signals("pg_xray node signals", "pg_xray_node_signals");

namespace
{
double
RowsOf(PlanState *ps)
{
	if (ps == NULL || ps->instrument == NULL)
		return -1;
	InstrEndLoop(ps->instrument);
	return ps->instrument->ntuples;
}

Oid
RelOfScan(PlanState *ps, Plan *p)
{
	Index rti = ((Scan *) p)->scanrelid;
	List *rtable = ps->state->es_range_table;
	if (rti < 1 || rti > (Index) list_length(rtable))
		return InvalidOid;
	RangeTblEntry *rte = rt_fetch(rti, rtable);
	return rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid;
}

bool
IsIndexScan(Plan *p)
{
	return IsA(p, IndexScan) || IsA(p, IndexOnlyScan) || IsA(p, BitmapHeapScan);
}

// Keep replaces the execution's worst node of a kind with candidate c when c
// is worse (core/worst_of.hpp); a spill also notes the memory settings it ran with.
template <typename T>
void
Keep(T &worst, const T &c, NodeEvidence *e, bool spill)
{
	if (core::KeepWorse(worst, c) && spill)
	{
		e->work_mem_kb = work_mem;
		e->hash_mem_multiplier = hash_mem_multiplier;
	}
}

void
NoteNestLoop(PlanState *ps, NodeEvidence *e)
{
	PlanState *outer = outerPlanState(ps), *inner = innerPlanState(ps);
	NestLoopEvidence c{};
	c.outer_rows = RowsOf(outer);
	if (inner == NULL || c.outer_rows < kLargeOuter)
		return;
	c.outer_est = outer->plan->plan_rows * Max(outer->instrument->nloops, 1.0);
	Plan *ip = inner->plan;
	c.inner_rel = IsA(ip, SeqScan) || IsIndexScan(ip) ? RelOfScan(inner, ip) : InvalidOid;
	c.inner_kind = IsA(ip, SeqScan) ? kInnerSeqScan : IsIndexScan(ip) ? kInnerIndexScan : kInnerOther;
	Keep(e->nl, c, e, false);
}

void
NoteHashJoin(PlanState *ps, NodeEvidence *e)
{
	PlanState *inner = innerPlanState(ps);
	if (inner == NULL || !IsA(inner, HashState))
		return;
	HashState *hs = (HashState *) inner;
	HashJoinEvidence c{};
	double peak;
	if (hs->hinstrument)
	{
		c.batches = hs->hinstrument->nbatch;
		c.batches_planned = hs->hinstrument->nbatch_original;
		peak = (double) hs->hinstrument->space_peak;
	}
	else if (hs->hashtable)
	{
		c.batches = hs->hashtable->nbatch;
		c.batches_planned = hs->hashtable->nbatch_original;
		peak = (double) hs->hashtable->spacePeak;
	}
	else
		return;
	if (c.batches <= 1)
		return;
	c.bytes = peak * c.batches;
	Keep(e->hj, c, e, true);
}

void
NoteSort(SortState *ss, NodeEvidence *e)
{
	SortEvidence c{};
	if (ss->tuplesortstate && ss->sort_Done)
	{
		TuplesortInstrumentation st;
		tuplesort_get_stats((Tuplesortstate *) ss->tuplesortstate, &st);
		if (st.spaceType == SORT_SPACE_TYPE_DISK)
			c.disk_kb = (double) st.spaceUsed;
	}
	// parallel workers' sorts, copied back at shutdown
	if (ss->shared_info)
		for (int w = 0; w < ss->shared_info->num_workers; w++)
		{
			const TuplesortInstrumentation &st = ss->shared_info->sinstrument[w];
			if (st.spaceType == SORT_SPACE_TYPE_DISK)
				c.disk_kb = Max(c.disk_kb, (double) st.spaceUsed);
		}
	if (c.disk_kb <= 0)
		return;
	c.rows = Max(RowsOf(outerPlanState(ss)), 0.0);
	Keep(e->sort, c, e, true);
}

void
NoteAgg(AggState *as, NodeEvidence *e)
{
	if (as->hash_disk_used == 0)
		return;
	AggEvidence c{};
	c.disk_kb = (double) as->hash_disk_used;
	c.peak_bytes = (double) as->hash_mem_peak;
	Keep(e->agg, c, e, true);
}

// KeysetKeys notes the order a Limit pages through: the keys of the sort below
// it, or the index it reads in order.
void
KeysetKeys(PlanState *child, OffsetEvidence *o)
{
	while (child && (IsA(child, GatherMergeState) || IsA(child, ResultState)))
		child = outerPlanState(child);
	if (child == NULL)
		return;
	Plan *p = child->plan;
	if (IsA(p, IndexScan) || IsA(p, IndexOnlyScan))
	{
		o->key_rel = RelOfScan(child, p);
		o->key_index = IsA(p, IndexScan) ? ((IndexScan *) p)->indexid : ((IndexOnlyScan *) p)->indexid;
		ScanDirection dir = IsA(p, IndexScan) ? ((IndexScan *) p)->indexorderdir : ((IndexOnlyScan *) p)->indexorderdir;
		o->key_desc = ScanDirectionIsBackward(dir) ? 1 : 0;
		return;
	}
	if (!IsA(p, Sort) && !IsA(p, IncrementalSort))
		return;
	Sort *s = (Sort *) p; // IncrementalSort starts with a Sort
	for (int k = 0; k < s->numCols && o->nkeys < kKeysetKeys; k++)
	{
		Plan *scan;
		AttrNumber att;
		if (!ResolveToScan(outerPlan(p), s->sortColIdx[k], &scan, &att))
			break;
		Oid rel = RelOfScan(child, scan);
		if (rel == InvalidOid || (o->nkeys > 0 && rel != o->key_rel))
			break; // keys from several tables: no single keyset
		Oid opfamily, opcintype;
		bool desc = false;
		(void) XrayOrderingOp(s->sortOperators[k], &opfamily, &opcintype, &desc);
		o->key_rel = rel;
		o->key_desc |= desc ? (uint8) (1 << o->nkeys) : 0;
		o->key_atts[o->nkeys++] = att;
	}
}

void
NoteLimit(LimitState *ls, NodeEvidence *e)
{
	OffsetEvidence *o = &e->offset;
	if (o->runs > 0 || ((Limit *) ls->ps.plan)->limitOffset == NULL || ls->offset <= 0)
		return; // the outermost OFFSET only
	double fetched = RowsOf(outerPlanState(ls));
	double skipped = fetched >= 0 ? Min((double) ls->offset, fetched) : (double) ls->offset;
	if (skipped <= 0)
		return;
	o->runs = 1;
	o->skipped = skipped;
	o->skipped_max = skipped;
	o->returned = Max(RowsOf(&ls->ps), 0.0);
	KeysetKeys(outerPlanState(ls), o);
}
} // namespace

void
NodeEvidenceNote(PlanState *ps, NodeEvidence *e)
{
	switch (nodeTag(ps))
	{
		case T_NestLoopState:
			NoteNestLoop(ps, e);
			break;
		case T_HashJoinState:
			NoteHashJoin(ps, e);
			break;
		case T_SortState:
			NoteSort((SortState *) ps, e);
			break;
		case T_AggState:
			NoteAgg((AggState *) ps, e);
			break;
		case T_LimitState:
			NoteLimit((LimitState *) ps, e);
			break;
		default:
			break;
	}
}

void
NodeSignalsRecord(Oid dbid, uint64 queryid, const NodeEvidence &e)
{
	node_signals.Update(dbid, queryid, [&](NodeEvidence &s) {
		s.runs++;
		core::MergeWorse(s.nl, e.nl);
		core::MergeWorse(s.hj, e.hj);
		core::MergeWorse(s.sort, e.sort);
		core::MergeWorse(s.agg, e.agg);
		if (e.work_mem_kb > 0)
		{
			s.work_mem_kb = e.work_mem_kb;
			s.hash_mem_multiplier = e.hash_mem_multiplier;
		}
		core::MergePaged(s.offset, e.offset, e.offset.key_rel != InvalidOid);
	});
}
} // namespace xray::pg
