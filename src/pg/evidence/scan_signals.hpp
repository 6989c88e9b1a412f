// scan_signals.hpp - what sampled executions saw at their table scans.
#pragma once
#include "pg_includes.hpp"
#include "stmt_slots.hpp"

namespace xray::pg
{
constexpr int kSignalFilters = 12;

// What an executed plan did with one column of a scanned table.
enum SignalKind : uint8
{
	kSigEq = 1,		   // col = value
	kSigRange,		   // <, <=, >, >=
	kSigIn,			   // col IN (...) / = ANY(...)
	kSigLike,		   // LIKE 'abc%'
	kSigLikeLeading,   // LIKE '%abc' (a leading wildcard)
	kSigIlike,		   // ILIKE 'abc%'
	kSigIlikeLeading,  // ILIKE '%abc'
	kSigJsonbContains, // jsonb @> value
	kSigIsNull,		   // col IS NULL
	kSigSortAsc,	   // sorted ascending directly above the scan
	kSigSortDesc,	   // sorted descending directly above the scan
	kSigJoinKey,	   // hash or merge join key of a sequential scan
	kSigKinds
};

struct SignalUse
{
	int16 att;	// column number
	uint8 kind; // SignalKind
	Oid func;	// the function wrapping the column (lower(email)), or InvalidOid
	Oid cast;	// the type the column is cast to (id::text, an implicit int4 -> numeric), or InvalidOid

	bool Same(const SignalUse &o) const { return att == o.att && kind == o.kind && func == o.func && cast == o.cast; }
};

struct ScanSignal
{
	uint32 runs;	  // sampled executions that scanned the table
	uint32 seq_scans; // of them, with a sequential scan
	uint32 limited;	  // of them, under a LIMIT
	double rows;	  // rows the scans returned
	double est_rows;  // rows the planner expected them to return (per loop x loops)
	double removed;	  // rows the scans' filters removed
	int nfilters;	  // what the executed plans did with columns
	SignalUse filters[kSignalFilters];
};

// SignalKindName is how xray.predicates shows a kind ("=", "LIKE %x", "sort DESC").
const char *SignalKindName(int kind);

// QualOperatorKind: 1 for a btree equality operator, 2 for a btree range
// operator, 0 otherwise.
int QualOperatorKind(Oid opno);

// ResolveToScan follows output column attno of plan down through nodes that
// pass their input through (Hash, Sort, Material) to a table scan: the scan
// node and its column.
bool ResolveToScan(Plan *plan, AttrNumber attno, Plan **scan, AttrNumber *att);

// ScanSignalsBefore decides whether this execution is sampled (and asks the
// executor for per-node row counts); ScanSignalsAfter records what its scans saw.
void ScanSignalsBefore(QueryDesc *queryDesc, int eflags);
void ScanSignalsAfter(QueryDesc *queryDesc);

bool ScanSignalGet(Oid dbid, uint64 queryid, Oid relid, ScanSignal *out);

// Per (database, statement, table) (reserved and attached by the store, reset by
// xray.reset(), a statement's forgotten by xray.reset_query()).
extern StmtSlots<ScanSignal> scan_signals;
} // namespace xray::pg
