// index_advice.cpp - xray.index_advice(): indexes chosen for the recorded workload.
//
// Three phases, so that no C++ object is alive while PostgreSQL may raise:
// 1. (PostgreSQL) The most expensive recorded statements of this database are
//    parsed from their normalized texts and planned (generic plans, $n kept).
//    Their plans give the signals: per relation, the columns filtered on and
//    how (equality, range), equality join keys, and sort keys above a scan.
//    Relations bring row counts, column statistics, existing btree indexes and
//    their write rate. Everything is copied into palloc'd plain structs.
//    Statements that no longer parse or plan are skipped (subtransactions).
// 2. (core, guarded) core::GenerateCandidates and core::SelectIndexes choose
//    indexes for the whole workload. The cost oracle plans a statement with a
//    set of hypothetical indexes (what_if.cpp) inside a subtransaction and turns
//    a PostgreSQL error into a C++ exception.
// 3. (PostgreSQL) The chosen set is planned once more with all statements to
//    report the workload cost before and after and which statements use each
//    index; rows are formed with every identifier quoted.
// Caveat: signals come from plans of the recorded texts, not from sampled
// executions: runtime row counts and constant values are not used yet.
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "index_advisor.hpp"
#include "query_text.hpp"

#include "compat.hpp"
#include "srf.hpp"
#include "shared_modules.hpp"
#include "guard.hpp"
#include "guc.hpp"
#include "recorder/plan_walk.hpp"
#include "evidence/samples.hpp"
#include "evidence/scan_signals.hpp"
#include "recorder/store.hpp"
#include "text_access.hpp"
#include "advice/what_if.hpp"

extern "C" {
#include "access/genam.h"
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
#include "utils/resowner.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(xray_index_advice);
PG_FUNCTION_INFO_V1(xray_index_advice_queries);
PGDLLEXPORT Datum xray_index_advice(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_index_advice_queries(PG_FUNCTION_ARGS);
}

namespace xray::pg
{
namespace
{
constexpr int kMaxCols = INDEX_MAX_KEYS;

struct ColPod
{
	char *name;	  // column name, or the expression's SQL text
	bool is_expr; // an expression of the table's columns (lower(email))
	double n_distinct;
	double width;
};

constexpr int kMaxExprCols = 16; // expressions per table considered

struct RelPod
{
	Oid relid;
	char *schema;
	char *name;
	double rows;
	int natts;
	int nexprs; // expression columns after the natts real ones
	ColPod *cols;
	int nindexes;
	int16 (*index_keys)[kMaxCols];
	int *index_nkeys;
	char **index_names;
	bool *index_droppable;
	int ngin; // columns covered by an existing gin index
	int gin_cols[kMaxCols];
	double write_rows; // rows the recorded workload inserted or deleted
	int nupdates;	   // UPDATE statements: columns set and rows
	int update_ncols[16];
	int update_cols[16][kMaxCols];
	double update_rows[16];
};

struct UsePod
{
	int rel; // into the RelPod array
	int nfilters;
	int filter_col[kMaxCols];
	core::PredKind filter_kind[kMaxCols];
	char *filter_const[kMaxCols]; // the same literal on every run seen, or NULL
	int nsort;
	int sort_col[kMaxCols];
	bool sort_desc[kMaxCols];
	int nref; // columns it reads (for INCLUDE); -1 when unknown or too many
	int ref_col[kMaxCols];
	int query; // into the QueryPod array
};

struct QueryPod
{
	uint64 queryid;
	double calls;
	double rows;
	Oid userid;			// the role that ran it: analyzed and planned as that role only
	char *normalized;	// the recorded text (shown)
	char *sql;			// the text planned: a sample run with its constants when kept, else normalized
	SampleInfo *sample; // when sql is the sample
	Query *query;
	double cost;
};

struct Workload
{
	QueryPod *queries;
	int nqueries;
	RelPod *rels;
	int nrels;
	int relcap;
	UsePod *uses;
	int nuses;
	int usecap;
};

struct ResultPod
{
	int rel;
	int ncols;
	int cols[kMaxCols];
	bool desc[kMaxCols];
	int ninclude;
	int include[kMaxCols];
	double upkeep; // index writes it adds to the recorded workload
	core::IndexMethod method;
	int pred_col; // partial index WHERE pred_col = pred_value, or -1
	char pred_value[256];
	double size_bytes;
	double benefit;
};

// --- phase 1: signals -------------------------------------------------------

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
	for (int a = 0; a < r.natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), a);
		r.cols[a].name = pstrdup(att->attisdropped ? "" : NameStr(att->attname));
		r.cols[a].n_distinct = 0;
		r.cols[a].width = get_typavgwidth(att->atttypid, att->atttypmod);
		HeapTuple st =
			SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid), Int16GetDatum(a + 1), BoolGetDatum(false));
		if (HeapTupleIsValid(st))
		{
			Form_pg_statistic s = (Form_pg_statistic) GETSTRUCT(st);
			r.cols[a].n_distinct = s->stadistinct;
			if (s->stawidth > 0)
				r.cols[a].width = s->stawidth;
			ReleaseSysCache(st);
		}
	}
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
	UsePod &u = UseFor(w, rel, query);
	for (int i = 0; i < u.nfilters; i++)
		if (u.filter_col[i] == v->varattno - 1)
			return;
	if (u.nfilters < kMaxCols)
	{
		u.filter_col[u.nfilters] = v->varattno - 1;
		u.filter_const[u.nfilters] = constant;
		u.filter_kind[u.nfilters++] = kind;
	}
}

