// scan_signals.cpp - row counts of table scans in sampled executions (advisor evidence).
//
// For a fraction xray.advice_sample_rate of top-level executions (counting in
// xray.statements stays exact: it does not depend on this), the executor is
// asked for per-node row counts (INSTRUMENT_ROWS, no timers). At the end of the
// execution, every sequential, index and bitmap heap scan adds its rows returned
// and rows removed by its filter to a direct-mapped shared table keyed by
// (dbid, queryid, relid) of xray.max_statements slots (stmt_slots.hpp); a newer
// key replaces an older one in the same slot. Each scan also notes which columns its executed
// conditions compared with a value (equality or range): the advisor adds them to
// what it reads from re-planning the statement.
//
// Locking: one LWLock, taken with LWLockConditionalAcquire only, once for all
// the scans of an execution: a sampled execution never waits; if the lock is
// busy its signals are dropped. Readers (the advisor) take it shared.
#include <cstring>

#include "sample_gap.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "evidence/node_signals.hpp"
#include "evidence/samples.hpp"
#include "evidence/scan_signals.hpp"

extern "C" {
#include "access/stratnum.h"
#include "common/pg_prng.h"
#include "optimizer/optimizer.h"
}

namespace xray::pg
{
StmtSlots<ScanSignal> scan_signals("pg_xray scan signals", "pg_xray_scan_signals");

namespace
{
QueryDesc *sampled = NULL; // the top-level execution being sampled, if any

// Executions left until the next sampled one. The gaps between the successes
// of a Bernoulli process of rate p are geometric, so one draw per sampled
// execution picks the same share as a draw per execution, and the executions
// in between cost a decrement.
int64 sample_countdown = 0;
double countdown_rate = -1.0;

int64
NextSampleGap(double rate)
{
	return core::SampleGap(pg_prng_double(&pg_global_prng_state), rate);
}

bool
SampleThisExecution()
{
	double rate = guc_advice_sample_rate;
	if (rate >= 1.0)
		return true;
	if (rate != countdown_rate)
	{
		countdown_rate = rate;
		sample_countdown = NextSampleGap(rate);
	}
	if (--sample_countdown > 0)
		return false;
	sample_countdown = NextSampleGap(rate);
	return true;
}

constexpr int kMaxScans = 64;
constexpr int kMaxPending = 16;

// A sort or join key found above a scan, waiting for the walk to reach it.
struct Pending
{
	Plan *scan;
	SignalUse use;
};

struct Collect
{
	List *rtable;
	uint64 queryid;
	int limit_depth; // > 0 below a Limit node
	int npending;
	Pending pending[kMaxPending];
	int n;
	Oid relid[kMaxScans];
	bool seq[kMaxScans];
	bool limited[kMaxScans];
	double rows[kMaxScans];
	double est_rows[kMaxScans];
	double removed[kMaxScans];
	int nuses[kMaxScans];
	SignalUse uses[kMaxScans][kSignalFilters];
	NodeEvidence nodes; // nested loops, hash joins, sorts, OFFSETs (node_signals.cpp)
};

void
AddUse(Collect *c, int i, SignalUse u)
{
	for (int k = 0; k < c->nuses[i]; k++)
		if (c->uses[i][k].Same(u))
			return;
	if (c->nuses[i] < kSignalFilters)
		c->uses[i][c->nuses[i]++] = u;
}

Node *
StripRelabel(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

// ScanColumn: the column of the scanned table n reads, directly, wrapped in
// one function of it (lower(email)) or cast (id::text, an implicit cast to
// numeric); att 0 when it is none of these.
SignalUse
ScanColumn(Node *n, Index scanrelid)
{
	SignalUse u{0, 0, InvalidOid, InvalidOid};
	n = StripRelabel(n);
	if (n && IsA(n, CoerceViaIO))
	{
		Node *arg = StripRelabel((Node *) ((CoerceViaIO *) n)->arg);
		if (arg && IsA(arg, Var))
		{
			u.cast = ((CoerceViaIO *) n)->resulttype;
			n = arg;
		}
	}
	else if (n && IsA(n, FuncExpr) && list_length(((FuncExpr *) n)->args) >= 1)
	{
		FuncExpr *f = (FuncExpr *) n;
		Node *arg = StripRelabel((Node *) linitial(f->args));
		bool rest_const = true;
		ListCell *lc;
		for_each_from(lc, f->args, 1) rest_const = rest_const && !contain_var_clause((Node *) lfirst(lc));
		if (arg && IsA(arg, Var) && rest_const)
		{
			if (f->funcformat == COERCE_EXPLICIT_CALL)
				u.func = f->funcid;
			else // a cast function: explicit (ts::date) or implicit (int4 -> numeric)
				u.cast = f->funcresulttype;
			n = arg;
		}
	}
	if (n && IsA(n, Var) && ((Var *) n)->varno == (int) scanrelid && ((Var *) n)->varattno >= 1)
		u.att = ((Var *) n)->varattno;
	return u;
}

// LikeKind classifies a LIKE/ILIKE operator by name and its pattern (a leading
// wildcard needs a trigram index); 0 when opno is not one.
int
LikeKind(Oid opno, Node *pattern)
{
	char *name = get_opname(opno);
	if (name == NULL)
		return 0;
	bool like = strcmp(name, "~~") == 0;
	bool ilike = strcmp(name, "~~*") == 0;
	if (!like && !ilike)
		return strcmp(name, "@>") == 0 ? -1 : 0;
	bool leading = false;
	pattern = StripRelabel(pattern);
	if (pattern && IsA(pattern, Const) && !((Const *) pattern)->constisnull)
	{
		Const *k = (Const *) pattern;
		if (k->consttype == TEXTOID || k->consttype == VARCHAROID || k->consttype == BPCHAROID)
		{
			text *t = DatumGetTextPP(k->constvalue);
			leading = VARSIZE_ANY_EXHDR(t) > 0 && (VARDATA_ANY(t)[0] == '%' || VARDATA_ANY(t)[0] == '_');
		}
	}
	if (like)
		return leading ? kSigLikeLeading : kSigLike;
	return leading ? kSigIlikeLeading : kSigIlike;
}

// AddConditions notes what a scan's conditions do with its table's columns.
void
AddConditions(Collect *c, int i, Index scanrelid, List *quals)
{
	ListCell *lc;
	foreach (lc, quals)
	{
		Node *q = (Node *) lfirst(lc);
		if (IsA(q, NullTest) && ((NullTest *) q)->nulltesttype == IS_NULL)
		{
			SignalUse u = ScanColumn((Node *) ((NullTest *) q)->arg, scanrelid);
			if (u.att > 0)
			{
				u.kind = kSigIsNull;
				AddUse(c, i, u);
			}
			continue;
		}
		if (IsA(q, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) q)->useOr)
		{
			ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) q;
			SignalUse u = ScanColumn((Node *) linitial(sa->args), scanrelid);
			if (u.att > 0 && !contain_var_clause((Node *) lsecond(sa->args)) && QualOperatorKind(sa->opno) == 1)
			{
				u.kind = kSigIn;
				AddUse(c, i, u);
			}
			continue;
		}
		if (!IsA(q, OpExpr) || list_length(((OpExpr *) q)->args) != 2)
			continue;
		OpExpr *op = (OpExpr *) q;
		Node *l = (Node *) linitial(op->args), *r = (Node *) lsecond(op->args);
		bool col_left = !contain_var_clause(r);
		if (!col_left && contain_var_clause(l))
			continue; // compares two columns
		SignalUse u = ScanColumn(col_left ? l : r, scanrelid);
		if (u.att == 0)
			continue;
		int kind = QualOperatorKind(op->opno);
		if (kind == 0 && col_left)
		{
			int like = LikeKind(op->opno, r);
			kind = like == -1 ? kSigJsonbContains : like;
		}
		if (kind == 0)
			continue;
		u.kind = (uint8) kind;
		AddUse(c, i, u);
	}
}

void
AddPending(Collect *c, Plan *child, AttrNumber attno, uint8 kind)
{
	Plan *scan;
	AttrNumber att;
	if (c->npending < kMaxPending && ResolveToScan(child, attno, &scan, &att))
		c->pending[c->npending++] = Pending{scan, SignalUse{att, kind, InvalidOid, InvalidOid}};
}

// NotePending records the sort keys and join keys a node puts on its inputs.
void
NotePending(Collect *c, Plan *p)
{
	if (IsA(p, Sort))
	{
		Sort *s = (Sort *) p;
		for (int k = 0; k < s->numCols; k++)
		{
			Oid opfamily, opcintype;
			bool desc;
			if (!XrayOrderingOp(s->sortOperators[k], &opfamily, &opcintype, &desc))
				continue;
			AddPending(c, outerPlan(p), s->sortColIdx[k], desc ? kSigSortDesc : kSigSortAsc);
		}
		return;
	}
	List *clauses = NIL;
	if (IsA(p, HashJoin))
		clauses = ((HashJoin *) p)->hashclauses;
	else if (IsA(p, MergeJoin))
		clauses = ((MergeJoin *) p)->mergeclauses;
	ListCell *lc;
	foreach (lc, clauses)
	{
		Node *q = (Node *) lfirst(lc);
		if (!IsA(q, OpExpr) || list_length(((OpExpr *) q)->args) != 2)
			continue;
		for (int side = 0; side < 2; side++)
		{
			Node *e = StripRelabel((Node *) list_nth(((OpExpr *) q)->args, side));
			if (e == NULL || !IsA(e, Var))
				continue;
			Var *v = (Var *) e;
			if (v->varno == OUTER_VAR)
				AddPending(c, outerPlan(p), v->varattno, kSigJoinKey);
			else if (v->varno == INNER_VAR)
				AddPending(c, innerPlan(p), v->varattno, kSigJoinKey);
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
	NodeEvidenceNote(ps, &c->nodes);
	if ((IsA(p, SeqScan) || IsA(p, IndexScan) || IsA(p, BitmapHeapScan) || IsA(p, IndexOnlyScan)) && ps->instrument &&
		c->n < kMaxScans)
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
				c->limited[i] = c->limit_depth > 0;
				c->rows[i] = ps->instrument->ntuples;
				c->est_rows[i] = p->plan_rows * Max(ps->instrument->nloops, 1.0);
				c->removed[i] = ps->instrument->nfiltered1 + ps->instrument->nfiltered2;
				c->nuses[i] = 0;
				AddConditions(c, i, rti, p->qual);
				if (IsA(p, IndexScan))
					AddConditions(c, i, rti, ((IndexScan *) p)->indexqualorig);
				else if (IsA(p, BitmapHeapScan))
					AddConditions(c, i, rti, ((BitmapHeapScan *) p)->bitmapqualorig);
				for (int k = 0; k < c->npending; k++)
					if (c->pending[k].scan == p && (c->pending[k].use.kind != kSigJoinKey || IsA(p, SeqScan)))
						AddUse(c, i, c->pending[k].use);
				c->n++;
			}
		}
	}
	NotePending(c, p);
	bool limit = IsA(p, Limit);
	c->limit_depth += limit ? 1 : 0;
	bool r = planstate_tree_walker(ps, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(CollectScans)), arg);
	c->limit_depth -= limit ? 1 : 0;
	return r;
}
} // namespace

