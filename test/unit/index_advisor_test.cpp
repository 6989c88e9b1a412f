// index_advisor_test.cpp - candidate generation and workload-level selection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "index_advisor.hpp"

using namespace xray::core;

namespace
{
bool
Contains(const std::vector<int> &v, int x)
{
	return std::find(v.begin(), v.end(), x) != v.end();
}

// orders(0 id, 1 customer_id, 2 status, 3 created, 4 note) with 1M rows
RelationInfo
Orders(double write_rows = 100)
{
	RelationInfo r;
	r.name = "orders";
	r.rows = 1e6;
	r.columns = {{"id", -1, 4}, {"customer_id", 50000, 4}, {"status", 5, 8}, {"created", -0.3, 4}, {"note", -0.9, 40}};
	r.btree_indexes = {{0}};
	r.write_rows = write_rows;
	return r;
}

// A toy planner: an index helps a statement through its leading equality
// columns (then one range column); it also avoids the sort when the ORDER BY
// columns follow the equality columns. Cost ~ rows read (+ sort).
double
ToyCost(const RelationInfo &rel, const StatementInfo &st, const std::vector<const IndexCandidate *> &config)
{
	auto filter_sel = [&](int col, PredKind *kind) {
		for (const ColumnUse &u : st.filters)
			if (u.column == col)
			{
				*kind = u.kind;
				return u.kind == PredKind::kEq ? Selectivity(rel.columns[col], rel.rows) : 0.05;
			}
		*kind = PredKind::kOther;
		return 1.0;
	};
	double all_sel = 1;
	for (const ColumnUse &u : st.filters)
		if (u.kind != PredKind::kOther)
			all_sel *= u.kind == PredKind::kEq ? Selectivity(rel.columns[u.column], rel.rows) : 0.05;
	double out_rows = std::max(1.0, rel.rows * all_sel);
	double sort = st.order_by.empty() ? 0 : out_rows * std::log2(out_rows + 1);
	double best = rel.rows + sort; // sequential scan
	for (const IndexCandidate *c : config)
	{
		double sel = 1;
		size_t i = 0;
		for (; i < c->columns.size(); i++)
		{
			PredKind kind;
			double s = filter_sel(c->columns[i], &kind);
			if (kind == PredKind::kOther)
				break;
			sel *= s;
			if (kind == PredKind::kRange)
			{
				i++;
				break;
			}
		}
		if (i == 0)
			continue;
		bool sorted = !st.order_by.empty() && c->columns.size() >= i + st.order_by.size();
		for (size_t k = 0; sorted && k < st.order_by.size(); k++)
			sorted = c->columns[i + k] == st.order_by[k].column;
		double cost = rel.rows * sel * 2 + 10 + (sorted ? 0 : sort);
		best = std::min(best, cost);
	}
	return best;
}

// Oracle: the toy planner with the table's existing indexes plus the configuration.
CostOracle
Oracle(const std::vector<RelationInfo> &rels, const std::vector<StatementInfo> &stmts)
{
	return [&rels, &stmts](size_t s, const std::vector<const IndexCandidate *> &config) {
		const RelationInfo &rel = rels[stmts[s].relation];
		std::vector<IndexCandidate> existing;
		for (const auto &cols : rel.btree_indexes)
			existing.push_back(
				IndexCandidate{stmts[s].relation, IndexMethod::kBtree, cols, std::vector<bool>(cols.size(), false)});
		std::vector<const IndexCandidate *> all = config;
		for (const auto &e : existing)
			all.push_back(&e);
		return ToyCost(rel, stmts[s], all);
	};
}

bool
Has(const std::vector<IndexCandidate> &cands, std::vector<int> cols)
{
	return std::any_of(cands.begin(), cands.end(), [&](const IndexCandidate &c) { return c.columns == cols; });
}
} // namespace

