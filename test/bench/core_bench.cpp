// core_bench.cpp - micro-benchmarks of the hot-path pieces of the core.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "counters.hpp"
#include "hash_index.hpp"
#include "histogram.hpp"
#include "plan_id.hpp"

using namespace xray::core;

namespace
{
// One statement's update of a pending item: timing stats, histogram bucket,
// rows and I/O counters, as the executor-end hook does it.
void
BM_PendingUpdate(benchmark::State &state)
{
	StmtCounters c{};
	std::vector<uint32_t> hist(kHistBuckets, 0);
	IoCounters delta{};
	delta.shared_blks_hit = 4;
	double ms = 0.137;
	for (auto _ : state)
	{
		TimingAdd(c.exec, ms);
		hist[HistBucket(ms)]++;
		c.rows += 1;
		IoMerge(c.io, delta);
		ms = ms * 1.0001 + 0.001;
		benchmark::DoNotOptimize(c);
	}
}
BENCHMARK(BM_PendingUpdate);

// Lookup of a key in a 1,000-entry index (the flush path's shared-table lookup).
void
BM_IndexLookup(benchmark::State &state)
{
	const uint32_t n = 1000;
	uint32_t cap = IndexCapacityFor(n);
	std::vector<int32_t> slots(cap);
	IndexClear(slots.data(), cap);
	std::vector<uint64_t> keys(n);
	std::mt19937_64 rng(1);
	for (uint32_t i = 0; i < n; i++)
	{
		keys[i] = rng();
		IndexInsert(slots.data(), cap, HashMix64(keys[i]), static_cast<int32_t>(i));
	}
	uint32_t i = 0;
	for (auto _ : state)
	{
		uint64_t k = keys[i++ % n];
		int32_t e = IndexFind(slots.data(), cap, HashMix64(k), [&](int32_t x) { return keys[x] == k; });
		benchmark::DoNotOptimize(e);
	}
}
BENCHMARK(BM_IndexLookup);

// Hashing a plan of 7 nodes with ~6 tokens each (a typical join plan).
void
BM_PlanId(benchmark::State &state)
{
	for (auto _ : state)
	{
		PlanIdBuilder b;
		int nodes = 7;
		benchmark::DoNotOptimize(nodes);
		for (int node = 0; node < nodes; node++)
		{
			b.Tagged(kTagNode, 300 + node);
			for (int t = 0; t < 6; t++)
				b.Tagged(kTagColumn, static_cast<uint64_t>(node * 10 + t));
			b.Open();
			b.Close();
		}
		benchmark::DoNotOptimize(b.Finish());
	}
}
BENCHMARK(BM_PlanId);
} // namespace
