// scan_signals.hpp - what sampled executions saw at their table scans.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct ScanSignal
{
	uint32 runs;		  // sampled executions that scanned the table
	uint32 seq_scans;	  // of them, with a sequential scan
	double rows;		  // rows the scans returned
	double removed;		  // rows the scans' filters removed
};

void ScanSignalsRequestShmem();
void ScanSignalsStartup();

// ScanSignalsBefore decides whether this execution is sampled (and asks the
// executor for per-node row counts); ScanSignalsAfter records what its scans saw.
void ScanSignalsBefore(QueryDesc *queryDesc, int eflags);
void ScanSignalsAfter(QueryDesc *queryDesc);

bool ScanSignalGet(Oid dbid, uint64 queryid, Oid relid, ScanSignal *out);
}	// namespace xray::pg
