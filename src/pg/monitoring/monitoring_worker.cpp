// monitoring_worker.cpp - history snapshots and alert checks on an interval,
// run by pg_xray itself (the alternative to a pg_cron job).
//
// When xray.snapshot_interval > 0, the lock sampler (locks/lock_history.cpp)
// calls SnapshotsOnTick every tick; on the tick after each interval it starts a short-lived background worker connected
// as the bootstrap superuser to xray.monitoring_database; the worker runs
// SELECT xray.snapshot() and SELECT xray.check_alerts() (each in its own
// transaction) if pg_xray is installed there, then exits. It never starts on
// a standby (BgWorkerStart_RecoveryFinished), and a worker still running when
// the next interval comes is not doubled (xray.snapshot() also takes an
// advisory lock).
#include "bgworker_def.hpp"
#include "compat.hpp"
#include "sampler_tick.hpp"
#include "guc.hpp"
#include "worker_sql.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "postmaster/bgworker.h"
#include "catalog/namespace.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"

PGDLLEXPORT void xray_monitoring_main(Datum arg);
}

namespace xray::pg
{

namespace
{
// MonitoringLaunch starts the worker; false when no worker slot is free.
bool
MonitoringLaunch()
{
	BackgroundWorker w =
		WorkerDef("xray_monitoring_main", "pg_xray snapshot", BgWorkerStart_RecoveryFinished, BGW_NEVER_RESTART, 0);
	strlcpy(w.bgw_extra, guc_monitoring_database ? guc_monitoring_database : "postgres", BGW_EXTRALEN);
	return RegisterDynamicBackgroundWorker(&w, NULL);
}

// when the sampler last started one (the sampler's own state: a restarted
// sampler takes the next snapshot at its first tick)
TimestampTz last_launch = 0;
} // namespace

void
SnapshotsOnTick(const SamplerTick &t)
{
	if (guc_snapshot_interval_s <= 0 || RecoveryInProgress() ||
		t.now - last_launch < (int64) guc_snapshot_interval_s * USECS_PER_SEC)
		return;
	last_launch = t.now;
	if (!MonitoringLaunch())
		ereport(LOG, (errmsg("pg_xray: no worker slot free for a snapshot"), errhint("Raise max_worker_processes.")));
}
} // namespace xray::pg

void
xray_monitoring_main(Datum arg)
{
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	char dbname[BGW_EXTRALEN];
	strlcpy(dbname, MyBgworkerEntry->bgw_extra, sizeof(dbname));
	BackgroundWorkerInitializeConnection(dbname, NULL, 0);
	xray::pg::WorkerPinSearchPath();
	pgstat_report_appname("pg_xray snapshot");
	// only where pg_xray is installed
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	bool installed = OidIsValid(get_namespace_oid("xray", true)) &&
					 OidIsValid(DatumGetObjectId(
						 DirectFunctionCall1(to_regprocedure, CStringGetTextDatum("xray.snapshot(integer,integer)"))));
	CommitTransactionCommand();
	if (!installed)
	{
		ereport(LOG, (errmsg("pg_xray snapshot: pg_xray is not installed in database \"%s\"", dbname),
					  errhint("CREATE EXTENSION pg_xray there, or set xray.monitoring_database.")));
		proc_exit(0);
	}
	xray::pg::WorkerSql("SELECT xray.snapshot()");
	xray::pg::WorkerSql("SELECT xray.check_alerts()");
	proc_exit(0);
}
