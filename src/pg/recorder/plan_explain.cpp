// plan_explain.cpp - the normalized plan text stored once per plan.
//
// Walks a PlannedStmt like EXPLAIN (node titles, relation, alias and index
// names, Index Cond / Filter / Join Filter / Hash Cond / Sort Key lines) but
// prints no costs, no row counts and no constants: constants and extern
// parameters print as "?". Layout is done by core::FormatPlanText. Runs only
// when a backend meets a plan id whose text it has not seen stored.
#include <cstring>

#include "plan_text.hpp"

#include "compat.hpp"
#include "recorder/plan_walk.hpp"
#include "advice/what_if.hpp"

extern "C" {
#include "access/stratnum.h"
#include "utils/syscache.h"
}

namespace xray::pg
{
namespace
{
struct DeparseCtx
{
	Plan *plan;
	List *rtable;
	bool qualify;
};

void Deparse(StringInfo buf, Node *node, const DeparseCtx &ctx);

const char *
Name(const char *s)
{
	return s ? s : "?";
}

const char *
RteAlias(Index rti, List *rtable)
{
	if (rti == 0 || rti > (Index) list_length(rtable))
		return "?";
	RangeTblEntry *rte = rt_fetch(rti, rtable);
	return rte->eref ? rte->eref->aliasname : "?";
}

TargetEntry *
TlistEntry(List *tlist, AttrNumber attno)
{
	if (attno < 1 || attno > list_length(tlist))
		return NULL;
	return (TargetEntry *) list_nth(tlist, attno - 1);
}

void
DeparseVar(StringInfo buf, Var *v, const DeparseCtx &ctx)
{
	Plan *plan = ctx.plan;
	if (v->varno == OUTER_VAR || v->varno == INNER_VAR)
	{
		Plan *child = plan ? (v->varno == OUTER_VAR ? plan->lefttree : plan->righttree) : NULL;
		if (child == NULL && plan && v->varno == OUTER_VAR && IsA(plan, Append))
			child = NULL;
		TargetEntry *tle = child ? TlistEntry(child->targetlist, v->varattno) : NULL;
		if (tle)
		{
			DeparseCtx sub{child, ctx.rtable, ctx.qualify};
			Deparse(buf, (Node *) tle->expr, sub);
		}
		else
			appendStringInfoChar(buf, '?');
		return;
	}
	if (v->varno == INDEX_VAR)
	{
		if (plan && IsA(plan, IndexOnlyScan))
		{
			TargetEntry *tle = TlistEntry(((IndexOnlyScan *) plan)->indextlist, v->varattno);
			if (tle)
			{
				Deparse(buf, (Node *) tle->expr, ctx);
				return;
			}
		}
		appendStringInfoChar(buf, '?');
		return;
	}
	if (v->varno < 1 || v->varno > list_length(ctx.rtable))
	{
		appendStringInfoChar(buf, '?');
		return;
	}
	RangeTblEntry *rte = rt_fetch(v->varno, ctx.rtable);
	if (ctx.qualify)
		appendStringInfo(buf, "%s.", quote_identifier(Name(RteAlias(v->varno, ctx.rtable))));
	if (v->varattno == 0)
	{
		appendStringInfoChar(buf, '*');
		return;
	}
	// the range table carries the column names (aliases applied): no catalog lookup
	const char *col = NULL;
	if (rte->eref && v->varattno > 0 && v->varattno <= list_length(rte->eref->colnames))
		col = strVal(list_nth(rte->eref->colnames, v->varattno - 1));
	else if (v->varattno < 0 && rte->rtekind == RTE_RELATION)
		col = get_attname(rte->relid, v->varattno, true); // system column
	appendStringInfoString(buf, quote_identifier(Name(col)));
}

void
DeparseList(StringInfo buf, List *args, const char *sep, const DeparseCtx &ctx)
{
	ListCell *lc;
	bool first = true;
	foreach (lc, args)
	{
		if (!first)
			appendStringInfoString(buf, sep);
		first = false;
		Deparse(buf, (Node *) lfirst(lc), ctx);
	}
}

void
DeparseOp(StringInfo buf, OpExpr *op, const DeparseCtx &ctx)
{
	const char *name = Name(get_opname(op->opno));
	appendStringInfoChar(buf, '(');
	if (list_length(op->args) == 2)
	{
		Deparse(buf, (Node *) linitial(op->args), ctx);
		appendStringInfo(buf, " %s ", name);
		Deparse(buf, (Node *) lsecond(op->args), ctx);
	}
	else
	{
		appendStringInfo(buf, "%s ", name);
		DeparseList(buf, op->args, ", ", ctx);
	}
	appendStringInfoChar(buf, ')');
}

void
DeparseBool(StringInfo buf, BoolExpr *b, const DeparseCtx &ctx)
{
	if (b->boolop == NOT_EXPR)
	{
		appendStringInfoString(buf, "(NOT ");
		DeparseList(buf, b->args, "", ctx);
		appendStringInfoChar(buf, ')');
		return;
	}
	appendStringInfoChar(buf, '(');
	DeparseList(buf, b->args, b->boolop == AND_EXPR ? " AND " : " OR ", ctx);
	appendStringInfoChar(buf, ')');
}

// DeparseTest: "(x IS NULL)", "(x IS NOT TRUE)", ...
void
DeparseTest(StringInfo buf, Node *arg, const char *test, const DeparseCtx &ctx)
{
	appendStringInfoChar(buf, '(');
	Deparse(buf, arg, ctx);
	appendStringInfoString(buf, test);
	appendStringInfoChar(buf, ')');
}

const char *
BooleanTestText(BoolTestType t)
{
	static const char *const kTests[] = {" IS TRUE",	  " IS NOT TRUE", " IS FALSE",
										 " IS NOT FALSE", " IS UNKNOWN",  " IS NOT UNKNOWN"};
	int k = (int) t;
	return (k >= 0 && k < 6) ? kTests[k] : " IS ?";
}

void
DeparseFunc(StringInfo buf, FuncExpr *f, const DeparseCtx &ctx)
{
	if (f->funcformat == COERCE_IMPLICIT_CAST && f->args != NIL)
	{
		Deparse(buf, (Node *) linitial(f->args), ctx);
		return;
	}
	appendStringInfo(buf, "%s(", quote_identifier(Name(get_func_name(f->funcid))));
	DeparseList(buf, f->args, ", ", ctx);
	appendStringInfoChar(buf, ')');
}

void
DeparseAgg(StringInfo buf, Aggref *a, const DeparseCtx &ctx)
{
	appendStringInfo(buf, "%s(", quote_identifier(Name(get_func_name(a->aggfnoid))));
	if (a->aggstar)
		appendStringInfoChar(buf, '*');
	ListCell *lc;
	bool first = true;
	foreach (lc, a->aggstar ? NIL : a->args)
	{
		if (!first)
			appendStringInfoString(buf, ", ");
		first = false;
		Deparse(buf, (Node *) ((TargetEntry *) lfirst(lc))->expr, ctx);
	}
	appendStringInfoChar(buf, ')');
}

// DeparseWrapped: open, the items separated by ", ", close ("ARRAY[a, b]").
void
DeparseWrapped(StringInfo buf, const char *open, List *items, char close, const DeparseCtx &ctx)
{
	appendStringInfoString(buf, open);
	DeparseList(buf, items, ", ", ctx);
	appendStringInfoChar(buf, close);
}

void
Deparse(StringInfo buf, Node *node, const DeparseCtx &ctx)
{
	if (node == NULL)
		return;
	check_stack_depth();
	switch (nodeTag(node))
	{
		case T_Var:
			DeparseVar(buf, (Var *) node, ctx);
			break;
		case T_Const:
			appendStringInfoChar(buf, '?');
			break;
		case T_Param:
			// $n: a generic plan's parameter (the plan holds no value for it)
			if (((Param *) node)->paramkind == PARAM_EXTERN)
				appendStringInfo(buf, "$%d", ((Param *) node)->paramid);
			else
				appendStringInfoChar(buf, '?');
			break;
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			DeparseOp(buf, (OpExpr *) node, ctx);
			break;
		case T_ScalarArrayOpExpr:
		{
			ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) node;
			appendStringInfoChar(buf, '(');
			Deparse(buf, (Node *) linitial(op->args), ctx);
			appendStringInfo(buf, " %s %s (", Name(get_opname(op->opno)), op->useOr ? "ANY" : "ALL");
			Deparse(buf, (Node *) lsecond(op->args), ctx);
			appendStringInfoString(buf, "))");
			break;
		}
		case T_BoolExpr:
			DeparseBool(buf, (BoolExpr *) node, ctx);
			break;
		case T_NullTest:
			DeparseTest(buf, (Node *) ((NullTest *) node)->arg,
						((NullTest *) node)->nulltesttype == IS_NULL ? " IS NULL" : " IS NOT NULL", ctx);
			break;
		case T_BooleanTest:
			DeparseTest(buf, (Node *) ((BooleanTest *) node)->arg,
						BooleanTestText(((BooleanTest *) node)->booltesttype), ctx);
			break;
		case T_FuncExpr:
			DeparseFunc(buf, (FuncExpr *) node, ctx);
			break;
		case T_Aggref:
			DeparseAgg(buf, (Aggref *) node, ctx);
			break;
		case T_RelabelType:
			Deparse(buf, (Node *) ((RelabelType *) node)->arg, ctx);
			break;
		case T_CoerceViaIO:
			Deparse(buf, (Node *) ((CoerceViaIO *) node)->arg, ctx);
			break;
		case T_SubPlan:
			appendStringInfo(buf, "(SubPlan %d)", ((SubPlan *) node)->plan_id);
			break;
		case T_AlternativeSubPlan:
			appendStringInfoString(buf, "(alternative subplans)");
			break;
		case T_CoalesceExpr:
			DeparseWrapped(buf, "COALESCE(", ((CoalesceExpr *) node)->args, ')', ctx);
			break;
		case T_ArrayExpr:
			DeparseWrapped(buf, "ARRAY[", ((ArrayExpr *) node)->elements, ']', ctx);
			break;
		case T_RowExpr:
			DeparseWrapped(buf, "ROW(", ((RowExpr *) node)->args, ')', ctx);
			break;
		case T_List:
			DeparseList(buf, (List *) node, " AND ", ctx);
			break;
		default:
			appendStringInfoString(buf, "...");
			break;
	}
}

struct Builder
{
	core::PlanTextNode *nodes;
	int n;
	int cap;
	List *rtable;
	bool qualify;
};

const char *
QualLine(const char *label, List *qual, Plan *plan, const Builder &b)
{
	if (qual == NIL)
		return NULL;
	StringInfoData s;
	initStringInfo(&s);
	appendStringInfo(&s, "%s: ", label);
	DeparseCtx ctx{plan, b.rtable, b.qualify};
	if (list_length(qual) == 1)
		Deparse(&s, (Node *) linitial(qual), ctx);
	else
	{
		appendStringInfoChar(&s, '(');
		DeparseList(&s, qual, " AND ", ctx);
		appendStringInfoChar(&s, ')');
	}
	return s.data;
}

const char *
KeyLine(const char *label, int n, const AttrNumber *cols, const Oid *ops, const bool *nulls_first, Plan *input,
		const Builder &b)
{
	if (n <= 0 || input == NULL)
		return NULL;
	StringInfoData s;
	initStringInfo(&s);
	appendStringInfo(&s, "%s: ", label);
	DeparseCtx ctx{input, b.rtable, b.qualify};
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&s, ", ");
		TargetEntry *tle = TlistEntry(input->targetlist, cols[i]);
		if (tle)
			Deparse(&s, (Node *) tle->expr, ctx);
		else
			appendStringInfoChar(&s, '?');
		if (ops)
		{
			Oid opfamily, opcintype;
			bool desc = false;
			(void) XrayOrderingOp(ops[i], &opfamily, &opcintype, &desc);
			if (desc)
				appendStringInfoString(&s, " DESC");
			if (nulls_first && nulls_first[i] != desc)
				appendStringInfoString(&s, nulls_first[i] ? " NULLS FIRST" : " NULLS LAST");
		}
	}
	return s.data;
}