// StableLiteral returns the literal text of a constant of the planned sample
// that was the same in every run seen (at least 3), or NULL.
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
		if (c.at != loc || qp.sample->varied[i] || (size_t) (c.at + c.len) > textlen)
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
	UsePod &u = UseFor(w, rel, query);
	for (int i = 0; i < u.nfilters; i++)
		if (u.filter_col[i] == col)
			return;
	if (u.nfilters < kMaxCols)
	{
		u.filter_col[u.nfilters] = col;
		u.filter_kind[u.nfilters++] = kind;
	}
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

void
CollectWorkload(Workload &w, int max_statements)
{
	int nrows;
	StmtRow *rows = StoreSnapshotStatements(&nrows);
	TextAccess access;
	// merge rows of the same query id (users, nesting levels); keep the costliest
	w.queries = (QueryPod *) palloc0(sizeof(QueryPod) * Max(nrows, 1));
	double *time = (double *) palloc0(sizeof(double) * Max(nrows, 1));
	for (int i = 0; i < nrows; i++)
	{
		const StmtRow &r = rows[i];
		if (r.key.dbid != MyDatabaseId || r.c.exec.count == 0 || r.text == NULL || !access.Sees(r.key.userid) ||
			strstr(r.text, "xray.") != NULL)
			continue;
		int q = 0;
		while (q < w.nqueries && w.queries[q].queryid != r.key.queryid)
			q++;
		if (q == w.nqueries)
		{
			w.queries[q].queryid = r.key.queryid;
			w.queries[q].userid = r.key.userid;
			w.queries[q].normalized = r.text;
			w.queries[q].sql = r.text;
			w.nqueries++;
		}
		w.queries[q].calls += r.c.exec.count;
		w.queries[q].rows += r.c.rows;
		time[q] += r.c.exec.total;
	}
	// the costliest statements first
	for (int a = 1; a < w.nqueries; a++)
		for (int b = a; b > 0 && time[b] > time[b - 1]; b--)
		{
			std::swap(time[b], time[b - 1]);
			std::swap(w.queries[b], w.queries[b - 1]);
		}
	if (w.nqueries > max_statements)
		w.nqueries = max_statements;

	int kept = 0;
	for (int q = 0; q < w.nqueries; q++)
	{
		CHECK_FOR_INTERRUPTS();
		QueryPod qp = w.queries[q];
		if (!WhatIfRoleExists(qp.userid))
			continue; // its role was dropped: nobody may plan it
		const char *lead = qp.sql;
		while (*lead == ' ' || *lead == '\n' || *lead == '\t' || *lead == '(')
			lead++;
		if (pg_strncasecmp(lead, "select", 6) != 0 && pg_strncasecmp(lead, "with", 4) != 0 &&
			pg_strncasecmp(lead, "update", 6) != 0 && pg_strncasecmp(lead, "delete", 6) != 0 &&
			pg_strncasecmp(lead, "insert", 6) != 0)
			continue;
		int saved_uses = w.nuses;
		int saved_rels = w.nrels;
		auto analyze = [&]() noexcept {
			qp.query = WhatIfQuery(qp.sql, qp.userid);
			// rows written by the workload cost upkeep of every index of the table
			Query *qq = qp.query;
			if (qq->resultRelation > 0 && qq->commandType != CMD_SELECT)
			{
				int rel = RelOfRangeEntry(w, qq->rtable, qq->resultRelation);
				RelPod *rp = rel >= 0 ? &w.rels[rel] : NULL;
				if (rp && qq->commandType == CMD_UPDATE && rp->nupdates < 16)
				{
					// the columns it sets decide whether an index makes it lose HOT
					int u = rp->nupdates++;
					rp->update_ncols[u] = 0;
					rp->update_rows[u] = qp.rows;
					ListCell *tl;
					foreach (tl, qq->targetList)
					{
						TargetEntry *te = (TargetEntry *) lfirst(tl);
						if (!te->resjunk && te->resno >= 1 && rp->update_ncols[u] < kMaxCols)
							rp->update_cols[u][rp->update_ncols[u]++] = te->resno - 1;
					}
				}
				else if (rp)
					rp->write_rows += qp.rows;
			}
			PlannedStmt *p = WhatIfPlan(qp.query, qp.sql, NULL, 0, NULL, qp.userid);
			qp.cost = p->planTree->total_cost;
			w.queries[kept] = qp;
			WalkPlan(w, kept, p->rtable, p->planTree);
			ListCell *lc;
			foreach (lc, p->subplans)
				WalkPlan(w, kept, p->rtable, (Plan *) lfirst(lc));
			// what sampled executions of the statement compared at each table it scanned
			for (int u = saved_uses; u < w.nuses; u++)
			{
				ScanSignal sig;
				UsePod &up = w.uses[u];
				if (!ScanSignalGet(MyDatabaseId, qp.queryid, w.rels[up.rel].relid, &sig))
					continue;
				for (int k = 0; k < sig.nfilters; k++)
				{
					// plain columns compared with a value; the other kinds come from re-planning
					const SignalUse &use = sig.filters[k];
					bool range = use.kind == kSigRange;
					if (use.func != InvalidOid || use.cast != InvalidOid ||
						!(use.kind == kSigEq || use.kind == kSigIn || use.kind == kSigIsNull || range))
						continue;
					int col = use.att - 1;
					bool seen = false;
					for (int f = 0; f < up.nfilters && !seen; f++)
						seen = up.filter_col[f] == col;
					if (!seen && up.nfilters < kMaxCols && col >= 0 && col < w.rels[up.rel].natts)
					{
						up.filter_col[up.nfilters] = col;
						up.filter_const[up.nfilters] = NULL;
						up.filter_kind[up.nfilters++] = range ? core::PredKind::kRange : core::PredKind::kEq;
					}
				}
			}
		};
		// first as it was run (real constants: custom plans), when a sample is kept
		SampleInfo *sample = (SampleInfo *) palloc0(sizeof(SampleInfo));
		bool have_sample = SampleGet(MyDatabaseId, qp.queryid, sample);
		ErrorData *err = NULL;
		if (have_sample)
		{
			qp.sql = sample->text;
			qp.sample = sample;
			err = PgCall(analyze);
			RaiseIfInterrupt(err);
			if (err)
			{
				qp.sql = qp.normalized;
				qp.sample = NULL;
				w.nuses = saved_uses;
				w.nrels = saved_rels;
			}
		}
		if (!have_sample || err)
			err = PgCall(analyze);
		RaiseIfInterrupt(err);
		if (err)
		{
			// "date $1" and the like do not parse: try them as casts ("$1::date")
			size_t len = strlen(qp.sql);
			char *cast = (char *) palloc(len * 2 + 16);
			w.nuses = saved_uses;
			w.nrels = saved_rels;
			if (core::CastTypedParams(qp.sql, len, cast, len * 2 + 16) > 0)
			{
				qp.sql = cast;
				err = PgCall(analyze);
				RaiseIfInterrupt(err);
			}
		}
		if (err)
		{
			w.nuses = saved_uses; // statement skipped
			w.nrels = saved_rels;
			// a write whose parameters cannot be typed still costs index upkeep
			RaiseIfInterrupt(PgCall([&]() noexcept { CountWriteRows(w, qp.sql, qp.rows); }));
			continue;
		}
		kept++;
	}
	w.nqueries = kept;
}

