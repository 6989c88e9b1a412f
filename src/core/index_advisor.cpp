// index_advisor.cpp - see index_advisor.hpp.
#include "index_advisor.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "index_size.hpp"

namespace xray::core
{
namespace
{
bool
IsPrefix(const std::vector<int> &prefix, const std::vector<int> &of)
{
	return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

bool
Contains(const std::vector<int> &v, int x)
{
	return std::find(v.begin(), v.end(), x) != v.end();
}

// Covers: index a serves everything index b does (b's keys lead a's, b's
// INCLUDE columns are somewhere in a).
bool
Covers(const IndexCandidate &a, const IndexCandidate &b)
{
	if (a.method != b.method || a.predicate_column != b.predicate_column || a.predicate_value != b.predicate_value ||
		!IsPrefix(b.columns, a.columns) || !std::equal(b.desc.begin(), b.desc.end(), a.desc.begin()))
		return false;
	for (int c : b.include)
		if (!Contains(a.columns, c) && !Contains(a.include, c))
			return false;
	return true;
}

double
KeyWidth(const RelationInfo &rel, const std::vector<int> &cols)
{
	double w = 0;
	for (int c : cols)
		w += (c >= 0 && c < static_cast<int>(rel.columns.size())) ? rel.columns[c].width : 8;
	return w;
}
} // namespace

double
WriteUpkeep(const RelationInfo &rel, const std::vector<int> &columns, const std::vector<int> &include)
{
	double writes = rel.write_rows;
	for (const auto &u : rel.updates)
	{
		bool touches = false;
		for (int c : u.first)
			touches = touches || Contains(columns, c) || Contains(include, c);
		if (!touches)
			continue; // the update stays as it was (HOT or not)
		bool was_hot = true;
		for (const auto &existing : rel.btree_indexes)
			for (int c : u.first)
				was_hot = was_hot && !Contains(existing, c);
		// the new index is written; a HOT update becomes a full one
		writes += u.second * (1.0 + (was_hot ? static_cast<double>(rel.btree_indexes.size()) : 0.0));
	}
	return writes;
}

double
Selectivity(const ColumnInfo &c, double rows) noexcept
{
	double distinct = c.n_distinct;
	if (distinct < 0)
		distinct = -distinct * rows;
	if (distinct < 1)
		distinct = 1;
	return 1.0 / distinct;
}

namespace
{
// CandidateSet collects candidates, each once, with the statements it may help.
class CandidateSet
{
public:
	CandidateSet(const std::vector<RelationInfo> &relations, const AdvisorOptions &options)
		: relations_(relations), options_(options)
	{
	}

	// AddBtree: keys cols (desc per key), INCLUDE columns, and for a partial
	// index WHERE pred_col = pred_value; nothing an existing index provides.
	void AddBtree(const StatementInfo &st, size_t s, const std::vector<int> &cols, const std::vector<bool> &desc,
				  const std::vector<int> &include = {}, int pred_col = -1, const std::string &pred_value = "")
	{
		if (cols.empty() || Provided(relations_[st.relation], cols, include, pred_col))
			return;
		auto key = std::make_pair(st.relation, Identity(cols, include, pred_col, pred_value));
		auto it = seen_.find(key);
		if (it != seen_.end())
		{
			auto &stmts = out_[it->second].statements;
			if (std::find(stmts.begin(), stmts.end(), s) == stmts.end())
				stmts.push_back(s);
			return;
		}
		const RelationInfo &rel = relations_[st.relation];
		IndexCandidate c;
		c.relation = st.relation;
		c.columns = cols;
		c.desc = desc;
		c.include = include;
		c.predicate_column = pred_col;
		c.predicate_value = pred_value;
		double rows = pred_col >= 0 ? rel.rows * Selectivity(rel.columns[pred_col], rel.rows) : rel.rows;
		c.size_bytes =
			EstimateBtree(rows, KeyWidth(rel, cols) + KeyWidth(rel, include), options_.block_size, 0.9).pages *
			options_.block_size;
		c.statements.push_back(s);
		seen_.emplace(key, out_.size());
		out_.push_back(std::move(c));
	}