TEST(IndexAdvisor, CompositeCandidateOrdersEqualityBySelectivityThenRangeThenSort)
{
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {
		{1, 100, 0, {{2, PredKind::kEq}, {1, PredKind::kEq}, {3, PredKind::kRange}}, {}},
		{2, 50, 0, {{1, PredKind::kEq}}, {{3, true}}},
		{3, 10, 0, {{4, PredKind::kOther}}, {}},
	};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	EXPECT_TRUE(Has(cands, {1, 2, 3})); // customer_id (50k distinct) before status (5), then created
	EXPECT_TRUE(Has(cands, {1, 2}));
	EXPECT_TRUE(Has(cands, {1, 3})); // equality then ORDER BY created DESC
	EXPECT_FALSE(Has(cands, {4}));	 // LIKE '%x' / functions: no btree
	for (const auto &c : cands)
	{
		EXPECT_GT(c.size_bytes, 8192 * 100);
		if (c.columns == std::vector<int>{1, 3})
		{
			EXPECT_EQ(c.desc, (std::vector<bool>{false, true}));
		}
	}
}

TEST(IndexAdvisor, NoCandidateAnExistingIndexProvidesOrOnTinyTables)
{
	RelationInfo rel = Orders();
	rel.btree_indexes.push_back({1, 2});
	std::vector<RelationInfo> rels = {rel};
	std::vector<StatementInfo> stmts = {{1, 1, 0, {{1, PredKind::kEq}}, {}}, {2, 1, 0, {{0, PredKind::kEq}}, {}}};
	EXPECT_TRUE(GenerateCandidates(rels, stmts, AdvisorOptions{}).empty());
	rels[0].btree_indexes = {{0}};
	rels[0].rows = 500;
	EXPECT_TRUE(GenerateCandidates(rels, stmts, AdvisorOptions{}).empty());
}

TEST(IndexAdvisor, SelectsOneCompositeServingTwoStatements)
{
	// customer_id selective enough to index, not so selective that status adds nothing
	std::vector<RelationInfo> rels = {Orders()};
	rels[0].columns[1].n_distinct = 50;
	std::vector<StatementInfo> stmts = {
		{1, 100, 0, {{1, PredKind::kEq}, {2, PredKind::kEq}}, {}},
		{2, 100, 0, {{1, PredKind::kEq}}, {}},
	};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	AdvisorOptions opt;
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), opt);
	ASSERT_FALSE(sel.chosen.empty());
	EXPECT_LT(sel.cost_after, sel.cost_before * 0.05);
	// (customer_id) is cheapest per byte first, then widened to (customer_id, status):
	// one index serves both statements
	ASSERT_EQ(sel.chosen.size(), 1u);
	EXPECT_EQ(cands[sel.chosen[0]].columns, (std::vector<int>{1, 2}));
	for (double b : sel.benefit)
		EXPECT_GT(b, 0);
}

TEST(IndexAdvisor, RespectsBudgetCapsAndWritePenalty)
{
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {
		{1, 100, 0, {{1, PredKind::kEq}}, {}},
		{2, 100, 0, {{3, PredKind::kRange}}, {}},
		{3, 100, 0, {{2, PredKind::kEq}, {4, PredKind::kOther}}, {}},
	};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	AdvisorOptions opt;
	opt.max_per_table = 1;
	Selection one = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), opt);
	EXPECT_EQ(one.chosen.size(), 1u);

	opt.max_per_table = 3;
	opt.budget_bytes = 1; // nothing fits
	EXPECT_TRUE(SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), opt).chosen.empty());

	// a table written far more than read: no index pays for itself
	std::vector<RelationInfo> busy = {Orders(1e9)};
	EXPECT_TRUE(SelectIndexes(busy, stmts, cands, Oracle(busy, stmts), AdvisorOptions{}).chosen.empty());
}

