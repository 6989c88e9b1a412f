// module.cpp - pg_xray's entry point: module magic, GUCs, hook installation.
//
// pg_xray must be loaded through shared_preload_libraries: only then does it
// reserve shared memory and install its hooks. Loaded any other way (LOAD,
// CREATE EXTENSION in a server without it preloaded) it installs nothing, and
// its SQL functions raise an ERROR with a hint (see StoreCheckReady).
#include "compat.hpp"
#include "shared_modules.hpp"
#include "guc.hpp"
#include "locks/lock_history.hpp"
#include "evidence/samples.hpp"
#include "evidence/repeat_signals.hpp"
#include "evidence/scan_signals.hpp"
#include "recorder/store.hpp"

extern "C" {
XRAY_MODULE_MAGIC();
PGDLLEXPORT void _PG_init(void);
}

namespace xray::pg
{
void InstallHooks();	  // hooks.cpp
void ExplainOptionInit(); // sql_explain.cpp

bool guc_enabled = true;
int guc_track = kTrackTop;
bool guc_track_utility = true;
bool guc_save = true;
int guc_max_statements = 5000;
int guc_max_plans = 5000;
int guc_query_text_size = 2048;
int guc_plan_text_size = 2048;
int guc_flush_interval_ms = 1000;
int guc_index_advice_statements = 500;
int guc_index_advice_budget_kb = 1048576;
int guc_index_advice_min_rows = 10000;
int guc_index_advice_max_plans = 20000;
bool guc_store_sample_values = true;
double guc_advice_sample_rate = 0.01;
int guc_lock_sample_interval_ms = 100;
int guc_lock_history_size = 10000;
int guc_long_transaction_threshold_ms = 60000;
int guc_connection_observation_min = 60;
int guc_history_retention_min = 7 * 24 * 60;
int guc_snapshot_interval_s = 0;
char *guc_monitoring_database = NULL;

namespace
{
const struct config_enum_entry kTrackOptions[] = {
	{"none", kTrackNone, false},
	{"top", kTrackTop, false},
	{"all", kTrackAll, false},
	{NULL, 0, false},
};
} // namespace

// the recorder: what is recorded, how much is kept, when it is merged
void
DefineRecorderGucs()
{
	DefineCustomBoolVariable("xray.enabled", "Records statements, plans and their timings.", NULL, &guc_enabled, true,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("xray.track", "Which statements pg_xray records.",
							 "top: statements issued by clients; all: also statements run inside "
							 "functions; none: nothing.",
							 &guc_track, kTrackTop, kTrackOptions, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("xray.track_utility", "Records utility commands (DDL, VACUUM, COPY...).", NULL,
							 &guc_track_utility, true, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("xray.save", "Saves the statistics across server shutdowns.", NULL, &guc_save, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.max_statements", "Maximum number of statements kept.",
							"Least used statements are evicted when the table is full.", &guc_max_statements, 5000, 100,
							1000000, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.max_plans", "Maximum number of plans kept.", NULL, &guc_max_plans, 5000, 100, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.query_text_size", "Bytes kept of each statement's text.",
							"Longer texts are cut. See the memory formula in docs/reference.md.", &guc_query_text_size,
							2048, 64, 1048576, PGC_POSTMASTER, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.plan_text_size", "Bytes kept of each plan's text.",
							"Longer texts are cut. See the memory formula in docs/reference.md.", &guc_plan_text_size,
							2048, 64, 1048576, PGC_POSTMASTER, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.flush_interval",
							"Longest time a backend keeps counts in its own slot before merging them.",
							"Readers always see pending counts; this bounds how long they stay there.",
							&guc_flush_interval_ms, 1000, 10, 3600000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

// the advisors: which statements, what budget, what evidence
void
DefineAdviceGucs()
{
	DefineCustomIntVariable("xray.index_advice_statements",
							"How many of the costliest recorded statements xray.index_advice considers.", NULL,
							&guc_index_advice_statements, 500, 1, 100000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.index_advice_budget", "Storage budget for the indexes xray.index_advice suggests.",
							NULL, &guc_index_advice_budget_kb, 1048576, 0, INT_MAX, PGC_USERSET, GUC_UNIT_KB, NULL,
							NULL, NULL);
	DefineCustomIntVariable("xray.index_advice_min_rows", "Tables with fewer rows get no index suggestion.", NULL,
							&guc_index_advice_min_rows, 10000, 0, INT_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.index_advice_max_plans", "Most what-if plannings one run of xray.index_advice makes.",
							"Each is cached; past the cap no new combination of indexes is tried (the run says so at "
							"DEBUG1).",
							&guc_index_advice_max_plans, 20000, 100, 10000000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("xray.store_sample_values",
							 "Keeps one run of each statement with its constants, for the advisors.",
							 "Turn off when constants in statements must not be kept in memory.",
							 &guc_store_sample_values, true, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("xray.advice_sample_rate",
							 "Fraction of executions whose table scans are measured for the advisors.",
							 "Sampled executions count rows per plan node (no timers); counting in "
							 "xray.statements stays exact whatever this is.",
							 &guc_advice_sample_rate, 0.01, 0.0, 1.0, PGC_SUSET, 0, NULL, NULL, NULL);
}

// the lock sampler and the diagnostics it feeds
void
DefineLockGucs()
{
	DefineCustomIntVariable("xray.lock_sample_interval",
							"How often the lock sampler records lock waits and wait events; 0 turns it off.",
							"Each tick reads backend status; the lock manager is asked only when a process "
							"waits for a lock.",
							&guc_lock_sample_interval_ms, 100, 0, 3600000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.lock_history_size", "Lock wait samples (edges) kept in the ring buffer.",
							"xray.lock_samples shows them; older ones are overwritten.", &guc_lock_history_size, 10000,
							100, 10000000, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"xray.long_transaction_threshold", "Transactions open longer than this are listed by xray.long_transactions.",
		NULL, &guc_long_transaction_threshold_ms, 60000, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("xray.connection_observation",
							"How long the connection samples must cover before xray.settings_advice sizes "
							"max_connections.",
							"Peaks seen over a short time say little about the busiest hour.",
							&guc_connection_observation_min, 60, 1, 24 * 60, PGC_USERSET, GUC_UNIT_MIN, NULL, NULL,
							NULL);
}

// history snapshots and alerts
void
DefineMonitoringGucs()
{
	DefineCustomIntVariable("xray.history_retention", "How long xray.snapshot() keeps history snapshots.",
							"Older snapshots are deleted by the next xray.snapshot().", &guc_history_retention_min,
							7 * 24 * 60, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"xray.snapshot_interval",
		"How often pg_xray itself takes a history snapshot and checks alerts; 0 leaves it to pg_cron.",
		"A short-lived worker runs xray.snapshot() and xray.check_alerts() in xray.monitoring_database.",
		&guc_snapshot_interval_s, 0, 0, 7 * 24 * 3600, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("xray.monitoring_database", "Database where xray.snapshot_interval takes snapshots.",
							   NULL, &guc_monitoring_database, "postgres", PGC_SIGHUP, 0, NULL, NULL, NULL);
}

void
DefineGucs()
{
	DefineRecorderGucs();
	DefineAdviceGucs();
	DefineLockGucs();
	DefineMonitoringGucs();
	MarkGUCPrefixReserved("xray");
}
} // namespace xray::pg

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	xray::pg::DefineGucs();
	// the recorder keys statements by query id: have the core compute it
	EnableQueryId();
	xray::pg::SharedModulesInstall();
	xray::pg::LockHistoryRegisterWorker();
	xray::pg::InstallHooks();
	xray::pg::RepeatSignalsInit();
	xray::pg::ExplainOptionInit(); // 18: EXPLAIN (XRAY)
}
