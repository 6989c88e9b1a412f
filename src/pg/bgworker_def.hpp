// bgworker_def.hpp - the definition of one of pg_xray's background workers.
#pragma once
#include "pg_includes.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace xray::pg
{
// WorkerDef fills a BackgroundWorker for function of this library, connected
// to a database, named name (also its pg_stat_activity backend_type).
inline BackgroundWorker
WorkerDef(const char *function, const char *name, BgWorkerStartTime start, int restart_seconds, pid_t notify_pid)
{
	BackgroundWorker w;
	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = start;
	w.bgw_restart_time = restart_seconds;
	strlcpy(w.bgw_library_name, "pg_xray", BGW_MAXLEN);
	strlcpy(w.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(w.bgw_name, name, BGW_MAXLEN);
	strlcpy(w.bgw_type, name, BGW_MAXLEN);
	w.bgw_notify_pid = notify_pid;
	return w;
}
} // namespace xray::pg