	// AddGin: one column, for LIKE patterns (pg_trgm) or jsonb containment.
	void AddGin(const StatementInfo &st, size_t s, int col, IndexMethod method)
	{
		const RelationInfo &rel = relations_[st.relation];
		if (Contains(rel.gin_columns, col))
			return;
		for (IndexCandidate &c : out_)
			if (c.relation == st.relation && c.method == method && c.columns[0] == col)
			{
				if (std::find(c.statements.begin(), c.statements.end(), s) == c.statements.end())
					c.statements.push_back(s);
				return;
			}
		IndexCandidate c;
		c.relation = st.relation;
		c.method = method;
		c.columns = {col};
		c.desc = {false};
		c.size_bytes = EstimateGinPages(rel.rows, rel.columns[col].width, options_.block_size) * options_.block_size;
		c.statements.push_back(s);
		out_.push_back(std::move(c));
	}

	// AddMerges: for two btree candidates of one table where the first one's keys
	// are equality columns of every statement of the second, their merge (the
	// first's keys, then the second's others but those an existing index leads)
	// serves both: one index instead of two, tried next to them ("Extend" with
	// merging).
	void AddMerges(const std::vector<StatementInfo> &statements)
	{
		constexpr size_t kMaxKeys = 4;
		constexpr int kMaxMergesPerTable = 8;
		std::map<int, int> merges; // per relation
		const size_t n = out_.size();
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
			{
				if (i == j || !Mergeable(out_[i]) || !Mergeable(out_[j]) || out_[i].relation != out_[j].relation ||
					!ServesOthers(out_[i], out_[j]) || !KeysEqualIn(out_[i].columns, out_[j].statements, statements))
					continue;
				std::vector<int> cols = out_[i].columns;
				std::vector<bool> desc = out_[i].desc;
				for (size_t k = 0; k < out_[j].columns.size(); k++)
					if (!Contains(cols, out_[j].columns[k]) &&
						!LeadsAnIndex(relations_[out_[i].relation], out_[j].columns[k]))
					{
						cols.push_back(out_[j].columns[k]);
						desc.push_back(out_[j].desc[k]);
					}
				if (cols.size() == out_[i].columns.size() || cols.size() > kMaxKeys ||
					merges[out_[i].relation] >= kMaxMergesPerTable)
					continue;
				merges[out_[i].relation]++;
				std::vector<size_t> stmts = out_[i].statements; // (copied: AddBtree may grow out_)
				stmts.insert(stmts.end(), out_[j].statements.begin(), out_[j].statements.end());
				for (size_t st : stmts)
					AddBtree(statements[st], st, cols, desc);
			}
	}

	std::vector<IndexCandidate> Take() { return std::move(out_); }

private:
	static bool Provided(const RelationInfo &rel, const std::vector<int> &cols, const std::vector<int> &include,
						 int pred_col)
	{
		for (const auto &existing : rel.btree_indexes)
		{
			bool provided = IsPrefix(cols, existing) && pred_col < 0;
			for (int c : include)
				provided = provided && Contains(existing, c);
			if (provided)
				return true;
		}
		return false;
	}

	// LeadsAnIndex: an existing index serves equality on col already (the
	// primary key of a join): a merge does not carry it along
	static bool LeadsAnIndex(const RelationInfo &rel, int col)
	{
		for (const auto &existing : rel.btree_indexes)
			if (!existing.empty() && existing[0] == col)
				return true;
		return false;
	}

	// ServesOthers: a is there for a statement b is not (else a merge of a
	// statement's own candidates only reorders b's keys)
	static bool ServesOthers(const IndexCandidate &a, const IndexCandidate &b)
	{
		for (size_t st : a.statements)
			if (std::find(b.statements.begin(), b.statements.end(), st) == b.statements.end())
				return true;
		return false;
	}

	static bool Mergeable(const IndexCandidate &c)
	{
		return c.method == IndexMethod::kBtree && c.predicate_column < 0 && c.include.empty();
	}

	// KeysEqualIn: every statement compares every one of keys with =
	static bool KeysEqualIn(const std::vector<int> &keys, const std::vector<size_t> &stmts,
							const std::vector<StatementInfo> &statements)
	{
		for (size_t st : stmts)
			for (int k : keys)
			{
				bool eq = false;
				for (const ColumnUse &u : statements[st].filters)
					eq = eq || (u.column == k && u.kind == PredKind::kEq);
				if (!eq)
					return false;
			}
		return true;
	}

	// Identity: keys, then the INCLUDE columns, then the predicate (btree only)
	static std::vector<int> Identity(const std::vector<int> &cols, const std::vector<int> &include, int pred_col,
									 const std::string &value)
	{
		std::vector<int> id = cols;
		id.push_back(-1);
		id.insert(id.end(), include.begin(), include.end());
		id.push_back(-2);
		id.push_back(pred_col);
		if (pred_col >= 0)
		{
			const size_t value_hash = std::hash<std::string>()(value);
			id.push_back(static_cast<int>(value_hash & 0x7fffffff));
		}
		return id;
	}