// ResolveToScan follows output column attno of plan down through plans that
// pass their input through (Hash, Sort, Material) to a table scan.
bool
ResolveToScan(Plan *plan, AttrNumber attno, Plan **scan, AttrNumber *att)
{
	for (int depth = 0; plan && depth < 8; depth++)
	{
		TargetEntry *tle = get_tle_by_resno(plan->targetlist, attno);
		if (tle == NULL)
			return false;
		Node *e = StripRelabel((Node *) tle->expr);
		if (e == NULL || !IsA(e, Var))
			return false;
		Var *v = (Var *) e;
		if (IsA(plan, SeqScan) || IsA(plan, IndexScan) || IsA(plan, BitmapHeapScan) || IsA(plan, IndexOnlyScan))
		{
			if (v->varno != (int) ((Scan *) plan)->scanrelid || v->varattno < 1)
				return false;
			*scan = plan;
			*att = v->varattno;
			return true;
		}
		if (!(IsA(plan, Hash) || IsA(plan, Sort) || IsA(plan, Material) || IsA(plan, IncrementalSort)) ||
			v->varno != OUTER_VAR)
			return false;
		attno = v->varattno;
		plan = outerPlan(plan);
	}
	return false;
}

int
QualOperatorKind(Oid opno)
{
	List *interp = XRAY_OP_INTERPRETATIONS(opno);
	ListCell *lc;
	int kind = 0;
	foreach (lc, interp)
	{
		XrayOpInterpretation *o = (XrayOpInterpretation *) lfirst(lc);
		if (XRAY_INTERP_IS_EQ(o))
			return 1;
		if (!XRAY_INTERP_IS_NE(o))
			kind = 2;
	}
	return kind;
}

