// advice_text.hpp - what xray.index_advice() says about an index it advises:
// its CREATE INDEX text, its name, the existing indexes it makes redundant,
// the reason sentence and the plan line that uses it; and which of the
// recorded statements the advisor looks at (workload ranking).
//
// The adapter quotes identifiers (quote_identifier needs PostgreSQL's keyword
// list) and clips names to NAMEDATALEN in the database's encoding; everything
// else about the text is decided here, once, and unit-tested.
#pragma once
#include "pg_free.hpp"
#include "index_advisor.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace xray::core
{
// IndexShape is an advised index as SQL pieces, every identifier already
// quoted by the caller (a column is a quoted name or "(expression)").
struct IndexShape
{
	IndexMethod method = IndexMethod::kBtree;
	std::vector<std::string> keys;
	std::vector<bool> desc;
	std::vector<std::string> include;
	std::string predicate_column; // empty: not a partial index
	std::string predicate_value;  // a literal as written in the statement
};

// IndexColumnsText: "a, b DESC INCLUDE (c) WHERE d = 'x'", or "col gin_trgm_ops".
std::string IndexColumnsText(const IndexShape &shape);

// CreateIndexText: "CREATE INDEX [CONCURRENTLY] [name] ON table [USING gin] (...) ...".
// qualified_table and quoted_name are quoted already; an empty name lets the
// server choose one.
std::string CreateIndexText(const std::string &qualified_table, const IndexShape &shape, bool concurrently,
							const std::string &quoted_name);

// ClipFn returns how many bytes of s to keep so that it fits in limit bytes
// without splitting a character (the server's pg_mbcliplen).
using ClipFn = std::function<size_t(const std::string &s, size_t limit)>;

constexpr size_t kMaxNameBytes = 63; // NAMEDATALEN - 1

// AdvisedName: table_col1_col2_idx, keeping letters, digits, underscores and
// non-ASCII bytes of the table and column names (expressions included), any
// other run of characters one underscore; clipped to leave room for a suffix.
std::string AdvisedName(const std::string &table, const std::vector<std::string> &key_names, const ClipFn &clip);

// UniqueName: name itself when taken() says it is free, else name clipped with
// "_2", "_3", ... appended (long table names clip to the same prefix).
std::string UniqueName(const std::string &name, const std::function<bool(const std::string &)> &taken,
					   const ClipFn &clip);

struct ExistingIndex
{
	std::vector<int> keys; // key columns, 0-based, in order
	bool droppable;		   // not unique, primary key, exclusion or replica identity
};

// ReplacedIndexes: the existing droppable btree indexes whose keys lead the
// advised btree index's keys (the new one serves their statements too).
std::vector<size_t> ReplacedIndexes(const std::vector<ExistingIndex> &existing, IndexMethod method,
									const std::vector<int> &keys);

// IndexesInUse: the advised indexes (0..n) some statement plans with once the
// whole set exists; the others are not advised (a wider pick serves theirs).
// used[q][i]: statement q uses index i (an empty row: statement not planned).
std::vector<size_t> IndexesInUse(const std::vector<std::vector<bool>> &used, size_t n);

struct ReasonFacts
{
	int statements;		 // statements that use the index
	double calls;		 // their calls
	std::string table;	 // quoted
	double table_rows;	 // reltuples
	std::string columns; // IndexColumnsText
	double gain_pct;	 // of the workload's estimated cost
	uint32_t sampled_runs;
	double sampled_rows;	// rows the sampled runs' scans returned, all runs together
	double sampled_removed; // rows their filters removed, all runs together
	// the statement it helps most: its recorded latency, and its estimated cost
	// with the index as a share of its cost without (latency scales with it)
	uint64_t top_queryid = 0; // 0: none to name
	double top_mean_ms = -1, top_p95_ms = -1;
	double top_cost_ratio = 1;
	// one-off bulk writes into the table (loads, backfills): rows, and how much
	// slower the index would make them
	double bulk_rows = 0;
	double bulk_slower_pct = 0;
};

// BulkSlowdownPct: how much slower one more btree index makes a bulk write
// into a table with existing_indexes indexes: an index entry costs about
// kIndexEntryPerHeapRow times a heap row (measured: test/bench/index_upkeep.sql,
// docs/performance.md), rough but the right order of magnitude.
constexpr double kIndexEntryPerHeapRow = 3.0;
double BulkSlowdownPct(int existing_indexes) noexcept;

// Latency: "0.42 ms", "12 ms", "3.1 s".
std::string Latency(double ms);

// AdviceReason: the sentence of xray.index_advice.reason.
std::string AdviceReason(const ReasonFacts &f);

// PlanLineUsing: the node line of an EXPLAIN text that names the index
// (quoted), without its indentation and arrow; false when no line does.
bool PlanLineUsing(const std::string &plan_text, const std::string &quoted_index, std::string *line);

// IsAdvisableStatement: SELECT, WITH, INSERT, UPDATE or DELETE (leading
// blanks and parentheses skipped); utility statements are never planned.
bool IsAdvisableStatement(const char *text) noexcept;

struct RecordedStatement
{
	uint64_t queryid;
	uint32_t userid;
	size_t row; // the caller's row (its text)
	double calls;
	double rows;
	double total_ms;
};

// RankWorkload merges rows of one query id (users, nesting levels: the first
// row's role and text are kept), orders them by total execution time, the
// costliest first (ties keep recording order), and keeps max_statements.
std::vector<RecordedStatement> RankWorkload(const std::vector<RecordedStatement> &rows, size_t max_statements);

// FilterList: the columns a statement filters a table on, each once (the first
// way seen wins); a plain array so that it can live in palloc'd memory.
template <int N> struct FilterList
{
	int n;
	int column[N];
	PredKind kind[N];
	const char *constant[N]; // the literal on every run seen, or nullptr

	bool Has(int col) const noexcept
	{
		for (int i = 0; i < n; i++)
			if (column[i] == col)
				return true;
		return false;
	}
	// Add records col unless it is there already or the list is full.
	bool Add(int col, PredKind k, const char *literal = nullptr) noexcept
	{
		if (Has(col) || n >= N)
			return false;
		column[n] = col;
		kind[n] = k;
		constant[n++] = literal;
		return true;
	}
};
static_assert(std::is_trivially_copyable<FilterList<4>>::value, "FilterList lives in palloc'd memory");
} // namespace xray::core
