// histogram.hpp - mergeable log-bucketed latency histogram (DDSketch-style).
//
// Bucket i (1..kHistLogBuckets) holds values in (kMin*g^(i-1), kMin*g^i] with
// g = (1+a)/(1-a), a = 0.05. Reporting 2*kMin*g^i/(g+1) for a bucket keeps the
// relative error of any quantile at or below a (5%) for values between kMin
// (10 us) and kMax (100 s). Bucket 0 holds everything at or below kMin and the
// last bucket everything above kMax (their error is not bounded). Histograms
// merge by adding counts, so per-backend pending counts and the shared entry
// use the same layout.
#pragma once
#include "pg_free.hpp"

#include <cstdint>
#include <cstring>

namespace xray::core
{
constexpr double kHistAlpha = 0.05;
constexpr double kHistGamma = (1.0 + kHistAlpha) / (1.0 - kHistAlpha);
constexpr double kHistMinMs = 0.01;		// 10 microseconds
constexpr double kHistMaxMs = 100000.0; // 100 seconds
// ceil(ln(kHistMaxMs / kHistMinMs) / ln(kHistGamma)) = ceil(161.05)
constexpr int kHistLogBuckets = 162;
constexpr int kHistBuckets = kHistLogBuckets + 2; // + underflow + overflow

// The tables behind HistBucket (histogram.cpp): no logarithm on the hot path.
constexpr int kHistCellBits = 7;
constexpr uint32_t kHistCells = 26 << kHistCellBits; // 10 us .. 100 s spans 23.3 octaves

inline uint32_t
HistCellOf(double ms) noexcept
{
	uint64_t bits;
	std::memcpy(&bits, &ms, sizeof(bits));
	return static_cast<uint32_t>(bits >> (52 - kHistCellBits));
}

struct HistTables
{
	double ub[kHistLogBuckets + 1]; // bucket i's upper bound kHistMinMs * gamma^i
	uint32_t first_cell;
	uint8_t guess[kHistCells];
	HistTables() noexcept;
};
extern const HistTables kHistTables;

// HistBucket maps a duration in milliseconds to its bucket.
inline int
HistBucket(double ms) noexcept
{
	if (!(ms > kHistMinMs)) // also catches NaN
		return 0;
	if (ms > kHistMaxMs)
		return kHistBuckets - 1;
	int b = kHistTables.guess[HistCellOf(ms) - kHistTables.first_cell];
	while (b < kHistLogBuckets && ms > kHistTables.ub[b])
		b++;
	return b;
}

// HistBucketValue is the value reported for a bucket (its error-minimising midpoint).
double HistBucketValue(int bucket) noexcept;

// HistQuantile returns the nearest-rank q-quantile (0 < q <= 1) of a histogram
// given as counts per bucket, or a negative value when the histogram is empty.
// Works for 32- and 64-bit counters.
double HistQuantile(const uint64_t *counts, double q) noexcept;
double HistQuantile(const uint32_t *counts, double q) noexcept;
} // namespace xray::core
