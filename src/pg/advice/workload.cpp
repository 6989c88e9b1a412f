// workload.cpp - phase 1 of xray.index_advice(): the recorded workload as
// the advisor sees it (workload.hpp).
//
// The costliest recorded statements of this database are parsed from their
// texts and planned (generic plans, $n kept; a sampled run with its constants
// first when one is kept), each as the role that ran it, inside a
// subtransaction: a statement that no longer parses or plans is skipped, a
// cancel stops the call. Their plans give the signals: per relation, the
// columns filtered on and how (equality, range, LIKE, jsonb @>), equality
// join keys, sort keys above a scan and the columns read; sampled executions
// add the columns their scans compared. Relations bring row counts, column
// statistics, existing indexes and the rows the workload writes.
// Everything is PostgreSQL code; the ranking of the recorded statements is
// core's (RankWorkload), run under XRAY_GUARD.
#include <cstring>
#include <map>
#include <vector>

#include "call_rate.hpp"

#include "advice/workload.hpp"
#include "advice/what_if.hpp"
#include "compat.hpp"
#include "guard.hpp"
#include "evidence/scan_signals.hpp"
#include "histogram.hpp"
#include "query_text.hpp"
#include "recorder/plan_walk.hpp"
#include "recorder/store.hpp"
#include "text_access.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "catalog/pg_statistic.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parser.h"
#include "rewrite/rewriteManip.h"
#include "utils/ruleutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace xray::pg
{
namespace
{
// ReadColumns copies the columns' names, widths and distinct counts (pg_statistic).
void
ReadColumns(RelPod &r, Relation rel)
{
	for (int a = 0; a < r.natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), a);
		r.cols[a].name = pstrdup(att->attisdropped ? "" : NameStr(att->attname));
		r.cols[a].n_distinct = 0;
		r.cols[a].width = get_typavgwidth(att->atttypid, att->atttypmod);
		HeapTuple st =
			SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(r.relid), Int16GetDatum(a + 1), BoolGetDatum(false));
		if (HeapTupleIsValid(st))
		{
			Form_pg_statistic s = (Form_pg_statistic) GETSTRUCT(st);
			r.cols[a].n_distinct = s->stadistinct;
			if (s->stawidth > 0)
				r.cols[a].width = s->stawidth;
			ReleaseSysCache(st);
		}
	}
}

// ReadIndexes copies the plain valid btree indexes' keys (and whether the
// advice may replace them) and the columns gin indexes cover.
void
ReadIndexes(RelPod &r, Relation rel)
{
	List *indexes = RelationGetIndexList(rel);
	r.nindexes = list_length(indexes);
	r.index_keys = (int16(*)[kMaxCols]) palloc0(sizeof(int16[kMaxCols]) * Max(r.nindexes, 1));
	r.index_nkeys = (int *) palloc0(sizeof(int) * Max(r.nindexes, 1));
	r.index_names = (char **) palloc0(sizeof(char *) * Max(r.nindexes, 1));
	r.index_droppable = (bool *) palloc0(sizeof(bool) * Max(r.nindexes, 1));
	ListCell *lc;
	int k = 0;
	foreach (lc, indexes)
	{
		Oid indexoid = lfirst_oid(lc);
		HeapTuple it = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (!HeapTupleIsValid(it))
			continue;
		Form_pg_index ix = (Form_pg_index) GETSTRUCT(it);
		HeapTuple ct = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
		Oid am = HeapTupleIsValid(ct) ? ((Form_pg_class) GETSTRUCT(ct))->relam : InvalidOid;
		if (HeapTupleIsValid(ct))
			ReleaseSysCache(ct);
		bool plain = am == BTREE_AM_OID && ix->indisvalid && heap_attisnull(it, Anum_pg_index_indexprs, NULL) &&
					 heap_attisnull(it, Anum_pg_index_indpred, NULL);
		if (am == GIN_AM_OID && ix->indisvalid)
			for (int c = 0; c < ix->indnkeyatts && r.ngin < kMaxCols; c++)
				if (ix->indkey.values[c] > 0)
					r.gin_cols[r.ngin++] = ix->indkey.values[c] - 1;
		if (plain)
		{
			r.index_nkeys[k] = Min(ix->indnkeyatts, kMaxCols);
			for (int c = 0; c < r.index_nkeys[k]; c++)
				r.index_keys[k][c] = ix->indkey.values[c];
			r.index_names[k] = get_rel_name(indexoid);
			r.index_droppable[k] = !ix->indisunique && !ix->indisprimary && !ix->indisexclusion && !ix->indisreplident;
			k++;
		}
		ReleaseSysCache(it);
	}
	r.nindexes = k;
}

