// sampler_tick.hpp - what the lock sampler (locks/lock_history.cpp) saw at one
// tick, handed to each concern it drives: the lock history, client sessions
// per minute (diagnostics/connections.cpp), transaction-id consumption
// (maintenance/id_rate.cpp) and the snapshot schedule
// (monitoring/monitoring_worker.cpp). Every handler runs in the sampler
// process, in the tick's memory context.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// One backend in the sampler's snapshot of backend status.
struct TickSession
{
	int32 pid;
	Oid dbid;
	Oid userid;
	uint64 queryid;
	BackendState state;
	BackendType type;
	TimestampTz backend_start;
	const char *activity; // in the status snapshot
	uint32 wait;		  // wait_event_info from its PGPROC
};

struct SamplerTick
{
	TimestampTz now;
	double interval_s; // since the previous tick (at most two intervals)
	int nsessions;
	const TickSession *sessions;
};

// The handlers of the other concerns, one per folder.
void ConnectionsOnTick(const SamplerTick &t); // diagnostics/connections.cpp
void IdRateOnTick(const SamplerTick &t);	  // maintenance/id_rate.cpp
void SnapshotsOnTick(const SamplerTick &t);	  // monitoring/monitoring_worker.cpp
} // namespace xray::pg
