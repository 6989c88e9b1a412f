// runner.cpp - xray.run_maintenance(): performs the maintenance
// advice in background workers, one top-level command at a time.
//
// Why workers: VACUUM, REINDEX CONCURRENTLY and CREATE/DROP INDEX
// CONCURRENTLY refuse to run inside a function, a procedure or a transaction
// block, so the caller cannot run them itself. xray.run_maintenance() only
// checks its arguments, claims the single runner slot and starts a
// coordinator worker; it returns the run id at once (a pg_cron job that calls
// it ends immediately, and the caller holds no snapshot that CONCURRENTLY
// commands would wait for). The coordinator, connected as the bootstrap
// superuser to the caller's database, reads xray.maintenance_advice, writes
// xray.maintenance_runs and xray.maintenance_log, and starts one child worker
// per command, connected as the role that called run_maintenance (its
// privileges apply). The child runs the command as a top-level statement, as
// the simple query protocol does (each statement of the command in its own
// transaction). A failing child reports its error through shared memory and
// exits; the coordinator logs it and goes on.
//
// Locking: the runner slot is claimed with a compare-and-swap (one run at a
// time in the whole server) and released by the coordinator on exit
// (before_shmem_exit), or by the caller if the worker cannot be started. The
// child's result fields are written by the child before it exits and read by
// the coordinator after WaitForBackgroundWorkerShutdown.
#include <type_traits>

#include "bgworker_def.hpp"
#include "compat.hpp"
#include "shared_modules.hpp"
#include "maintenance/runner.hpp"
#include "shmem_area.hpp"
#include "worker_sql.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/acl.h"
#include "utils/regproc.h"
#include "executor/spi.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/wait_event.h"
#include "storage/ipc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(xray_run_maintenance);
PGDLLEXPORT Datum xray_run_maintenance(PG_FUNCTION_ARGS);
PGDLLEXPORT void xray_maintenance_coordinator_main(Datum arg);
PGDLLEXPORT void xray_maintenance_child_main(Datum arg);
}