// RelIndex: the workload table of relid, read on first use; -1 for what the
// advisor leaves alone (not a table or materialized view, catalogs, TOAST,
// temporary tables).
int
RelIndex(Workload &w, Oid relid)
{
	for (int i = 0; i < w.nrels; i++)
		if (w.rels[i].relid == relid)
			return i;
	if (get_rel_relkind(relid) != RELKIND_RELATION && get_rel_relkind(relid) != RELKIND_MATVIEW)
		return -1;
	Oid nsp = get_rel_namespace(relid);
	if (IsCatalogNamespace(nsp) || IsToastNamespace(nsp) || isAnyTempNamespace(nsp))
		return -1;
	if (w.nrels == w.relcap)
	{
		w.relcap *= 2;
		w.rels = (RelPod *) repalloc(w.rels, sizeof(RelPod) * w.relcap);
	}
	RelPod &r = w.rels[w.nrels];
	memset(&r, 0, sizeof(r));
	r.relid = relid;
	r.schema = get_namespace_name(nsp);
	r.name = get_rel_name(relid);
	Relation rel = relation_open(relid, AccessShareLock);
	r.rows = rel->rd_rel->reltuples > 0 ? rel->rd_rel->reltuples : 0;
	r.natts = RelationGetNumberOfAttributes(rel);
	r.cols = (ColPod *) palloc0(sizeof(ColPod) * (r.natts + kMaxExprCols));
	ReadColumns(r, rel);
	ReadIndexes(r, rel);
	relation_close(rel, AccessShareLock);
	return w.nrels++;
}

// RelOfRangeEntry: the workload table behind range-table entry rti, or -1 (out
// of range, not a plain table, or a table the advisor leaves alone).
int
RelOfRangeEntry(Workload &w, List *rtable, int rti)
{
	if (rti < 1 || rti > list_length(rtable))
		return -1;
	RangeTblEntry *rte = rt_fetch(rti, rtable);
	return rte->rtekind == RTE_RELATION ? RelIndex(w, rte->relid) : -1;
}

UsePod &
UseFor(Workload &w, int rel, int query)
{
	for (int i = 0; i < w.nuses; i++)
		if (w.uses[i].rel == rel && w.uses[i].query == query)
			return w.uses[i];
	if (w.nuses == w.usecap)
	{
		w.usecap *= 2;
		w.uses = (UsePod *) repalloc(w.uses, sizeof(UsePod) * w.usecap);
	}
	UsePod &u = w.uses[w.nuses++];
	memset(&u, 0, sizeof(u));
	u.rel = rel;
	u.query = query;
	return u;
}

// BaseVar follows OUTER_VAR / INNER_VAR through child target lists to a Var of
// a base relation scanned below plan; NULL when it is not one.
Var *
BaseVar(Plan *plan, Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node == NULL || !IsA(node, Var))
		return NULL;
	Var *v = (Var *) node;
	if (v->varno == OUTER_VAR || v->varno == INNER_VAR)
	{
		Plan *child = plan ? (v->varno == OUTER_VAR ? plan->lefttree : plan->righttree) : NULL;
		if (child == NULL || v->varattno < 1 || v->varattno > list_length(child->targetlist))
			return NULL;
		TargetEntry *tle = (TargetEntry *) list_nth(child->targetlist, v->varattno - 1);
		return BaseVar(child, (Node *) tle->expr);
	}
	if (IS_SPECIAL_VARNO(v->varno) || v->varattno < 1)
		return NULL;
	return v;
}

