// hooks.cpp - planner, executor and utility hooks: gather, call the store, chain.
//
// Every hook first checks xray.enabled / xray.track and the nesting level and
// otherwise just calls the previous hook (or the standard function), so a
// disabled recorder costs a few instructions. Timings and buffer/WAL usage come
// from an Instrumentation on queryDesc->totaltime, as EXPLAIN and
// pg_stat_statements do. Statements whose planning or execution fails or is
// cancelled are recorded in PG_CATCH blocks (errors and their time) and the
// error is re-thrown unchanged (parse errors have no query id to record).
// Parallel workers are not recorded: their buffer usage is added to the
// leader's and their executions are part of the leader's statement.
//
// Locking: none here. The store records into the backend's own pending slot.
#include "compat.hpp"
#include "guc.hpp"
#include "recorder/plan_walk.hpp"
#include "recorder/query_normalize.hpp"
#include "evidence/repeat_signals.hpp"
#include "evidence/scan_signals.hpp"
#include "evidence/samples.hpp"
#include "recorder/store.hpp"

namespace xray::pg
{
namespace
{
planner_hook_type prev_planner = NULL;
post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
ExecutorStart_hook_type prev_ExecutorStart = NULL;
ExecutorRun_hook_type prev_ExecutorRun = NULL;
ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
ProcessUtility_hook_type prev_ProcessUtility = NULL;

int nesting_level = 0;
uint32 hook_sample_counter = 0;
constexpr uint32 kHookSampleEvery = 16;

inline bool
Enabled(int level)
{
	return guc_enabled && !IsParallelWorker() && (guc_track == kTrackAll || (guc_track == kTrackTop && level == 0));
}

inline StmtKey
KeyFor(uint64 queryid, int level)
{
	return StmtKey{GetUserId(), MyDatabaseId, queryid, level == 0};
}

// OwnTimeStart/End sample the recorder's own time on one call in
// kHookSampleEvery and scale it, so measuring the overhead costs little.
inline bool
OwnTimeStart(instr_time *t)
{
	if (++hook_sample_counter % kHookSampleEvery != 0)
		return false;
	INSTR_TIME_SET_CURRENT(*t);
	return true;
}

inline void
OwnTimeEnd(bool sampled, instr_time *t)
{
	if (!sampled)
		return;
	instr_time now;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, *t);
	StoreAddHookTime(INSTR_TIME_GET_MILLISEC(now) * kHookSampleEvery);
}

// Elapsed time of a statement whose executor raised an error.
double
ElapsedAtError(QueryDesc *qd)
{
	Instrumentation *ins = qd->totaltime;
	if (ins == NULL)
		return 0.0;
	double ms = INSTR_TIME_GET_MILLISEC(ins->counter) + ins->total * 1000.0;
	if (!INSTR_TIME_IS_ZERO(ins->starttime))
	{
		instr_time now;
		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, ins->starttime);
		ms += INSTR_TIME_GET_MILLISEC(now);
	}
	return ms;
}

void
RecordExecutorError(QueryDesc *qd, int level)
{
	uint64 queryid = qd->plannedstmt ? qd->plannedstmt->queryId : 0;
	if (queryid == 0 || !Enabled(level))
		return;
	RecordEvent ev{};
	ev.kind = kEventError;
	ev.key = KeyFor(queryid, level);
	ev.planid = 0; // the plan of a failed execution is not attributed
	ev.ms = ElapsedAtError(qd);
	ev.source_text = qd->sourceText;
	ev.stmt_location = qd->plannedstmt->stmt_location;
	ev.stmt_len = qd->plannedstmt->stmt_len;
	ev.in_error = true;
	StoreRecord(ev);
}

void
XrayPostParseAnalyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	if (!Enabled(nesting_level) || query->queryId == 0 || jstate == NULL || jstate->clocations_count <= 0 ||
		!StoreReady())
		return;
	if (!StoreStmtTextKnown(KeyFor(query->queryId, nesting_level)))
		NormalizedTextStash(pstate->p_sourcetext, query, jstate);
	else if (SampleWanted(MyDatabaseId, query->queryId))
		ConstantsSample(pstate->p_sourcetext, query, jstate); // a known text: its constants, now and then
}

