// advice_text_test.cpp - the texts of the index advice.
#include "advice_text.hpp"

#include <algorithm>

#include <gtest/gtest.h>

using namespace xray::core;

namespace
{
// Bytes, as a single-byte encoding clips.
size_t
ClipBytes(const std::string &s, size_t limit)
{
	return std::min(s.size(), limit);
}

// UTF-8: never splits a character.
size_t
ClipUtf8(const std::string &s, size_t limit)
{
	size_t n = std::min(s.size(), limit);
	while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
		n--;
	return n;
}

IndexShape
Btree(std::vector<std::string> keys, std::vector<bool> desc = {})
{
	IndexShape s;
	s.keys = std::move(keys);
	s.desc = desc.empty() ? std::vector<bool>(s.keys.size(), false) : std::move(desc);
	return s;
}
} // namespace

TEST(AdviceText, BtreeColumnsAndCreate)
{
	IndexShape s = Btree({"customer_id", "created_at"}, {false, true});
	EXPECT_EQ(IndexColumnsText(s), "customer_id, created_at DESC");
	EXPECT_EQ(CreateIndexText("public.orders", s, false, ""),
			  "CREATE INDEX ON public.orders (customer_id, created_at DESC)");
	EXPECT_EQ(CreateIndexText("public.orders", s, true, "orders_customer_id_created_at_idx"),
			  "CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON public.orders (customer_id, created_at "
			  "DESC)");
}

TEST(AdviceText, IncludeAndPartial)
{
	IndexShape s = Btree({"a"});
	s.include = {"b", "\"Odd Name\""};
	s.predicate_column = "status";
	s.predicate_value = "'open'";
	EXPECT_EQ(IndexColumnsText(s), "a INCLUDE (b, \"Odd Name\") WHERE status = 'open'");
	EXPECT_EQ(CreateIndexText("s.t", s, false, "i"),
			  "CREATE INDEX i ON s.t (a) INCLUDE (b, \"Odd Name\") WHERE status = 'open'");
}

TEST(AdviceText, GinOperatorClasses)
{
	IndexShape trgm = Btree({"(lower(email))"});
	trgm.method = IndexMethod::kGinTrigram;
	EXPECT_EQ(IndexColumnsText(trgm), "(lower(email)) gin_trgm_ops");
	EXPECT_EQ(CreateIndexText("s.t", trgm, false, ""), "CREATE INDEX ON s.t USING gin ((lower(email)) gin_trgm_ops)");
	IndexShape json = Btree({"doc"});
	json.method = IndexMethod::kGinJsonbPath;
	EXPECT_EQ(CreateIndexText("s.t", json, true, "x"),
			  "CREATE INDEX CONCURRENTLY x ON s.t USING gin (doc jsonb_path_ops)");
}

TEST(AdviceText, AdvisedNameKeepsWordsAndCollapsesTheRest)
{
	EXPECT_EQ(AdvisedName("orders", {"customer_id", "created_at"}, ClipBytes), "orders_customer_id_created_at_idx");
	// an expression: its punctuation becomes one underscore, none trails
	EXPECT_EQ(AdvisedName("users", {"lower(email)"}, ClipBytes), "users_lower_email_idx");
	EXPECT_EQ(AdvisedName("t", {"Odd Name", "x"}, ClipBytes), "t_Odd_Name_x_idx");
	// non-ASCII letters stay
	EXPECT_EQ(AdvisedName("café", {"prix"}, ClipBytes), "café_prix_idx");
}

TEST(AdviceText, AdvisedNameLeavesRoomForASuffixAndNeverSplitsACharacter)
{
	std::string table(70, 'a');
	std::string n = AdvisedName(table, {"b"}, ClipBytes);
	EXPECT_EQ(n.size(), kMaxNameBytes - 4);
	std::string wide;
	for (int i = 0; i < 40; i++)
		wide += "é"; // 2 bytes each
	n = AdvisedName(wide, {"c"}, ClipUtf8);
	EXPECT_LE(n.size(), kMaxNameBytes - 4);
	EXPECT_EQ(n.size() % 2, 0u) << "a character was split: " << n;
}

