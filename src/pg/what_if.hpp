// what_if.hpp - hypothetical indexes for what-if planning.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct HypoIndex;

struct HypoIndex;

// WhatIfIndexName returns the name of a hypothetical index being planned with,
// or NULL when oid is not one.
const char *WhatIfIndexName(Oid oid);

// WhatIfIndex parses a CREATE INDEX statement into a hypothetical btree index
// (ERRORs for anything else); WhatIfIndexPages is its estimated size.
HypoIndex *WhatIfIndex(const char *create_index_sql);
double WhatIfIndexPages(const HypoIndex *index);

// WhatIfQuery parses and analyzes one DML statement ($n allowed) and checks the
// caller's privileges on its tables, as EXPLAIN does.
Query *WhatIfQuery(const char *sql);

// WhatIfPlan plans a copy of query with the n hypothetical indexes (none when
// n = 0); used[i] tells whether the plan scans indexes[i]. Not recorded by pg_xray.
PlannedStmt *WhatIfPlan(Query *query, const char *sql, HypoIndex **indexes, int n, bool *used);

// WhatIfPlanText is PlanTextBuild with the hypothetical indexes' names known.
text *WhatIfPlanText(PlannedStmt *plan, HypoIndex **indexes, int n);

// WhatIfIndex parses a CREATE INDEX statement into a hypothetical btree index
// (ERRORs for anything else); WhatIfIndexPages is its estimated size.
HypoIndex *WhatIfIndex(const char *create_index_sql);
double WhatIfIndexPages(const HypoIndex *index);

// WhatIfQuery parses and analyzes one DML statement ($n allowed) and checks the
// caller's privileges on its tables, as EXPLAIN does.
Query *WhatIfQuery(const char *sql);

// WhatIfPlan plans a copy of query with the n hypothetical indexes (none when
// n = 0); used[i] tells whether the plan scans indexes[i]. Not recorded by pg_xray.
PlannedStmt *WhatIfPlan(Query *query, const char *sql, HypoIndex **indexes, int n, bool *used);

// WhatIfPlanText is PlanTextBuild with the hypothetical indexes' names known.
text *WhatIfPlanText(PlannedStmt *plan, HypoIndex **indexes, int n);
}	// namespace xray::pg
