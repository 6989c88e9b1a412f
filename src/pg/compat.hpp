// compat.hpp - everything that differs between PostgreSQL major versions.
//
// pg_xray is tested on PostgreSQL 15 (every suite) and 17 (pg_regress and
// isolation); it builds on 18. Version-specific hook signatures and APIs are
// named here once (issue #12 brings the rest of the suites to 17 and 18).
#pragma once
#include "pg_includes.hpp"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "pg_xray builds on PostgreSQL 15 to 18; port the definitions in src/pg/compat.hpp first"
#endif
#if PG_VERSION_NUM >= 160000
extern "C" {
#include "catalog/pg_proc_d.h"
}
#endif

// ProcessUtility hook arguments (PG 14-15 shape).
#define XRAY_PROCESS_UTILITY_ARGS                                                                                      \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, ProcessUtilityContext context,                     \
		ParamListInfo params, QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define XRAY_PROCESS_UTILITY_PASS pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc

// ExecutorRun hook arguments (PG 18 dropped execute_once).
#if PG_VERSION_NUM >= 180000
#define XRAY_EXECUTOR_RUN_ARGS QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define XRAY_EXECUTOR_RUN_PASS queryDesc, direction, count
#else
#define XRAY_EXECUTOR_RUN_ARGS QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define XRAY_EXECUTOR_RUN_PASS queryDesc, direction, count, execute_once
#endif

// PortalRun of a whole portal (PG 18 dropped run_once).
#if PG_VERSION_NUM >= 180000
#define XRAY_PORTAL_RUN_ALL(portal, dest, qc) PortalRun((portal), FETCH_ALL, true, (dest), (dest), (qc))
#else
#define XRAY_PORTAL_RUN_ALL(portal, dest, qc) PortalRun((portal), FETCH_ALL, true, true, (dest), (dest), (qc))
#endif

// XrayOrderingOp: an ordering operator's btree family, input type and whether
// it sorts descending (PG 18 reports a CompareType instead of a strategy).
static inline bool
XrayOrderingOp(Oid op, Oid *opfamily, Oid *opcintype, bool *desc)
{
#if PG_VERSION_NUM >= 180000
	CompareType cmp;
	if (!get_ordering_op_properties(op, opfamily, opcintype, &cmp))
		return false;
	*desc = cmp == COMPARE_GT;
#else
	int16 strategy;
	if (!get_ordering_op_properties(op, opfamily, opcintype, &strategy))
		return false;
	*desc = strategy == BTGreaterStrategyNumber;
#endif
	return true;
}

// How an operator compares in the btree families it belongs to (PG 18:
// get_op_index_interpretation with CompareType).
#if PG_VERSION_NUM >= 180000
typedef OpIndexInterpretation XrayOpInterpretation;
#define XRAY_OP_INTERPRETATIONS(op) get_op_index_interpretation(op)
#define XRAY_INTERP_IS_EQ(o) ((o)->cmptype == COMPARE_EQ)
#define XRAY_INTERP_IS_NE(o) ((o)->cmptype == COMPARE_NE)
#else
typedef OpBtreeInterpretation XrayOpInterpretation;
#define XRAY_OP_INTERPRETATIONS(op) get_op_btree_interpretation(op)
#define XRAY_INTERP_IS_EQ(o) ((o)->strategy == BTEqualStrategyNumber)
#define XRAY_INTERP_IS_NE(o) ((o)->strategy == ROWCOMPARE_NE)
#endif

// Index of this process's PGPROC, used to find its pending slot, and this
// backend's local transaction id (PG 17: MyProcNumber, MyProc->vxid).
#if PG_VERSION_NUM >= 170000
#define XRAY_MY_PROC_NUMBER() (MyProc != NULL ? (int) MyProcNumber : -1)
#define XRAY_MY_LXID() (MyProc != NULL ? (uint32) MyProc->vxid.lxid : 0)
#else
#define XRAY_MY_PROC_NUMBER() (MyProc != NULL ? MyProc->pgprocno : -1)
#define XRAY_MY_LXID() (MyProc != NULL ? (uint32) MyProc->lxid : 0)
#endif

