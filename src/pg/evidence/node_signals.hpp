// node_signals.hpp - what sampled executions saw at their plan nodes: nested
// loops, hash joins, sorts, hash aggregates and OFFSETs (xray.plan_findings).
#pragma once
#include "pg_includes.hpp"
#include "stmt_slots.hpp"

namespace xray::pg
{
constexpr int kKeysetKeys = 4;

// Inner side of a nested loop.
enum InnerKind : uint8
{
	kInnerOther = 0,
	kInnerSeqScan,
	kInnerIndexScan, // index, index-only or bitmap scan
};

// Each kind of node keeps its worst instance (Worst(): larger is worse) and
// counts the executions that had one (runs).
struct NestLoopEvidence
{
	uint32 runs;	   // executions with a nested loop over >= kLargeOuter rows
	double outer_rows; // its outer rows
	double outer_est;  // what the planner expected there
	Oid inner_rel;	   // the table its inner side scans, or InvalidOid
	uint8 inner_kind;  // InnerKind
	double Worst() const { return outer_rows; }
};

struct HashJoinEvidence // hash joins that did not fit work_mem x hash_mem_multiplier
{
	uint32 runs; // executions with a hash join in more than one batch
	int32 batches;
	int32 batches_planned;
	double bytes; // peak memory of the hash table x batches (what one batch would need)
	double Worst() const { return batches; }
};

struct SortEvidence // sorts on disk
{
	uint32 runs;
	double disk_kb;
	double rows; // rows the sort read
	double Worst() const { return disk_kb; }
};

struct AggEvidence // hash aggregates that spilled
{
	uint32 runs;
	double disk_kb;
	double peak_bytes; // memory peak
	double Worst() const { return disk_kb; }
};

struct OffsetEvidence // the outermost LIMIT ... OFFSET
{
	uint32 runs;				 // executions with an OFFSET
	double skipped;				 // rows skipped, summed over them
	double skipped_max;			 // most rows skipped in one
	double returned;			 // rows returned by the Limit, summed
	Oid key_rel;				 // the table the order comes from (keyset pagination keys)
	Oid key_index;				 // ... through this index, or InvalidOid
	int16 key_atts[kKeysetKeys]; // ... or these columns of key_rel (a sort)
	uint8 key_desc;				 // bit k: key k descending (for an index: bit 0 = backward scan)
	uint8 nkeys;
};

// NodeEvidence: one sampled execution, then the per-statement aggregate in
// shared memory.
struct NodeEvidence
{
	uint32 runs; // sampled executions
	NestLoopEvidence nl;
	HashJoinEvidence hj;
	SortEvidence sort;
	AggEvidence agg;
	// the settings the worst spill (hash join, sort or aggregate) ran with
	int32 work_mem_kb;
	double hash_mem_multiplier;
	OffsetEvidence offset;
};

// A nested loop reading at least this many rows from its outer input is noted.
constexpr double kLargeOuter = 1000;

// NodeEvidenceNote adds what node ps did in this execution to e (called for every
// node of a sampled execution, before ExecutorEnd; instruments are final).
void NodeEvidenceNote(PlanState *ps, NodeEvidence *e);

// NodeSignalsRecord adds one sampled execution's evidence to its statement's.
void NodeSignalsRecord(Oid dbid, uint64 queryid, const NodeEvidence &e);

// The per-statement table (reserved and attached by the store, reset by xray.reset()).
extern StmtSlots<NodeEvidence> node_signals;
} // namespace xray::pg
