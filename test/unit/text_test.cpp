// text_test.cpp - normalized query text and plan text layout.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "plan_text.hpp"
#include "query_text.hpp"

using namespace xray::core;

TEST(QueryText, ReplacesConstantsInOrder)
{
	const char *q = "SELECT * FROM t WHERE a = 42 AND b = 'x''y' LIMIT 10";
	ConstLocation locs[] = {{50, 2}, {26, 2}, {37, 6}};
	char out[128];
	size_t n = NormalizeQuery(q, std::strlen(q), locs, 3, 0, out, sizeof(out));
	EXPECT_EQ(std::string(out, n), "SELECT * FROM t WHERE a = $1 AND b = $2 LIMIT $3");
}

TEST(QueryText, NumbersAfterExistingParamsAndSkipsUnknown)
{
	const char *q = "SELECT $1, 5, 6";
	ConstLocation locs[] = {{11, 1}, {14, -1}, {11, 1}};
	char out[64];
	size_t n = NormalizeQuery(q, std::strlen(q), locs, 3, 1, out, sizeof(out));
	EXPECT_EQ(std::string(out, n), "SELECT $1, $2, 6");
}

TEST(QueryText, SquashedListIsOneParameterWithMarker)
{
	// PostgreSQL 18 records a constant IN list as one location spanning its elements
	const char *q = "SELECT * FROM t WHERE a IN (1, 2, 3) AND b = 7";
	ConstLocation locs[] = {{45, 1}, {28, 7, true}};
	std::vector<char> out(NormalizedSizeBound(std::strlen(q), 2));
	size_t n = NormalizeQuery(q, std::strlen(q), locs, 2, 0, out.data(), out.size());
	EXPECT_EQ(std::string(out.data(), n), "SELECT * FROM t WHERE a IN ($1 /*, ... */) AND b = $2");
}

TEST(QueryText, BoundedOutput)
{
	const char *q = "SELECT 1234567890";
	ConstLocation locs[] = {{7, 10}};
	char out[8];
	size_t n = NormalizeQuery(q, std::strlen(q), locs, 1, 0, out, sizeof(out));
	EXPECT_EQ(n, 7u);
	EXPECT_EQ(std::string(out), "SELECT ");
	EXPECT_GE(NormalizedSizeBound(std::strlen(q), 1), std::strlen("SELECT $1") + 1);
}

TEST(PlanText, LaysOutLikeExplain)
{
	const char *d0[] = {"Join Type: Inner"};
	const char *d2[] = {"Index Cond: (id = a.x)"};
	PlanTextNode nodes[] = {
		{0, "Nested Loop", d0, 1},
		{1, "Seq Scan on a", nullptr, 0},
		{1, "Index Scan using b_pkey on b", d2, 1},
	};
	char out[256];
	FormatPlanText(nodes, 3, out, sizeof(out));
	EXPECT_STREQ(out, "Nested Loop\n"
					  "  Join Type: Inner\n"
					  "  ->  Seq Scan on a\n"
					  "  ->  Index Scan using b_pkey on b\n"
					  "        Index Cond: (id = a.x)");
}

TEST(PlanText, CutTextEndsWithEllipsis)
{
	PlanTextNode nodes[] = {{0, "Seq Scan on a_table_with_a_long_name", nullptr, 0}};
	char out[16];
	size_t n = FormatPlanText(nodes, 1, out, sizeof(out));
	EXPECT_EQ(n, 15u);
	EXPECT_EQ(std::string(out).substr(12), "...");
}

TEST(QueryText, ConstantLengthOfCommonLiterals)
{
	auto len = [](const char *q, size_t pos) { return ConstantLength(q, std::strlen(q), pos); };
	EXPECT_EQ(len("a = 42 AND", 4), 2);
	EXPECT_EQ(len("a = 42", 4), 2);
	EXPECT_EQ(len("a = -5)", 4), 2);
	EXPECT_EQ(len("a = - 5)", 4), 3);
	EXPECT_EQ(len("x = 1.5e-3,", 4), 6);
	EXPECT_EQ(len("x = .5 ", 4), 2);
	EXPECT_EQ(len("x = 3.", 4), 2);
	EXPECT_EQ(len("s = 'it''s' AND", 4), 7);
	EXPECT_EQ(len("s = ''", 4), 2);
	EXPECT_EQ(len("r = 1..2", 4), 1);
	// left to PostgreSQL's lexer
	EXPECT_EQ(len("s = E'\\n'", 4), -1);
	EXPECT_EQ(len("s = $$x$$", 4), -1);
	EXPECT_EQ(len("s = 'a'\n 'b'", 4), -1);
	EXPECT_EQ(len("s = 'open", 4), -1);
	EXPECT_EQ(len("x = 0x1F", 4), -1);
	EXPECT_EQ(len("x = 12abc", 4), -1);
	EXPECT_EQ(len("x = interval '1 day'", 4), -1);
	EXPECT_EQ(len("x = --c\n1", 4), -1);
	EXPECT_EQ(len("x", 5), -1);
}

TEST(QueryText, ManyParamsNumberCorrectly)
{
	std::string q = "VALUES ";
	std::vector<ConstLocation> locs;
	for (int i = 0; i < 120; i++)
	{
		if (i)
			q += ",";
		locs.push_back({static_cast<int>(q.size()), 1});
		q += "7";
	}
	std::vector<char> out(NormalizedSizeBound(q.size(), 120));
	size_t n = NormalizeQuery(q.data(), q.size(), locs.data(), 120, 0, out.data(), out.size());
	std::string s(out.data(), n);
	EXPECT_EQ(s.substr(0, 14), "VALUES $1,$2,$");
	EXPECT_EQ(s.substr(s.size() - 9), "$119,$120");
}

TEST(QueryText, TypedLiteralParamsBecomeCasts)
{
	auto rewrite = [](const std::string &q) {
		std::vector<char> out(q.size() * 2 + 16);
		int n = CastTypedParams(q.data(), q.size(), out.data(), out.size());
		return std::make_pair(n, std::string(out.data()));
	};
	EXPECT_EQ(rewrite("SELECT * FROM t WHERE d > date $1 AND x = $2"),
			  std::make_pair(1, std::string("SELECT * FROM t WHERE d > $1::date AND x = $2")));
	EXPECT_EQ(rewrite("WHERE ts < now() - INTERVAL $12"),
			  std::make_pair(1, std::string("WHERE ts < now() - $12::INTERVAL")));
	// identifiers that merely contain a type name, or a type not followed by a parameter, stay
	EXPECT_EQ(rewrite("SELECT update_date $1, date_col FROM t WHERE date = $2").first, 0);
}