TEST(IndexAdvisor, NothingWhenNoIndexHelpsAndOracleIsCached)
{
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {{1, 100, 0, {{4, PredKind::kOther}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), AdvisorOptions{});
	EXPECT_TRUE(sel.chosen.empty());
	EXPECT_DOUBLE_EQ(sel.cost_after, sel.cost_before);

	std::vector<StatementInfo> many;
	for (int i = 0; i < 50; i++)
		many.push_back({static_cast<uint64_t>(i), 1, 0, {{1 + i % 3, PredKind::kEq}}, {}});
	auto c2 = GenerateCandidates(rels, many, AdvisorOptions{});
	Selection s2 = SelectIndexes(rels, many, c2, Oracle(rels, many), AdvisorOptions{});
	// each (statement, configuration) is costed once
	EXPECT_LE(s2.oracle_calls, many.size() * (1 + c2.size() * (s2.chosen.size() + 1)));
}

TEST(IndexAdvisor, CoveringVariantIncludesTheFewOtherColumnsRead)
{
	std::vector<RelationInfo> rels = {Orders()};
	// SELECT status, created FROM orders WHERE customer_id = $1
	StatementInfo st{1, 100, 0, {{1, PredKind::kEq}}, {}};
	st.referenced = {1, 2, 3};
	auto cands = GenerateCandidates(rels, {st}, AdvisorOptions{});
	bool found = false;
	for (const auto &c : cands)
		if (c.columns == std::vector<int>{1} && c.include == std::vector<int>{2, 3})
			found = true;
	EXPECT_TRUE(found);
	// reading the wide note column too: no covering variant
	st.referenced = {1, 2, 3, 4};
	AdvisorOptions narrow;
	narrow.max_include_width = 30;
	for (const auto &c : GenerateCandidates(rels, {st}, narrow))
		EXPECT_TRUE(c.include.empty());
}

TEST(IndexAdvisor, UpdatesCountWhenTheyTouchTheIndexAndLoseHot)
{
	RelationInfo rel = Orders(0);
	rel.updates = {{{2}, 1000}};			 // UPDATE ... SET status: 1,000 rows, HOT today (no index on status)
	EXPECT_EQ(WriteUpkeep(rel, {1}, {}), 0); // an index on customer_id: still HOT
	// an index on status: written, and the updates lose HOT (the pkey is written too)
	EXPECT_EQ(WriteUpkeep(rel, {2}, {}), 1000 * 2);
	EXPECT_EQ(WriteUpkeep(rel, {1}, {2}), 1000 * 2); // INCLUDE columns count as well
	rel.btree_indexes.push_back({2, 3});
	EXPECT_EQ(WriteUpkeep(rel, {2}, {}), 1000); // not HOT anyway: only the new index
}

TEST(IndexAdvisor, GinCandidatesForPatternsAndJsonContainment)
{
	RelationInfo rel = Orders();
	rel.columns.push_back({"payload", -0.9, 120}); // 5: jsonb
	std::vector<RelationInfo> rels = {rel};
	std::vector<StatementInfo> stmts = {{1, 10, 0, {{4, PredKind::kTrigram}}, {}},
										{2, 10, 0, {{5, PredKind::kJsonContains}}, {}}};
	AdvisorOptions opt;
	auto without_trgm = GenerateCandidates(rels, stmts, opt);
	ASSERT_EQ(without_trgm.size(), 1u); // no pg_trgm: only the jsonb one
	EXPECT_EQ(without_trgm[0].method, IndexMethod::kGinJsonbPath);
	opt.trigram_available = true;
	auto both = GenerateCandidates(rels, stmts, opt);
	ASSERT_EQ(both.size(), 2u);
	EXPECT_EQ(both[0].method, IndexMethod::kGinTrigram);
	EXPECT_EQ(both[0].columns, std::vector<int>{4});
	EXPECT_GT(both[0].size_bytes, 0);
	// an existing gin index on the column: nothing
	rels[0].gin_columns = {4, 5};
	EXPECT_TRUE(GenerateCandidates(rels, stmts, opt).empty());
}

TEST(IndexAdvisor, PartialIndexForTheSameLiteralOnALowCardinalityColumn)
{
	std::vector<RelationInfo> rels = {Orders()};
	// WHERE status = 'pending' (always) AND customer_id = $1 ORDER BY created
	StatementInfo st{1, 100, 0, {{2, PredKind::kEq, "'pending'"}, {1, PredKind::kEq}}, {{3, false}}};
	auto cands = GenerateCandidates(rels, {st}, AdvisorOptions{});
	bool partial = false;
	for (const auto &c : cands)
		if (c.predicate_column == 2)
		{
			EXPECT_EQ(c.predicate_value, "'pending'");
			EXPECT_FALSE(Contains(c.columns, 2));
			partial = true;
		}
	EXPECT_TRUE(partial);
	// a literal on a high-cardinality column is no partial-index signal
	StatementInfo wide{2, 100, 0, {{1, PredKind::kEq, "42"}}, {}};
	for (const auto &c : GenerateCandidates(rels, {wide}, AdvisorOptions{}))
		EXPECT_EQ(c.predicate_column, -1);
}

TEST(IndexAdvisor, TinyGainsAreNotWorthAnIndex)
{
	std::vector<RelationInfo> rels = {Orders()};
	// widening (customer_id) by status saves almost nothing once customer_id is indexed,
	// next to a workload dominated by a statement no index helps
	std::vector<StatementInfo> stmts = {{1, 100, 0, {{1, PredKind::kEq}, {2, PredKind::kEq}}, {}},
										{2, 100, 0, {{4, PredKind::kOther}}, {}}};
	rels[0].btree_indexes.push_back({1});
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), AdvisorOptions{});
	EXPECT_TRUE(sel.chosen.empty());
}

