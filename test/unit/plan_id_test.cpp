// plan_id_test.cpp - plan ids are stable for equal shapes and sensitive to change.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "plan_id.hpp"

using namespace xray::core;

namespace
{
// A tiny plan model for tests: a node with tokens and children, hashed the way
// the adapter walks PostgreSQL plans (node tokens, then Open, children, Close).
struct Node
{
	uint32_t type;
	std::vector<std::pair<uint32_t, uint64_t>> tokens;
	std::vector<Node> children;
};

void
Walk(PlanIdBuilder &b, const Node &n)
{
	b.Tagged(kTagNode, n.type);
	for (auto &t : n.tokens)
		b.Tagged(t.first, t.second);
	b.Open();
	for (auto &c : n.children)
		Walk(b, c);
	b.Close();
}

uint64_t
Id(const Node &n)
{
	PlanIdBuilder b;
	Walk(b, n);
	return b.Finish();
}

Node
Join(uint64_t jointype, uint64_t rel_a, uint64_t rel_b)
{
	Node scan_a{10, {{kTagRelation, rel_a}}, {}};
	Node scan_b{11, {{kTagRelation, rel_b}, {kTagIndex, 900}}, {}};
	return Node{20, {{kTagJoinType, jointype}}, {scan_a, scan_b}};
}
} // namespace

TEST(PlanId, SameShapeSameId)
{
	EXPECT_EQ(Id(Join(0, 100, 200)), Id(Join(0, 100, 200)));
	EXPECT_NE(Id(Join(0, 100, 200)), 0u);
}

TEST(PlanId, SensitiveToEveryShapeElement)
{
	std::set<uint64_t> ids;
	ids.insert(Id(Join(0, 100, 200)));
	ids.insert(Id(Join(1, 100, 200))); // join type
	ids.insert(Id(Join(0, 101, 200))); // relation
	ids.insert(Id(Join(0, 200, 100))); // order of inputs
	Node dir = Join(0, 100, 200);
	dir.children[1].tokens.push_back({kTagDirection, 1}); // scan direction
	ids.insert(Id(dir));
	Node idx = Join(0, 100, 200);
	idx.children[1].tokens[1].second = 901; // another index
	ids.insert(Id(idx));
	EXPECT_EQ(ids.size(), 6u);
}

TEST(PlanId, TreeStructureMatters)
{
	// parent(child(grandchild)) vs parent(child, sibling) with the same tokens
	Node deep{1, {}, {Node{2, {}, {Node{3, {}, {}}}}}};
	Node wide{1, {}, {Node{2, {}, {}}, Node{3, {}, {}}}};
	EXPECT_NE(Id(deep), Id(wide));
}

TEST(PlanId, TagsSeparateRoles)
{
	PlanIdBuilder a, b;
	a.Tagged(kTagRelation, 5);
	b.Tagged(kTagIndex, 5);
	EXPECT_NE(a.Finish(), b.Finish());
}