const char *
JoinTitle(const char *base, JoinType jt)
{
	const char *kind = NULL;
	switch (jt)
	{
		case JOIN_INNER:
			break;
		case JOIN_LEFT:
			kind = "Left";
			break;
		case JOIN_FULL:
			kind = "Full";
			break;
		case JOIN_RIGHT:
			kind = "Right";
			break;
		case JOIN_SEMI:
			kind = "Semi";
			break;
		case JOIN_ANTI:
			kind = "Anti";
			break;
		default:
			kind = "?";
			break;
	}
	if (kind == NULL)
		return strcmp(base, "Nested Loop") == 0 ? pstrdup(base) : psprintf("%s Join", base);
	return psprintf("%s %s Join", base, kind);
}

const char *
ScanTarget(Scan *scan, const Builder &b)
{
	Index rti = scan->scanrelid;
	if (rti == 0 || rti > (Index) list_length(b.rtable))
		return "";
	RangeTblEntry *rte = rt_fetch(rti, b.rtable);
	const char *alias = RteAlias(rti, b.rtable);
	if (rte->rtekind == RTE_RELATION)
	{
		// without a user alias the alias name is the relation's name
		const char *rel = rte->alias ? Name(get_rel_name(rte->relid)) : alias;
		if (strcmp(rel, alias) != 0)
			return psprintf(" on %s %s", quote_identifier(rel), quote_identifier(alias));
		return psprintf(" on %s", quote_identifier(rel));
	}
	return psprintf(" on %s", quote_identifier(alias));
}

