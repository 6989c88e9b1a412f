// hash_index_test.cpp - the open-addressing index against std::unordered_map.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "clock_evict.hpp"
#include "hash_index.hpp"

using namespace xray::core;

TEST(HashIndex, RandomInsertEraseMatchesReference)
{
	const uint32_t n = 500;
	uint32_t cap = IndexCapacityFor(n);
	ASSERT_GE(cap, 2 * n);
	std::vector<int32_t> slots(cap);
	IndexClear(slots.data(), cap);
	std::vector<uint64_t> keys(n, 0);
	std::vector<bool> used(n, false);
	std::unordered_map<uint64_t, int32_t> ref;
	std::mt19937_64 rng(3);
	// small key space forces collisions and long probe runs
	auto hash_of = [&](int32_t e) { return keys[e] % 97; };
	for (int step = 0; step < 200000; step++)
	{
		uint64_t key = rng() % 2000;
		auto eq = [&](int32_t e) { return keys[e] == key; };
		int32_t found = IndexFind(slots.data(), cap, key % 97, eq);
		auto it = ref.find(key);
		ASSERT_EQ(found != kIndexEmpty, it != ref.end());
		if (it != ref.end())
		{
			ASSERT_EQ(found, it->second);
			IndexErase(slots.data(), cap, key % 97, found, hash_of);
			used[found] = false;
			ref.erase(it);
		}
		else if (ref.size() < n)
		{
			int32_t e = 0;
			while (used[e])
				e++;
			used[e] = true;
			keys[e] = key;
			IndexInsert(slots.data(), cap, key % 97, e);
			ref[key] = e;
		}
	}
}

TEST(ClockEvict, PrefersUnusedAndStaysBounded)
{
	std::vector<uint8_t> usage = {3, 3, 0, 3, 3};
	uint32_t hand = 0;
	auto u = [&](uint32_t i) -> uint8_t & { return usage[i]; };
	EXPECT_EQ(ClockPick(5, hand, 64, u), 2u);
	EXPECT_EQ(hand, 3u);
	// all busy: a bounded sweep still returns the least used entry seen
	std::vector<uint8_t> busy(1000, kUsageMax);
	busy[500] = 1;
	uint32_t hand2 = 490;
	auto b = [&](uint32_t i) -> uint8_t & { return busy[i]; };
	EXPECT_EQ(ClockPick(1000, hand2, 32, b), 500u);
	EXPECT_EQ(hand2, 522u);
}