TEST(AdviceText, UniqueNameNumbersClippedNames)
{
	std::vector<std::string> taken = {"t_a_idx", "t_a_idx_2"};
	auto is_taken = [&](const std::string &s) { return std::find(taken.begin(), taken.end(), s) != taken.end(); };
	EXPECT_EQ(UniqueName("t_b_idx", is_taken, ClipBytes), "t_b_idx");
	EXPECT_EQ(UniqueName("t_a_idx", is_taken, ClipBytes), "t_a_idx_3");
	std::string long_name(kMaxNameBytes, 'x');
	taken = {long_name};
	std::string u = UniqueName(long_name, is_taken, ClipBytes);
	EXPECT_EQ(u.size(), kMaxNameBytes);
	EXPECT_EQ(u.substr(u.size() - 2), "_2");
}

TEST(AdviceText, ReplacedIndexesArePrefixesThatMayBeDropped)
{
	std::vector<ExistingIndex> existing = {
		{{0}, true},	   // (a): a prefix of (a, b)
		{{0, 1}, true},	   // (a, b): the same keys
		{{1}, true},	   // (b): not a prefix
		{{0}, false},	   // unique (a): kept
		{{0, 1, 2}, true}, // wider: not replaced
	};
	EXPECT_EQ(ReplacedIndexes(existing, IndexMethod::kBtree, {0, 1}), (std::vector<size_t>{0, 1}));
	EXPECT_TRUE(ReplacedIndexes(existing, IndexMethod::kGinTrigram, {0, 1}).empty());
}

TEST(AdviceText, IndexesInUse)
{
	// statement 1 was not planned (no row); index 1 is used by nobody
	std::vector<std::vector<bool>> used = {{true, false, false}, {}, {false, false, true}};
	EXPECT_EQ(IndexesInUse(used, 3), (std::vector<size_t>{0, 2}));
	EXPECT_TRUE(IndexesInUse({}, 2).empty());
}

TEST(AdviceText, ReasonSentence)
{
	ReasonFacts f{1, 1200, "orders", 500000, "customer_id", 87.4, 0, 0, 0};
	EXPECT_EQ(AdviceReason(f), "1 statement (1200 calls) on orders (500000 rows) filter or sort on (customer_id); with "
							   "this index their estimated workload cost falls by 87%");
	f.statements = 2;
	f.sampled_runs = 4;
	f.sampled_rows = 40;
	f.sampled_removed = 1999960;
	EXPECT_EQ(AdviceReason(f), "2 statements (1200 calls) on orders (500000 rows) filter or sort on (customer_id); "
							   "with this index their estimated workload cost falls by 87%; in 4 sampled runs its "
							   "scans returned 10 rows and their filters removed 499990 per run");
	f.sampled_runs = 1;
	EXPECT_NE(AdviceReason(f).find("in 1 sampled run its"), std::string::npos);
}

TEST(AdviceText, PlanLineUsing)
{
	std::string plan = "Nested Loop  (cost=0.29..16.33 rows=1 width=8)\n"
					   "  ->  Seq Scan on a  (cost=0.00..1.01 rows=1 width=4)\n"
					   "  ->  Index Scan using \"a b_idx\" on b  (cost=0.29..8.31 rows=1 width=4)\n"
					   "        Index Cond: (x = a.x)\n";
	std::string line;
	ASSERT_TRUE(PlanLineUsing(plan, "\"a b_idx\"", &line));
	EXPECT_EQ(line, "Index Scan using \"a b_idx\" on b  (cost=0.29..8.31 rows=1 width=4)");
	EXPECT_FALSE(PlanLineUsing(plan, "other_idx", &line));
	EXPECT_FALSE(PlanLineUsing("", "x", &line));
}