void
AddFilter(Workload &w, int query, List *rtable, Var *v, core::PredKind kind, char *constant = NULL)
{
	int rel = v ? RelOfRangeEntry(w, rtable, v->varno) : -1;
	if (rel < 0)
		return;
	UseFor(w, rel, query).filters.Add(v->varattno - 1, kind, constant);
}

// StableLiteral returns the literal text of a constant of the planned sample
// that was the same in most runs compared (SampleInfo::Stable), or NULL.
char *
StableLiteral(const Workload &w, int query, Node *node)
{
	const QueryPod &qp = w.queries[query];
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (qp.sample == NULL || node == NULL || !IsA(node, Const) || ((Const *) node)->location < 0 ||
		qp.sample->nsamples < 3)
		return NULL;
	int loc = ((Const *) node)->location;
	size_t textlen = strlen(qp.sample->text);
	for (int i = 0; i < qp.sample->nconst; i++)
	{
		const SampleConst &c = qp.sample->consts[i];
		if (c.at != loc || !qp.sample->Stable(i) || (size_t) (c.at + c.len) > textlen)
			continue;
		// only a plain number or quoted string goes into an index predicate
		if (core::ConstantLength(qp.sample->text, textlen, (size_t) c.at) != c.len)
			return NULL;
		return pnstrdup(qp.sample->text + c.at, c.len);
	}
	return NULL;
}

// AddExprFilter records a condition on an immutable expression of one table's
// columns (lower(email) = $1) as a filter on a virtual column of that table.
void
AddExprFilter(Workload &w, int query, List *rtable, Node *expr, core::PredKind kind)
{
	if (expr == NULL || IsA(expr, Var) || IsA(expr, Const) || IsA(expr, Param))
		return;
	Relids varnos = pull_varnos(NULL, expr);
	int varno;
	if (bms_membership(varnos) != BMS_SINGLETON || !bms_get_singleton_member(varnos, &varno) || varno < 1 ||
		varno > list_length(rtable) || contain_mutable_functions(expr) || contain_subplans(expr))
		return;
	RangeTblEntry *rte = rt_fetch(varno, rtable);
	if (rte->rtekind != RTE_RELATION)
		return;
	int rel = RelIndex(w, rte->relid);
	if (rel < 0)
		return;
	Node *copy = (Node *) copyObjectImpl(expr);
	if (varno != 1)
		ChangeVarNodes(copy, varno, 1, 0);
	char *sql = deparse_expression(copy, deparse_context_for(rte->eref->aliasname, rte->relid), false, false);
	RelPod &r = w.rels[rel];
	int col = -1;
	for (int i = 0; i < r.nexprs; i++)
		if (strcmp(r.cols[r.natts + i].name, sql) == 0)
			col = r.natts + i;
	if (col < 0)
	{
		if (r.nexprs >= kMaxExprCols)
			return;
		col = r.natts + r.nexprs++;
		r.cols[col].name = sql;
		r.cols[col].is_expr = true;
		r.cols[col].n_distinct = 200; // no statistics for an expression not indexed yet
		r.cols[col].width = get_typavgwidth(exprType(expr), exprTypmod(expr));
	}
	UseFor(w, rel, query).filters.Add(col, kind);
}

core::PredKind
OperatorKind(Oid opno)
{
	int kind = QualOperatorKind(opno);
	return kind == 1 ? core::PredKind::kEq : (kind == 2 ? core::PredKind::kRange : core::PredKind::kOther);
}

