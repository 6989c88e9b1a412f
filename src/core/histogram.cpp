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

} // namespace

// The bounds, and for each cell of doubles that share their exponent and top
// kHistCellBits mantissa bits (a ratio of 1.0054, less than a bucket's 1.105)
// the bucket of its lowest value: a value's bucket is that one or the next.
HistTables::HistTables() noexcept
{
	for (int i = 0; i <= kHistLogBuckets; i++)
		ub[i] = kHistMinMs * std::pow(kHistGamma, i);
	first_cell = HistCellOf(kHistMinMs);
	int b = 1; // cells grow: so do their buckets
	for (uint32_t c = 0; c < kHistCells; c++)
	{
		uint64_t bits = static_cast<uint64_t>(first_cell + c) << (52 - kHistCellBits);
		double low;
		std::memcpy(&low, &bits, sizeof(low));
		while (b < kHistLogBuckets && low > ub[b])
			b++;
		guess[c] = static_cast<uint8_t>(b);
	}
}

const HistTables kHistTables;

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
