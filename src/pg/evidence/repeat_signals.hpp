// repeat_signals.hpp - N+1 evidence: one session running the same statement
// many times in one transaction, or back to back many times a second, with
// different parameters.
#pragma once
#include "pg_includes.hpp"
#include "stmt_slots.hpp"

namespace xray::pg
{
struct RepeatEvidence
{
	uint32 xact_bursts;		// transactions that ran it >= core::kRepeatPerXact times
	uint32 xact_max;		// most executions in one of them
	uint32 xact_max_values; // parameter values seen in that one (in its first core::kValuesCompared; a lower bound)
	uint32 run_bursts;		// back-to-back runs of >= core::kRepeatPerRun
	uint32 run_max;			// longest such run
	uint32 run_max_values;	// parameter values seen in it
	Oid userid;				// the role of the last burst
	int32 pid;				// its session
	TimestampTz last;		// when it was seen
};

// RepeatSignalsInit registers the end-of-transaction callback (_PG_init).
void RepeatSignalsInit();

// RepeatNote counts one top-level execution of queryDesc (called at ExecutorEnd;
// cheap: a few comparisons unless the statement repeats).
void RepeatNote(QueryDesc *queryDesc);

// The per-statement table (reserved and attached by the store, reset by xray.reset()).
extern StmtSlots<RepeatEvidence> repeat_signals;
} // namespace xray::pg
