// clock_evict.hpp - bounded CLOCK (second chance) victim selection.
//
// Each entry has a small usage count, raised when a flush touches it. The hand
// sweeps forward, decrementing usage; the first entry found at zero is the
// victim. To keep the work under the store's lock bounded, the sweep stops
// after max_steps entries and takes the least used entry it saw. Cost per
// eviction is O(max_steps), never O(entries); no sorting.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

namespace xray::core
{
constexpr uint8_t kUsageMax = 3;

// ClockPick returns the victim among n entries; usage(i) returns a reference to
// entry i's usage count. hand is advanced past the victim.
template <typename Usage>
uint32_t
ClockPick(uint32_t n, uint32_t &hand, uint32_t max_steps, Usage usage)
{
	uint32_t best = hand % n;
	uint8_t best_usage = 255;
	for (uint32_t step = 0; step < max_steps; step++)
	{
		uint32_t i = hand % n;
		hand = (i + 1) % n;
		uint8_t &u = usage(i);
		if (u == 0)
			return i;
		if (u < best_usage)
		{
			best = i;
			best_usage = u;
		}
		u--;
	}
	return best;
}
} // namespace xray::core
