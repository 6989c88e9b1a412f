// lock_graph_test.cpp - blocking forest: roots, depth, cycles, blocked counts, renderings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lock_graph.hpp"

using namespace xray::core;

namespace
{
WaitEdge
E(int32_t w, int32_t b, double s = 1.0)
{
	return WaitEdge{w, b, s, ""};
}

const ForestNode &
Find(const std::vector<ForestNode> &f, int32_t pid)
{
	for (const ForestNode &n : f)
		if (n.pid == pid)
			return n;
	ADD_FAILURE() << "pid " << pid << " missing";
	return f.front();
}
} // namespace

TEST(LockGraph, ChainHasOneRootAndGrowingDepth)
{
	// 30 waits on 20, 20 waits on 10
	auto f = BuildForest({E(30, 20, 2), E(20, 10, 5)});
	ASSERT_EQ(f.size(), 3u);
	EXPECT_EQ(f[0].pid, 10);
	EXPECT_EQ(f[1].pid, 20);
	EXPECT_EQ(f[2].pid, 30);
	EXPECT_EQ(Find(f, 30).root, 10);
	EXPECT_EQ(Find(f, 30).depth, 2);
	EXPECT_EQ(Find(f, 30).path, (std::vector<int32_t>{10, 20, 30}));
	EXPECT_EQ(Find(f, 10).blocked_sessions, 2);
	EXPECT_DOUBLE_EQ(Find(f, 10).blocked_wait_s, 7.0);
	EXPECT_EQ(Find(f, 20).blocked_sessions, 1);
	EXPECT_EQ(Find(f, 10).depth_below, 2);
	EXPECT_EQ(Find(f, 30).depth_below, 0);
	EXPECT_FALSE(Find(f, 10).waiting);
	EXPECT_TRUE(Find(f, 20).waiting);
	EXPECT_FALSE(Find(f, 20).in_cycle);
}

TEST(LockGraph, FanOutAndRootsOrderedByBlockedSessions)
{
	std::vector<WaitEdge> edges;
	for (int w = 101; w <= 105; w++)
		edges.push_back(E(w, 100));
	edges.push_back(E(7, 5));
	auto f = BuildForest(edges);
	ASSERT_EQ(f.size(), 8u);
	EXPECT_EQ(f[0].pid, 100);
	EXPECT_EQ(f[0].blocked_sessions, 5);
	for (int i = 1; i <= 5; i++)
	{
		EXPECT_EQ(f[i].pid, 100 + i);
		EXPECT_EQ(f[i].depth, 1);
		EXPECT_EQ(f[i].root, 100);
	}
	EXPECT_EQ(f[6].pid, 5);
	EXPECT_EQ(f[7].pid, 7);
}

TEST(LockGraph, TwoSessionCycleIsMarkedAndRootedAtTheSmallerPid)
{
	auto f = BuildForest({E(41, 42), E(42, 41), E(43, 42)});
	ASSERT_EQ(f.size(), 3u);
	EXPECT_EQ(f[0].pid, 41);
	EXPECT_EQ(f[0].depth, 0);
	EXPECT_TRUE(f[0].in_cycle);
	EXPECT_TRUE(Find(f, 42).in_cycle);
	EXPECT_FALSE(Find(f, 43).in_cycle);
	EXPECT_EQ(Find(f, 42).depth, 1);
	EXPECT_EQ(Find(f, 43).depth, 2);
	EXPECT_EQ(Find(f, 43).root, 41);
	// 41 is blocked (transitively) by everybody else, and blocks them all
	EXPECT_EQ(Find(f, 41).blocked_sessions, 2);
}

TEST(LockGraph, WaiterWithTwoBlockersSitsUnderTheNearestRoot)
{
	// 9 waits on both 1 (a root) and 3 (which waits on 2)
	auto f = BuildForest({E(9, 1), E(9, 3), E(3, 2)});
	EXPECT_EQ(Find(f, 9).root, 1);
	EXPECT_EQ(Find(f, 9).depth, 1);
	EXPECT_EQ(Find(f, 2).blocked_sessions, 2);
	// 2 is a root with nothing under it in the tree, yet it blocks two sessions, 2 deep
	EXPECT_EQ(Find(f, 2).depth_below, 2);
	EXPECT_EQ(f.size(), 4u);
	// a prepared transaction blocks as pid 0
	auto p = BuildForest({E(5, 0)});
	EXPECT_EQ(p[0].pid, 0);
	EXPECT_EQ(p[1].root, 0);
}