// AddQuals records the btree-usable conditions of a list of quals.
void
AddQuals(Workload &w, int query, List *rtable, Plan *plan, List *quals)
{
	ListCell *lc;
	foreach (lc, quals)
	{
		Node *q = (Node *) lfirst(lc);
		if (IsA(q, OpExpr) && list_length(((OpExpr *) q)->args) == 2)
		{
			OpExpr *op = (OpExpr *) q;
			core::PredKind kind = OperatorKind(op->opno);
			if (kind == core::PredKind::kOther)
			{
				// LIKE / ILIKE on text, @> on jsonb: gin candidates
				Var *col = BaseVar(plan, (Node *) linitial(op->args));
				if (col == NULL || contain_var_clause((Node *) lsecond(op->args)))
					continue;
				char *name = get_opname(op->opno);
				Oid type = col->vartype;
				if (name && (strcmp(name, "~~") == 0 || strcmp(name, "~~*") == 0) &&
					(type == TEXTOID || type == VARCHAROID))
					AddFilter(w, query, rtable, col, core::PredKind::kTrigram);
				else if (name && strcmp(name, "@>") == 0 && type == JSONBOID)
					AddFilter(w, query, rtable, col, core::PredKind::kJsonContains);
				continue;
			}
			Var *l = BaseVar(plan, (Node *) linitial(op->args));
			Var *r = BaseVar(plan, (Node *) lsecond(op->args));
			// both sides a column: a join key (equality only)
			if (l && r && kind != core::PredKind::kEq)
				continue;
			if (l)
				AddFilter(w, query, rtable, l, kind,
						  !r && kind == core::PredKind::kEq ? StableLiteral(w, query, (Node *) lsecond(op->args))
															: NULL);
			if (r)
				AddFilter(w, query, rtable, r, kind,
						  !l && kind == core::PredKind::kEq ? StableLiteral(w, query, (Node *) linitial(op->args))
															: NULL);
			// a function of one table's columns compared with a value
			Node *ln = (Node *) linitial(op->args), *rn = (Node *) lsecond(op->args);
			if (!l && !r && IsA(plan, SeqScan))
			{
				if (!contain_var_clause(rn))
					AddExprFilter(w, query, rtable, ln, kind);
				else if (!contain_var_clause(ln))
					AddExprFilter(w, query, rtable, rn, kind);
			}
		}
		else if (IsA(q, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) q)->useOr)
		{
			ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) q;
			if (OperatorKind(op->opno) == core::PredKind::kEq)
				AddFilter(w, query, rtable, BaseVar(plan, (Node *) linitial(op->args)), core::PredKind::kEq);
		}
		else if (IsA(q, NullTest) && ((NullTest *) q)->nulltesttype == IS_NULL)
			AddFilter(w, query, rtable, BaseVar(plan, (Node *) ((NullTest *) q)->arg), core::PredKind::kEq);
	}
}

struct RefCtx
{
	Index rti;
	int level;
	Bitmapset *attrs;
	bool whole_row;
};

bool
RefWalker(Node *node, void *arg)
{
	RefCtx *c = (RefCtx *) arg;
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var *v = (Var *) node;
		if (v->varno == (int) c->rti && (int) v->varlevelsup == c->level)
		{
			if (v->varattno <= 0)
				c->whole_row = true; // whole row or system column: nothing to INCLUDE
			else
				c->attrs = bms_add_member(c->attrs, v->varattno);
		}
		return false;
	}
	if (IsA(node, Query))
	{
		c->level++;
		bool r = query_tree_walker((Query *) node,
								   reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(RefWalker)), arg, 0);
		c->level--;
		return r;
	}
	return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(RefWalker)), arg);
}

