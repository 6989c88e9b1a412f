// node_signals.hpp - what sampled executions saw at their plan nodes: nested
// loops, hash joins, sorts, hash aggregates and OFFSETs (xray.plan_findings).
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
constexpr int kKeysetKeys = 4;

// Inner side of a nested loop.
enum InnerKind : uint8
{
	kInnerOther = 0,
	kInnerSeqScan,
	kInnerIndexScan,	// index, index-only or bitmap scan
};

// NodeEvidence: one sampled execution (the worst node of each kind), then the
// per-statement aggregate in shared memory.
struct NodeEvidence
{
	uint32 runs;			   // sampled executions
	// the nested loop that read the most rows from its outer input
	uint32 nl_runs;			   // executions with a nested loop over >= kLargeOuter rows
	double nl_outer_rows;	   // its outer rows (the worst execution)
	double nl_outer_est;	   // what the planner expected there
	Oid nl_inner_rel;		   // the table its inner side scans, or InvalidOid
	uint8 nl_inner_kind;	   // InnerKind
	// hash joins that did not fit work_mem x hash_mem_multiplier
	uint32 hj_runs;			   // executions with a hash join in more than one batch
	int32 hj_batches;		   // most batches
	int32 hj_batches_planned;  // batches the planner expected there
	double hj_bytes;		   // peak memory of that hash table x batches (what one batch would need)
	// sorts on disk
	uint32 sort_runs;
	double sort_disk_kb;	   // largest
	double sort_rows;		   // rows that sort read
	// hash aggregates that spilled
	uint32 agg_runs;
	double agg_disk_kb;		   // largest
	double agg_peak_bytes;	   // its memory peak
	// the settings the worst spill (hash join, sort or aggregate) ran with
	int32 work_mem_kb;
	double hash_mem_multiplier;
	// LIMIT ... OFFSET
	uint32 offset_runs;		   // executions with an OFFSET
	double offset_rows;		   // rows skipped, summed over them
	double offset_max;		   // most rows skipped in one
	double limit_rows;		   // rows returned by the Limit, summed
	Oid key_rel;			   // the table the order comes from (keyset pagination keys)
	Oid key_index;			   // ... through this index, or InvalidOid
	int16 key_atts[kKeysetKeys];	// ... or these columns of key_rel (a sort)
	uint8 key_desc;			   // bit k: key k descending (for an index: bit 0 = backward scan)
	uint8 nkeys;
};

// A nested loop reading at least this many rows from its outer input is noted.
constexpr double kLargeOuter = 1000;

void NodeSignalsRequestShmem();
void NodeSignalsStartup();

// NodeEvidenceNote adds what node ps did in this execution to e (called for every
// node of a sampled execution, before ExecutorEnd; instruments are final).
void NodeEvidenceNote(PlanState *ps, NodeEvidence *e);

// NodeSignalsRecord adds one sampled execution's evidence to its statement's.
void NodeSignalsRecord(Oid dbid, uint64 queryid, const NodeEvidence &e);

void NodeSignalsReset();

// NodeSignalsCopy returns this database's statements' evidence (palloc'd).
NodeEvidence *NodeSignalsCopy(Oid dbid, uint64 **queryids, int *n);
}	// namespace xray::pg