namespace xray::pg
{
namespace
{
constexpr int kCommandSize = 4096;
constexpr int kKindsSize = 512;

struct MaintenanceSlot
{
	pg_atomic_uint32 busy;
	int32 coordinator_pid;
	int64 run_id;
	Oid dbid;
	Oid userid;
	bool dry_run;
	int max_actions;
	int64 budget_ms;
	char kinds[kKindsSize]; // comma-separated kinds, validated by the SQL function
	char window_start[32];	// times of day ('' : no window)
	char window_end[32];
	// the child's command and result
	char command[kCommandSize];
	bool child_ok;
	char child_sqlstate[6];
	char child_error[1024];
};

MaintenanceSlot *slot = NULL;

Size
SlotSize()
{
	return MAXALIGN(sizeof(MaintenanceSlot));
}

void
InitSlot(void *mem, LWLock *lock)
{
	pg_atomic_init_u32(&((MaintenanceSlot *) mem)->busy, 0);
}

const ShmemArea kArea = {"pg_xray maintenance", NULL, SlotSize, InitSlot};

BackgroundWorker
WorkerFor(const char *function, const char *name)
{
	return WorkerDef(function, name, BgWorkerStart_RecoveryFinished, BGW_NEVER_RESTART, MyProcPid);
}

void
ReleaseSlot(int code, Datum arg)
{
	if (slot != NULL && slot->coordinator_pid == MyProcPid)
	{
		slot->coordinator_pid = 0;
		pg_atomic_write_u32(&slot->busy, 0);
	}
}

static_assert(std::is_trivially_copyable<MaintenanceSlot>::value, "shared memory holds PODs");

struct Action
{
	char *kind;
	char *action;
	char *object;
	char *command;
	char *reason;
};

// RunTopLevel executes every statement of sql as the simple query protocol
// would: each in its own transaction, at top level (so VACUUM and
// CONCURRENTLY commands are allowed).
void
RunTopLevel(const char *sql)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContext parse_cxt =
		AllocSetContextCreate(TopMemoryContext, "pg_xray maintenance command", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(parse_cxt);
	List *parsetrees = pg_parse_query(sql);
	MemoryContextSwitchTo(old);
	CommitTransactionCommand();
	ListCell *lc;
	foreach (lc, parsetrees)
	{
		RawStmt *raw = lfirst_node(RawStmt, lc);
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		pgstat_report_activity(STATE_RUNNING, sql);
		bool snap = analyze_requires_snapshot(raw);
		if (snap)
			PushActiveSnapshot(GetTransactionSnapshot());
		// the plan outlives the transaction: CONCURRENTLY commands commit and
		// start transactions of their own while they run (exec_simple_query
		// keeps its plans in MessageContext for the same reason)
		MemoryContext txn_cxt = MemoryContextSwitchTo(parse_cxt);
		List *queries = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
		List *plans = pg_plan_queries(queries, sql, CURSOR_OPT_PARALLEL_OK, NULL);
		MemoryContextSwitchTo(txn_cxt);
		if (snap)
			PopActiveSnapshot();
		Portal portal = CreatePortal("", true, true);
		portal->visible = false;
		PortalDefineQuery(portal, NULL, sql, CreateCommandTag(raw->stmt), plans, NULL);
		PortalStart(portal, NULL, 0, InvalidSnapshot);
		int16 format = 0;
		PortalSetResultFormat(portal, 1, &format);
		DestReceiver *dest = CreateDestReceiver(DestNone);
		QueryCompletion qc;
		InitializeQueryCompletion(&qc);
		(void) XRAY_PORTAL_RUN_ALL(portal, dest, &qc);
		dest->rDestroy(dest);
		PortalDrop(portal, false);
		CommitTransactionCommand();
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextDelete(parse_cxt);
}

bool
InWindow(const char *window_start, const char *window_end)
{
	if (window_start == NULL || window_end == NULL)
		return true;
	char *in = WorkerSql(psprintf("SELECT CASE WHEN %s::time <= %s::time "
								  "THEN localtime BETWEEN %s::time AND %s::time "
								  "ELSE localtime >= %s::time OR localtime <= %s::time END",
								  quote_literal_cstr(window_start), quote_literal_cstr(window_end),
								  quote_literal_cstr(window_start), quote_literal_cstr(window_end),
								  quote_literal_cstr(window_start), quote_literal_cstr(window_end)));
	return in != NULL && strcmp(in, "t") == 0;
}
} // namespace

void
MaintenanceRequestShmem()
{
	ShmemAreaReserve(kArea);
}

void
MaintenanceStartup()
{
	slot = (MaintenanceSlot *) ShmemAreaAttach(kArea);
}
} // namespace xray::pg

using xray::pg::slot;

// xray._run_maintenance(run_id bigint, dry_run boolean, budget_ms bigint,
//                       max_actions integer, kinds text, window_start text,
//                       window_end text) -> bigint (the run id)
// Called by the SQL function xray.run_maintenance, which validates the options.
Datum
xray_run_maintenance(PG_FUNCTION_ARGS)
{
	xray::pg::CheckPreloaded();
	// EXECUTE on xray.run_maintenance is the privilege to run maintenance (this
	// internal function is callable by everyone, but does nothing for others)
	Datum fn = DirectFunctionCall1(
		to_regprocedure, CStringGetTextDatum("xray.run_maintenance(boolean,interval,integer,text[],time,time)"));
	if (fn == (Datum) 0 || XRAY_PROC_ACLCHECK(DatumGetObjectId(fn), GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for function run_maintenance"),
				 errhint("A superuser grants it: GRANT EXECUTE ON FUNCTION xray.run_maintenance TO role.")));
	if (RecoveryInProgress())
		ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION), errmsg("maintenance cannot run during recovery")));
	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("maintenance options must not be NULL")));
	char *kinds = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (strlen(kinds) >= sizeof(slot->kinds))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("too many maintenance kinds")));
	uint32 expected = 0;
	if (!pg_atomic_compare_exchange_u32(&slot->busy, &expected, 1))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_IN_USE), errmsg("a maintenance run is already in progress"),
						errdetail("Run %lld, coordinator pid %d.", (long long) slot->run_id, slot->coordinator_pid),
						errhint("See xray.maintenance_runs; one run at a time.")));
	slot->run_id = PG_GETARG_INT64(0);
	slot->dry_run = PG_GETARG_BOOL(1);
	slot->budget_ms = PG_GETARG_INT64(2);
	slot->max_actions = PG_GETARG_INT32(3);
	strlcpy(slot->kinds, kinds, sizeof(slot->kinds));
	strlcpy(slot->window_start, PG_ARGISNULL(5) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(5)),
			sizeof(slot->window_start));
	strlcpy(slot->window_end, PG_ARGISNULL(6) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(6)), sizeof(slot->window_end));
	slot->dbid = MyDatabaseId;
	slot->userid = GetUserId();
	slot->coordinator_pid = 0;
	BackgroundWorker w = xray::pg::WorkerFor("xray_maintenance_coordinator_main", "pg_xray maintenance");
	BackgroundWorkerHandle *handle;
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
	{
		pg_atomic_write_u32(&slot->busy, 0);
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES), errmsg("could not start the maintenance worker"),
						errhint("Raise max_worker_processes.")));
	}
	// wait until it runs (it does not wait for us): if it never ran, free the slot
	pid_t pid;
	BgwHandleStatus st = WaitForBackgroundWorkerStartup(handle, &pid);
	if (st != BGWH_STARTED && slot->coordinator_pid == 0 && pg_atomic_read_u32(&slot->busy) == 1 &&
		slot->run_id == PG_GETARG_INT64(0))
	{
		pg_atomic_write_u32(&slot->busy, 0);
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES), errmsg("the maintenance worker did not start"),
						errhint("See the server log.")));
	}
	PG_RETURN_INT64(slot->run_id);
}

