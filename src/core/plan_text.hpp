// plan_text.hpp - EXPLAIN-like text of a plan shape (no costs, no constants).
//
// The adapter describes each plan node (depth, a title such as "Index Scan
// using accounts_pkey on accounts", and detail lines such as "Index Cond:
// (aid = $)") and this file lays them out as EXPLAIN does, into a bounded
// buffer. A text cut short ends in "...". Never allocates or throws.
#pragma once
#include "pg_free.hpp"

#include <cstddef>

namespace xray::core
{
struct PlanTextNode
{
	int depth; // 0 for the top node
	const char *title;
	const char *const *details;
	int ndetails;
};

// FormatPlanText writes the tree into out (NUL-terminated) and returns the
// number of bytes written, without the NUL.
size_t FormatPlanText(const PlanTextNode *nodes, int n, char *out, size_t out_size) noexcept;
} // namespace xray::core