// AddReferenced notes the columns the statement reads from a scanned table,
// from the statement itself (a scan's own target list may be the whole row,
// which says nothing about what the statement needs).
void
AddReferenced(Workload &w, int query, List *rtable, Scan *scan)
{
	Index rti = scan->scanrelid;
	int rel = RelOfRangeEntry(w, rtable, (int) rti);
	if (rel < 0)
		return;
	UsePod &u = UseFor(w, rel, query);
	Query *q = w.queries[query].query;
	// the plan keeps the statement's own range table first; anything else (a
	// pulled-up subquery's table) is left unknown
	if (u.nref < 0 || q == NULL || rti > (Index) list_length(q->rtable) ||
		rt_fetch(rti, q->rtable)->relid != w.rels[rel].relid)
	{
		u.nref = -1;
		return;
	}
	RefCtx c{rti, 0, NULL, false};
	query_tree_walker(q, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(RefWalker)), &c, 0);
	if (c.whole_row || bms_num_members(c.attrs) > kMaxCols)
	{
		u.nref = -1;
		return;
	}
	u.nref = 0;
	int attno = -1;
	while ((attno = bms_next_member(c.attrs, attno)) >= 0)
		u.ref_col[u.nref++] = attno - 1;
}

bool
IsBaseScan(Plan *p)
{
	return p && (IsA(p, SeqScan) || IsA(p, IndexScan) || IsA(p, BitmapHeapScan));
}

void
WalkPlan(Workload &w, int query, List *rtable, Plan *plan)
{
	if (plan == NULL)
		return;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_IndexScan:
		case T_BitmapHeapScan:
		{
			// the scan's own conditions (index or bitmap conditions, then its filter)
			List *conds = IsA(plan, IndexScan)		  ? ((IndexScan *) plan)->indexqualorig
						  : IsA(plan, BitmapHeapScan) ? ((BitmapHeapScan *) plan)->bitmapqualorig
													  : NIL;
			AddQuals(w, query, rtable, plan, conds);
			AddQuals(w, query, rtable, plan, plan->qual);
			AddReferenced(w, query, rtable, (Scan *) plan);
			break;
		}
		case T_HashJoin:
			AddQuals(w, query, rtable, plan, ((HashJoin *) plan)->hashclauses);
			break;
		case T_MergeJoin:
			AddQuals(w, query, rtable, plan, ((MergeJoin *) plan)->mergeclauses);
			break;
		case T_NestLoop:
			AddQuals(w, query, rtable, plan, ((Join *) plan)->joinqual);
			break;
		case T_Sort:
		case T_IncrementalSort:
		{
			Sort *s = (Sort *) plan;
			Plan *in = plan->lefttree;
			if (!IsBaseScan(in))
				break;
			int rel = -1;
			UsePod *u = NULL;
			for (int i = 0; i < s->numCols; i++)
			{
				if (s->sortColIdx[i] < 1 || s->sortColIdx[i] > list_length(in->targetlist))
					return;
				TargetEntry *tle = (TargetEntry *) list_nth(in->targetlist, s->sortColIdx[i] - 1);
				Var *v = BaseVar(in, (Node *) tle->expr);
				int r = v ? RelOfRangeEntry(w, rtable, v->varno) : -1;
				if (r < 0 || (rel >= 0 && r != rel))
					return;
				rel = r;
				if (u == NULL)
				{
					u = &UseFor(w, rel, query);
					u->nsort = 0;
				}
				Oid opfamily, opcintype;
				bool desc = false;
				(void) XrayOrderingOp(s->sortOperators[i], &opfamily, &opcintype, &desc);
				if (u->nsort < kMaxCols)
				{
					u->sort_col[u->nsort] = v->varattno - 1;
					u->sort_desc[u->nsort++] = desc;
				}
			}
			break;
		}
		default:
			break;
	}
	ForEachChildPlan(plan, [&](Plan *child) { WalkPlan(w, query, rtable, child); });
}