void AddPlan(Builder &b, Plan *plan, int depth);

// IndexName is the quoted name of an index, or of a hypothetical one (xray.what_if).
const char *
IndexName(Oid indexid)
{
	const char *hypo = WhatIfIndexName(indexid);
	return hypo ? hypo : quote_identifier(Name(get_rel_name(indexid)));
}

const char *
IndexTitle(const char *what, Oid indexid, ScanDirection dir, Scan *scan, const Builder &b)
{
	return psprintf("%s%s using %s%s", what, ScanDirectionIsBackward(dir) ? " Backward" : "", IndexName(indexid),
					ScanTarget(scan, b));
}

// SimpleTitle: nodes whose line is their name alone; NULL for the others.
const char *
SimpleTitle(NodeTag tag)
{
	switch (tag)
	{
		case T_ProjectSet:
			return "ProjectSet";
		case T_Append:
			return "Append";
		case T_RecursiveUnion:
			return "Recursive Union";
		case T_BitmapAnd:
			return "BitmapAnd";
		case T_BitmapOr:
			return "BitmapOr";
		case T_Hash:
			return "Hash";
		case T_Material:
			return "Materialize";
		case T_Memoize:
			return "Memoize";
		case T_Limit:
			return "Limit";
		case T_LockRows:
			return "LockRows";
		case T_Unique:
			return "Unique";
		case T_WindowAgg:
			return "WindowAgg";
		case T_Gather:
			return "Gather";
		case T_GatherMerge:
			return "Gather Merge";
		default:
			return NULL;
	}
}