// --- phase 2: selection ---------------------------------------------------------

struct OracleCtx
{
	Workload *w;
	std::vector<HypoIndex *> hypo; // per candidate, built on first use
	const std::vector<core::IndexCandidate> *cands;
	const std::vector<int> *stmt_use; // core statement -> UsePod
};

// ColumnSql is an index column as SQL: a quoted name, or a parenthesized expression.
const char *
ColumnSql(const RelPod &rel, int col)
{
	const ColPod &c = rel.cols[col];
	return c.is_expr ? psprintf("(%s)", c.name) : quote_identifier(c.name);
}

char *
CreateIndexSql(const RelPod &rel, const ResultPod &r, bool concurrently, const char *name)
{
	const int ncols = r.ncols;
	const int *cols = r.cols;
	const bool *desc = r.desc;
	StringInfoData s;
	initStringInfo(&s);
	appendStringInfo(&s, "CREATE INDEX %s%s%sON %s.%s %s(", concurrently ? "CONCURRENTLY " : "",
					 name ? quote_identifier(name) : "", name ? " " : "", quote_identifier(rel.schema),
					 quote_identifier(rel.name), r.method == core::IndexMethod::kBtree ? "" : "USING gin ");
	if (r.method != core::IndexMethod::kBtree)
	{
		appendStringInfo(&s, "%s %s)", ColumnSql(rel, cols[0]),
						 r.method == core::IndexMethod::kGinTrigram ? "gin_trgm_ops" : "jsonb_path_ops");
		return s.data;
	}
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&s, "%s%s%s", i ? ", " : "", ColumnSql(rel, cols[i]), desc[i] ? " DESC" : "");
	appendStringInfoChar(&s, ')');
	for (int i = 0; i < r.ninclude; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : " INCLUDE (", ColumnSql(rel, r.include[i]));
	if (r.ninclude > 0)
		appendStringInfoChar(&s, ')');
	if (r.pred_col >= 0)
		appendStringInfo(&s, " WHERE %s = %s", ColumnSql(rel, r.pred_col), r.pred_value);
	return s.data;
}