// A lock holder's backend and local transaction id in LockInstanceData
// (PG 17: ProcNumber and the vxid pair).
#if PG_VERSION_NUM >= 170000
typedef ProcNumber XrayBackendId;
#define XRAY_LOCK_INSTANCE_BACKEND(inst) ((inst)->vxid.procNumber)
#define XRAY_LOCK_INSTANCE_LXID(inst) ((inst)->vxid.localTransactionId)
#else
typedef BackendId XrayBackendId;
#define XRAY_LOCK_INSTANCE_BACKEND(inst) ((inst)->backend)
#define XRAY_LOCK_INSTANCE_LXID(inst) ((inst)->lxid)
#endif

// Shared-buffer I/O times in BufferUsage (PG 17 split shared and local).
#if PG_VERSION_NUM >= 170000
#define XRAY_BUF_READ_TIME(b) ((b)->shared_blk_read_time)
#define XRAY_BUF_WRITE_TIME(b) ((b)->shared_blk_write_time)
#else
#define XRAY_BUF_READ_TIME(b) ((b)->blk_read_time)
#define XRAY_BUF_WRITE_TIME(b) ((b)->blk_write_time)
#endif

// EXECUTE privilege on a function (PG 16: object_aclcheck).
#if PG_VERSION_NUM >= 160000
#define XRAY_PROC_ACLCHECK(oid, role, mode) object_aclcheck(ProcedureRelationId, (oid), (role), (mode))
#else
#define XRAY_PROC_ACLCHECK(oid, role, mode) pg_proc_aclcheck((oid), (role), (mode))
#endif

// An index AM's cost estimator in a (hypothetical) IndexOptInfo (typed in PG 17).
#if PG_VERSION_NUM >= 170000
#define XRAY_SET_AMCOSTESTIMATE(info, am) ((info)->amcostestimate = (am)->amcostestimate)
#else
#define XRAY_SET_AMCOSTESTIMATE(info, am) ((info)->amcostestimate = reinterpret_cast<void (*)()>((am)->amcostestimate))
#endif

// Number of PGPROCs that can run statements (normal backends, background workers,
// auxiliary processes); prepared-transaction dummies come after them.
#define XRAY_PROC_SLOTS() (MaxBackends + NUM_AUXILIARY_PROCS)

// Materialized set-returning functions.
#define XRAY_INIT_MATERIALIZED_SRF(fcinfo) InitMaterializedSRF((fcinfo), 0)

// Backend status of the i-th (1-based) backend in this process's snapshot of
// pg_stat_activity data; the snapshot is refreshed by
// XRAY_BACKEND_STATUS_REFRESH() (PG 16 renamed the accessors around it).
#define XRAY_BACKEND_STATUS_COUNT() pgstat_fetch_stat_numbackends()
#if PG_VERSION_NUM >= 160000
#define XRAY_BACKEND_STATUS(i) pgstat_get_local_beentry_by_index(i)
#else
#define XRAY_BACKEND_STATUS(i) pgstat_fetch_stat_local_beentry(i)
#endif
#define XRAY_BACKEND_STATUS_REFRESH() pgstat_clear_backend_activity_snapshot()

// The PGPROC array scanned for sessions waiting on a lock.
#define XRAY_ALL_PROCS() (ProcGlobal->allProcs)
#define XRAY_ALL_PROC_COUNT() (ProcGlobal->allProcCount)

// Permission check of a planned statement's flattened range table (subqueries,
// CTEs and sublinks included); PG 16 moved the permissions into permInfos.
#if PG_VERSION_NUM >= 160000
#define XRAY_CHECK_PLAN_PERMS(plan) ExecCheckPermissions((plan)->rtable, (plan)->permInfos, true)
#define XRAY_CHECK_QUERY_PERMS(query) ExecCheckPermissions((query)->rtable, (query)->rteperminfos, true)
#else
#define XRAY_CHECK_PLAN_PERMS(plan) ExecCheckRTPerms((plan)->rtable, true)
#define XRAY_CHECK_QUERY_PERMS(query) ExecCheckRTPerms((query)->rtable, true)
#endif