PlannedStmt *
XrayPlanner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	if (!Enabled(nesting_level) || parse->queryId == 0 || query_string == NULL || !StoreReady())
	{
		if (prev_planner)
			return prev_planner(parse, query_string, cursorOptions, boundParams);
		return standard_planner(parse, query_string, cursorOptions, boundParams);
	}
	int level = nesting_level;
	instr_time start, duration;
	INSTR_TIME_SET_CURRENT(start);
	PlannedStmt *result;
	nesting_level++;
	PG_TRY();
	{
		if (prev_planner)
			result = prev_planner(parse, query_string, cursorOptions, boundParams);
		else
			result = standard_planner(parse, query_string, cursorOptions, boundParams);
	}
	PG_CATCH();
	{
		// a statement whose planning fails (or is cancelled) counts as an error
		nesting_level--;
		INSTR_TIME_SET_CURRENT(duration);
		INSTR_TIME_SUBTRACT(duration, start);
		RecordEvent ev{};
		ev.kind = kEventError;
		ev.key = KeyFor(parse->queryId, level);
		ev.ms = INSTR_TIME_GET_MILLISEC(duration);
		ev.source_text = query_string;
		ev.stmt_location = parse->stmt_location;
		ev.stmt_len = parse->stmt_len;
		ev.in_error = true;
		StoreRecord(ev);
		PG_RE_THROW();
	}
	PG_END_TRY();
	nesting_level--;
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);

	instr_time own;
	bool sampled = OwnTimeStart(&own);
	uint64 planid = PlanIdForPlanning(result, boundParams != NULL);
	XRAY_SET_PLAN_ID(result, planid); // 18: for other extensions and EXPLAIN
	// usually taken into the execution's record, which carries the texts
	StoreRecordPlan(KeyFor(parse->queryId, level), planid, INSTR_TIME_GET_MILLISEC(duration));
	OwnTimeEnd(sampled, &own);
	return result;
}

