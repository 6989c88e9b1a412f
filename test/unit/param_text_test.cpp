// param_text_test.cpp - bound parameter values put back into statement texts.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "param_text.hpp"

using namespace xray::core;

namespace
{
struct Bound
{
	long n;
	std::string text;
	std::vector<BoundAt> at;
};

ParamLiteral
Lit(const char *s, size_t quoted)
{
	return ParamLiteral{s, std::strlen(s), quoted};
}

Bound
Bind(const std::string &q, const std::vector<ParamLiteral> &v, size_t out_size = 512)
{
	std::vector<char> out(out_size);
	BoundAt at[8];
	int nat = 0;
	long n = BindParams(q.data(), q.size(), v.data(), static_cast<int>(v.size()), out.data(), out.size(), at, 8, &nat);
	return Bound{n, n >= 0 ? std::string(out.data(), static_cast<size_t>(n)) : "", std::vector<BoundAt>(at, at + nat)};
}
} // namespace

TEST(ParamText, ValuesReplaceParameters)
{
	Bound b = Bind("SELECT * FROM t WHERE a = $1 AND b IN ($2, $1)", {Lit("'7'::integer", 3), Lit("'x''y'::text", 6)});
	EXPECT_EQ(b.text, "SELECT * FROM t WHERE a = '7'::integer AND b IN ('x''y'::text, '7'::integer)");
	EXPECT_EQ(b.n, static_cast<long>(b.text.size()));
	ASSERT_EQ(b.at.size(), 3u);
	EXPECT_EQ(b.text.substr(b.at[0].at, b.at[0].len), "'7'");
	EXPECT_EQ(b.text.substr(b.at[1].at, b.at[1].len), "'x''y'");
	EXPECT_EQ(b.text.substr(b.at[2].at, b.at[2].len), "'7'");
}

TEST(ParamText, StringsIdentifiersCommentsAndDollarQuotesStay)
{
	std::vector<ParamLiteral> v = {Lit("'1'::integer", 3)};
	EXPECT_EQ(Bind("SELECT '$1', \"$1\", $1 -- $1\n", v).text, "SELECT '$1', \"$1\", '1'::integer -- $1\n");
	EXPECT_EQ(Bind("SELECT /* $1 /* $1 */ */ $1", v).text, "SELECT /* $1 /* $1 */ */ '1'::integer");
	EXPECT_EQ(Bind("SELECT $f$ $1 $f$, $$ $1 $$, $1", v).text, "SELECT $f$ $1 $f$, $$ $1 $$, '1'::integer");
	EXPECT_EQ(Bind("SELECT E'\\' $1', $1", v).text, "SELECT E'\\' $1', '1'::integer");
	EXPECT_EQ(Bind("SELECT 'it''s $1', a$1 FROM t", v).text, "SELECT 'it''s $1', a$1 FROM t");
}

TEST(ParamText, NullValuesHaveNoQuotedLiteral)
{
	Bound b = Bind("UPDATE t SET a = $1 WHERE id = $2", {Lit("NULL::text", 0), Lit("'3'::bigint", 3)});
	EXPECT_EQ(b.text, "UPDATE t SET a = NULL::text WHERE id = '3'::bigint");
	ASSERT_EQ(b.at.size(), 1u);
	EXPECT_EQ(b.text.substr(b.at[0].at, b.at[0].len), "'3'");
}

TEST(ParamText, UnknownParameterNumbersAndOverflowFail)
{
	std::vector<ParamLiteral> v = {Lit("'1'::integer", 3)};
	EXPECT_EQ(Bind("SELECT $2", v).n, -1);
	EXPECT_EQ(Bind("SELECT $0", v).n, -1);
	EXPECT_EQ(Bind("SELECT $99999999999999999999", v).n, -1);
	EXPECT_EQ(Bind("SELECT $1, $1, $1", v, 16).n, -1);
	EXPECT_EQ(Bind("SELECT 1", {}, 9).text, "SELECT 1");
	EXPECT_EQ(Bind("SELECT 1", {}, 8).n, -1);
	// an unterminated string is copied as it is
	EXPECT_EQ(Bind("SELECT 'abc $1", v).text, "SELECT 'abc $1");
}