// ScanTitle: scans shown as "<kind> on <relation>" with no condition line of
// their own; NULL for other nodes.
const char *
ScanTitle(Plan *plan, Builder &b)
{
	const char *kind;
	switch (nodeTag(plan))
	{
		case T_SeqScan:
			kind = "Seq Scan";
			break;
		case T_SampleScan:
			kind = "Sample Scan";
			break;
		case T_TidRangeScan:
			kind = "Tid Range Scan";
			break;
		case T_SubqueryScan:
			kind = "Subquery Scan";
			break;
		case T_FunctionScan:
			kind = "Function Scan";
			break;
		case T_ValuesScan:
			kind = "Values Scan";
			break;
		case T_TableFuncScan:
			kind = "Table Function Scan";
			break;
		case T_CteScan:
			kind = "CTE Scan";
			break;
		case T_NamedTuplestoreScan:
			kind = "Named Tuplestore Scan";
			break;
		case T_WorkTableScan:
			kind = "WorkTable Scan";
			break;
		case T_ForeignScan:
			kind = "Foreign Scan";
			break;
		case T_CustomScan:
			return psprintf("Custom Scan (%s)%s", Name(((CustomScan *) plan)->methods->CustomName),
							ScanTarget((Scan *) plan, b));
		default:
			return NULL;
	}
	return psprintf("%s%s", kind, ScanTarget((Scan *) plan, b));
}

