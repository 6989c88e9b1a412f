// histogram.cpp - see histogram.hpp for the bucket layout and its error bound.
#include "histogram.hpp"

#include <cmath>

namespace xray::core
{
namespace
{
const double kInvLogGamma = 1.0 / std::log(kHistGamma);

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
} // namespace

int
HistBucket(double ms) noexcept
{
	if (!(ms > kHistMinMs)) // also catches NaN
		return 0;
	if (ms > kHistMaxMs)
		return kHistBuckets - 1;
	int b = static_cast<int>(std::ceil(std::log(ms / kHistMinMs) * kInvLogGamma));
	if (b < 1)
		b = 1;
	if (b > kHistLogBuckets)
		b = kHistLogBuckets;
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
