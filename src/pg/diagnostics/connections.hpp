// connections.hpp - client sessions per minute, from every tick of the lock
// sampler (a day kept): active, idle and idle-in-transaction counts (mean and
// peak) and all sessions, for xray.settings_advice's pool sizing.
#pragma once
#include "conn_minutes.hpp"

#include "pg_includes.hpp"

namespace xray::pg
{
constexpr int kConnMinutes = 1440;
using ConnMinute = core::ConnMinute;

void ConnectionsRequestShmem();
void ConnectionsStartup();

// ConnMinutesCopy returns the kept minutes, oldest first (palloc'd).
ConnMinute *ConnMinutesCopy(int *n);
} // namespace xray::pg