void
XrayExecutorStart(QueryDesc *queryDesc, int eflags)
{
	int level = nesting_level;
	bool tracked = Enabled(level) && queryDesc->plannedstmt->queryId != 0 && StoreReady();
	// a sample of top-level executions measures its scans for the advisors
	if (tracked && level == 0)
		ScanSignalsBefore(queryDesc, eflags);
	PG_TRY();
	{
		if (prev_ExecutorStart)
			prev_ExecutorStart(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
	}
	PG_CATCH();
	{
		RecordExecutorError(queryDesc, level);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (tracked && queryDesc->totaltime == NULL)
	{
		// allocate in the query's context so it goes away with it
		MemoryContext old = MemoryContextSwitchTo(queryDesc->estate->es_query_cxt);
		queryDesc->totaltime = InstrAlloc(1, INSTRUMENT_ALL, false);
		MemoryContextSwitchTo(old);
	}
}

// RunNested runs one executor phase one nesting level deeper and records a
// failure of the statement at this level before re-throwing it.
template <typename Fn>
void
RunNested(QueryDesc *queryDesc, Fn run)
{
	int level = nesting_level;
	nesting_level++;
	PG_TRY();
	{
		run();
	}
	PG_CATCH();
	{
		nesting_level--;
		RecordExecutorError(queryDesc, level);
		PG_RE_THROW();
	}
	PG_END_TRY();
	nesting_level--;
}

void
XrayExecutorRun(XRAY_EXECUTOR_RUN_ARGS)
{
	RunNested(queryDesc, [&]() {
		if (prev_ExecutorRun)
			prev_ExecutorRun(XRAY_EXECUTOR_RUN_PASS);
		else
			standard_ExecutorRun(XRAY_EXECUTOR_RUN_PASS);
	});
}

void
XrayExecutorFinish(QueryDesc *queryDesc)
{
	RunNested(queryDesc, [&]() {
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	});
}

void
XrayExecutorEnd(QueryDesc *queryDesc)
{
	uint64 queryid = queryDesc->plannedstmt->queryId;
	if (queryid != 0 && queryDesc->totaltime && Enabled(nesting_level) && StoreReady())
	{
		instr_time own;
		bool sampled = OwnTimeStart(&own);
		// make sure the totals are complete (see pgss_ExecutorEnd)
		InstrEndLoop(queryDesc->totaltime);
		RecordEvent ev{};
		ev.kind = kEventExec;
		ev.key = KeyFor(queryid, nesting_level);
		ev.planid = PlanIdOf(queryDesc->plannedstmt);
		ev.ms = queryDesc->totaltime->total * 1000.0;
		ev.rows = (int64) queryDesc->estate->es_processed;
		ev.bufusage = &queryDesc->totaltime->bufusage;
		ev.walusage = &queryDesc->totaltime->walusage;
		ev.jit = queryDesc->estate->es_jit ? &queryDesc->estate->es_jit->instr : NULL;
		ev.parallel_workers_to_launch = XRAY_PARALLEL_WORKERS_TO_LAUNCH(queryDesc->estate);
		ev.parallel_workers_launched = XRAY_PARALLEL_WORKERS_LAUNCHED(queryDesc->estate);
		ev.source_text = queryDesc->sourceText;
		ev.stmt_location = queryDesc->plannedstmt->stmt_location;
		ev.stmt_len = queryDesc->plannedstmt->stmt_len;
		ev.plan = queryDesc->plannedstmt;
		StoreRecord(ev);
		OwnTimeEnd(sampled, &own);
		if (nesting_level == 0)
		{
			RepeatNote(queryDesc);
			ScanSignalsAfter(queryDesc);
		}
	}
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

// Statements pg_xray does not record as utility: their executions are recorded
// as the statements they run (as pg_stat_statements does).
inline bool
SkippedUtility(Node *stmt)
{
	return IsA(stmt, ExecuteStmt) || IsA(stmt, PrepareStmt) || IsA(stmt, DeallocateStmt);
}

void
CallProcessUtility(XRAY_PROCESS_UTILITY_ARGS)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(XRAY_PROCESS_UTILITY_PASS);
	else
		standard_ProcessUtility(XRAY_PROCESS_UTILITY_PASS);
}

void
XrayProcessUtility(XRAY_PROCESS_UTILITY_ARGS)
{
	Node *parsetree = pstmt->utilityStmt;
	uint64 queryid = pstmt->queryId;
	int level = nesting_level;
	if (!guc_track_utility || !Enabled(level) || queryid == 0 || SkippedUtility(parsetree) || !StoreReady())
	{
		// as pg_stat_statements: an untracked utility does not change the
		// nesting level, so EXECUTE runs its statement at this level
		CallProcessUtility(XRAY_PROCESS_UTILITY_PASS);
		return;
	}

	// the statement may be freed by the utility (e.g. a transaction control
	// statement); keep what is needed to record it
	int stmt_location = pstmt->stmt_location;
	int stmt_len = pstmt->stmt_len;
	BufferUsage buf_start = pgBufferUsage;
	WalUsage wal_start = pgWalUsage;
	instr_time start;
	INSTR_TIME_SET_CURRENT(start);

	RecordEvent ev{};
	ev.key = KeyFor(queryid, level);
	ev.source_text = queryString;
	ev.stmt_location = stmt_location;
	ev.stmt_len = stmt_len;

	nesting_level++;
	PG_TRY();
	{
		CallProcessUtility(XRAY_PROCESS_UTILITY_PASS);
	}
	PG_CATCH();
	{
		nesting_level--;
		instr_time d;
		INSTR_TIME_SET_CURRENT(d);
		INSTR_TIME_SUBTRACT(d, start);
		ev.kind = kEventError;
		ev.ms = INSTR_TIME_GET_MILLISEC(d);
		ev.in_error = true;
		StoreRecord(ev);
		PG_RE_THROW();
	}
	PG_END_TRY();
	nesting_level--;

	instr_time d;
	INSTR_TIME_SET_CURRENT(d);
	INSTR_TIME_SUBTRACT(d, start);
	BufferUsage bufusage;
	WalUsage walusage;
	memset(&bufusage, 0, sizeof(bufusage));
	memset(&walusage, 0, sizeof(walusage));
	BufferUsageAccumDiff(&bufusage, &pgBufferUsage, &buf_start);
	WalUsageAccumDiff(&walusage, &pgWalUsage, &wal_start);

	ev.kind = kEventExec;
	ev.ms = INSTR_TIME_GET_MILLISEC(d);
	ev.rows = (qc && (qc->commandTag == CMDTAG_COPY || qc->commandTag == CMDTAG_FETCH ||
					  qc->commandTag == CMDTAG_SELECT || qc->commandTag == CMDTAG_REFRESH_MATERIALIZED_VIEW))
				  ? (int64) qc->nprocessed
				  : 0;
	ev.bufusage = &bufusage;
	ev.walusage = &walusage;
	StoreRecord(ev);
}
} // namespace

void
InstallHooks()
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = XrayPostParseAnalyze;
	prev_planner = planner_hook;
	planner_hook = XrayPlanner;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = XrayExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = XrayExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = XrayExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = XrayExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = XrayProcessUtility;
}
} // namespace xray::pg
