// hash_index.hpp - open-addressing index over a fixed array of int32 slots.
//
// Used for the shared tables (statements, plans) and for a backend's pending
// items. The index maps a 64-bit hash to an entry number; the caller keeps the
// entries and supplies the key comparison. Linear probing with backward-shift
// deletion keeps lookups short without tombstones. Capacity is a power of two
// and at least twice the number of entries, so a probe always ends at an empty
// slot. All operations are O(1) expected and touch no heap memory, so the
// arrays may live in shared memory.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

namespace xray::core
{
constexpr int32_t kIndexEmpty = -1;

// IndexCapacityFor returns the power-of-two slot count for n entries.
uint32_t IndexCapacityFor(uint32_t n) noexcept;

void IndexClear(int32_t *slots, uint32_t capacity) noexcept;

// IndexFind returns the entry whose key equals the probe (eq(entry) is true), or
// kIndexEmpty.
template <typename Eq>
int32_t
IndexFind(const int32_t *slots, uint32_t capacity, uint64_t hash, Eq eq)
{
	uint32_t mask = capacity - 1;
	for (uint32_t i = static_cast<uint32_t>(hash) & mask;; i = (i + 1) & mask)
	{
		int32_t e = slots[i];
		if (e == kIndexEmpty)
			return kIndexEmpty;
		if (eq(e))
			return e;
	}
}

// IndexInsert records entry under hash; the key must not be present already.
void IndexInsert(int32_t *slots, uint32_t capacity, uint64_t hash, int32_t entry) noexcept;

// IndexErase removes entry (stored under hash). hash_of(e) returns the hash of
// any other entry, needed to shift the rest of the probe run back.
template <typename HashOf>
void
IndexErase(int32_t *slots, uint32_t capacity, uint64_t hash, int32_t entry, HashOf hash_of)
{
	uint32_t mask = capacity - 1;
	uint32_t i = static_cast<uint32_t>(hash) & mask;
	while (slots[i] != entry)
	{
		if (slots[i] == kIndexEmpty)
			return;
		i = (i + 1) & mask;
	}
	// backward-shift deletion (Knuth, TAOCP vol. 3, algorithm R)
	uint32_t hole = i;
	for (uint32_t j = (hole + 1) & mask; slots[j] != kIndexEmpty; j = (j + 1) & mask)
	{
		uint32_t home = static_cast<uint32_t>(hash_of(slots[j])) & mask;
		// move j into the hole unless its home lies cyclically in (hole, j]
		bool stays = (hole <= j) ? (hole < home && home <= j) : (hole < home || home <= j);
		if (!stays)
		{
			slots[hole] = slots[j];
			hole = j;
		}
	}
	slots[hole] = kIndexEmpty;
}

// HashMix64 is a strong 64-bit finalizer (from SplitMix64).
inline uint64_t
HashMix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}
} // namespace xray::core
