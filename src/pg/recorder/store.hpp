// store.hpp - the shared-memory statement store: interface for hooks and views.
//
// See store.cpp for the layout and the locking protocol.
#pragma once
#include "counters.hpp"
#include "histogram.hpp"

#include "pg_includes.hpp"

namespace xray::pg
{
using core::kHistBuckets;
using core::StmtCounters;
using core::TimingStats;

struct StmtKey
{
	Oid userid;
	Oid dbid;
	uint64 queryid;
	bool toplevel;
};

struct PlanKey
{
	Oid dbid;
	uint64 queryid;
	uint64 planid;
};

enum EventKind
{
	kEventExec,
	kEventPlan,
	kEventError,
};

// RecordEvent is one thing a hook saw: an execution, a planning or a failure.
struct RecordEvent
{
	EventKind kind;
	StmtKey key;
	uint64 planid;
	double ms;
	int64 rows;
	const BufferUsage *bufusage;		  // may be NULL
	const WalUsage *walusage;			  // may be NULL
	const struct JitInstrumentation *jit; // may be NULL (no JIT for this execution)
	int parallel_workers_to_launch;		  // 18+: planned and launched parallel workers
	int parallel_workers_launched;
	const char *source_text; // for the query text, may be NULL
	int stmt_location;
	int stmt_len;
	PlannedStmt *plan; // for the plan text, may be NULL
	bool in_error;	   // inside PG_CATCH: no catalog access, no allocation
};

// Rows returned to the views (palloc'd, merged from the shared tables and
// every backend's pending slot).
struct StmtRow
{
	StmtKey key;
	StmtCounters c;
	uint64 hist[kHistBuckets];
	TimestampTz first_seen;
	TimestampTz last_seen;
	int32 distinct_plans;
	char *text; // NULL when not stored
};

struct PlanRow
{
	PlanKey key;
	TimingStats exec;
	uint64 hist[kHistBuckets];
	TimestampTz first_seen;
	TimestampTz last_seen;
	char *text;
};

struct StoreInfo
{
	int64 statements;
	int64 max_statements;
	int64 plans;
	int64 max_plans;
	int64 pending;
	int64 statement_evictions;
	int64 plan_evictions;
	int64 dropped;
	int64 flushes;
	int64 shared_memory_bytes;
	double hook_time_ms;
	TimestampTz stats_reset;
};

// the store's part of the shared-memory table (shared_modules.cpp)
void StoreReserve();
void StoreAttach();
bool StoreReady(); // attached (the hooks' cheap test)

void StoreRecord(const RecordEvent &ev);
// StoreRecordPlan keeps a successful planning (kEventPlan) back until the next
// record: the execution of the same statement and plan that usually follows
// takes it into its own update, so a planned statement costs one record.
// Anything else (another statement, a flush) records it on its own first,
// without texts (its pointers may be gone by then: the execution carries them).
void StoreRecordPlan(const StmtKey &key, uint64 planid, double ms);
void StoreAddHookTime(double ms);
void StoreFlushOwn(); // also registered as the exit callback

StmtRow *StoreSnapshotStatements(int *nrows);
PlanRow *StoreSnapshotPlans(int *nrows);
void StoreGetInfo(StoreInfo *info);
void StoreReset();
int64 StoreResetQuery(uint64 queryid);

// persistence (store_persist.cpp)
void StoreLoadFile();
void StoreDumpFile(int code, Datum arg);

// StoreStmtTextKnown: this backend has seen the shared entry for key with its
// text stored (so no text needs to be prepared for it).
bool StoreStmtTextKnown(const StmtKey &key);
} // namespace xray::pg
