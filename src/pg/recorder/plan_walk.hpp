// plan_walk.hpp - plan ids and normalized plan texts from PostgreSQL plan trees.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// ForEachChildPlan calls fn(child) for every direct child of a plan node, in
// EXPLAIN's order: outer, inner, then the node's own list of subplans
// (Append, MergeAppend, BitmapAnd/Or, CustomScan) or its subquery.
template <typename Fn>
void
ForEachChildPlan(Plan *plan, Fn fn)
{
	if (plan->lefttree)
		fn(plan->lefttree);
	if (plan->righttree)
		fn(plan->righttree);
	List *children = NIL;
	switch (nodeTag(plan))
	{
		case T_Append:
			children = ((Append *) plan)->appendplans;
			break;
		case T_MergeAppend:
			children = ((MergeAppend *) plan)->mergeplans;
			break;
		case T_BitmapAnd:
			children = ((BitmapAnd *) plan)->bitmapplans;
			break;
		case T_BitmapOr:
			children = ((BitmapOr *) plan)->bitmapplans;
			break;
		case T_CustomScan:
			children = ((CustomScan *) plan)->custom_plans;
			break;
		case T_SubqueryScan:
			fn(((SubqueryScan *) plan)->subplan);
			break;
		default:
			break;
	}
	ListCell *lc;
	foreach (lc, children)
		fn((Plan *) lfirst(lc));
}

// PlanIdCompute walks the plan tree and hashes its shape (never constants or costs).
uint64 PlanIdCompute(PlannedStmt *pstmt);

// PlanIdForPlanning is the id of a plan the planner just returned (custom:
// planned with its parameters' values), without walking the tree again when
// this backend planned one of the same statement with the same top node, costs
// and skeleton (node types, relations, indexes) before; it remembers the id
// for the plan's executions.
uint64 PlanIdForPlanning(PlannedStmt *pstmt, bool custom);
// PlanIdOf finds the id again at execution for the same or a copied plan
// (cached plans are copies), walking the tree only when this backend has not
// seen the plan.
uint64 PlanIdOf(PlannedStmt *pstmt);

// PlanTextBuild writes the EXPLAIN-like text of the plan shape into out
// (NUL-terminated, cut to out_size) and returns its length. Uses catalog
// lookups that do not fail on missing objects; allocates in the current context.
size_t PlanTextBuild(PlannedStmt *pstmt, char *out, size_t out_size);
} // namespace xray::pg
