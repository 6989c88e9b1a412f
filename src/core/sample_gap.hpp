// sample_gap.hpp - gaps between sampled events of a Bernoulli process.
//
// Sampling each event with probability rate is the same as drawing, after each
// sampled event, how many events to skip: the gap to the next success is
// geometric. SampleGap turns one uniform draw u in [0, 1) into that gap (>= 1),
// so a caller pays one draw per sampled event and a decrement per other one.
#pragma once
#include "pg_free.hpp"

#include <cmath>
#include <cstdint>

namespace xray::core
{
constexpr int64_t kMaxSampleGap = 1000000000000LL;

inline int64_t
SampleGap(double u, double rate) noexcept
{
	if (!(rate > 0.0))
		return kMaxSampleGap;
	if (rate >= 1.0)
		return 1;
	double gap = 1.0 + std::floor(std::log1p(-u) / std::log1p(-rate));
	if (!(gap >= 1.0))
		return 1;
	return gap > static_cast<double>(kMaxSampleGap) ? kMaxSampleGap : static_cast<int64_t>(gap);
}
} // namespace xray::core