TEST(IndexAdvisor, AStatementAlreadyServedCheaplyGetsNoIndex)
{
	// 18's skip scan: an existing (a, b) index answers "b = $1" in a few descents
	// (estimated cost 26); an index on (b) would cost 8 - three times less, but
	// nothing a user would notice. The same statement at a seq scan's cost gets it.
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {{1, 1000, 0, {{2, PredKind::kEq}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	ASSERT_FALSE(cands.empty());
	for (double before : {26.0, 2600.0})
	{
		CostOracle oracle = [before](size_t, const std::vector<const IndexCandidate *> &config) {
			return config.empty() ? before : 8.0;
		};
		Selection sel = SelectIndexes(rels, stmts, cands, oracle, AdvisorOptions{});
		EXPECT_EQ(sel.chosen.empty(), before <= AdvisorOptions{}.served_cost) << "cost before " << before;
	}
}

TEST(IndexAdvisor, RankIsByBenefitSoTheFirstKAreTheBestK)
{
	// a small index that saves little, a big one that saves a lot: the big one first
	// (by benefit per byte the small one would come first)
	std::vector<RelationInfo> rels = {Orders()};
	rels[0].columns[4].width = 400; // note: a wide key
	std::vector<StatementInfo> stmts = {{1, 10, 0, {{2, PredKind::kEq}}, {}}, {2, 1000, 0, {{4, PredKind::kEq}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), AdvisorOptions{});
	ASSERT_GE(sel.chosen.size(), 2u);
	EXPECT_EQ(cands[sel.chosen[0]].columns, std::vector<int>{4});
	EXPECT_FALSE(sel.by_ratio);
	EXPECT_GE(sel.benefit[0], sel.benefit[1]);
}

TEST(IndexAdvisor, ABindingBudgetRanksByBenefitPerByte)
{
	std::vector<RelationInfo> rels = {Orders()};
	rels[0].columns[4].width = 400;
	std::vector<StatementInfo> stmts = {{1, 600, 0, {{2, PredKind::kEq}}, {}},
										{2, 700, 0, {{4, PredKind::kEq}}, {}},
										{3, 600, 0, {{3, PredKind::kEq}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	double small = 0, wide = 0;
	for (const auto &c : cands)
		(c.columns == std::vector<int>{4} ? wide : small) =
			std::max(c.columns == std::vector<int>{4} ? wide : small, c.size_bytes);
	AdvisorOptions opt;
	opt.budget_bytes = wide; // the wide one alone, or the two small ones together
	ASSERT_LT(2 * small, wide);
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), opt);
	double used = 0;
	for (size_t c : sel.chosen)
		used += cands[c].size_bytes;
	EXPECT_LE(used, opt.budget_bytes);
	EXPECT_TRUE(sel.by_ratio) << "the two small indexes save more within the budget";
	EXPECT_EQ(sel.chosen.size(), 2u);
}

TEST(IndexAdvisor, ASmallStatementMadeMuchFasterGetsItsIndex)
{
	// one statement is 99.9 % of the workload and no index helps it; a small one goes
	// from a sequential scan to an index scan: advised, although it saves 0.1 %
	std::vector<RelationInfo> rels = {Orders(0)};
	std::vector<StatementInfo> stmts = {{1, 100000, 0, {{4, PredKind::kOther}}, {}},
										{2, 100, 0, {{1, PredKind::kEq}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), AdvisorOptions{});
	ASSERT_EQ(sel.chosen.size(), 1u);
	EXPECT_EQ(cands[sel.chosen[0]].columns, std::vector<int>{1});
	EXPECT_LT(sel.benefit[0], 0.005 * sel.cost_before);
}

TEST(IndexAdvisor, WhatIfCallsAreCapped)
{
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts;
	for (int i = 0; i < 40; i++)
		stmts.push_back(
			{static_cast<uint64_t>(i), 10, 0, {{1 + i % 4, PredKind::kEq}, {1 + (i / 4) % 4, PredKind::kRange}}, {}});
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	AdvisorOptions opt;
	opt.max_oracle_calls = 60;
	size_t calls = 0;
	auto base = Oracle(rels, stmts);
	CostOracle counting = [&](size_t s, const std::vector<const IndexCandidate *> &c) {
		calls++;
		return base(s, c);
	};
	Selection sel = SelectIndexes(rels, stmts, cands, counting, opt);
	EXPECT_TRUE(sel.oracle_capped);
	EXPECT_EQ(sel.oracle_calls, calls);
	EXPECT_LE(calls, opt.max_oracle_calls + stmts.size()) << "base costs, then at most the cap";
}

TEST(IndexAdvisor, TwoCandidatesMergedIntoOneIndexThatServesBoth)
{
	// S1: status = x (a feed by status); S2: customer_id = x AND status = y. Their
	// own keys are (status) and (customer_id, status); the merge (status,
	// customer_id) serves both, and with one index allowed it is the pick
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {
		{1, 100, 0, {{2, PredKind::kEq}}, {}},
		{2, 100, 0, {{1, PredKind::kEq}, {2, PredKind::kEq}}, {}},
	};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	auto merged = std::find_if(cands.begin(), cands.end(), [](const IndexCandidate &c) {
		return c.columns == std::vector<int>{2, 1};
	});
	ASSERT_NE(merged, cands.end());
	EXPECT_EQ(merged->statements.size(), 2u);
	AdvisorOptions opt;
	opt.max_indexes = 1;
	Selection sel = SelectIndexes(rels, stmts, cands, Oracle(rels, stmts), opt);
	ASSERT_EQ(sel.chosen.size(), 1u);
	EXPECT_EQ(cands[sel.chosen[0]].columns, (std::vector<int>{2, 1}));
	// no merge when the second statement does not compare the first one's keys with =
	stmts[1].filters = {{1, PredKind::kEq}, {2, PredKind::kRange}};
	EXPECT_FALSE(Has(GenerateCandidates(rels, stmts, AdvisorOptions{}), {2, 1}));
}

TEST(IndexAdvisor, KeysWithoutAJoinColumnThePrimaryKeyLeads)
{
	// id = outer.id AND status = x AND customer_id = y: the primary key serves id;
	// (customer_id, status) is proposed next to (id, customer_id, status)
	std::vector<RelationInfo> rels = {Orders()};
	std::vector<StatementInfo> stmts = {{1, 100, 0, {{0, PredKind::kEq}, {2, PredKind::kEq}, {1, PredKind::kEq}}, {}}};
	auto cands = GenerateCandidates(rels, stmts, AdvisorOptions{});
	EXPECT_TRUE(Has(cands, {0, 1, 2}));
	EXPECT_TRUE(Has(cands, {1, 2}));
}
