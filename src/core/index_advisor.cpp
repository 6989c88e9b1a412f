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

std::vector<IndexCandidate>
GenerateCandidates(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
				   const AdvisorOptions &options)
{
	std::vector<IndexCandidate> out;
	std::map<std::pair<int, std::vector<int>>, size_t> seen; // (relation, columns) -> candidate

	auto add = [&](const StatementInfo &st, size_t s, std::vector<int> cols, std::vector<bool> desc,
				   std::vector<int> include = {}, int pred_col = -1, const std::string &pred_value = "") {
		if (cols.empty())
			return;
		const RelationInfo &rel = relations[st.relation];
		for (const auto &existing : rel.btree_indexes)
		{
			bool provided = IsPrefix(cols, existing) && pred_col < 0;
			for (int c : include)
				provided = provided && Contains(existing, c);
			if (provided)
				return; // an existing index already provides it
		}
		std::vector<int> id = cols;
		id.push_back(-1); // keys, then the INCLUDE columns, then the predicate
		id.insert(id.end(), include.begin(), include.end());
		id.push_back(-2);
		id.push_back(pred_col);
		auto key = std::make_pair(st.relation, id); // btree candidates only (gin ones are added apart)
		if (pred_col >= 0)
		{
			const size_t value_hash = std::hash<std::string>()(pred_value);
			key.second.push_back(static_cast<int>(value_hash & 0x7fffffff));
		}
		auto it = seen.find(key);
		if (it != seen.end())
		{
			auto &stmts = out[it->second].statements;
			if (std::find(stmts.begin(), stmts.end(), s) == stmts.end())
				stmts.push_back(s);
			return;
		}
		IndexCandidate c;
		c.relation = st.relation;
		c.columns = cols;
		c.desc = desc;
		c.include = include;
		c.predicate_column = pred_col;
		c.predicate_value = pred_value;
		double rows = pred_col >= 0 ? rel.rows * Selectivity(rel.columns[pred_col], rel.rows) : rel.rows;
		c.size_bytes =
			EstimateBtree(rows, KeyWidth(rel, cols) + KeyWidth(rel, include), options.block_size, 0.9).pages *
			options.block_size;
		c.statements.push_back(s);
		seen.emplace(key, out.size());
		out.push_back(std::move(c));
	};

	// gin candidates: one column each, for LIKE patterns (pg_trgm) and jsonb containment
	auto add_gin = [&](const StatementInfo &st, size_t s, int col, IndexMethod method) {
		const RelationInfo &rel = relations[st.relation];
		if (Contains(rel.gin_columns, col))
			return;
		for (IndexCandidate &c : out)
			if (c.relation == st.relation && c.method == method && c.columns[0] == col)
			{
				if (!Contains(std::vector<int>(c.statements.begin(), c.statements.end()), static_cast<int>(s)))
					c.statements.push_back(s);
				return;
			}
		IndexCandidate c;
		c.relation = st.relation;
		c.method = method;
		c.columns = {col};
		c.desc = {false};
		c.size_bytes = EstimateGinPages(rel.rows, rel.columns[col].width, options.block_size) * options.block_size;
		c.statements.push_back(s);
		out.push_back(std::move(c));
	};

	for (size_t s = 0; s < statements.size(); s++)
	{
		const StatementInfo &st = statements[s];
		if (st.relation < 0 || st.relation >= static_cast<int>(relations.size()))
			continue;
		const RelationInfo &rel = relations[st.relation];
		if (rel.rows < options.min_table_rows)
			continue;
		auto column_ok = [&](int c) { return c >= 0 && c < static_cast<int>(rel.columns.size()); };
		for (const ColumnUse &u : st.filters)
		{
			if (!column_ok(u.column))
				continue;
			if (u.kind == PredKind::kTrigram && options.trigram_available)
				add_gin(st, s, u.column, IndexMethod::kGinTrigram);
			else if (u.kind == PredKind::kJsonContains)
				add_gin(st, s, u.column, IndexMethod::kGinJsonbPath);
		}

		// equality columns, most selective first; one range column after them
		std::vector<int> eq, range;
		for (const ColumnUse &u : st.filters)
		{
			if (!column_ok(u.column))
				continue;
			if (u.kind != PredKind::kEq && u.kind != PredKind::kRange)
				continue;
			std::vector<int> &into = u.kind == PredKind::kEq ? eq : range;
			if (std::find(into.begin(), into.end(), u.column) == into.end() &&
				std::find(eq.begin(), eq.end(), u.column) == eq.end())
				into.push_back(u.column);
		}
		std::stable_sort(eq.begin(), eq.end(), [&](int a, int b) {
			return Selectivity(rel.columns[a], rel.rows) < Selectivity(rel.columns[b], rel.rows);
		});
		std::vector<int> key = eq;
		std::vector<bool> desc(eq.size(), false);
		if (!range.empty())
		{
			key.push_back(range.front());
			desc.push_back(false);
		}
		// ORDER BY columns can follow equality columns (not a range column)
		std::vector<int> sorted = eq;
		std::vector<bool> sorted_desc(eq.size(), false);
		bool sort_usable = !st.order_by.empty();
		for (const SortUse &o : st.order_by)
		{
			if (!column_ok(o.column))
			{
				sort_usable = false;
				break;
			}
			if (std::find(sorted.begin(), sorted.end(), o.column) == sorted.end())
			{
				sorted.push_back(o.column);
				sorted_desc.push_back(o.desc);
			}
		}
		add(st, s, key, desc);
		if (sort_usable && sorted != key)
			add(st, s, sorted, sorted_desc);
		// the few other columns it reads, INCLUDEd: an index-only scan
		auto covering = [&](const std::vector<int> &k, const std::vector<bool> &d) {
			if (k.empty() || st.referenced.empty())
				return;
			std::vector<int> extra;
			double width = 0;
			for (int c : st.referenced)
				if (column_ok(c) && !Contains(k, c) && !Contains(extra, c))
				{
					extra.push_back(c);
					width += rel.columns[c].width;
				}
			if (!extra.empty() && static_cast<int>(extra.size()) <= options.max_include &&
				width <= options.max_include_width)
			{
				std::sort(extra.begin(), extra.end());
				add(st, s, k, d, extra);
			}
		};
		covering(key, desc);
		if (sort_usable && sorted != key)
			covering(sorted, sorted_desc);

		// the same literal on a low-cardinality column every run: a partial index on the rest
		for (const ColumnUse &u : st.filters)
		{
			if (u.kind != PredKind::kEq || u.constant.empty() || u.constant.size() > 200 || !column_ok(u.column))
				continue;
			double distinct = 1.0 / Selectivity(rel.columns[u.column], rel.rows);
			if (distinct > options.partial_max_distinct)
				continue;
			auto without = [&](const std::vector<int> &k, const std::vector<bool> &d, std::vector<bool> *od) {
				std::vector<int> r;
				for (size_t i = 0; i < k.size(); i++)
					if (k[i] != u.column)
					{
						r.push_back(k[i]);
						od->push_back(d[i]);
					}
				return r;
			};
			std::vector<bool> kd, sd;
			std::vector<int> pk = without(key, desc, &kd);
			std::vector<int> ps = without(sorted, sorted_desc, &sd);
			add(st, s, pk, kd, {}, u.column, u.constant);
			if (sort_usable && ps != pk)
				add(st, s, ps, sd, {}, u.column, u.constant);
			break;
		}
		if (!eq.empty() && key.size() > eq.size())
			add(st, s, eq, std::vector<bool>(eq.size(), false));
		for (int c : eq)
			add(st, s, {c}, {false});
		for (int c : range)
			add(st, s, {c}, {false});
	}
	return out;
}

