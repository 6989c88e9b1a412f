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
#include "compat.hpp"
#include "node_signals.hpp"
#include "scan_signals.hpp"
#include "stmt_slots.hpp"

extern "C" {
#include "executor/hashjoin.h"
#include "utils/tuplesort.h"
}

namespace xray::pg
{
namespace
{
StmtSlots<NodeEvidence> table("pg_xray node signals", "pg_xray_node_signals");

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

// NoteSettings: the memory settings this execution ran with (its session's).
void
NoteSettings(NodeEvidence *e)
{
	e->work_mem_kb = work_mem;
	e->hash_mem_multiplier = hash_mem_multiplier;
}

void
NoteNestLoop(PlanState *ps, NodeEvidence *e)
{
	PlanState *outer = outerPlanState(ps), *inner = innerPlanState(ps);
	double rows = RowsOf(outer);
	if (inner == NULL || rows < kLargeOuter || rows <= e->nl_outer_rows)
		return;
	e->nl_runs = 1;
	e->nl_outer_rows = rows;
	e->nl_outer_est = outer->plan->plan_rows * Max(outer->instrument->nloops, 1.0);
	Plan *ip = inner->plan;
	bool scan = IsA(ip, SeqScan) || IsIndexScan(ip);
	e->nl_inner_rel = scan ? RelOfScan(inner, ip) : InvalidOid;
	e->nl_inner_kind = IsA(ip, SeqScan) ? kInnerSeqScan : IsIndexScan(ip) ? kInnerIndexScan : kInnerOther;
}

void
NoteHashJoin(PlanState *ps, NodeEvidence *e)
{
	PlanState *inner = innerPlanState(ps);
	if (inner == NULL || !IsA(inner, HashState))
		return;
	HashState *hs = (HashState *) inner;
	int batches, planned;
	double peak;
	if (hs->hinstrument)
	{
		batches = hs->hinstrument->nbatch;
		planned = hs->hinstrument->nbatch_original;
		peak = (double) hs->hinstrument->space_peak;
	}
	else if (hs->hashtable)
	{
		batches = hs->hashtable->nbatch;
		planned = hs->hashtable->nbatch_original;
		peak = (double) hs->hashtable->spacePeak;
	}
	else
		return;
	if (batches <= 1 || batches <= e->hj_batches)
		return;
	e->hj_runs = 1;
	e->hj_batches = batches;
	e->hj_batches_planned = planned;
	e->hj_bytes = peak * batches;
	NoteSettings(e);
}

void
NoteSort(SortState *ss, NodeEvidence *e)
{
	double disk_kb = 0;
	if (ss->tuplesortstate && ss->sort_Done)
	{
		TuplesortInstrumentation st;
		tuplesort_get_stats((Tuplesortstate *) ss->tuplesortstate, &st);
		if (st.spaceType == SORT_SPACE_TYPE_DISK)
			disk_kb = (double) st.spaceUsed;
	}
	// parallel workers' sorts, copied back at shutdown
	if (ss->shared_info)
		for (int w = 0; w < ss->shared_info->num_workers; w++)
		{
			const TuplesortInstrumentation &st = ss->shared_info->sinstrument[w];
			if (st.spaceType == SORT_SPACE_TYPE_DISK)
				disk_kb = Max(disk_kb, (double) st.spaceUsed);
		}
	if (disk_kb > e->sort_disk_kb)
	{
		e->sort_runs = 1;
		e->sort_disk_kb = disk_kb;
		e->sort_rows = Max(RowsOf(outerPlanState(ss)), 0.0);
		NoteSettings(e);
	}
}

void
NoteAgg(AggState *as, NodeEvidence *e)
{
	if (as->hash_disk_used == 0 || (double) as->hash_disk_used <= e->agg_disk_kb)
		return;
	e->agg_runs = 1;
	e->agg_disk_kb = (double) as->hash_disk_used;
	e->agg_peak_bytes = (double) as->hash_mem_peak;
	NoteSettings(e);
}

// KeysetKeys notes the order a Limit pages through: the keys of the sort below
// it, or the index it reads in order.
void
KeysetKeys(PlanState *child, NodeEvidence *e)
{
	while (child && (IsA(child, GatherMergeState) || IsA(child, ResultState)))
		child = outerPlanState(child);
	if (child == NULL)
		return;
	Plan *p = child->plan;
	if (IsA(p, IndexScan) || IsA(p, IndexOnlyScan))
	{
		e->key_rel = RelOfScan(child, p);
		e->key_index = IsA(p, IndexScan) ? ((IndexScan *) p)->indexid : ((IndexOnlyScan *) p)->indexid;
		ScanDirection dir = IsA(p, IndexScan) ? ((IndexScan *) p)->indexorderdir : ((IndexOnlyScan *) p)->indexorderdir;
		e->key_desc = ScanDirectionIsBackward(dir) ? 1 : 0;
		return;
	}
	if (!IsA(p, Sort) && !IsA(p, IncrementalSort))
		return;
	Sort *s = (Sort *) p;	// IncrementalSort starts with a Sort
	for (int k = 0; k < s->numCols && e->nkeys < kKeysetKeys; k++)
	{
		Plan *scan;
		AttrNumber att;
		if (!ResolveToScan(outerPlan(p), s->sortColIdx[k], &scan, &att))
			break;
		Oid rel = RelOfScan(child, scan);
		if (rel == InvalidOid || (e->nkeys > 0 && rel != e->key_rel))
			break;	// keys from several tables: no single keyset
		Oid opfamily, opcintype;
		int16 strategy;
		bool desc = get_ordering_op_properties(s->sortOperators[k], &opfamily, &opcintype, &strategy) &&
					strategy == BTGreaterStrategyNumber;
		e->key_rel = rel;
		e->key_desc |= desc ? (uint8) (1 << e->nkeys) : 0;
		e->key_atts[e->nkeys++] = att;
	}
}

void
NoteLimit(LimitState *ls, NodeEvidence *e)
{
	if (e->offset_runs > 0 || ((Limit *) ls->ps.plan)->limitOffset == NULL || ls->offset <= 0)
		return;	// the outermost OFFSET only
	double fetched = RowsOf(outerPlanState(ls));
	double skipped = fetched >= 0 ? Min((double) ls->offset, fetched) : (double) ls->offset;
	if (skipped <= 0)
		return;
	e->offset_runs = 1;
	e->offset_rows = skipped;
	e->offset_max = skipped;
	e->limit_rows = Max(RowsOf(&ls->ps), 0.0);
	KeysetKeys(outerPlanState(ls), e);
}
}	// namespace

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
	table.Update(dbid, queryid, [&](NodeEvidence &s) {
		s.runs++;
		s.nl_runs += e.nl_runs;
		if (e.nl_outer_rows > s.nl_outer_rows)
		{
			s.nl_outer_rows = e.nl_outer_rows;
			s.nl_outer_est = e.nl_outer_est;
			s.nl_inner_rel = e.nl_inner_rel;
			s.nl_inner_kind = e.nl_inner_kind;
		}
		s.hj_runs += e.hj_runs;
		if (e.hj_batches > s.hj_batches)
		{
			s.hj_batches = e.hj_batches;
			s.hj_batches_planned = e.hj_batches_planned;
			s.hj_bytes = e.hj_bytes;
		}
		s.sort_runs += e.sort_runs;
		if (e.sort_disk_kb > s.sort_disk_kb)
		{
			s.sort_disk_kb = e.sort_disk_kb;
			s.sort_rows = e.sort_rows;
		}
		if (e.work_mem_kb > 0)
		{
			s.work_mem_kb = e.work_mem_kb;
			s.hash_mem_multiplier = e.hash_mem_multiplier;
		}
		s.agg_runs += e.agg_runs;
		if (e.agg_disk_kb > s.agg_disk_kb)
		{
			s.agg_disk_kb = e.agg_disk_kb;
			s.agg_peak_bytes = e.agg_peak_bytes;
		}
		if (e.offset_runs > 0)
		{
			s.offset_runs += e.offset_runs;
			s.offset_rows += e.offset_rows;
			s.offset_max = Max(s.offset_max, e.offset_max);
			s.limit_rows += e.limit_rows;
			if (e.key_rel != InvalidOid)
			{
				s.key_rel = e.key_rel;
				s.key_index = e.key_index;
				s.key_desc = e.key_desc;
				s.nkeys = e.nkeys;
				memcpy(s.key_atts, e.key_atts, sizeof(s.key_atts));
			}
		}
	});
}

void
NodeSignalsRequestShmem()
{
	table.Reserve();
}

void
NodeSignalsStartup()
{
	table.Attach();
}

void
NodeSignalsReset()
{
	table.Reset();
}

NodeEvidence *
NodeSignalsCopy(Oid dbid, uint64 **queryids, int *n)
{
	return table.CopyValues(dbid, queryids, n);
}
}	// namespace xray::pg
