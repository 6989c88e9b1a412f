// compat.hpp - everything that differs between PostgreSQL major versions.
//
// pg_xray targets PostgreSQL 15. Version-specific hook signatures and APIs are
// named here once so that 16-18 can follow by editing this file only.
#pragma once
#include "pg_includes.hpp"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "pg_xray is written for PostgreSQL 15; port the definitions in src/pg/compat.hpp first"
#endif

// ProcessUtility hook arguments (PG 14-15 shape).
#define XRAY_PROCESS_UTILITY_ARGS                                                               \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,                             \
		ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,         \
		DestReceiver *dest, QueryCompletion *qc
#define XRAY_PROCESS_UTILITY_PASS pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc

// ExecutorRun hook arguments.
#define XRAY_EXECUTOR_RUN_ARGS                                                                  \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define XRAY_EXECUTOR_RUN_PASS queryDesc, direction, count, execute_once

// Index of this process's PGPROC, used to find its pending slot.
#define XRAY_MY_PROC_NUMBER() (MyProc != NULL ? MyProc->pgprocno : -1)

// This backend's local transaction id (PG 17 moved it into MyProc->vxid).
#define XRAY_MY_LXID() (MyProc != NULL ? (uint32) MyProc->lxid : 0)

// Number of PGPROCs that can run statements (normal backends, background workers,
// auxiliary processes); prepared-transaction dummies come after them.
#define XRAY_PROC_SLOTS() (MaxBackends + NUM_AUXILIARY_PROCS)

// Materialized set-returning functions.
#define XRAY_INIT_MATERIALIZED_SRF(fcinfo) InitMaterializedSRF((fcinfo), 0)

// Backend status of the i-th (1-based) backend in this process's snapshot of
// pg_stat_activity data; the snapshot is refreshed by
// XRAY_BACKEND_STATUS_REFRESH() (PG 16 renamed the accessors around it).
#define XRAY_BACKEND_STATUS_COUNT() pgstat_fetch_stat_numbackends()
#define XRAY_BACKEND_STATUS(i) pgstat_fetch_stat_local_beentry(i)
#define XRAY_BACKEND_STATUS_REFRESH() pgstat_clear_backend_activity_snapshot()

// The PGPROC array scanned for sessions waiting on a lock.
#define XRAY_ALL_PROCS() (ProcGlobal->allProcs)
#define XRAY_ALL_PROC_COUNT() (ProcGlobal->allProcCount)

// Permission check of a planned statement's flattened range table (subqueries,
// CTEs and sublinks included); PG 16 moved the permissions into permInfos.
#define XRAY_CHECK_PLAN_PERMS(plan) ExecCheckRTPerms((plan)->rtable, true)
#define XRAY_CHECK_QUERY_PERMS(query) ExecCheckRTPerms((query)->rtable, true)
