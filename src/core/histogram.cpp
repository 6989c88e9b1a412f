// histogram.cpp - see histogram.hpp for the bucket layout and its error bound.
#include "histogram.hpp"

#include <cmath>
#include <cstring>

namespace xray::core
{
namespace
{

template <typename T>
double
Quantile(const T *counts, double q)
{
	uint64_t total = 0;
	for (int i = 0; i < kHistBuckets; i++)
		total += counts[i];
	if (total == 0)
		return -1.0;
	if (q <= 0.0)
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	// nearest rank: the smallest value with at least ceil(q * N) values at or below it
	uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i < kHistBuckets; i++)
	{
		seen += counts[i];
		if (seen >= rank)
			return HistBucketValue(i);
	}
	return HistBucketValue(kHistBuckets - 1);
}

// Bucket upper bounds kHistMinMs * gamma^i (i = 0..kHistLogBuckets), so that
// HistBucket needs no logarithm on the hot path: the exponent and mantissa of
// the double give log2 within 0.09 (less than one bucket), and at most two
// comparisons with the table correct the guess.
struct Bounds
{
	double ub[kHistLogBuckets + 1];
	Bounds() noexcept
	{
		for (int i = 0; i <= kHistLogBuckets; i++)
			ub[i] = kHistMinMs * std::pow(kHistGamma, i);
	}
};
const Bounds kBounds;
const double kBucketsPerOctave = std::log(2.0) / std::log(kHistGamma);
const double kLog2Min = std::log2(kHistMinMs);

// Log2Approx: exponent plus the mantissa read linearly, at most 0.086 below log2(x)
inline double
Log2Approx(double x) noexcept
{
	uint64_t bits;
	std::memcpy(&bits, &x, sizeof(bits));
	const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
	const double mantissa = static_cast<double>(bits & ((1ULL << 52) - 1)) * (1.0 / 4503599627370496.0);
	return exponent + mantissa;
}
} // namespace

int
HistBucket(double ms) noexcept
{
	if (!(ms > kHistMinMs)) // also catches NaN
		return 0;
	if (ms > kHistMaxMs)
		return kHistBuckets - 1;
	int b = static_cast<int>((Log2Approx(ms) - kLog2Min) * kBucketsPerOctave);
	if (b < 1)
		b = 1;
	if (b > kHistLogBuckets)
		b = kHistLogBuckets;
	while (b < kHistLogBuckets && ms > kBounds.ub[b])
		b++;
	while (b > 1 && ms <= kBounds.ub[b - 1])
		b--;
	return b;
}

double
HistBucketValue(int bucket) noexcept
{
	if (bucket <= 0)
		return kHistMinMs;
	if (bucket >= kHistBuckets - 1)
		return kHistMaxMs;
	return 2.0 * kHistMinMs * std::pow(kHistGamma, bucket) / (kHistGamma + 1.0);
}

double
HistQuantile(const uint64_t *counts, double q) noexcept
{
	return Quantile(counts, q);
}

double
HistQuantile(const uint32_t *counts, double q) noexcept
{
	return Quantile(counts, q);
}
} // namespace xray::core