// PlanCostGuarded plans query q with the hypothetical indexes; a PostgreSQL
// error becomes a C++ exception (we are inside the core's selection).
double
PlanCostGuarded(Workload &w, int q, HypoIndex **hypos, int n)
{
	double cost = 0;
	const QueryPod &qp = w.queries[q];
	ThrowIfFailed(PgCall([&]() noexcept {
		CHECK_FOR_INTERRUPTS();
		cost = WhatIfPlan(qp.query, qp.sql, hypos, n, NULL, qp.userid)->planTree->total_cost;
	}));
	return cost;
}

ResultPod
ToPod(const core::IndexCandidate &c)
{
	ResultPod r;
	memset(&r, 0, sizeof(r));
	r.rel = c.relation;
	r.ncols = Min((int) c.columns.size(), kMaxCols);
	for (int k = 0; k < r.ncols; k++)
	{
		r.cols[k] = c.columns[k];
		r.desc[k] = c.desc[k];
	}
	r.ninclude = Min((int) c.include.size(), kMaxCols - r.ncols);
	for (int k = 0; k < r.ninclude; k++)
		r.include[k] = c.include[k];
	r.size_bytes = c.size_bytes;
	r.method = c.method;
	r.pred_col = c.predicate_column;
	strlcpy(r.pred_value, c.predicate_value.c_str(), sizeof(r.pred_value));
	return r;
}

HypoIndex *
HypoGuarded(const RelPod &rel, const core::IndexCandidate &c)
{
	ResultPod pod = ToPod(c);
	HypoIndex *h = NULL;
	ThrowIfFailed(PgCall([&]() noexcept { h = WhatIfIndex(CreateIndexSql(rel, pod, false, NULL)); }));
	return h;
}

