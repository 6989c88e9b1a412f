// index_advisor.hpp - workload-level index candidates and their selection.
//
// The adapter describes the workload: relations (row counts, column widths and
// distinct counts, existing btree indexes), and statements (weight, and per
// relation the columns they filter on and how, and the sort order they need).
// GenerateCandidates proposes composite btree indexes the way a DBA designs
// them: equality columns first (most selective first), then one range column,
// then the ORDER BY columns with their direction; plus the single-column and
// equality-only variants. It never proposes what an existing index (or its
// prefix) already provides, nor anything on tables below a size floor. When a
// statement reads only a few more columns, a variant INCLUDEs them so that an
// index-only scan becomes possible. A statement that compares a low-cardinality
// column with the same literal on every run gets a partial index (WHERE col =
// literal) on its other columns.
// SelectIndexes then chooses a set for the whole workload greedily (the
// "Extend" family of algorithms, with width growth): each round re-costs the
// statements of the candidate's table with the indexes already chosen (so
// interactions count), subtracts a write penalty, adds the candidate that saves
// the most, and stops at the budget, the per-table cap, the index count or when
// nothing helps; so the first K picks are the best K for any K. When the
// storage budget binds (a greedy by benefit per byte saves more within it),
// the picks are those of the greedy by benefit per byte. A candidate qualifies
// when it saves a share of the workload, or when it makes one of its
// statements at least min_statement_speedup times cheaper. Costs come from a
// caller-supplied oracle (in the server: what-if planning), cached per
// (statement, chosen indexes of its table).
#pragma once
#include "pg_free.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace xray::core
{
enum class PredKind
{
	kEq,		   // col = x, col IN (...), col IS NULL
	kRange,		   // <, <=, >, >=, BETWEEN
	kOther,		   // usable by no index we propose
	kTrigram,	   // text LIKE / ILIKE pattern: a gin index with pg_trgm's gin_trgm_ops
	kJsonContains, // jsonb @> value: a gin index with jsonb_path_ops
};

enum class IndexMethod
{
	kBtree,
	kGinTrigram,
	kGinJsonbPath,
};

struct ColumnInfo
{
	std::string name;
	double n_distinct; // > 0: distinct values; < 0: minus the fraction of rows (pg_stats)
	double width;	   // average bytes
};

struct RelationInfo
{
	std::string name;
	double rows;
	std::vector<ColumnInfo> columns;
	std::vector<std::vector<int>> btree_indexes; // existing indexes' key columns, in order
	std::vector<int> gin_columns;				 // columns an existing gin index covers
	double write_rows; // rows inserted or deleted by the same workload: every index is written
	// rows updated, with the columns each update statement sets: an index on one
	// of them is written, and the update can no longer be HOT when no index had
	// such a column before (then every index of the table is written)
	std::vector<std::pair<std::vector<int>, double>> updates;
};

struct ColumnUse
{
	int column;
	PredKind kind;
	std::string constant; // equality with this literal on every run seen (partial-index signal)
};

struct SortUse
{
	int column;
	bool desc;
};

struct StatementInfo
{
	uint64_t queryid;
	double weight; // e.g. calls, or total time
	int relation;
	std::vector<ColumnUse> filters;
	std::vector<SortUse> order_by;
	std::vector<int> referenced; // every column it reads; empty when unknown (e.g. SELECT *)
};

struct IndexCandidate
{
	int relation;
	IndexMethod method = IndexMethod::kBtree;
	std::vector<int> columns;
	std::vector<bool> desc;
	std::vector<int> include;  // INCLUDE columns, for index-only scans
	int predicate_column = -1; // partial index: WHERE column = predicate_value
	std::string predicate_value;
	double size_bytes;
	std::vector<size_t> statements; // indexes into the statement list it may help
};

struct AdvisorOptions
{
	double min_table_rows = 10000; // smaller tables: no advice
	double budget_bytes = 1e18;
	int max_indexes = 10;
	int max_per_table = 3;
	// planner cost units of upkeep per index entry written: measured ~1.0 (an entry
	// costs ~3 µs, a seq scan runs ~350 units/ms; test/bench/index_upkeep.sql)
	double write_penalty = 1.0;
	int block_size = 8192;
	bool trigram_available = false;	   // pg_trgm is installed: LIKE filters get gin candidates
	double partial_max_distinct = 100; // partial indexes on columns with at most this many values
	double min_workload_gain = 0.005;  // an index must save this share of the workload cost...
	double min_statement_gain = 0.10;  // ...and this share of the cost of the statements it helps,
	// unless it makes one of them at least this many times cheaper, saving at least
	// served_cost a call (a DBA judges each statement's latency, not only the total):
	// then paying for its upkeep is enough
	double min_statement_speedup = 2.0;
	// what-if planning calls at most; past it no new configuration is planned (a
	// candidate whose statements were not all planned counts as no gain)
	size_t max_oracle_calls = 20000;
	// a statement the planner already answers at or below this estimated cost per call
	// (a few index pages: an index that serves it, through a skip scan on 18 too) gains
	// nothing a user would notice from another index: it is not counted as helped
	double served_cost = 40;
	int max_include = 3;		   // INCLUDE at most this many columns...
	double max_include_width = 64; // ...of at most this many bytes together
};

double Selectivity(const ColumnInfo &c, double rows) noexcept;

// WriteUpkeep is the number of index writes a new index adds to the recorded
// workload's writes: inserts and deletes, updates of its columns, and for an
// update that was HOT (no indexed column set) all the table's indexes.
double WriteUpkeep(const RelationInfo &rel, const std::vector<int> &columns, const std::vector<int> &include);

std::vector<IndexCandidate> GenerateCandidates(const std::vector<RelationInfo> &relations,
											   const std::vector<StatementInfo> &statements,
											   const AdvisorOptions &options);

// CostOracle returns the estimated cost of statement s when the given
// candidates (all on the statement's table) exist.
using CostOracle = std::function<double(size_t s, const std::vector<const IndexCandidate *> &config)>;

struct Selection
{
	std::vector<size_t> chosen;	 // indexes into the candidate list, best first
	std::vector<double> benefit; // weighted cost saved when each was added
	double cost_before;
	double cost_after;
	size_t oracle_calls;
	bool by_ratio = false;		// ranked by benefit per byte: the storage budget binds
	bool oracle_capped = false; // max_oracle_calls was reached
};

Selection SelectIndexes(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
						const std::vector<IndexCandidate> &candidates, const CostOracle &cost,
						const AdvisorOptions &options);
} // namespace xray::core