// 18: the jumble records a constant list as one squashed location, and the
// places of external parameters (numbered anew only when a list was squashed)
#if PG_VERSION_NUM >= 180000
#define XRAY_LOC_SQUASHED(l) ((l).squashed)
#define XRAY_LOC_EXTERN_PARAM(l) ((l).extern_param)
#define XRAY_JUMBLE_HAS_SQUASHED(js) ((js)->has_squashed_lists)
#else
#define XRAY_LOC_SQUASHED(l) false
#define XRAY_LOC_EXTERN_PARAM(l) false
#define XRAY_JUMBLE_HAS_SQUASHED(js) false
#endif

// 17: local block I/O timed apart from shared, JIT tuple deforming timed;
// 18: WAL buffers full, parallel workers planned and launched per execution
#if PG_VERSION_NUM >= 170000
#define XRAY_BUF_LOCAL_READ_MS(b) INSTR_TIME_GET_MILLISEC((b)->local_blk_read_time)
#define XRAY_BUF_LOCAL_WRITE_MS(b) INSTR_TIME_GET_MILLISEC((b)->local_blk_write_time)
#define XRAY_JIT_DEFORM_MS(ji) INSTR_TIME_GET_MILLISEC((ji)->deform_counter)
#define XRAY_HAS_PG17_COUNTERS true // local_blk_*_time, jit_deform_*
#else
#define XRAY_BUF_LOCAL_READ_MS(b) 0.0
#define XRAY_BUF_LOCAL_WRITE_MS(b) 0.0
#define XRAY_JIT_DEFORM_MS(ji) 0.0
#define XRAY_HAS_PG17_COUNTERS false
#endif
#if PG_VERSION_NUM >= 180000
#define XRAY_WAL_BUFFERS_FULL(w) ((int64) (w)->wal_buffers_full)
#define XRAY_PARALLEL_WORKERS_TO_LAUNCH(estate) ((estate)->es_parallel_workers_to_launch)
#define XRAY_PARALLEL_WORKERS_LAUNCHED(estate) ((estate)->es_parallel_workers_launched)
#define XRAY_HAS_PG18_COUNTERS true // wal_buffers_full, parallel_workers_*
#else
#define XRAY_WAL_BUFFERS_FULL(w) ((int64) 0)
#define XRAY_PARALLEL_WORKERS_TO_LAUNCH(estate) 0
#define XRAY_PARALLEL_WORKERS_LAUNCHED(estate) 0
#define XRAY_HAS_PG18_COUNTERS false
#endif

// 18: the module's magic block names it and its version (pg_get_loaded_modules())
#if PG_VERSION_NUM >= 180000
#define XRAY_MODULE_MAGIC() PG_MODULE_MAGIC_EXT(.name = "pg_xray", .version = XRAY_VERSION)
#else
#define XRAY_MODULE_MAGIC() PG_MODULE_MAGIC
#endif

// 18: PlannedStmt carries a plan identifier for extensions to fill (ours, unless
// another extension filled it first); and EXPLAIN takes extension options
#if PG_VERSION_NUM >= 180000
#define XRAY_SET_PLAN_ID(pstmt, id) ((pstmt)->planId == 0 ? (void) ((pstmt)->planId = (int64) (id)) : (void) 0)
#define XRAY_HAS_EXPLAIN_OPTIONS 1
#else
#define XRAY_SET_PLAN_ID(pstmt, id) ((void) 0)
#define XRAY_HAS_EXPLAIN_OPTIONS 0
#endif

// 17: extensions name their own wait events (pg_stat_activity, pg_wait_events);
// before, every extension wait is "Extension"
#if PG_VERSION_NUM >= 170000
#define XRAY_WAIT_EVENT(name) WaitEventExtensionNew(name)
#else
#define XRAY_WAIT_EVENT(name) ((void) (name), (uint32) PG_WAIT_EXTENSION)
#endif
