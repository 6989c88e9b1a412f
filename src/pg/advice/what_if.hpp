// what_if.hpp - hypothetical indexes for what-if planning.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct HypoIndex;

const char *WhatIfIndexName(Oid oid);

HypoIndex *WhatIfIndex(const char *create_index_sql);
double WhatIfIndexPages(const HypoIndex *index);

// WhatIfQuery parses and analyzes one statement ($n parameters allowed) and
// checks the permissions it needs. WhatIfPlan plans it with a set of
// hypothetical indexes. With as_user valid, both run as that role inside a
// security-restricted operation (as ANALYZE runs index expressions): a
// recorded statement is never analyzed, planned or folded with more privilege
// than the role that ran it. InvalidOid: as the caller.
Query *WhatIfQuery(const char *sql, Oid as_user = InvalidOid);
PlannedStmt *WhatIfPlan(Query *query, const char *sql, HypoIndex **indexes, int n, bool *used,
						Oid as_user = InvalidOid);

// WhatIfCheckPlanPerms raises unless the caller may read every table the plan reads.
void WhatIfCheckPlanPerms(PlannedStmt *plan);

text *WhatIfPlanText(PlannedStmt *plan, HypoIndex **indexes, int n);

// WhatIfRoleExists: false for a recorded role that has been dropped since.
bool WhatIfRoleExists(Oid role);
} // namespace xray::pg