void
ScanSignalsBefore(QueryDesc *queryDesc, int eflags)
{
	sampled = NULL;
	if (!scan_signals.Ready() || guc_advice_sample_rate <= 0.0 || (eflags & EXEC_FLAG_EXPLAIN_ONLY) ||
		queryDesc->plannedstmt->queryId == 0 || queryDesc->plannedstmt->commandType == CMD_UTILITY)
		return;
	if (!SampleThisExecution())
		return;
	queryDesc->instrument_options |= INSTRUMENT_ROWS;
	sampled = queryDesc;
	SampleBoundParams(queryDesc);
}

void
ScanSignalsAfter(QueryDesc *queryDesc)
{
	if (queryDesc != sampled || queryDesc->planstate == NULL)
		return;
	sampled = NULL;
	Collect c;
	c.rtable = queryDesc->plannedstmt->rtable;
	c.queryid = queryDesc->plannedstmt->queryId;
	c.n = 0;
	c.limit_depth = 0;
	c.npending = 0;
	memset(&c.nodes, 0, sizeof(c.nodes));
	CollectScans(queryDesc->planstate, &c);
	NodeSignalsRecord(MyDatabaseId, c.queryid, c.nodes);
	if (c.n == 0)
		return;
	scan_signals.Batch([&](auto at) {
		for (int i = 0; i < c.n; i++)
		{
			ScanSignal &s = at(SlotKey{MyDatabaseId, c.relid[i], c.queryid});
			s.runs++;
			s.seq_scans += c.seq[i] ? 1 : 0;
			s.limited += c.limited[i] ? 1 : 0;
			s.rows += c.rows[i];
			s.est_rows += c.est_rows[i];
			s.removed += c.removed[i];
			for (int k = 0; k < c.nuses[i]; k++)
			{
				const SignalUse &u = c.uses[i][k];
				bool seen = false;
				for (int m = 0; m < s.nfilters && !seen; m++)
					seen = s.filters[m].Same(u);
				if (!seen && s.nfilters < kSignalFilters)
					s.filters[s.nfilters++] = u;
			}
		}
	});
}

bool
ScanSignalGet(Oid dbid, uint64 queryid, Oid relid, ScanSignal *out)
{
	return scan_signals.Get(SlotKey{dbid, relid, queryid}, out) && out->runs > 0;
}

const char *
SignalKindName(int kind)
{
	static const char *const kNames[kSigKinds] = {"",		  "=",		   "range",	   "IN", "LIKE",
												  "LIKE %x",  "ILIKE",	   "ILIKE %x", "@>", "IS NULL",
												  "sort ASC", "sort DESC", "join key"};
	return kind > 0 && kind < kSigKinds ? kNames[kind] : "?";
}
} // namespace xray::pg
