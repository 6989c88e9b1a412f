// plan_walk.hpp - plan ids and normalized plan texts from PostgreSQL plan trees.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// PlanIdCompute walks the plan tree and hashes its shape (never constants or costs).
uint64 PlanIdCompute(PlannedStmt *pstmt);

// PlanIdRemember records the id computed at planning time; PlanIdOf finds it
// again at execution for the same or a copied plan (cached plans are copies),
// walking the tree only when this backend has not seen the plan.
void PlanIdRemember(PlannedStmt *pstmt, uint64 planid);
uint64 PlanIdOf(PlannedStmt *pstmt);

// PlanTextBuild writes the EXPLAIN-like text of the plan shape into out
// (NUL-terminated, cut to out_size) and returns its length. Uses catalog
// lookups that do not fail on missing objects; allocates in the current context.
size_t PlanTextBuild(PlannedStmt *pstmt, char *out, size_t out_size);
}	// namespace xray::pg
