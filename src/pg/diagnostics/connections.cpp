// connections.cpp - client sessions per minute (see connections.hpp) and
// xray.connection_minutes(), the SQL function behind xray.connection_stats.
//
// Memory: a ring of kConnMinutes minutes, fixed at server start.
// Locking: one LWLock of its own. The lock sampler takes it exclusively once
// per tick to add the tick's counts (core/conn_minutes: O(1)); readers take it
// shared to copy the ring.
#include <type_traits>

#include "compat.hpp"
#include "diagnostics/connections.hpp"
#include "sampler_tick.hpp"
#include "shared_modules.hpp"
#include "shmem_area.hpp"
#include "srf.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(xray_connection_minutes);
PGDLLEXPORT Datum xray_connection_minutes(PG_FUNCTION_ARGS);
}

namespace xray::pg
{
namespace
{
struct ConnHeader
{
	LWLock *lock;
	uint64 count; // minutes ever started; slot = count - 1 is the current one
	ConnMinute minutes[kConnMinutes];
};
static_assert(std::is_trivially_copyable<ConnHeader>::value, "shared memory holds PODs");

ConnHeader *conn = NULL;

Size
ConnSize()
{
	return sizeof(ConnHeader);
}

void
InitConn(void *mem, LWLock *lock)
{
	((ConnHeader *) mem)->lock = lock;
}

const ShmemArea kArea = {"pg_xray connection minutes", "pg_xray_connection_minutes", ConnSize, InitConn};
} // namespace

void
ConnectionsRequestShmem()
{
	ShmemAreaReserve(kArea);
}

void
ConnectionsStartup()
{
	conn = (ConnHeader *) ShmemAreaAttach(kArea);
}

void
ConnectionsOnTick(const SamplerTick &t)
{
	core::SessionCounts c{};
	for (int i = 0; i < t.nsessions; i++)
	{
		const TickSession &s = t.sessions[i];
		if (s.type != B_BACKEND)
			continue;
		c.total++;
		c.active += s.state == STATE_RUNNING || s.state == STATE_FASTPATH ? 1 : 0;
		c.idle += s.state == STATE_IDLE ? 1 : 0;
		c.idle_in_xact += s.state == STATE_IDLEINTRANSACTION || s.state == STATE_IDLEINTRANSACTION_ABORTED ? 1 : 0;
	}
	LWLockAcquire(conn->lock, LW_EXCLUSIVE);
	core::MinutesAddTick(conn->minutes, kConnMinutes, &conn->count, t.now, c);
	LWLockRelease(conn->lock);
}

ConnMinute *
ConnMinutesCopy(int *n)
{
	CheckPreloaded();
	ConnMinute *out = (ConnMinute *) palloc(sizeof(ConnMinute) * kConnMinutes);
	LWLockAcquire(conn->lock, LW_SHARED);
	uint64 count = conn->count;
	int k = (int) core::MinutesKept(count, kConnMinutes);
	for (int i = 0; i < k; i++)
		out[i] = conn->minutes[(count - k + i) % kConnMinutes];
	LWLockRelease(conn->lock);
	*n = k;
	return out;
}
} // namespace xray::pg

using namespace xray::pg;

Datum
xray_connection_minutes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	ConnMinute *m = ConnMinutesCopy(&n);
	for (int i = 0; i < n; i++)
	{
		if (m[i].ticks == 0)
			continue;
		SrfRow row;
		row.Time(m[i].minute);
		row.Put(Int32GetDatum(m[i].ticks));
		row.Put(Float8GetDatum((double) m[i].sum_active / m[i].ticks));
		row.Put(Int32GetDatum(m[i].max_active));
		row.Put(Float8GetDatum((double) m[i].sum_idle / m[i].ticks));
		row.Put(Float8GetDatum((double) m[i].sum_idle_in_xact / m[i].ticks));
		row.Put(Int32GetDatum(m[i].max_idle_in_xact));
		row.Put(Int32GetDatum(m[i].max_total));
		row.Done(rsinfo);
	}
	return (Datum) 0;
}
