// histogram_test.cpp - quantiles from the log histogram against exact ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "histogram.hpp"

using namespace xray::core;

namespace
{
double
ExactNearestRank(std::vector<double> v, double q)
{
	std::sort(v.begin(), v.end());
	size_t rank = static_cast<size_t>(std::ceil(q * v.size()));
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

void
CheckDistribution(std::vector<double> values)
{
	std::vector<uint64_t> counts(kHistBuckets, 0);
	for (double v : values)
		counts[HistBucket(v)]++;
	for (double q : {0.5, 0.9, 0.95, 0.99, 0.999, 1.0})
	{
		double exact = ExactNearestRank(values, q);
		double approx = HistQuantile(counts.data(), q);
		EXPECT_LE(std::fabs(approx - exact) / exact, kHistAlpha + 1e-9)
			<< "q=" << q << " exact=" << exact << " approx=" << approx;
	}
}
} // namespace

TEST(Histogram, BucketsCoverTheDocumentedRange)
{
	EXPECT_GE(kHistMinMs * std::pow(kHistGamma, kHistLogBuckets), kHistMaxMs);
	EXPECT_LT(kHistMinMs * std::pow(kHistGamma, kHistLogBuckets - 1), kHistMaxMs);
	EXPECT_EQ(HistBucket(0.0), 0);
	EXPECT_EQ(HistBucket(-5.0), 0);
	EXPECT_EQ(HistBucket(std::nan("")), 0);
	EXPECT_EQ(HistBucket(1e9), kHistBuckets - 1);
}

TEST(Histogram, EveryValueInRangeIsWithinFivePercent)
{
	for (double v = kHistMinMs * 1.0001; v <= kHistMaxMs; v *= 1.013)
	{
		double rep = HistBucketValue(HistBucket(v));
		EXPECT_LE(std::fabs(rep - v) / v, kHistAlpha + 1e-9) << v;
	}
}

TEST(Histogram, QuantilesOfLogNormalLatencies)
{
	std::mt19937_64 rng(42);
	std::lognormal_distribution<double> dist(0.0, 2.0); // ~1 ms median, long tail
	std::vector<double> v;
	for (int i = 0; i < 200000; i++)
		v.push_back(std::clamp(dist(rng), kHistMinMs * 1.001, kHistMaxMs));
	CheckDistribution(v);
}

TEST(Histogram, QuantilesOfUniformAndBimodalLatencies)
{
	std::mt19937_64 rng(7);
	std::uniform_real_distribution<double> fast(0.02, 0.5);
	std::uniform_real_distribution<double> slow(200.0, 90000.0);
	std::vector<double> uni, bi;
	for (int i = 0; i < 50000; i++)
	{
		uni.push_back(fast(rng));
		bi.push_back(i % 20 == 0 ? slow(rng) : fast(rng));
	}
	CheckDistribution(uni);
	CheckDistribution(bi);
}

TEST(Histogram, MergingIsAddingCounts)
{
	std::vector<uint64_t> a(kHistBuckets, 0), b(kHistBuckets, 0), all(kHistBuckets, 0);
	for (int i = 1; i <= 1000; i++)
	{
		double v = i * 0.37;
		(i % 2 ? a : b)[HistBucket(v)]++;
		all[HistBucket(v)]++;
	}
	for (int i = 0; i < kHistBuckets; i++)
		a[i] += b[i];
	EXPECT_EQ(HistQuantile(a.data(), 0.95), HistQuantile(all.data(), 0.95));
	std::vector<uint32_t> empty(kHistBuckets, 0);
	EXPECT_LT(HistQuantile(empty.data(), 0.5), 0.0);
}

// HistBucket finds buckets without a logarithm: it must agree with the
// definition (ceil of the log in base gamma) everywhere but at a bound itself.
TEST(Histogram, BucketMatchesTheLogDefinition)
{
	uint64_t state = 12345;
	int checked = 0;
	for (int i = 0; i < 200000; i++)
	{
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = static_cast<double>(state >> 11) / 9007199254740992.0; // [0, 1)
		double ms = kHistMinMs * std::pow(10.0, u * 7.5);				  // 10 us .. 316 s
		double exact = std::log(ms / kHistMinMs) / std::log(kHistGamma);
		if (std::fabs(exact - std::round(exact)) < 1e-9)
			continue; // on a bound: either side is right
		int want = ms <= kHistMinMs ? 0 : ms > kHistMaxMs ? kHistBuckets - 1 : static_cast<int>(std::ceil(exact));
		if (want > kHistLogBuckets && ms <= kHistMaxMs)
			want = kHistLogBuckets;
		ASSERT_EQ(HistBucket(ms), want) << ms;
		checked++;
	}
	EXPECT_GT(checked, 190000);
	// each bucket's reported value falls in the bucket
	for (int b = 1; b < kHistLogBuckets; b++) // the last one's value is past kHistMaxMs
		EXPECT_EQ(HistBucket(HistBucketValue(b)), b) << b;
}