	const std::vector<RelationInfo> &relations_;
	const AdvisorOptions &options_;
	std::vector<IndexCandidate> out_;
	std::map<std::pair<int, std::vector<int>>, size_t> seen_; // (relation, identity) -> candidate
};

// KeyShape: the btree keys one statement suggests for one table.
struct KeyShape
{
	std::vector<int> eq, range;	   // equality columns (most selective first), range columns
	std::vector<int> key;		   // eq, then the first range column
	std::vector<bool> desc;		   // of key
	std::vector<int> sorted;	   // eq, then the ORDER BY columns
	std::vector<bool> sorted_desc; // of sorted
	bool sort_usable = false;	   // ORDER BY only of columns of this table
	bool SortDiffers() const { return sort_usable && sorted != key; }
};

KeyShape
ShapeOf(const RelationInfo &rel, const StatementInfo &st)
{
	auto column_ok = [&](int c) { return c >= 0 && c < static_cast<int>(rel.columns.size()); };
	KeyShape k;
	for (const ColumnUse &u : st.filters)
	{
		if (!column_ok(u.column) || (u.kind != PredKind::kEq && u.kind != PredKind::kRange))
			continue;
		std::vector<int> &into = u.kind == PredKind::kEq ? k.eq : k.range;
		if (!Contains(into, u.column) && !Contains(k.eq, u.column))
			into.push_back(u.column);
	}
	std::stable_sort(k.eq.begin(), k.eq.end(), [&](int a, int b) {
		return Selectivity(rel.columns[a], rel.rows) < Selectivity(rel.columns[b], rel.rows);
	});
	k.key = k.eq;
	k.desc.assign(k.eq.size(), false);
	if (!k.range.empty())
	{
		k.key.push_back(k.range.front());
		k.desc.push_back(false);
	}
	// ORDER BY columns can follow equality columns (not a range column)
	k.sorted = k.eq;
	k.sorted_desc.assign(k.eq.size(), false);
	k.sort_usable = !st.order_by.empty();
	for (const SortUse &o : st.order_by)
	{
		if (!column_ok(o.column))
		{
			k.sort_usable = false;
			break;
		}
		if (!Contains(k.sorted, o.column))
		{
			k.sorted.push_back(o.column);
			k.sorted_desc.push_back(o.desc);
		}
	}
	return k;
}

// AddCovering: keys k with the few other columns the statement reads
// INCLUDEd, for an index-only scan.
void
AddCovering(CandidateSet &set, const RelationInfo &rel, const StatementInfo &st, size_t s, const std::vector<int> &k,
			const std::vector<bool> &d, const AdvisorOptions &options)
{
	if (k.empty() || st.referenced.empty())
		return;
	std::vector<int> extra;
	double width = 0;
	for (int c : st.referenced)
		if (c >= 0 && c < static_cast<int>(rel.columns.size()) && !Contains(k, c) && !Contains(extra, c))
		{
			extra.push_back(c);
			width += rel.columns[c].width;
		}
	if (!extra.empty() && static_cast<int>(extra.size()) <= options.max_include && width <= options.max_include_width)
	{
		std::sort(extra.begin(), extra.end());
		set.AddBtree(st, s, k, d, extra);
	}
}

// Without: keys k (and their directions) without column col.
std::vector<int>
Without(const std::vector<int> &k, const std::vector<bool> &d, int col, std::vector<bool> *out_desc)
{
	std::vector<int> r;
	for (size_t i = 0; i < k.size(); i++)
		if (k[i] != col)
		{
			r.push_back(k[i]);
			out_desc->push_back(d[i]);
		}
	return r;
}

// AddPartial: the same literal on a low-cardinality column on every run: a
// partial index on the other keys (the first such column only).
void
AddPartial(CandidateSet &set, const RelationInfo &rel, const StatementInfo &st, size_t s, const KeyShape &k,
		   const AdvisorOptions &options)
{
	for (const ColumnUse &u : st.filters)
	{
		if (u.kind != PredKind::kEq || u.constant.empty() || u.constant.size() > 200 || u.column < 0 ||
			u.column >= static_cast<int>(rel.columns.size()))
			continue;
		double distinct = 1.0 / Selectivity(rel.columns[u.column], rel.rows);
		if (distinct > options.partial_max_distinct)
			continue;
		std::vector<bool> kd, sd;
		std::vector<int> pk = Without(k.key, k.desc, u.column, &kd);
		std::vector<int> ps = Without(k.sorted, k.sorted_desc, u.column, &sd);
		set.AddBtree(st, s, pk, kd, {}, u.column, u.constant);
		if (k.sort_usable && ps != pk)
			set.AddBtree(st, s, ps, sd, {}, u.column, u.constant);
		return;
	}
}

// AddWithoutIndexed: the keys without the equality columns an existing index
// leads (a join column the primary key serves: (p_container, p_brand), not
// (p_partkey, p_container, p_brand)), when other keys remain.
void
AddWithoutIndexed(CandidateSet &set, const RelationInfo &rel, const StatementInfo &st, size_t s, const KeyShape &k)
{
	std::vector<int> keys = k.key;
	std::vector<bool> desc = k.desc;
	for (const auto &existing : rel.btree_indexes)
	{
		if (existing.empty() || !Contains(k.eq, existing[0]))
			continue;
		std::vector<bool> d;
		keys = Without(keys, desc, existing[0], &d);
		desc = d;
	}
	if (!keys.empty() && keys.size() < k.key.size())
		set.AddBtree(st, s, keys, desc);
}

// AddForStatement: every candidate statement s suggests, in order: gin ones,
// the full key, the key with ORDER BY, their covering variants, the partial
// ones, the keys without columns an index leads, equality columns alone,
// single columns.
void
AddForStatement(CandidateSet &set, const RelationInfo &rel, const StatementInfo &st, size_t s,
				const AdvisorOptions &options)
{
	for (const ColumnUse &u : st.filters)
	{
		if (u.column < 0 || u.column >= static_cast<int>(rel.columns.size()))
			continue;
		if (u.kind == PredKind::kTrigram && options.trigram_available)
			set.AddGin(st, s, u.column, IndexMethod::kGinTrigram);
		else if (u.kind == PredKind::kJsonContains)
			set.AddGin(st, s, u.column, IndexMethod::kGinJsonbPath);
	}
	const KeyShape k = ShapeOf(rel, st);
	set.AddBtree(st, s, k.key, k.desc);
	if (k.SortDiffers())
		set.AddBtree(st, s, k.sorted, k.sorted_desc);
	AddCovering(set, rel, st, s, k.key, k.desc, options);
	if (k.SortDiffers())
		AddCovering(set, rel, st, s, k.sorted, k.sorted_desc, options);
	AddPartial(set, rel, st, s, k, options);
	AddWithoutIndexed(set, rel, st, s, k);
	if (!k.eq.empty() && k.key.size() > k.eq.size())
		set.AddBtree(st, s, k.eq, std::vector<bool>(k.eq.size(), false));
	for (int c : k.eq)
		set.AddBtree(st, s, {c}, {false});
	for (int c : k.range)
		set.AddBtree(st, s, {c}, {false});
}
} // namespace

std::vector<IndexCandidate>
GenerateCandidates(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
				   const AdvisorOptions &options)
{
	CandidateSet set(relations, options);
	for (size_t s = 0; s < statements.size(); s++)
	{
		const StatementInfo &st = statements[s];
		if (st.relation < 0 || st.relation >= static_cast<int>(relations.size()))
			continue;
		const RelationInfo &rel = relations[st.relation];
		if (rel.rows >= options.min_table_rows)
			AddForStatement(set, rel, st, s, options);
	}
	set.AddMerges(statements);
	return set.Take();
}

namespace
{
// Pick: what adding one candidate to the chosen set would do.
struct Pick
{
	size_t candidate = SIZE_MAX;
	size_t replaces = SIZE_MAX; // the chosen index it widens ("Extend"), or SIZE_MAX
	double benefit = 0;			// weighted cost saved, less the write penalty
	double extra_bytes = 0;
	double ratio = 0; // benefit per byte
	double calls = 0; // the weight of the statements it helps
};

// OracleCache: the costs planned so far, per (statement, configuration),
// shared by the runs of one SelectIndexes call.
struct OracleCache
{
	std::map<std::pair<size_t, std::vector<size_t>>, double> costs;
	size_t calls = 0;
	bool capped = false;
};

// Greedy is one run of SelectIndexes: the chosen set and the statements'
// current costs.
class Greedy
{
public:
	Greedy(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
		   const std::vector<IndexCandidate> &candidates, const CostOracle &cost, const AdvisorOptions &options,
		   OracleCache &cache)
		: relations_(relations), statements_(statements), candidates_(candidates), cost_(cost), options_(options),
		  cache_(cache), chosen_on_(relations.size()), current_(statements.size(), 0)
	{
		for (size_t s = 0; s < statements_.size(); s++)
		{
			current_[s] = StmtCost(s, {});
			sel_.cost_before += statements_[s].weight * current_[s];
		}
		sel_.cost_after = sel_.cost_before;
	}

