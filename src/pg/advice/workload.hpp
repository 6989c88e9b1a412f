// workload.hpp - what the index advisor knows of the recorded workload, as
// palloc'd plain structs (phase 1 of xray.index_advice(), see index_advice.cpp).
//
// workload.cpp fills them: the costliest recorded statements of this database,
// parsed and planned as the roles that ran them; per statement and table the
// columns it filters on (and how), sorts on and reads; per table row counts,
// column statistics, existing indexes and the rows the workload writes.
#pragma once
#include "index_advisor.hpp"
#include "advice_text.hpp"

#include "pg_includes.hpp"
#include "evidence/samples.hpp"

namespace xray::pg
{
constexpr int kMaxCols = INDEX_MAX_KEYS;
constexpr int kMaxExprCols = 16; // expressions per table considered
constexpr int kMaxUpdates = 16;	 // UPDATE statements per table whose columns are kept

struct ColPod
{
	char *name;	  // column name, or the expression's SQL text
	bool is_expr; // an expression of the table's columns (lower(email))
	double n_distinct;
	double width;
};

struct RelPod
{
	Oid relid;
	char *schema;
	char *name;
	double rows;
	int natts;
	int nexprs; // expression columns after the natts real ones
	ColPod *cols;
	int nindexes;
	int16 (*index_keys)[kMaxCols];
	int *index_nkeys;
	char **index_names;
	bool *index_droppable;
	int ngin; // columns covered by an existing gin index
	int gin_cols[kMaxCols];
	double write_rows; // rows an hour the recorded workload inserts or deletes (one-off loads apart)
	double bulk_rows;  // rows of one-off bulk writes (loads, backfills): not a recurring cost
	double bulk_ms;	   // their execution time
	int nupdates;	   // UPDATE statements: columns set and rows
	int update_ncols[kMaxUpdates];
	int update_cols[kMaxUpdates][kMaxCols];
	double update_rows[kMaxUpdates]; // rows an hour
};

// UsePod: what one statement does with one table.
struct UsePod
{
	int rel; // into the RelPod array
	core::FilterList<kMaxCols> filters;
	int nsort;
	int sort_col[kMaxCols];
	bool sort_desc[kMaxCols];
	int nref; // columns it reads (for INCLUDE); -1 when unknown or too many
	int ref_col[kMaxCols];
	int query; // into the QueryPod array
};

struct QueryPod
{
	uint64 queryid;
	double calls;
	double rows;
	double weight;			// calls per hour in its recent window (the advisor's weight; snapshot_rates.cpp)
	TimestampTz first_seen; // its first record (the earliest of its rows)
	double total_ms;		// execution time, all calls
	double mean_ms, p95_ms; // per call (p95 from the merged latency histograms; < 0 unknown)
	bool one_off;			// a bulk write: few calls, many rows each (its index upkeep is one-off too)
	Oid userid;				// the role that ran it: analyzed and planned as that role only
	char *normalized;		// the recorded text (shown)
	char *sql;				// the text planned: a sample run with its constants when kept, else normalized
	SampleInfo *sample;		// when sql is the sample
	Query *query;
	double cost;
};

struct Workload
{
	QueryPod *queries;
	int nqueries;
	RelPod *rels;
	int nrels;
	int relcap;
	UsePod *uses;
	int nuses;
	int usecap;
};

static_assert(std::is_trivially_copyable<UsePod>::value && std::is_trivially_copyable<RelPod>::value &&
				  std::is_trivially_copyable<QueryPod>::value,
			  "the workload lives in palloc'd memory and is copied with memcpy");

// A write statement with at most kOneOffCalls calls of at least kBulkRows rows
// each is a one-off bulk write (a load, a backfill, a migration).
constexpr double kOneOffCalls = 3;
constexpr double kBulkRows = 10000;

// CollectWorkload fills w with up to max_statements of the costliest recorded
// statements of this database the caller may see (PostgreSQL side: raises on
// cancel; a statement that no longer parses or plans is skipped).
void CollectWorkload(Workload &w, int max_statements);

// ApplySnapshotRates sets the weight of every statement the oldest history
// snapshot of the last kRateWindowHours counted (xray.snapshot()) to its calls
// an hour since that snapshot, when the caller may read the history tables
// (PostgreSQL side; SPI as the caller, search_path pinned to pg_catalog).
constexpr int kRateWindowHours = 24;
void ApplySnapshotRates(Workload &w);

// FleetStatementRows: the statements the registered fleet nodes recorded in this
// database (xray.fleet_statements, read as the caller), as store rows without
// histograms (fleet_workload.cpp); NULL and *n = 0 when there are none to read.
struct StmtRow;
StmtRow *FleetStatementRows(int *n);

// FleetSamples: the statement samples (texts with their constants) the fleet's
// nodes kept, one per query id (the one compared over the most runs), sorted by
// query id; read only by a caller that may execute xray._fleet_samples().
struct FleetSamples
{
	int n;
	uint64 *queryids;
	SampleInfo *infos;
};
FleetSamples ReadFleetSamples();

// FleetSampleFind: the fleet's sample of queryid, or NULL.
SampleInfo *FleetSampleFind(const FleetSamples &fs, uint64 queryid);
} // namespace xray::pg