// CondScanTitle: index, bitmap and TID scans, with their condition lines in d.
const char *
CondScanTitle(Plan *plan, Builder &b, const char **d)
{
	switch (nodeTag(plan))
	{
		case T_IndexScan:
		{
			IndexScan *s = (IndexScan *) plan;
			d[0] = QualLine("Index Cond", s->indexqualorig, plan, b);
			d[1] = QualLine("Order By", s->indexorderbyorig, plan, b);
			return IndexTitle("Index Scan", s->indexid, s->indexorderdir, &s->scan, b);
		}
		case T_IndexOnlyScan:
		{
			IndexOnlyScan *s = (IndexOnlyScan *) plan;
			d[0] = QualLine("Index Cond", s->indexqual, plan, b);
			d[1] = QualLine("Order By", s->indexorderby, plan, b);
			return IndexTitle("Index Only Scan", s->indexid, s->indexorderdir, &s->scan, b);
		}
		case T_BitmapIndexScan:
		{
			BitmapIndexScan *s = (BitmapIndexScan *) plan;
			d[0] = QualLine("Index Cond", s->indexqualorig, plan, b);
			return psprintf("Bitmap Index Scan on %s", IndexName(s->indexid));
		}
		case T_BitmapHeapScan:
			d[0] = QualLine("Recheck Cond", ((BitmapHeapScan *) plan)->bitmapqualorig, plan, b);
			return psprintf("Bitmap Heap Scan%s", ScanTarget((Scan *) plan, b));
		case T_TidScan:
			d[0] = QualLine("TID Cond", ((TidScan *) plan)->tidquals, plan, b);
			return psprintf("Tid Scan%s", ScanTarget((Scan *) plan, b));
		default:
			return NULL;
	}
}

// JoinLines: joins, with their join conditions in d.
const char *
JoinLines(Plan *plan, Builder &b, const char **d)
{
	Join *j = (Join *) plan;
	switch (nodeTag(plan))
	{
		case T_NestLoop:
			d[0] = QualLine("Join Filter", j->joinqual, plan, b);
			return JoinTitle("Nested Loop", j->jointype);
		case T_MergeJoin:
			d[0] = QualLine("Merge Cond", ((MergeJoin *) plan)->mergeclauses, plan, b);
			d[1] = QualLine("Join Filter", j->joinqual, plan, b);
			return JoinTitle("Merge", j->jointype);
		case T_HashJoin:
			d[0] = QualLine("Hash Cond", ((HashJoin *) plan)->hashclauses, plan, b);
			d[1] = QualLine("Join Filter", j->joinqual, plan, b);
			return JoinTitle("Hash", j->jointype);
		default:
			return NULL;
	}
}

const char *
AggTitle(AggStrategy strategy)
{
	switch (strategy)
	{
		case AGG_HASHED:
			return "HashAggregate";
		case AGG_SORTED:
			return "GroupAggregate";
		case AGG_MIXED:
			return "MixedAggregate";
		default:
			return "Aggregate";
	}
}

// ModifyTitle: "Insert on t", "Update on t", ...
const char *
ModifyTitle(ModifyTable *m, Builder &b)
{
	const char *op = "Modify";
	switch (m->operation)
	{
		case CMD_INSERT:
			op = "Insert";
			break;
		case CMD_UPDATE:
			op = "Update";
			break;
		case CMD_DELETE:
			op = "Delete";
			break;
		case CMD_MERGE:
			op = "Merge";
			break;
		default:
			break;
	}
	Oid rel = InvalidOid;
	if (m->resultRelations != NIL)
	{
		Index rti = linitial_int(m->resultRelations);
		if (rti > 0 && rti <= (Index) list_length(b.rtable))
			rel = rt_fetch(rti, b.rtable)->relid;
	}
	return psprintf("%s on %s", op, quote_identifier(Name(get_rel_name(rel))));
}