TEST(AdviceText, AdvisableStatements)
{
	EXPECT_TRUE(IsAdvisableStatement("SELECT 1"));
	EXPECT_TRUE(IsAdvisableStatement(" \n\t(select a from t)"));
	EXPECT_TRUE(IsAdvisableStatement("WITH x AS (SELECT 1) SELECT * FROM x"));
	EXPECT_TRUE(IsAdvisableStatement("Update t SET a = $1"));
	EXPECT_TRUE(IsAdvisableStatement("delete from t"));
	EXPECT_TRUE(IsAdvisableStatement("INSERT INTO t VALUES ($1)"));
	EXPECT_FALSE(IsAdvisableStatement("VACUUM t"));
	EXPECT_FALSE(IsAdvisableStatement("CREATE INDEX ON t (a)"));
	EXPECT_FALSE(IsAdvisableStatement("sel"));
	EXPECT_FALSE(IsAdvisableStatement(""));
	EXPECT_FALSE(IsAdvisableStatement(nullptr));
}

TEST(AdviceText, RankWorkloadMergesAndOrdersByTime)
{
	std::vector<RecordedStatement> rows = {
		{1, 10, 0, 5, 50, 10.0},  // query 1, role 10
		{2, 10, 1, 1, 1, 100.0},  // query 2
		{1, 11, 2, 5, 50, 200.0}, // query 1 again, another role: merged into the first
		{3, 10, 3, 1, 1, 100.0},  // ties with query 2: recording order kept
	};
	std::vector<RecordedStatement> r = RankWorkload(rows, 10);
	ASSERT_EQ(r.size(), 3u);
	EXPECT_EQ(r[0].queryid, 1u);
	EXPECT_EQ(r[0].userid, 10u);
	EXPECT_EQ(r[0].row, 0u);
	EXPECT_DOUBLE_EQ(r[0].calls, 10);
	EXPECT_DOUBLE_EQ(r[0].rows, 100);
	EXPECT_DOUBLE_EQ(r[0].total_ms, 210);
	EXPECT_EQ(r[1].queryid, 2u);
	EXPECT_EQ(r[2].queryid, 3u);
	EXPECT_EQ(RankWorkload(rows, 1).size(), 1u);
	EXPECT_TRUE(RankWorkload(rows, 0).empty());
}

TEST(AdviceText, FilterListKeepsTheFirstWayAColumnIsUsed)
{
	FilterList<2> f{};
	EXPECT_TRUE(f.Add(3, PredKind::kEq, "'x'"));
	EXPECT_FALSE(f.Add(3, PredKind::kRange));
	EXPECT_TRUE(f.Add(1, PredKind::kRange));
	EXPECT_FALSE(f.Add(2, PredKind::kEq)) << "full";
	ASSERT_EQ(f.n, 2);
	EXPECT_EQ(f.kind[0], PredKind::kEq);
	EXPECT_STREQ(f.constant[0], "'x'");
	EXPECT_EQ(f.constant[1], nullptr);
	EXPECT_TRUE(f.Has(1));
	EXPECT_FALSE(f.Has(2));
}

TEST(AdviceText, ReasonNamesTheStatementLatencyAndTheOneOffLoad)
{
	ReasonFacts f{1, 40, "big", 600000, "a", 30, 0, 0, 0};
	f.top_queryid = 77;
	f.top_mean_ms = 120;
	f.top_p95_ms = 180;
	f.top_cost_ratio = 0.02;
	f.bulk_rows = 600000;
	f.bulk_slower_pct = BulkSlowdownPct(0);
	std::string r = AdviceReason(f);
	EXPECT_NE(r.find("; statement 77: mean 120 ms, p95 180 ms now, about 2.4 ms, p95 3.6 ms with it"),
			  std::string::npos)
		<< r;
	EXPECT_NE(r.find("; makes the one-off write of 600000 rows (a load or backfill) about 300% slower"),
			  std::string::npos)
		<< r;
	EXPECT_LT(BulkSlowdownPct(2), BulkSlowdownPct(1));
	EXPECT_EQ(Latency(0.421), "0.42 ms");
	EXPECT_EQ(Latency(3100), "3.1 s");
}