// CountWriteRows adds a write statement's rows to its target table, from the
// raw parse tree alone (no analysis).
void
CountWriteRows(Workload &w, const char *sql, double rows)
{
	List *raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		return;
	Node *stmt = ((RawStmt *) linitial(raw))->stmt;
	RangeVar *target = NULL;
	if (IsA(stmt, InsertStmt))
		target = ((InsertStmt *) stmt)->relation;
	else if (IsA(stmt, UpdateStmt))
		target = ((UpdateStmt *) stmt)->relation;
	else if (IsA(stmt, DeleteStmt))
		target = ((DeleteStmt *) stmt)->relation;
	if (target == NULL)
		return;
	Oid relid = RangeVarGetRelid(target, AccessShareLock, true);
	int rel = OidIsValid(relid) ? RelIndex(w, relid) : -1;
	if (rel >= 0)
		w.rels[rel].write_rows += rows;
}

// RankInto copies the ranked statements into out (C++ side, under XRAY_GUARD):
// weights are calls per hour since first recorded (at least a minute; the
// snapshots of the recent window refine them, ApplySnapshotRates), p95
// from the statement's latency histograms merged over its rows.
int
RankInto(const StmtRow *rows, int nrows, const bool *eligible, int max_statements, TimestampTz now, QueryPod *out)
{
	std::vector<core::RecordedStatement> recorded;
	std::map<uint64, std::vector<uint64>> hist; // per query id, merged
	std::map<uint64, TimestampTz> first_seen;	// per query id, the earliest
	for (int i = 0; i < nrows; i++)
	{
		if (!eligible[i])
			continue;
		const StmtRow &r = rows[i];
		recorded.push_back({r.key.queryid, r.key.userid, static_cast<size_t>(i), static_cast<double>(r.c.exec.count),
							static_cast<double>(r.c.rows), r.c.exec.total});
		std::vector<uint64> &h = hist[r.key.queryid];
		h.resize(kHistBuckets, 0);
		for (int b = 0; b < kHistBuckets; b++)
			h[b] += r.hist[b];
		auto f = first_seen.find(r.key.queryid);
		if (f == first_seen.end() || r.first_seen < f->second)
			first_seen[r.key.queryid] = r.first_seen;
	}
	std::vector<core::RecordedStatement> ranked =
		core::RankWorkload(recorded, static_cast<size_t>(std::max(max_statements, 0)));
	for (size_t k = 0; k < ranked.size(); k++)
	{
		QueryPod &q = out[k];
		q.queryid = ranked[k].queryid;
		q.userid = ranked[k].userid;
		q.normalized = rows[ranked[k].row].text;
		q.sql = q.normalized;
		q.calls = ranked[k].calls;
		q.rows = ranked[k].rows;
		q.total_ms = ranked[k].total_ms;
		q.mean_ms = q.calls > 0 ? q.total_ms / q.calls : -1;
		q.p95_ms = core::HistQuantile(hist[q.queryid].data(), 0.95);
		q.first_seen = first_seen[q.queryid];
		q.weight = core::RecentCallsPerHour(q.calls, (double) (now - q.first_seen) / 1e6, false, 0, 0);
	}
	return static_cast<int>(ranked.size());
}