namespace xray::pg
{
namespace
{
void CoordinatorRun(int64 run_id, TimestampTz started);

// MarkRunFailed records a coordinator failure in the run's row, so that no run
// stays 'running' forever.
void
MarkRunFailed(int64 run_id, const char *message)
{
	Datum v[2] = {Int64GetDatum(run_id), CStringGetTextDatum(message)};
	Oid t[2] = {INT8OID, TEXTOID};
	WorkerSql("UPDATE xray.maintenance_runs SET status = 'failed', error = $2, finished_at = clock_timestamp() "
			  "WHERE run_id = $1 AND status = 'running'",
			  2, t, v, NULL);
}
} // namespace
} // namespace xray::pg

void
xray_maintenance_coordinator_main(Datum arg)
{
	using namespace xray::pg;
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	slot->coordinator_pid = MyProcPid;
	before_shmem_exit(ReleaseSlot, (Datum) 0);
	BackgroundWorkerInitializeConnectionByOid(slot->dbid, InvalidOid, 0);
	xray::pg::WorkerPinSearchPath();
	pgstat_report_appname("pg_xray maintenance");
	int64 run_id = slot->run_id;
	TimestampTz started = GetCurrentTimestamp();
	{
		// the run's row, written here (as superuser) so that callers need no table privileges
		Oid rt[9] = {INT8OID, OIDOID, BOOLOID, INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID, INT4OID};
		Datum rv[9] = {Int64GetDatum(run_id),
					   ObjectIdGetDatum(slot->userid),
					   BoolGetDatum(slot->dry_run),
					   Int64GetDatum(slot->budget_ms),
					   Int32GetDatum(slot->max_actions),
					   CStringGetTextDatum(slot->kinds),
					   CStringGetTextDatum(slot->window_start),
					   CStringGetTextDatum(slot->window_end),
					   Int32GetDatum(MyProcPid)};
		char rn[10] = "         ";
		if (slot->window_start[0] == '\0')
			rn[6] = rn[7] = 'n';
		(void) WorkerSql(
			"INSERT INTO xray.maintenance_runs (run_id, requested_by, dry_run, time_budget, max_actions, kinds, "
			"window_start, window_end, status, coordinator_pid) "
			"VALUES ($1, (SELECT rolname FROM pg_roles WHERE oid = $2), $3, $4 * interval '1 ms', $5, "
			"string_to_array($6, ','), $7::time, $8::time, 'running', $9)",
			9, rt, rv, rn);
	}
	// any failure from here on marks the run failed (and is logged), never leaves it running
	MemoryContext cxt = CurrentMemoryContext;
	PG_TRY();
	{
		CoordinatorRun(run_id, started);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ErrorData *e = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		MarkRunFailed(run_id, e->message ? e->message : "error");
		proc_exit(1);
	}
	PG_END_TRY();
	proc_exit(0);
}