TEST(LockGraph, EmptyAndLargeQueues)
{
	EXPECT_TRUE(BuildForest({}).empty());
	// 200 exclusive waiters queued on one lock: each behind all before it
	std::vector<WaitEdge> edges;
	for (int w = 1; w <= 200; w++)
		for (int b = 0; b < w; b++)
			edges.push_back(E(1000 + w, 1000 + b));
	auto f = BuildForest(edges);
	ASSERT_EQ(f.size(), 201u);
	EXPECT_EQ(f[0].pid, 1000);
	EXPECT_EQ(f[0].blocked_sessions, 200);
	for (size_t i = 1; i < f.size(); i++)
		EXPECT_EQ(f[i].depth, 1);
}

TEST(LockGraph, Renderings)
{
	std::vector<WaitEdge> edges = {WaitEdge{20, 10, 3.25, "relation \"t\" AccessShareLock"}, E(30, 20)};
	auto f = BuildForest(edges);
	std::vector<std::string> labels = {"alice: ALTER TABLE t", "bob: SELECT \"x\" < 1", "carol"};
	std::string text = RenderForest(f, labels, edges, GraphFormat::kText);
	EXPECT_EQ(text, "10 [root] blocks 2: alice: ALTER TABLE t\n"
					"    └─ 20 blocks 1 waits 3.2s for relation \"t\" AccessShareLock: bob: SELECT \"x\" < 1\n"
					"        └─ 30 waits 1.0s: carol\n");
	std::string dot = RenderForest(f, labels, edges, GraphFormat::kDot);
	EXPECT_NE(dot.find("digraph lock_waits {"), std::string::npos);
	EXPECT_NE(dot.find("p20 -> p10 [label=\"relation \\\"t\\\" AccessShareLock, 3.2s\"];"), std::string::npos);
	EXPECT_NE(dot.find("p20 [label=\"20: bob: SELECT \\\"x\\\" < 1\"];"), std::string::npos);
	EXPECT_EQ(dot.back(), '\n');
	std::string mermaid = RenderForest(f, labels, edges, GraphFormat::kMermaid);
	EXPECT_EQ(mermaid.rfind("graph LR\n", 0), 0u);
	EXPECT_NE(mermaid.find("p20[\"20: bob: SELECT #quot;x#quot; #lt; 1\"]"), std::string::npos);
	EXPECT_NE(mermaid.find("p30 -->|\"1.0s\"| p20"), std::string::npos);
	EXPECT_EQ(RenderForest({}, {}, {}, GraphFormat::kText), "no session is waiting for a lock\n");
}

TEST(LockGraph, PlaceWaitersAndRootsForTheSampler)
{
	// 10 blocks 11 and 12; 12 blocks 13; 20 <-> 21 wait in a cycle, 22 waits on 21
	std::vector<WaitEdge> edges = {E(11, 10), E(12, 10), E(13, 12), E(20, 21), E(21, 20), E(22, 21)};
	std::vector<ForestNode> f = BuildForest(edges);
	std::vector<int32_t> waiters = {11, 13, 22, 99};
	std::vector<WaiterPlace> p = PlaceWaiters(f, waiters);
	ASSERT_EQ(p.size(), 4u);
	EXPECT_EQ(p[0].root, 10);
	EXPECT_EQ(p[0].depth, 1);
	EXPECT_FALSE(p[0].in_cycle);
	EXPECT_EQ(p[1].root, 10);
	EXPECT_EQ(p[1].depth, 2);
	EXPECT_EQ(p[2].root, 20);
	EXPECT_FALSE(p[2].in_cycle) << "waits on a cycle without being in it";
	EXPECT_EQ(p[3].root, 0) << "a pid the forest does not hold";
	std::vector<RootSummary> roots = ForestRoots(f, 10);
	ASSERT_EQ(roots.size(), 2u);
	EXPECT_EQ(roots[0].pid, 10) << "three blocked first";
	EXPECT_EQ(roots[0].sessions, 3);
	EXPECT_EQ(roots[0].depth_below, 2);
	EXPECT_FALSE(roots[0].cycle);
	EXPECT_EQ(roots[1].pid, 20);
	EXPECT_TRUE(roots[1].cycle);
	EXPECT_EQ(ForestRoots(f, 1).size(), 1u);
}
