// shared_modules.cpp - the table of pg_xray's shared-memory modules and the
// hooks that walk it (see shared_modules.hpp).
//
// Order: the statement store comes first (its attach loads the stats file in
// the postmaster; xray.info reports the bytes of every module, which are
// all reserved by then), the evidence tables next, then the lock sampler's
// and the per-concern tables it feeds, then maintenance.
#include "shared_modules.hpp"

#include "diagnostics/connections.hpp"
#include "evidence/node_signals.hpp"
#include "evidence/repeat_signals.hpp"
#include "evidence/samples.hpp"
#include "evidence/scan_signals.hpp"
#include "locks/lock_history.hpp"
#include "maintenance/id_rate.hpp"
#include "maintenance/runner.hpp"
#include "recorder/store.hpp"

namespace xray::pg
{
namespace
{
const SharedModule kModules[] = {
	{"statement store", StoreReserve, StoreAttach, StoreReset, StoreResetQuery},
	{"sampled executions", SamplesRequestShmem, SamplesStartup, SamplesReset, NULL},
	{"scan signals", [] { scan_signals.Reserve(); }, [] { scan_signals.Attach(); }, [] { scan_signals.Reset(); },
	 [](uint64 q) -> int64 {
		 scan_signals.ForgetQuery(q);
		 return 0;
	 }},
	{"node signals", [] { node_signals.Reserve(); }, [] { node_signals.Attach(); }, [] { node_signals.Reset(); },
	 [](uint64 q) -> int64 {
		 node_signals.ForgetQuery(q);
		 return 0;
	 }},
	{"repeat signals", [] { repeat_signals.Reserve(); }, [] { repeat_signals.Attach(); },
	 [] { repeat_signals.Reset(); },
	 [](uint64 q) -> int64 {
		 repeat_signals.ForgetQuery(q);
		 return 0;
	 }},
	{"lock history", LockHistoryRequestShmem, LockHistoryStartup, LockHistoryReset, NULL},
	{"connection minutes", ConnectionsRequestShmem, ConnectionsStartup, NULL, NULL},
	{"id observations", IdRateRequestShmem, IdRateStartup, NULL, NULL},
	{"maintenance runs", MaintenanceRequestShmem, MaintenanceStartup, NULL, NULL},
};

shmem_request_hook_type prev_shmem_request_hook = NULL;
shmem_startup_hook_type prev_shmem_startup_hook = NULL;
bool attached = false;

void
RequestAll()
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (const SharedModule &m : kModules)
		m.reserve();
}

void
StartupAll()
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	for (const SharedModule &m : kModules)
		m.attach();
	attached = true;
}
} // namespace

void
SharedModulesInstall()
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = RequestAll;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = StartupAll;
}

bool
SharedModulesAttached()
{
	return attached;
}

void
CheckPreloaded()
{
	if (!attached)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("pg_xray must be loaded via shared_preload_libraries"),
						errhint("Add pg_xray to shared_preload_libraries in postgresql.conf and restart the server.")));
}

void
SharedModulesReset()
{
	CheckPreloaded();
	for (const SharedModule &m : kModules)
		if (m.reset)
			m.reset();
}

int64
SharedModulesForgetQuery(uint64 queryid)
{
	CheckPreloaded();
	int64 removed = 0;
	for (const SharedModule &m : kModules)
		if (m.forget_query)
			removed += m.forget_query(queryid);
	return removed;
}
} // namespace xray::pg