Selection
SelectIndexes(const std::vector<RelationInfo> &relations, const std::vector<StatementInfo> &statements,
			  const std::vector<IndexCandidate> &candidates, const CostOracle &cost, const AdvisorOptions &options)
{
	Selection sel{};
	std::vector<std::vector<size_t>> chosen_on(relations.size()); // chosen candidates per relation
	std::map<std::pair<size_t, std::vector<size_t>>, double> cache;

	auto stmt_cost = [&](size_t s, const std::vector<size_t> &config) {
		auto key = std::make_pair(s, config);
		auto it = cache.find(key);
		if (it != cache.end())
			return it->second;
		std::vector<const IndexCandidate *> ptrs;
		for (size_t c : config)
			ptrs.push_back(&candidates[c]);
		double v = cost(s, ptrs);
		sel.oracle_calls++;
		cache.emplace(key, v);
		return v;
	};

	std::vector<double> current(statements.size(), 0);
	for (size_t s = 0; s < statements.size(); s++)
	{
		current[s] = stmt_cost(s, {});
		sel.cost_before += statements[s].weight * current[s];
	}
	sel.cost_after = sel.cost_before;

	std::set<size_t> remaining;
	for (size_t c = 0; c < candidates.size(); c++)
		remaining.insert(c);
	double used_bytes = 0;

	while (static_cast<int>(sel.chosen.size()) < options.max_indexes && !remaining.empty())
	{
		size_t best = SIZE_MAX, best_replaces = SIZE_MAX;
		double best_ratio = 0, best_benefit = 0, best_bytes = 0;
		for (size_t c : remaining)
		{
			const IndexCandidate &cand = candidates[c];
			// "Extend": a candidate that widens a chosen index replaces it
			size_t replaces = SIZE_MAX;
			for (size_t p : chosen_on[cand.relation])
				if (Covers(cand, candidates[p]))
					replaces = p;
			double extra_bytes = cand.size_bytes - (replaces != SIZE_MAX ? candidates[replaces].size_bytes : 0);
			if (used_bytes + extra_bytes > options.budget_bytes)
				continue;
			if (replaces == SIZE_MAX && static_cast<int>(chosen_on[cand.relation].size()) >= options.max_per_table)
				continue;
			std::vector<size_t> config;
			for (size_t p : chosen_on[cand.relation])
				if (p != replaces)
					config.push_back(p);
			config.push_back(c);
			std::sort(config.begin(), config.end());
			// only the statements it may help (and those of the index it replaces) can change
			double benefit = 0, affected_cost = 0;
			std::vector<size_t> affected = cand.statements;
			if (replaces != SIZE_MAX)
				affected.insert(affected.end(), candidates[replaces].statements.begin(),
								candidates[replaces].statements.end());
			std::sort(affected.begin(), affected.end());
			affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
			for (size_t s : affected)
				if (s < statements.size() && statements[s].relation == cand.relation &&
					current[s] > options.served_cost)
				{
					benefit += statements[s].weight * (current[s] - stmt_cost(s, config));
					affected_cost += statements[s].weight * current[s];
				}
			// too small a gain is not worth an index (a covering twin of the primary key...)
			if (benefit < options.min_workload_gain * sel.cost_before ||
				benefit < options.min_statement_gain * affected_cost)
				continue;
			// the index writes it adds to the workload's inserts, deletes and updates
			// (for a widened index, only what the widening adds)
			const RelationInfo &rel = relations[cand.relation];
			double upkeep = WriteUpkeep(rel, cand.columns, cand.include);
			if (replaces != SIZE_MAX)
				upkeep -= WriteUpkeep(rel, candidates[replaces].columns, candidates[replaces].include);
			benefit -= options.write_penalty * upkeep;
			double ratio = benefit / std::max(extra_bytes, 1.0);
			if (benefit > 0 && ratio > best_ratio)
			{
				best = c;
				best_replaces = replaces;
				best_ratio = ratio;
				best_benefit = benefit;
				best_bytes = extra_bytes;
			}
		}
		if (best == SIZE_MAX)
			break;
		const IndexCandidate &cand = candidates[best];
		auto &on = chosen_on[cand.relation];
		if (best_replaces != SIZE_MAX)
		{
			on.erase(std::remove(on.begin(), on.end(), best_replaces), on.end());
			auto at = std::find(sel.chosen.begin(), sel.chosen.end(), best_replaces);
			size_t pos = static_cast<size_t>(at - sel.chosen.begin());
			sel.benefit[pos] += best_benefit;
			*at = best; // the wider index takes the narrower one's place
		}
		on.push_back(best);
		std::sort(on.begin(), on.end());
		for (size_t s = 0; s < statements.size(); s++)
			if (statements[s].relation == cand.relation)
			{
				double before = current[s];
				current[s] = stmt_cost(s, chosen_on[cand.relation]);
				sel.cost_after -= statements[s].weight * (before - current[s]);
			}
		used_bytes += best_bytes;
		if (best_replaces == SIZE_MAX)
		{
			sel.chosen.push_back(best);
			sel.benefit.push_back(best_benefit);
		}
		remaining.erase(best);
	}
	return sel;
}
} // namespace xray::core