int
Select(Workload &w, const core::AdvisorOptions &opt, ResultPod *out, int max_out)
{
	std::vector<core::RelationInfo> rels(w.nrels);
	for (int r = 0; r < w.nrels; r++)
	{
		const RelPod &p = w.rels[r];
		rels[r].name = p.name;
		rels[r].rows = p.rows;
		for (int a = 0; a < p.natts + p.nexprs; a++)
			rels[r].columns.push_back({p.cols[a].name, p.cols[a].n_distinct, p.cols[a].width});
		for (int k = 0; k < p.nindexes; k++)
		{
			std::vector<int> keys;
			for (int c = 0; c < p.index_nkeys[k]; c++)
				keys.push_back(p.index_keys[k][c] - 1);
			rels[r].btree_indexes.push_back(keys);
		}
		rels[r].gin_columns.assign(p.gin_cols, p.gin_cols + p.ngin);
		rels[r].write_rows = p.write_rows;
		for (int u = 0; u < p.nupdates; u++)
			rels[r].updates.push_back(
				{std::vector<int>(p.update_cols[u], p.update_cols[u] + p.update_ncols[u]), p.update_rows[u]});
	}
	std::vector<core::StatementInfo> stmts;
	std::vector<int> stmt_use;
	for (int u = 0; u < w.nuses; u++)
	{
		const UsePod &up = w.uses[u];
		core::StatementInfo s;
		s.queryid = w.queries[up.query].queryid;
		s.weight = w.queries[up.query].calls;
		s.relation = up.rel;
		for (int i = 0; i < up.nfilters; i++)
			s.filters.push_back({up.filter_col[i], up.filter_kind[i], up.filter_const[i] ? up.filter_const[i] : ""});
		for (int i = 0; i < up.nsort; i++)
			s.order_by.push_back({up.sort_col[i], up.sort_desc[i]});
		for (int i = 0; i < up.nref; i++)
			s.referenced.push_back(up.ref_col[i]);
		stmts.push_back(s);
		stmt_use.push_back(u);
	}
	std::vector<core::IndexCandidate> cands = core::GenerateCandidates(rels, stmts, opt);
	std::vector<HypoIndex *> hypo(cands.size(), nullptr);
	auto oracle = [&](size_t s, const std::vector<const core::IndexCandidate *> &config) {
		std::vector<HypoIndex *> set;
		for (const core::IndexCandidate *c : config)
		{
			size_t ci = static_cast<size_t>(c - cands.data());
			if (hypo[ci] == nullptr)
				hypo[ci] = HypoGuarded(w.rels[c->relation], *c);
			set.push_back(hypo[ci]);
		}
		return PlanCostGuarded(w, w.uses[stmt_use[s]].query, set.data(), static_cast<int>(set.size()));
	};
	core::Selection sel = core::SelectIndexes(rels, stmts, cands, oracle, opt);
	int n = 0;
	for (size_t i = 0; i < sel.chosen.size() && n < max_out; i++)
	{
		const core::IndexCandidate &c = cands[sel.chosen[i]];
		out[n] = ToPod(c);
		out[n].upkeep = core::WriteUpkeep(rels[c.relation], c.columns, c.include);
		out[n++].benefit = sel.benefit[i];
	}
	return n;
}
// Advice is everything both SQL functions report.
struct Advice
{
	Workload w;
	xray::core::AdvisorOptions opt;
	ResultPod *res;
	int nres;
	char **idxname;	   // per result
	HypoIndex **hypos; // per result, named as advised
	double before, after;
	PlannedStmt **plan_before; // per query
	PlannedStmt **plan_after;  // per query, with every advised index
	bool **used;			   // [query][result]
};

