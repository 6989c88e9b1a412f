// conn_minutes.cpp - see conn_minutes.hpp.
#include "conn_minutes.hpp"

#include <algorithm>
#include <cstring>

namespace xray::core
{
void
MinutesAddTick(ConnMinute *ring, int cap, uint64_t *count, int64_t now_us, const SessionCounts &c) noexcept
{
	if (ring == nullptr || cap <= 0 || count == nullptr)
		return;
	constexpr int64_t kMinute = 60LL * 1000000LL;
	// floor to the minute, also for times before 2000 (negative timestamps)
	int64_t minute = now_us - ((now_us % kMinute) + kMinute) % kMinute;
	ConnMinute *m = *count > 0 ? &ring[(*count - 1) % static_cast<uint64_t>(cap)] : nullptr;
	if (m == nullptr || m->minute != minute)
	{
		m = &ring[*count % static_cast<uint64_t>(cap)];
		std::memset(m, 0, sizeof(*m));
		m->minute = minute;
		(*count)++;
	}
	m->ticks++;
	m->sum_active += c.active;
	m->max_active = std::max(m->max_active, c.active);
	m->sum_idle += c.idle;
	m->sum_idle_in_xact += c.idle_in_xact;
	m->max_idle_in_xact = std::max(m->max_idle_in_xact, c.idle_in_xact);
	m->max_total = std::max(m->max_total, c.total);
}
} // namespace xray::core