namespace xray::pg
{
namespace
{
// LastAttemptFailed: the newest earlier attempt of this exact command by the
// same requesting role (run, not a dry run or a skip) failed. Such an action is
// not repeated automatically (another role, with other privileges, may try it).
char *
LastAttemptFailed(const char *command, int64 run_id)
{
	Datum v[2] = {CStringGetTextDatum(command), Int64GetDatum(run_id)};
	Oid t[2] = {TEXTOID, INT8OID};
	return WorkerSql(
		"SELECT format('failed in run %s (%s); not repeated automatically: run it by hand once the cause is fixed', "
		"last.run_id, coalesce(last.error, 'error')) "
		"FROM (SELECT l.run_id, l.status, l.error FROM xray.maintenance_log l "
		"      JOIN xray.maintenance_runs r ON r.run_id = l.run_id "
		"      WHERE l.command = $1 AND l.run_id < $2 AND l.status IN ('done', 'failed') "
		"        AND r.requested_by = (SELECT requested_by FROM xray.maintenance_runs WHERE run_id = $2) "
		"      ORDER BY l.id DESC LIMIT 1) last WHERE last.status = 'failed'",
		2, t, v, NULL);
}

// ReadActions: the advice, in priority order, of the kinds asked for, read as
// the role that asked for the run (in a security-restricted operation): it
// sees and evaluates only what that role may. Kept in TopMemoryContext.
Action *
ReadActions(int64 run_id, int *n_out)
{
	Datum v[3] = {Int64GetDatum(run_id), CStringGetTextDatum(slot->kinds), Int32GetDatum(slot->max_actions)};
	Oid types[3] = {INT8OID, TEXTOID, INT4OID};
	char nulls[4] = "   ";
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(slot->userid, save_sec | SECURITY_RESTRICTED_OPERATION);
	int rc = SPI_execute_with_args("SELECT kind, action, object, command, reason FROM xray.maintenance_advice "
								   "WHERE kind = ANY (pg_catalog.string_to_array($2, ',')) AND command IS NOT NULL "
								   "ORDER BY priority LIMIT $3",
								   3, types, v, nulls, true, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	int n = rc == SPI_OK_SELECT ? (int) SPI_processed : 0;
	Action *actions = (Action *) MemoryContextAllocZero(TopMemoryContext, sizeof(Action) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		auto get = [&](int col) {
			char *s = SPI_getvalue(tup, desc, col);
			return s ? MemoryContextStrdup(TopMemoryContext, s) : (char *) NULL;
		};
		actions[i] = Action{get(1), get(2), get(3), get(4), get(5)};
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	*n_out = n;
	return actions;
}

// SkipReason: why action a is not run, or NULL; *stop when the reason ends
// the whole run (the time budget, the window) rather than this action.
const char *
SkipReason(const Action &a, int64 run_id, TimestampTz started, const char *window_start, const char *window_end,
		   bool *stop)
{
	*stop = true;
	if (slot->budget_ms > 0 && (GetCurrentTimestamp() - started) / 1000 >= slot->budget_ms)
		return "time budget spent";
	if (!InWindow(window_start, window_end))
		return "outside the maintenance window";
	*stop = false;
	if (strcmp(a.kind, "xmin_horizon") == 0 && strstr(a.command, "pg_drop_replication_slot") != NULL)
		return "dropping a replication slot is never automatic: a standby that is only down would lose it; drop it "
			   "by hand";
	return slot->dry_run ? NULL : LastAttemptFailed(a.command, run_id);
}

// LogAction writes the action's row of xray.maintenance_log; returns its id.
char *
LogAction(int64 run_id, const Action &a, const char *status)
{
	Oid types[7] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	char nulls[8] = "       ";
	Datum v[7] = {Int64GetDatum(run_id),		  CStringGetTextDatum(a.kind),
				  CStringGetTextDatum(a.action),  CStringGetTextDatum(a.object ? a.object : ""),
				  CStringGetTextDatum(a.command), CStringGetTextDatum(a.reason ? a.reason : ""),
				  CStringGetTextDatum(status)};
	return WorkerSql("INSERT INTO xray.maintenance_log (run_id, kind, action, object, command, reason, status, "
					 "started_at, before) VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), "
					 "xray.maintenance_measure($2, $4)) RETURNING id",
					 7, types, v, nulls);
}

void
LogSkipped(const char *log_id, const char *reason)
{
	Datum v[2] = {CStringGetTextDatum(log_id), CStringGetTextDatum(reason)};
	Oid types[2] = {TEXTOID, TEXTOID};
	char nulls[3] = "  ";
	WorkerSql("UPDATE xray.maintenance_log SET error = $2, finished_at = clock_timestamp() WHERE id = $1::bigint", 2,
			  types, v, nulls);
}

// RunCommand runs the command in a child worker as the calling role; true
// when it succeeded (slot->child_error and child_sqlstate say why not).
bool
RunCommand(const Action &a)
{
	strlcpy(slot->command, a.command, sizeof(slot->command));
	slot->child_ok = false;
	slot->child_error[0] = '\0';
	strlcpy(slot->child_sqlstate, "XX000", sizeof(slot->child_sqlstate));
	BackgroundWorker w = WorkerFor("xray_maintenance_child_main", "pg_xray maintenance command");
	BackgroundWorkerHandle *handle;
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
	{
		strlcpy(slot->child_error, "could not start a worker for the command (max_worker_processes)",
				sizeof(slot->child_error));
		return false;
	}
	pid_t pid;
	if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_STARTED)
		(void) WaitForBackgroundWorkerShutdown(handle);
	else
		strlcpy(slot->child_error, "the command's worker did not start", sizeof(slot->child_error));
	return slot->child_ok;
}

void
LogFinished(const char *log_id, bool ok)
{
	Datum v[4] = {CStringGetTextDatum(log_id), CStringGetTextDatum(ok ? "done" : "failed"),
				  CStringGetTextDatum(slot->child_error), CStringGetTextDatum(slot->child_sqlstate)};
	Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	char nulls[5] = "    ";
	if (ok)
		nulls[2] = nulls[3] = 'n';
	WorkerSql(
		"UPDATE xray.maintenance_log SET status = $2, error = $3, sqlstate = $4, finished_at = clock_timestamp(), "
		"after = xray.maintenance_measure(kind, object) WHERE id = $1::bigint",
		4, types, v, nulls);
}

void
FinishRun(int64 run_id, int done, int failed, int skipped)
{
	Datum v[4] = {Int64GetDatum(run_id), Int32GetDatum(done), Int32GetDatum(failed), Int32GetDatum(skipped)};
	Oid types[4] = {INT8OID, INT4OID, INT4OID, INT4OID};
	char nulls[5] = "    ";
	WorkerSql("UPDATE xray.maintenance_runs SET status = 'finished', finished_at = clock_timestamp(), "
			  "actions_done = $2, actions_failed = $3, actions_skipped = $4, "
			  "actions_planned = (SELECT count(*) FROM xray.maintenance_log l WHERE l.run_id = $1) WHERE run_id = $1",
			  4, types, v, nulls);
}

void
CoordinatorRun(int64 run_id, TimestampTz started)
{
	int n;
	Action *actions = ReadActions(run_id, &n);
	char *window_start = slot->window_start[0] ? pstrdup(slot->window_start) : NULL;
	char *window_end = slot->window_end[0] ? pstrdup(slot->window_end) : NULL;
	int done = 0, failed = 0, skipped = 0;
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		const Action &a = actions[i];
		bool stop;
		const char *skip = SkipReason(a, run_id, started, window_start, window_end, &stop);
		char *log_id = LogAction(run_id, a, skip ? "skipped" : slot->dry_run ? "dry run" : "running");
		if (skip)
		{
			LogSkipped(log_id, skip);
			if (stop)
			{
				skipped += n - i;
				break;
			}
			skipped++;
			continue;
		}
		if (slot->dry_run)
			continue;
		bool ok = RunCommand(a);
		ok ? done++ : failed++;
		LogFinished(log_id, ok);
	}
	FinishRun(run_id, done, failed, skipped);
}
} // namespace
} // namespace xray::pg

void
xray_maintenance_child_main(Datum arg)
{
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(slot->dbid, slot->userid, 0);
	xray::pg::WorkerPinSearchPath();
	pgstat_report_appname("pg_xray maintenance");
	char *command = pstrdup(slot->command);
	MemoryContext cxt = CurrentMemoryContext;
	PG_TRY();
	{
		xray::pg::RunTopLevel(command);
		slot->child_ok = true;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ErrorData *e = CopyErrorData();
		strlcpy(slot->child_error, e->message ? e->message : "error", sizeof(slot->child_error));
		strlcpy(slot->child_sqlstate, unpack_sql_state(e->sqlerrcode), sizeof(slot->child_sqlstate));
		slot->child_ok = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	proc_exit(0);
}