char *
AdvisedName(const RelPod &rel, const ResultPod &r)
{
	StringInfoData name;
	initStringInfo(&name);
	appendStringInfo(&name, "%s", rel.name);
	for (int k = 0; k < r.ncols; k++)
	{
		// the name keeps letters, digits and underscores of columns and expressions
		appendStringInfoChar(&name, '_');
		for (const char *p = rel.cols[r.cols[k]].name; *p; p++)
			if (isalnum((unsigned char) *p) || *p == '_' || IS_HIGHBIT_SET(*p))
				appendStringInfoChar(&name, *p);
			else if (name.data[name.len - 1] != '_')
				appendStringInfoChar(&name, '_');
	}
	while (name.len > 0 && name.data[name.len - 1] == '_')
		name.data[--name.len] = '\0';
	appendStringInfoString(&name, "_idx");
	return pnstrdup(name.data, pg_mbcliplen(name.data, name.len, NAMEDATALEN - 5));
}

// UniqueName makes an advised name distinct from the names advised before it
// (taken[0..ntaken)) and from the relations of the schema: long table names
// clip to the same prefix, so a clipped name gets a number ("..._2").
char *
UniqueName(char *name, Oid nsp, char **taken, int ntaken)
{
	auto used = [&](const char *n) {
		for (int i = 0; i < ntaken; i++)
			if (taken[i] && strcmp(taken[i], n) == 0)
				return true;
		return OidIsValid(get_relname_relid(n, nsp));
	};
	if (!used(name))
		return name;
	for (int k = 2; k < 10000; k++)
	{
		char suffix[16];
		snprintf(suffix, sizeof(suffix), "_%d", k);
		int keep = pg_mbcliplen(name, (int) strlen(name), NAMEDATALEN - 1 - (int) strlen(suffix));
		char *candidate = psprintf("%.*s%s", keep, name, suffix);
		if (!used(candidate))
			return candidate;
	}
	return name;
}

void
RunAdvice(Advice &a, int max_indexes)
{
	if (max_indexes < 1 || max_indexes > 100)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_indexes must be between 1 and 100")));
	CheckPreloaded();
	a = Advice{};

	// phase 1
	Workload &w = a.w;
	w.relcap = 16;
	w.rels = (RelPod *) palloc(sizeof(RelPod) * w.relcap);
	w.usecap = 64;
	w.uses = (UsePod *) palloc(sizeof(UsePod) * w.usecap);
	CollectWorkload(w, guc_index_advice_statements);

	// phase 2
	a.opt = xray::core::AdvisorOptions();
	a.opt.max_indexes = max_indexes;
	a.opt.budget_bytes = (double) guc_index_advice_budget_kb * 1024.0;
	a.opt.min_table_rows = guc_index_advice_min_rows;
	a.opt.block_size = BLCKSZ;
	// "served": about ten random page reads per call (the planner's own unit)
	a.opt.served_cost = 10.0 * random_page_cost;
	// gin_trgm_ops visible in the search path: pg_trgm is there to use
	a.opt.trigram_available = OidIsValid(OpclassnameGetOpcid(GIN_AM_OID, "gin_trgm_ops"));
	a.res = (ResultPod *) palloc0(sizeof(ResultPod) * max_indexes);
	int nres = 0;
	XRAY_GUARD(nres = Select(w, a.opt, a.res, max_indexes));
	a.nres = nres;

	// phase 3: the whole chosen set, once more, for totals and users
	a.idxname = (char **) palloc0(sizeof(char *) * Max(nres, 1));
	a.hypos = (HypoIndex **) palloc0(sizeof(HypoIndex *) * Max(nres, 1));
	for (int i = 0; i < nres; i++)
	{
		const ResultPod &r = a.res[i];
		a.idxname[i] = UniqueName(AdvisedName(w.rels[r.rel], r), get_rel_namespace(w.rels[r.rel].relid), a.idxname, i);
		a.hypos[i] = WhatIfIndex(CreateIndexSql(w.rels[r.rel], r, false, a.idxname[i]));
	}
	a.plan_before = (PlannedStmt **) palloc0(sizeof(PlannedStmt *) * Max(w.nqueries, 1));
	a.plan_after = (PlannedStmt **) palloc0(sizeof(PlannedStmt *) * Max(w.nqueries, 1));
	a.used = (bool **) palloc0(sizeof(bool *) * Max(w.nqueries, 1));
	for (int q = 0; q < w.nqueries && nres > 0; q++)
	{
		CHECK_FOR_INTERRUPTS();
		a.used[q] = (bool *) palloc0(sizeof(bool) * nres);
		a.plan_after[q] =
			WhatIfPlan(w.queries[q].query, w.queries[q].sql, a.hypos, nres, a.used[q], w.queries[q].userid);
		a.before += w.queries[q].calls * w.queries[q].cost;
		a.after += w.queries[q].calls * a.plan_after[q]->planTree->total_cost;
	}

	// an index no statement uses once the whole set exists (a later, wider one
	// serves its statements better) is not advised
	int kept = 0;
	for (int i = 0; i < nres; i++)
	{
		bool any = false;
		for (int q = 0; q < w.nqueries && !any; q++)
			any = a.used[q] && a.used[q][i];
		if (!any)
			continue;
		a.res[kept] = a.res[i];
		a.idxname[kept] = a.idxname[i];
		a.hypos[kept] = a.hypos[i];
		for (int q = 0; q < w.nqueries; q++)
			if (a.used[q])
				a.used[q][kept] = a.used[q][i];
		kept++;
	}
	a.nres = kept;
}
} // namespace
} // namespace xray::pg