	// Run picks greedily by benefit, or by benefit per byte (by_ratio).
	Selection Run(bool by_ratio)
	{
		sel_.by_ratio = by_ratio;
		std::set<size_t> remaining;
		for (size_t c = 0; c < candidates_.size(); c++)
			remaining.insert(c);
		while (static_cast<int>(sel_.chosen.size()) < options_.max_indexes && !remaining.empty())
		{
			Pick best;
			for (size_t c : remaining)
			{
				Pick p = Evaluate(c);
				if (p.candidate != SIZE_MAX && p.benefit > 0 && Better(p, best, by_ratio, options_.served_cost))
					best = p;
			}
			if (best.candidate == SIZE_MAX)
				break;
			Apply(best);
			remaining.erase(best.candidate);
		}
		sel_.oracle_calls = cache_.calls;
		sel_.oracle_capped = cache_.capped;
		return sel_;
	}

	bool BudgetSkipped() const { return budget_skipped_; }

	// Better: p beats best by benefit (by_ratio: by benefit per byte). Savings
	// within kNearTie of each other, and apart by no more than a few page reads
	// a call (kFewPages of a served statement's cost), are a tie a DBA settles by
	// size: a covering variant three times larger for a few cost units more is
	// not the better index; a feed's index scan of 20 rows next to a bitmap scan
	// and sort of 800, or one merged index that also serves a second statement's
	// other key, are.
	static bool Better(const Pick &p, const Pick &best, bool by_ratio, double served_cost)
	{
		constexpr double kNearTie = 1.10, kFewPages = 0.25; // of served_cost: 2-3 random page reads
		if (best.candidate == SIZE_MAX)
			return true;
		if (by_ratio)
			return p.ratio > best.ratio;
		const bool near = p.benefit <= best.benefit * kNearTie && best.benefit <= p.benefit * kNearTie &&
						  std::abs(p.benefit - best.benefit) <= kFewPages * served_cost * std::max(p.calls, best.calls);
		if (!near)
			return p.benefit > best.benefit;
		return p.ratio > best.ratio;
	}

private:
	double StmtCost(size_t s, const std::vector<size_t> &config)
	{
		auto key = std::make_pair(s, config);
		auto it = cache_.costs.find(key);
		if (it != cache_.costs.end())
			return it->second;
		// the statements as they are are always planned; new configurations up to the cap
		if (!config.empty() && cache_.calls >= options_.max_oracle_calls)
		{
			cache_.capped = true;
			return -1; // not planned
		}
		std::vector<const IndexCandidate *> ptrs;
		for (size_t c : config)
			ptrs.push_back(&candidates_[c]);
		double v = cost_(s, ptrs);
		cache_.calls++;
		cache_.costs.emplace(key, v);
		return v;
	}