// RankRecorded: the recorded statements of this database the caller may see
// (pg_xray's own left out), with those of the fleet's nodes, merged per query
// id, the costliest first.
void
RankRecorded(Workload &w, int max_statements)
{
	int nlocal, nfleet;
	StmtRow *local = StoreSnapshotStatements(&nlocal);
	StmtRow *fleet = FleetStatementRows(&nfleet); // the standbys' statements (#14)
	int nrows = nlocal + nfleet;
	StmtRow *rows = local;
	if (nfleet > 0)
	{
		rows = (StmtRow *) palloc(sizeof(StmtRow) * nrows);
		memcpy(rows, local, sizeof(StmtRow) * nlocal);
		memcpy(rows + nlocal, fleet, sizeof(StmtRow) * nfleet);
	}
	TextAccess access;
	bool *eligible = (bool *) palloc0(sizeof(bool) * Max(nrows, 1));
	for (int i = 0; i < nrows; i++)
		eligible[i] = rows[i].key.dbid == MyDatabaseId && rows[i].c.exec.count > 0 && rows[i].text != NULL &&
					  access.Sees(rows[i].key.userid) && strstr(rows[i].text, "xray.") == NULL;
	w.queries = (QueryPod *) palloc0(sizeof(QueryPod) * Max(nrows, 1));
	TimestampTz now = GetCurrentTimestamp();
	int n = 0;
	XRAY_GUARD(n = RankInto(rows, nrows, eligible, max_statements, now, w.queries));
	w.nqueries = n;
	// a statement this server kept no sample of is planned with a node's (#14)
	if (nfleet > 0)
	{
		FleetSamples fs = ReadFleetSamples();
		for (int q = 0; q < n; q++)
			w.queries[q].sample = FleetSampleFind(fs, w.queries[q].queryid);
	}
}

// IsOneOff: a bulk write (a load, a backfill): few calls of many rows each.
bool
IsOneOff(const QueryPod &qp)
{
	return qp.calls <= kOneOffCalls && qp.rows >= kBulkRows * qp.calls;
}

// RowsPerHour: the rows a statement touches an hour, at its rate.
double
RowsPerHour(const QueryPod &qp)
{
	return qp.calls > 0 ? qp.rows * qp.weight / qp.calls : 0;
}

// NoteWrites: rows a write statement changes cost upkeep of every index of its
// table, per hour as its calls; an UPDATE keeps the columns it sets (they
// decide whether an index makes it lose HOT). A one-off bulk write is kept
// apart: its upkeep is paid once, the advice says what it adds to it.
void
NoteWrites(Workload &w, QueryPod &qp)
{
	Query *q = qp.query;
	if (q->resultRelation <= 0 || q->commandType == CMD_SELECT)
		return;
	int rel = RelOfRangeEntry(w, q->rtable, q->resultRelation);
	if (rel < 0)
		return;
	RelPod &rp = w.rels[rel];
	qp.one_off = IsOneOff(qp);
	if (qp.one_off)
	{
		rp.bulk_rows += qp.rows;
		rp.bulk_ms += qp.total_ms;
		return;
	}
	const double rows = RowsPerHour(qp);
	if (q->commandType != CMD_UPDATE || rp.nupdates >= kMaxUpdates)
	{
		rp.write_rows += rows;
		return;
	}
	int u = rp.nupdates++;
	rp.update_ncols[u] = 0;
	rp.update_rows[u] = rows;
	ListCell *tl;
	foreach (tl, q->targetList)
	{
		TargetEntry *te = (TargetEntry *) lfirst(tl);
		if (!te->resjunk && te->resno >= 1 && rp.update_ncols[u] < kMaxCols)
			rp.update_cols[u][rp.update_ncols[u]++] = te->resno - 1;
	}
}

// MergeSampledFilters adds what sampled executions of the statement compared
// at each table it scanned (plain columns compared with a value; the other
// kinds come from re-planning) to its uses from first_use on.
void
MergeSampledFilters(Workload &w, int first_use, uint64 queryid)
{
	for (int u = first_use; u < w.nuses; u++)
	{
		ScanSignal sig;
		UsePod &up = w.uses[u];
		if (!ScanSignalGet(MyDatabaseId, queryid, w.rels[up.rel].relid, &sig))
			continue;
		for (int k = 0; k < sig.nfilters; k++)
		{
			const SignalUse &use = sig.filters[k];
			bool range = use.kind == kSigRange;
			bool plain = use.func == InvalidOid && use.cast == InvalidOid;
			int col = use.att - 1;
			if (plain && (use.kind == kSigEq || use.kind == kSigIn || use.kind == kSigIsNull || range) && col >= 0 &&
				col < w.rels[up.rel].natts)
				up.filters.Add(col, range ? core::PredKind::kRange : core::PredKind::kEq);
		}
	}
}

