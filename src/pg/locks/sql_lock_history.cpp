// sql_lock_history.cpp - SQL functions behind the lock sampler's views:
// xray.lock_samples(), xray.lock_history(), xray.lock_incidents(),
// xray.wait_profile() and xray.lock_sampler().
//
// Each copies the shared structure under the shared lock (lock_history.cpp)
// and builds rows from the copy. Query texts of incidents follow
// pg_stat_activity's rule: other users' only for pg_read_all_stats.
#include "compat.hpp"
#include "locks/lock_edges.hpp"
#include "locks/lock_history.hpp"
#include "srf.hpp"
#include "text_access.hpp"

extern "C" {
#include "utils/wait_event.h"

PG_FUNCTION_INFO_V1(xray_lock_samples);
PG_FUNCTION_INFO_V1(xray_lock_history);
PG_FUNCTION_INFO_V1(xray_lock_incidents);
PG_FUNCTION_INFO_V1(xray_wait_profile);
PG_FUNCTION_INFO_V1(xray_lock_sampler);
PGDLLEXPORT Datum xray_lock_samples(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_lock_history(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_lock_incidents(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_wait_profile(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_lock_sampler(PG_FUNCTION_ARGS);
}

namespace
{
using namespace xray::pg;

const char *
ModeName(uint8 locktype, LOCKMODE mode)
{
	// user locks (advisory) use the default method's mode names too
	return mode == NoLock ? NULL : GetLockmodeName(DEFAULT_LOCKMETHOD, mode);
}

const char *
RelationLockType(uint8 locktype)
{
	return LockTagTypeNames[locktype];
}
} // namespace

Datum
xray_lock_samples(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	LockSampleRec *s = LockSamplesCopy(&n);
	// query ids as pg_stat_activity shows them: others' only with pg_read_all_stats
	TextAccess access;
	for (int i = 0; i < n; i++)
	{
		const LockSampleRec &r = s[i];
		SrfRow row;
		row.Time(r.ts);
		row.Put(Int32GetDatum(r.waiter_pid));
		row.Put(Int32GetDatum(r.blocker_pid));
		row.Put(Int32GetDatum(r.root_pid));
		row.Put(Int32GetDatum(r.depth));
		row.Put(BoolGetDatum(r.in_cycle));
		row.Oid_(r.waiter_db);
		row.Oid_(r.waiter_user);
		row.Oid_(r.blocker_user);
		access.Sees(r.waiter_user) ? row.QueryId(r.waiter_queryid) : row.Null();
		access.Sees(r.blocker_user) ? row.QueryId(r.blocker_queryid) : row.Null();
		row.Text(RelationLockType(r.tag.locktag_type));
		row.Oid_(LockTagRelation(r.tag));
		row.Text(LockObjectText(r.tag));
		row.Text(ModeName(r.tag.locktag_type, r.wait_mode));
		row.Text(ModeName(r.tag.locktag_type, r.blocker_mode));
		row.Put(BoolGetDatum(r.granted));
		row.Seconds(r.waited_s);
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_lock_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	LockHistEntry *h = LockHistoryCopy(&n);
	TextAccess access;
	for (int i = 0; i < n; i++)
	{
		const LockHistEntry &e = h[i];
		SrfRow row;
		row.Oid_(e.dbid);
		access.Sees(e.blocker_user) ? row.QueryId(e.blocker_queryid) : row.Null();
		access.Sees(e.waiter_user) ? row.QueryId(e.waiter_queryid) : row.Null();
		row.Oid_(e.relid);
		row.Text(RelationLockType(e.locktype));
		row.Text(ModeName(e.locktype, e.wait_mode));
		StringInfoData modes;
		initStringInfo(&modes);
		LockModeNames(DEFAULT_LOCKMETHOD, e.blocker_modes, &modes);
		row.Text(modes.data);
		row.Put(Int64GetDatum(e.samples));
		row.Put(Int64GetDatum(e.cycle_samples));
		row.Put(Int64GetDatum(e.queue_samples));
		row.Seconds(e.total_wait_s);
		row.Seconds(e.max_wait_s);
		row.Time(e.first_seen);
		row.Time(e.last_seen);
		// texts as pg_stat_activity shows them: others' only with pg_read_all_stats
		row.Text(e.waiter_query[0] ? access.Text(e.waiter_user, e.waiter_query) : NULL);
		row.Text(e.blocker_query[0] ? access.Text(e.blocker_user, e.blocker_query) : NULL);
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_lock_incidents(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	IncidentRec *inc = LockIncidentsCopy(&n);
	TextAccess access;
	for (int i = 0; i < n; i++)
	{
		const IncidentRec &r = inc[i];
		SrfRow row;
		row.Put(Int64GetDatum(r.id));
		row.Time(r.started_at);
		row.Time(r.ended_at);
		row.Time(r.last_seen);
		row.Put(Int32GetDatum(r.root_pid));
		row.Oid_(r.root_user);
		row.Oid_(r.root_db);
		access.Sees(r.root_user) ? row.QueryId(r.root_queryid) : row.Null();
		static const char *const kStates[] = {"undefined",
											  "idle",
											  "active",
											  "idle in transaction",
											  "fastpath function call",
											  "idle in transaction (aborted)",
											  "disabled"};
		row.Text(r.root_pid == 0 ? "prepared" : (r.root_state < lengthof(kStates) ? kStates[r.root_state] : NULL));
		row.Text(r.root_pid == 0 ? NULL : access.Text(r.root_user, r.root_query));
		row.Put(Int32GetDatum(r.max_depth));
		row.Put(Int32GetDatum(r.max_sessions));
		row.Put(Float8GetDatum(r.blocked_seconds));
		row.Put(BoolGetDatum(r.cycle));
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_wait_profile(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	WaitProfEntry *p = WaitProfileCopy(&n);
	// the profile is kept per query id, not per role: its query ids only for pg_read_all_stats
	TextAccess access;
	for (int i = 0; i < n; i++)
	{
		const WaitProfEntry &e = p[i];
		SrfRow row;
		row.Oid_(e.dbid);
		access.all ? row.QueryId(e.queryid) : row.Null();
		row.Text(e.wait_event_info == 0 ? "CPU" : pgstat_get_wait_event_type(e.wait_event_info));
		row.Text(e.wait_event_info == 0 ? NULL : pgstat_get_wait_event(e.wait_event_info));
		row.Put(Int64GetDatum(e.samples));
		row.Time(e.first_seen);
		row.Time(e.last_seen);
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_lock_sampler(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	LockSamplerInfo info;
	LockSamplerGetInfo(&info);
	SrfRow row;
	info.worker_pid != 0 ? row.Put(Int32GetDatum(info.worker_pid)) : row.Null();
	row.Put(Int64GetDatum(info.ticks));
	row.Put(Float8GetDatum(info.ticks > 0 ? info.tick_ms_total / info.ticks : 0.0));
	row.Time(info.last_tick);
	row.Put(Int64GetDatum(info.samples_written));
	row.Put(Int32GetDatum(info.ring_size));
	row.Put(Int64GetDatum(info.history_dropped));
	row.Put(Int64GetDatum(info.profile_dropped));
	row.Done(rsinfo);
	return (Datum) 0;
}
