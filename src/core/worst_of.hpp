// worst_of.hpp - keeping the worst instance of a plan node kind across runs.
//
// The plan-node evidence of sampled executions (evidence/node_signals.cpp)
// keeps, per statement and node kind (nested loop, hash join, sort, hash
// aggregate), the worst instance seen and how many executions had one. T has
// a uint32 `runs` and a `Worst()` (larger is worse); Paged (the outermost
// LIMIT ... OFFSET) sums what it skipped and returned.
#pragma once
#include "pg_free.hpp"

#include <algorithm>
#include <cstdint>

namespace xray::core
{
// KeepWorse: within one execution, c replaces worst when it is worse (then it
// counts as one run). True when it did.
template <typename T>
bool
KeepWorse(T &worst, const T &c) noexcept
{
	if (c.Worst() <= worst.Worst())
		return false;
	worst = c;
	worst.runs = 1;
	return true;
}

// MergeWorse adds one execution's instance to the statement's: runs add up,
// the worse instance stays.
template <typename T>
void
MergeWorse(T &into, const T &from) noexcept
{
	uint32_t runs = into.runs + from.runs;
	if (from.Worst() > into.Worst())
		into = from;
	into.runs = runs;
}

// MergePaged adds one execution's OFFSET evidence: counts add up, the deepest
// skip stays, and the newest description of the order is kept when the run
// had one (has_keys) or the old one otherwise.
template <typename T>
void
MergePaged(T &into, const T &from, bool has_keys) noexcept
{
	if (from.runs == 0)
		return;
	T keep = has_keys ? from : into;
	keep.runs = into.runs + from.runs;
	keep.skipped = into.skipped + from.skipped;
	keep.skipped_max = std::max(into.skipped_max, from.skipped_max);
	keep.returned = into.returned + from.returned;
	into = keep;
}
} // namespace xray::core