// AnalyzeStatement plans qp.sql as qp's role and records its signals as
// statement slot of the workload (PostgreSQL code: run it through PgCall).
void
AnalyzeStatement(Workload &w, QueryPod &qp, int slot, int first_use)
{
	qp.query = WhatIfQuery(qp.sql, qp.userid);
	NoteWrites(w, qp);
	PlannedStmt *p = WhatIfPlan(qp.query, qp.sql, NULL, 0, NULL, qp.userid);
	qp.cost = p->planTree->total_cost;
	w.queries[slot] = qp;
	WalkPlan(w, slot, p->rtable, p->planTree);
	ListCell *lc;
	foreach (lc, p->subplans)
		WalkPlan(w, slot, p->rtable, (Plan *) lfirst(lc));
	MergeSampledFilters(w, first_use, qp.queryid);
}

// TryAnalyze analyzes qp as slot: first as it was run (real constants: custom
// plans) when a sample is kept (here, or on the fleet node that ran it), then its normalized text, then that text with
// "date $1" and the like written as casts ("$1::date"). A statement none of
// them plans is left out; a write among them still costs index upkeep.
bool
TryAnalyze(Workload &w, QueryPod qp, int slot)
{
	const int saved_uses = w.nuses, saved_rels = w.nrels;
	ErrorData *last = NULL;
	auto attempt = [&](char *sql, SampleInfo *sample) {
		w.nuses = saved_uses;
		w.nrels = saved_rels;
		qp.sql = sql;
		qp.sample = sample;
		ErrorData *err = PgCall([&]() noexcept { AnalyzeStatement(w, qp, slot, saved_uses); });
		RaiseIfInterrupt(err);
		last = err ? err : last;
		return err == NULL;
	};
	// this server's sample, else a fleet node's (RankRecorded)
	SampleInfo *sample = (SampleInfo *) palloc0(sizeof(SampleInfo));
	if (!SampleGet(MyDatabaseId, qp.queryid, sample))
		sample = qp.sample;
	if (sample != NULL && attempt(sample->text, sample))
		return true;
	if (attempt(qp.normalized, NULL))
		return true;
	size_t len = strlen(qp.normalized);
	char *cast = (char *) palloc(len * 2 + 16);
	if (core::CastTypedParams(qp.normalized, len, cast, len * 2 + 16) > 0 && attempt(cast, NULL))
		return true;
	w.nuses = saved_uses;
	w.nrels = saved_rels;
	if (last)
		ereport(DEBUG1,
				(errmsg("pg_xray: index advice leaves out statement %lld: %s", (long long) qp.queryid, last->message),
				 errdetail("SQLSTATE %s", unpack_sql_state(last->sqlerrcode))));
	const double rows = RowsPerHour(qp);
	if (!IsOneOff(qp))
		RaiseIfInterrupt(PgCall([&]() noexcept { CountWriteRows(w, qp.sql, rows); }));
	return false;
}
} // namespace

void
CollectWorkload(Workload &w, int max_statements)
{
	w.relcap = 16;
	w.rels = (RelPod *) palloc(sizeof(RelPod) * w.relcap);
	w.usecap = 64;
	w.uses = (UsePod *) palloc(sizeof(UsePod) * w.usecap);
	RankRecorded(w, max_statements);
	ApplySnapshotRates(w);
	int kept = 0;
	for (int q = 0; q < w.nqueries; q++)
	{
		CHECK_FOR_INTERRUPTS();
		QueryPod qp = w.queries[q];
		// a role that was dropped: nobody may plan its statements
		if (WhatIfRoleExists(qp.userid) && core::IsAdvisableStatement(qp.sql) && TryAnalyze(w, qp, kept))
			kept++;
	}
	w.nqueries = kept;
}
} // namespace xray::pg