// KeyedLines: sorts, aggregates, groups, merge appends (their key lines in d),
// table modifications, results and set operations.
const char *
KeyedLines(Plan *plan, Builder &b, const char **d)
{
	switch (nodeTag(plan))
	{
		case T_Sort:
		case T_IncrementalSort:
		{
			Sort *s = (Sort *) plan;
			d[0] = KeyLine("Sort Key", s->numCols, s->sortColIdx, s->sortOperators, s->nullsFirst, plan->lefttree, b);
			return IsA(plan, Sort) ? "Sort" : "Incremental Sort";
		}
		case T_Agg:
		{
			Agg *a = (Agg *) plan;
			d[0] = KeyLine("Group Key", a->numCols, a->grpColIdx, NULL, NULL, plan->lefttree, b);
			return AggTitle(a->aggstrategy);
		}
		case T_Group:
			d[0] = KeyLine("Group Key", ((Group *) plan)->numCols, ((Group *) plan)->grpColIdx, NULL, NULL,
						   plan->lefttree, b);
			return "Group";
		case T_MergeAppend:
		{
			MergeAppend *m = (MergeAppend *) plan;
			d[0] = KeyLine("Sort Key", m->numCols, m->sortColIdx, m->sortOperators, m->nullsFirst, plan, b);
			return "Merge Append";
		}
		case T_ModifyTable:
			return ModifyTitle((ModifyTable *) plan, b);
		case T_Result:
			d[0] = QualLine("One-Time Filter", (List *) ((Result *) plan)->resconstantqual, plan, b);
			return "Result";
		case T_SetOp:
			return ((SetOp *) plan)->strategy == SETOP_HASHED ? "HashSetOp" : "SetOp";
		default:
			return NULL;
	}
}

void
AddPlan(Builder &b, Plan *plan, int depth)
{
	if (plan == NULL || b.n >= b.cap)
		return;
	check_stack_depth();
	const char *d[4] = {NULL, NULL, NULL, NULL};
	const char *title = SimpleTitle(nodeTag(plan));
	if (title == NULL)
		title = ScanTitle(plan, b);
	if (title == NULL)
		title = CondScanTitle(plan, b, d);
	if (title == NULL)
		title = JoinLines(plan, b, d);
	if (title == NULL)
		title = KeyedLines(plan, b, d);
	if (title == NULL)
		title = "Plan node";
	d[2] = QualLine("Filter", plan->qual, plan, b);

	int nd = 0;
	const char **details = (const char **) palloc(sizeof(const char *) * 4);
	for (const char *line : d)
		if (line)
			details[nd++] = line;
	b.nodes[b.n++] = core::PlanTextNode{depth, title, details, nd};

	ForEachChildPlan(plan, [&](Plan *child) { AddPlan(b, child, depth + 1); });
}
} // namespace

size_t
PlanTextBuild(PlannedStmt *pstmt, char *out, size_t out_size)
{
	if (pstmt == NULL || pstmt->planTree == NULL || out_size == 0)
		return 0;
	Builder b;
	b.cap = 64; // nodes beyond these would not fit a text budget anyway
	b.nodes = (core::PlanTextNode *) palloc(sizeof(core::PlanTextNode) * b.cap);
	b.n = 0;
	b.rtable = pstmt->rtable;
	b.qualify = list_length(pstmt->rtable) > 1;
	AddPlan(b, pstmt->planTree, 0);
	ListCell *lc;
	int i = 0;
	foreach (lc, pstmt->subplans)
	{
		i++;
		if (b.n >= b.cap)
			break;
		b.nodes[b.n++] = core::PlanTextNode{1, psprintf("SubPlan %d", i), NULL, 0};
		AddPlan(b, (Plan *) lfirst(lc), 2);
	}
	size_t len = core::FormatPlanText(b.nodes, b.n, out, out_size);
	if (len + 1 >= out_size)
	{
		// cut short: end on a character boundary of the server encoding
		len = pg_mbcliplen(out, (int) len, (int) len);
		out[len] = '\0';
	}
	return len;
}
} // namespace xray::pg
