// hash_index.cpp - non-template parts of the open-addressing index.
#include "hash_index.hpp"

namespace xray::core
{
uint32_t
IndexCapacityFor(uint32_t n) noexcept
{
	uint32_t cap = 16;
	while (cap < 2 * n && cap < (1u << 31))
		cap <<= 1;
	return cap;
}

void
IndexClear(int32_t *slots, uint32_t capacity) noexcept
{
	for (uint32_t i = 0; i < capacity; i++)
		slots[i] = kIndexEmpty;
}

void
IndexInsert(int32_t *slots, uint32_t capacity, uint64_t hash, int32_t entry) noexcept
{
	uint32_t mask = capacity - 1;
	uint32_t i = static_cast<uint32_t>(hash) & mask;
	while (slots[i] != kIndexEmpty)
		i = (i + 1) & mask;
	slots[i] = entry;
}
} // namespace xray::core