	// Evaluate: candidate c added (or widening the chosen index it covers);
	// candidate SIZE_MAX when over a limit or when the gain is too small.
	Pick Evaluate(size_t c)
	{
		const IndexCandidate &cand = candidates_[c];
		const std::vector<size_t> &on = chosen_on_[cand.relation];
		Pick p;
		for (size_t q : on)
			if (Covers(cand, candidates_[q]))
				p.replaces = q;
		const bool widens = p.replaces != SIZE_MAX;
		p.extra_bytes = cand.size_bytes - (widens ? candidates_[p.replaces].size_bytes : 0);
		if (!widens && static_cast<int>(on.size()) >= options_.max_per_table)
			return Pick{};
		if (used_bytes_ + p.extra_bytes > options_.budget_bytes)
		{
			budget_skipped_ = true;
			return Pick{};
		}
		std::vector<size_t> config;
		for (size_t q : on)
			if (q != p.replaces)
				config.push_back(q);
		config.push_back(c);
		std::sort(config.begin(), config.end());
		// only the statements it may help (and those of the index it replaces) can change
		std::vector<size_t> affected = cand.statements;
		if (widens)
			affected.insert(affected.end(), candidates_[p.replaces].statements.begin(),
							candidates_[p.replaces].statements.end());
		std::sort(affected.begin(), affected.end());
		affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
		double benefit = 0, affected_cost = 0;
		bool speeds_up = false; // one of its statements at least min_statement_speedup times cheaper
		for (size_t s : affected)
			if (s < statements_.size() && statements_[s].relation == cand.relation &&
				current_[s] > options_.served_cost)
			{
				double after = StmtCost(s, config);
				if (after < 0)
					return Pick{}; // not planned (max_oracle_calls): no claim without a plan
				benefit += statements_[s].weight * (current_[s] - after);
				affected_cost += statements_[s].weight * current_[s];
				p.calls += statements_[s].weight;
				// much cheaper, and by more than a few page reads a call
				speeds_up = speeds_up || (after * options_.min_statement_speedup <= current_[s] &&
										  current_[s] - after >= options_.served_cost);
			}
		// too small a gain is not worth an index (a covering twin of the primary key...),
		// unless a statement becomes much faster
		bool share = benefit >= options_.min_workload_gain * sel_.cost_after &&
					 benefit >= options_.min_statement_gain * affected_cost;
		if (!share && !speeds_up)
			return Pick{};
		// the index writes it adds to the workload's inserts, deletes and updates
		// (for a widened index, only what the widening adds)
		const RelationInfo &rel = relations_[cand.relation];
		double upkeep = WriteUpkeep(rel, cand.columns, cand.include);
		if (widens)
			upkeep -= WriteUpkeep(rel, candidates_[p.replaces].columns, candidates_[p.replaces].include);
		p.candidate = c;
		p.benefit = benefit - options_.write_penalty * upkeep;
		p.ratio = p.benefit / std::max(p.extra_bytes, 1.0);
		return p;
	}

