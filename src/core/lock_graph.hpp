// lock_graph.hpp - who blocks whom: the blocking forest, cycles, and renderings.
//
// Input: the edges waiter -> blocker the lock manager reports right now
// (pg_blocking_pids semantics: a waiter may have several blockers, a blocker
// may itself wait). Output: one node per session involved, placed in a forest
// whose roots are the sessions that block others without waiting themselves
// (root blockers). Sessions that wait in a cycle (a deadlock not yet detected)
// have no such root: the smallest pid of each cycle becomes its root and the
// cycle's members are marked. Each session sits under the root it is nearest
// to (breadth-first, ties by smaller pid); its blocked_sessions counts every
// session that waits on it directly or transitively.
//
// Everything is O(V + E) except blocked_sessions, O(V * (V + E)); V is the
// number of sessions involved (hundreds at most). May throw std::bad_alloc.
#pragma once
#include "pg_free.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace xray::core
{
struct WaitEdge
{
	int32_t waiter;
	int32_t blocker;
	double waited_s;   // how long the waiter has waited (seconds), < 0 if unknown
	std::string label; // what it waits for (rendering only), e.g. "relation t: AccessShareLock"
};

struct ForestNode
{
	int32_t pid;
	int32_t root;
	int32_t parent; // the blocker above it in the forest; 0 for a root
	int depth;
	bool waiting;
	bool in_cycle;
	int blocked_sessions;	   // sessions waiting on it, directly or transitively
	double blocked_wait_s;	   // their summed waits
	int depth_below;		   // longest chain of waits ending at it (0: blocks nobody)
	double waited_s;		   // its own wait (< 0 when it does not wait)
	std::vector<int32_t> path; // root ... pid
};

// BuildForest returns the nodes in display order: roots with the most blocked
// sessions first (then by pid), each followed by its subtree depth-first
// (children by pid).
std::vector<ForestNode> BuildForest(const std::vector<WaitEdge> &edges);

// WaiterPlace: where a waiting session sits in the forest (all zero for a pid
// the forest does not hold).
struct WaiterPlace
{
	int32_t root = 0;
	int depth = 0;
	bool in_cycle = false;
};

// PlaceWaiters: the place of each of waiters (the lock sampler's edges, in
// their order).
std::vector<WaiterPlace> PlaceWaiters(const std::vector<ForestNode> &nodes, const std::vector<int32_t> &waiters);

// RootSummary: a root blocker as the incident tracker sees it.
struct RootSummary
{
	int32_t pid;
	int sessions;	 // blocked, directly or transitively
	int depth_below; // longest chain below it
	bool cycle;		 // it or a session below it waits in a cycle
};

// ForestRoots: the roots of nodes in display order, at most max_roots.
std::vector<RootSummary> ForestRoots(const std::vector<ForestNode> &nodes, size_t max_roots);

enum class GraphFormat
{
	kText,
	kDot,
	kMermaid
};

// RenderForest draws the forest; labels[i] describes nodes[i] (user, query...).
// Text is an indented tree readable in psql; dot renders with graphviz; mermaid
// renders in Markdown viewers. Every edge of the input is drawn (a waiter with
// two blockers appears once in the text tree, under its nearest root, and its
// other blockers are listed on its line).
std::string RenderForest(const std::vector<ForestNode> &nodes, const std::vector<std::string> &labels,
						 const std::vector<WaitEdge> &edges, GraphFormat format);
} // namespace xray::core