using namespace xray::pg;

// StartAdvice computes the advice for max_indexes (argument 0, default 10) and
// prepares the function's result set; both SQL functions start here.
static ReturnSetInfo *
StartAdvice(FunctionCallInfo fcinfo, Advice &a)
{
	RunAdvice(a, PG_ARGISNULL(0) ? 10 : PG_GETARG_INT32(0));
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

Datum
xray_index_advice(PG_FUNCTION_ARGS)
{
	Advice a;
	ReturnSetInfo *rsinfo = StartAdvice(fcinfo, a);
	const Workload &w = a.w;
	for (int i = 0; i < a.nres; i++)
	{
		const ResultPod &r = a.res[i];
		const RelPod &rel = w.rels[r.rel];
		StringInfoData cols;
		initStringInfo(&cols);
		for (int k = 0; k < r.ncols; k++)
			appendStringInfo(&cols, "%s%s%s", k ? ", " : "", ColumnSql(rel, r.cols[k]), r.desc[k] ? " DESC" : "");
		if (r.method != xray::core::IndexMethod::kBtree)
			appendStringInfoString(&cols, r.method == xray::core::IndexMethod::kGinTrigram ? " gin_trgm_ops"
																						   : " jsonb_path_ops");
		for (int k = 0; k < r.ninclude; k++)
			appendStringInfo(&cols, "%s%s", k ? ", " : " INCLUDE (", ColumnSql(rel, r.include[k]));
		if (r.ninclude > 0)
			appendStringInfoChar(&cols, ')');
		if (r.pred_col >= 0)
			appendStringInfo(&cols, " WHERE %s = %s", ColumnSql(rel, r.pred_col), r.pred_value);
		Datum *qids = (Datum *) palloc(sizeof(Datum) * Max(w.nqueries, 1));
		int nq = 0;
		double calls = 0;
		for (int q = 0; q < w.nqueries; q++)
			if (a.used[q] && a.used[q][i])
			{
				qids[nq++] = Int64GetDatum((int64) w.queries[q].queryid);
				calls += w.queries[q].calls;
			}
		// existing non-unique indexes this one makes redundant (their columns lead it)
		Datum *repl = (Datum *) palloc(sizeof(Datum) * Max(rel.nindexes, 1));
		int nrepl = 0;
		for (int k = 0; k < rel.nindexes && r.method == xray::core::IndexMethod::kBtree; k++)
		{
			if (!rel.index_droppable[k] || rel.index_nkeys[k] > r.ncols)
				continue;
			bool prefix = true;
			for (int c = 0; c < rel.index_nkeys[k]; c++)
				prefix = prefix && rel.index_keys[k][c] - 1 == r.cols[c];
			if (prefix)
				repl[nrepl++] = CStringGetTextDatum(quote_identifier(rel.index_names[k]));
		}
		double pct = a.before > 0 ? 100.0 * r.benefit / a.before : 0.0;
		SrfRow row;
		row.Put(Int32GetDatum(i + 1));
		row.Put(CStringGetTextDatum(psprintf("%s.%s", quote_identifier(rel.schema), quote_identifier(rel.name))));
		row.Put(CStringGetTextDatum(r.method == xray::core::IndexMethod::kBtree ? "btree" : "gin"));
		row.Put(CStringGetTextDatum(cols.data));
		row.Put(CStringGetTextDatum(psprintf("%s;", CreateIndexSql(rel, r, true, a.idxname[i]))));
		row.Put(Int64GetDatum((int64) r.size_bytes));
		row.Put(Float8GetDatum(a.before));
		row.Put(Float8GetDatum(a.after));
		row.Put(Float8GetDatum(pct));
		row.Put(Float8GetDatum(a.opt.write_penalty * r.upkeep));
		row.Put(PointerGetDatum(construct_array(qids, nq, INT8OID, 8, true, TYPALIGN_DOUBLE)));
		row.Put(PointerGetDatum(construct_array(repl, nrepl, TEXTOID, -1, false, TYPALIGN_INT)));
		// evidence from sampled executions of the statements it helps
		ScanSignal total = {0, 0, 0, 0};
		for (int q = 0; q < w.nqueries; q++)
		{
			ScanSignal sig;
			if (a.used[q] && a.used[q][i] && ScanSignalGet(MyDatabaseId, w.queries[q].queryid, rel.relid, &sig))
			{
				total.runs += sig.runs;
				total.seq_scans += sig.seq_scans;
				total.rows += sig.rows;
				total.removed += sig.removed;
			}
		}
		char *evidence = total.runs == 0 ? pstrdup("")
										 : psprintf("; in %u sampled run%s its scans returned %.0f rows and their "
													"filters removed %.0f per run",
													total.runs, total.runs == 1 ? "" : "s", total.rows / total.runs,
													total.removed / total.runs);
		row.Put(CStringGetTextDatum(
			psprintf("%d statement%s (%.0f calls) on %s (%.0f rows) filter or sort on (%s); with this index their "
					 "estimated workload cost falls by %.0f%%%s",
					 nq, nq == 1 ? "" : "s", calls, quote_identifier(rel.name), rel.rows, cols.data, pct, evidence)));
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

// xray_index_advice_queries: per advised index and statement using it, the
// estimated cost per call before and after, and both plans.
Datum
xray_index_advice_queries(PG_FUNCTION_ARGS)
{
	Advice a;
	ReturnSetInfo *rsinfo = StartAdvice(fcinfo, a);
	const Workload &w = a.w;
	for (int i = 0; i < a.nres; i++)
		for (int q = 0; q < w.nqueries; q++)
		{
			if (!(a.used[q] && a.used[q][i]))
				continue;
			const QueryPod &qp = w.queries[q];
			if (a.plan_before[q] == NULL)
				a.plan_before[q] = WhatIfPlan(qp.query, qp.sql, NULL, 0, NULL, qp.userid);
			SrfRow row;
			row.Put(Int32GetDatum(i + 1));
			row.Put(CStringGetTextDatum(a.idxname[i]));
			row.Put(Int64GetDatum((int64) qp.queryid));
			row.Put(CStringGetTextDatum(qp.normalized));
			row.Put(Float8GetDatum(qp.calls));
			row.Put(Float8GetDatum(qp.cost));
			row.Put(Float8GetDatum(a.plan_after[q]->planTree->total_cost));
			text *before_text = WhatIfPlanText(a.plan_before[q], NULL, 0);
			text *after_text = WhatIfPlanText(a.plan_after[q], a.hypos, a.nres);
			// the node that changes: the line of the new plan that scans this index
			char *after = text_to_cstring(after_text);
			const char *quoted = quote_identifier(a.idxname[i]);
			char *node = NULL;
			for (char *line = strtok(pstrdup(after), "\n"); line; line = strtok(NULL, "\n"))
				if (strstr(line, quoted))
				{
					while (*line == ' ' || *line == '-' || *line == '>')
						line++;
					node = pstrdup(line);
					break;
				}
			row.Put(PointerGetDatum(before_text));
			row.Put(PointerGetDatum(after_text));
			row.Text(node);
			row.Done(rsinfo);
		}
	return (Datum) 0;
}
