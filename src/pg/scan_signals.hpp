// scan_signals.hpp - what sampled executions saw at their table scans.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
constexpr int kSignalFilters = 8;

struct ScanSignal
{
	uint32 runs;		  // sampled executions that scanned the table
	uint32 seq_scans;	  // of them, with a sequential scan
	double rows;		  // rows the scans returned
	double removed;		  // rows the scans' filters removed
	int nfilters;		  // columns the executed scans' conditions compared with a value
	int16 filter_att[kSignalFilters];
	bool filter_range[kSignalFilters];	// false: equality
};

// QualOperatorKind: 1 for a btree equality operator, 2 for a btree range
// operator, 0 otherwise.
int QualOperatorKind(Oid opno);

void ScanSignalsRequestShmem();
void ScanSignalsStartup();

// ScanSignalsBefore decides whether this execution is sampled (and asks the
// executor for per-node row counts); ScanSignalsAfter records what its scans saw.
void ScanSignalsBefore(QueryDesc *queryDesc, int eflags);
void ScanSignalsAfter(QueryDesc *queryDesc);

// ScanSignalsReset forgets every signal (xray.reset()).
void ScanSignalsReset();

bool ScanSignalGet(Oid dbid, uint64 queryid, Oid relid, ScanSignal *out);
}	// namespace xray::pg
