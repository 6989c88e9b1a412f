// sample_gap_test.cpp - the sampling countdown picks the configured share of events.
#include "sample_gap.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace xray::core;

namespace
{
// the share of events a countdown with gaps drawn by SampleGap samples
double
SampledShare(double rate, int events, uint64_t seed)
{
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<double> uniform(0.0, 1.0);
	int64_t countdown = SampleGap(uniform(rng), rate);
	int sampled = 0;
	for (int i = 0; i < events; i++)
	{
		if (--countdown > 0)
			continue;
		sampled++;
		countdown = SampleGap(uniform(rng), rate);
	}
	return static_cast<double>(sampled) / events;
}
} // namespace

TEST(SampleGap, SamplesTheConfiguredShare)
{
	for (double rate : {0.5, 0.1, 0.01, 0.001})
	{
		double share = SampledShare(rate, 2000000, 7);
		EXPECT_NEAR(share / rate, 1.0, 0.05) << rate;
	}
	EXPECT_EQ(SampledShare(1.0, 1000, 1), 1.0);
}

TEST(SampleGap, GapsAreAtLeastOneAndBounded)
{
	EXPECT_EQ(SampleGap(0.0, 0.01), 1); // u = 0: the very next event
	EXPECT_EQ(SampleGap(0.999999, 1.0), 1);
	EXPECT_EQ(SampleGap(0.5, 0.0), kMaxSampleGap); // never
	EXPECT_EQ(SampleGap(0.5, -1.0), kMaxSampleGap);
	EXPECT_EQ(SampleGap(0.9999999999999999, 1e-300), kMaxSampleGap);
	EXPECT_GE(SampleGap(0.999, 0.5), 1);
}