	// Apply adds the pick and re-costs the statements of its table.
	void Apply(const Pick &best)
	{
		const IndexCandidate &cand = candidates_[best.candidate];
		auto &on = chosen_on_[cand.relation];
		if (best.replaces != SIZE_MAX)
		{
			on.erase(std::remove(on.begin(), on.end(), best.replaces), on.end());
			auto at = std::find(sel_.chosen.begin(), sel_.chosen.end(), best.replaces);
			size_t pos = static_cast<size_t>(at - sel_.chosen.begin());
			sel_.benefit[pos] += best.benefit;
			*at = best.candidate; // the wider index takes the narrower one's place
		}
		on.push_back(best.candidate);
		std::sort(on.begin(), on.end());
		for (size_t s = 0; s < statements_.size(); s++)
			if (statements_[s].relation == cand.relation)
			{
				double before = current_[s], now = StmtCost(s, on);
				if (now < 0)
					continue; // not planned (max_oracle_calls): counted as unchanged
				current_[s] = now;
				sel_.cost_after -= statements_[s].weight * (before - now);
			}
		used_bytes_ += best.extra_bytes;
		if (best.replaces == SIZE_MAX)
		{
			sel_.chosen.push_back(best.candidate);
			sel_.benefit.push_back(best.benefit);
		}
	}

	const std::vector<RelationInfo> &relations_;
	const std::vector<StatementInfo> &statements_;
	const std::vector<IndexCandidate> &candidates_;
	const CostOracle &cost_;
	const AdvisorOptions &options_;
	OracleCache &cache_;
	Selection sel_{};
	std::vector<std::vector<size_t>> chosen_on_; // chosen candidates per relation
	std::vector<double> current_;				 // each statement's cost with the chosen set
	double used_bytes_ = 0;
	bool budget_skipped_ = false; // a candidate did not fit in the storage budget
};

double
TotalBenefit(const Selection &s)
{
	double t = 0;
	for (double b : s.benefit)
		t += b;
	return t;
}
} // namespace

Selection
SelectIndexes(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
			  const std::vector<IndexCandidate> &candidates, const CostOracle &cost, const AdvisorOptions &options)
{
	// the best K for any K: greedy by benefit; when the storage budget kept a
	// candidate out, greedy by benefit per byte may do better within it
	OracleCache cache;
	Greedy by_benefit(relations, statements, candidates, cost, options, cache);
	Selection sel = by_benefit.Run(false);
	if (!by_benefit.BudgetSkipped())
		return sel;
	Selection per_byte = Greedy(relations, statements, candidates, cost, options, cache).Run(true);
	sel.oracle_calls = per_byte.oracle_calls;
	sel.oracle_capped = per_byte.oracle_capped;
	return TotalBenefit(per_byte) > TotalBenefit(sel) ? per_byte : sel;
}
} // namespace xray::core
