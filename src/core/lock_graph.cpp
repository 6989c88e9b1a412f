// lock_graph.cpp - blocking forest, cycle detection and renderings.
#include "lock_graph.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace xray::core
{
namespace
{
struct Graph
{
	std::vector<int32_t> pids;				// node index -> pid
	std::map<int32_t, int> index;			// pid -> node index
	std::vector<std::vector<int>> waiters;	// node -> nodes waiting on it
	std::vector<std::vector<int>> blockers; // node -> nodes it waits on
	std::vector<double> waited;

	int Node(int32_t pid)
	{
		auto it = index.find(pid);
		if (it != index.end())
			return it->second;
		int i = static_cast<int>(pids.size());
		index[pid] = i;
		pids.push_back(pid);
		waiters.emplace_back();
		blockers.emplace_back();
		waited.push_back(-1.0);
		return i;
	}
};

void
SortByPid(std::vector<int> &v, const std::vector<int32_t> &pids)
{
	std::sort(v.begin(), v.end(), [&](int a, int b) { return pids[a] < pids[b]; });
	v.erase(std::unique(v.begin(), v.end()), v.end());
}

// CycleMembers marks nodes on a cycle: strongly connected components of more
// than one node, or a node waiting on itself (Tarjan, iterative).
std::vector<bool>
CycleMembers(const Graph &g)
{
	const int n = static_cast<int>(g.pids.size());
	std::vector<int> idx(n, -1), low(n, 0), comp_stack;
	std::vector<bool> on_stack(n, false), cycle(n, false);
	int counter = 0;
	for (int s = 0; s < n; s++)
	{
		if (idx[s] >= 0)
			continue;
		std::vector<std::pair<int, size_t>> call{{s, 0}};
		idx[s] = low[s] = counter++;
		comp_stack.push_back(s);
		on_stack[s] = true;
		while (!call.empty())
		{
			int v = call.back().first;
			size_t &next = call.back().second;
			if (next < g.blockers[v].size())
			{
				int w = g.blockers[v][next++];
				if (idx[w] < 0)
				{
					idx[w] = low[w] = counter++;
					comp_stack.push_back(w);
					on_stack[w] = true;
					call.emplace_back(w, 0);
				}
				else if (on_stack[w])
					low[v] = std::min(low[v], idx[w]);
				continue;
			}
			if (low[v] == idx[v])
			{
				std::vector<int> comp;
				int w;
				do
				{
					w = comp_stack.back();
					comp_stack.pop_back();
					on_stack[w] = false;
					comp.push_back(w);
				} while (w != v);
				bool self = std::find(g.blockers[v].begin(), g.blockers[v].end(), v) != g.blockers[v].end();
				if (comp.size() > 1 || self)
					for (int m : comp)
						cycle[m] = true;
			}
			call.pop_back();
			if (!call.empty())
			{
				int u = call.back().first;
				low[u] = std::min(low[u], low[v]);
			}
		}
	}
	return cycle;
}
} // namespace

namespace
{
Graph
GraphOf(const std::vector<WaitEdge> &edges)
{
	Graph g;
	for (const WaitEdge &e : edges)
	{
		int w = g.Node(e.waiter);
		int b = g.Node(e.blocker);
		g.blockers[w].push_back(b);
		g.waiters[b].push_back(w);
		g.waited[w] = std::max(g.waited[w], e.waited_s);
		if (e.waited_s < 0 && g.waited[w] < 0)
			g.waited[w] = 0; // waiting, for an unknown time
	}
	for (size_t i = 0; i < g.pids.size(); i++)
	{
		SortByPid(g.waiters[i], g.pids);
		SortByPid(g.blockers[i], g.pids);
	}
	return g;
}

// Tree: every session's place under its root.
struct Tree
{
	std::vector<int> parent, depth, root; // parent -1 for a root, -2 unreached
	std::vector<int> roots;				  // in the order found
	std::vector<int> order;				  // every node, by pid

	explicit Tree(const Graph &g) : parent(g.pids.size(), -2), depth(g.pids.size(), 0), root(g.pids.size(), -1)
	{
		for (size_t i = 0; i < g.pids.size(); i++)
			order.push_back(static_cast<int>(i));
		SortByPid(order, g.pids);
	}

	// Reach: breadth-first from sources (in pid order) along "is waited on by":
	// each session gets the nearest source as its root, ties to the smaller pid
	void Reach(const Graph &g, const std::vector<int> &sources)
	{
		std::vector<int> queue;
		for (int r : sources)
		{
			parent[r] = -1;
			root[r] = r;
			queue.push_back(r);
			roots.push_back(r);
		}
		for (size_t q = 0; q < queue.size(); q++)
		{
			int v = queue[q];
			for (int w : g.waiters[v])
				if (parent[w] == -2)
				{
					parent[w] = v;
					depth[w] = depth[v] + 1;
					root[w] = root[v];
					queue.push_back(w);
				}
		}
	}
};

// TreeOf: roots are sessions blocking without waiting; then, for what is left
// unreached, the smallest pid of a cycle (sessions below a cycle hang from it).
Tree
TreeOf(const Graph &g, const std::vector<bool> &cycle)
{
	Tree t(g);
	// all true roots first, so that a session below two roots sits under the nearest
	std::vector<int> true_roots;
	for (int i : t.order)
		if (g.blockers[i].empty())
			true_roots.push_back(i);
	t.Reach(g, true_roots);
	for (int i : t.order)
		if (t.parent[i] == -2 && cycle[i])
			t.Reach(g, {i}); // the smallest unreached pid of this cycle (order is by pid)
	for (int i : t.order)
		if (t.parent[i] == -2)
			t.Reach(g, {i}); // waits on a cycle's member only: reached above; defensive fallback
	return t;
}

// Below: per session, every session reachable over "waits on" edges reversed,
// their waits, and the farthest of them (breadth-first distance).
struct Below
{
	std::vector<int> blocked, depth;
	std::vector<double> wait_s;
};

Below
BelowOf(const Graph &g)
{
	const int n = static_cast<int>(g.pids.size());
	Below b{std::vector<int>(n, 0), std::vector<int>(n, 0), std::vector<double>(n, 0.0)};
	std::vector<int> mark(n, -1), dist(n, 0);
	for (int s = 0; s < n; s++)
	{
		std::vector<int> queue{s};
		mark[s] = s;
		dist[s] = 0;
		for (size_t q = 0; q < queue.size(); q++)
		{
			int v = queue[q];
			for (int w : g.waiters[v])
				if (mark[w] != s)
				{
					mark[w] = s;
					dist[w] = dist[v] + 1;
					b.blocked[s]++;
					b.wait_s[s] += std::max(0.0, g.waited[w]);
					b.depth[s] = std::max(b.depth[s], dist[w]);
					queue.push_back(w);
				}
		}
	}
	return b;
}
} // namespace

std::vector<ForestNode>
BuildForest(const std::vector<WaitEdge> &edges)
{
	const Graph g = GraphOf(edges);
	const int n = static_cast<int>(g.pids.size());
	const std::vector<bool> cycle = CycleMembers(g);
	Tree t = TreeOf(g, cycle);
	const Below below = BelowOf(g);

	// display order: roots by blocked sessions, subtrees depth-first by pid
	std::stable_sort(t.roots.begin(), t.roots.end(), [&](int a, int b) { return below.blocked[a] > below.blocked[b]; });
	std::vector<std::vector<int>> children(n);
	for (int i : t.order)
		if (t.parent[i] >= 0)
			children[t.parent[i]].push_back(i);
	std::vector<ForestNode> out;
	out.reserve(n);
	for (int r : t.roots)
	{
		std::vector<int> stack{r};
		while (!stack.empty())
		{
			int v = stack.back();
			stack.pop_back();
			ForestNode node;
			node.pid = g.pids[v];
			node.root = g.pids[t.root[v]];
			node.parent = t.parent[v] >= 0 ? g.pids[t.parent[v]] : 0;
			node.depth = t.depth[v];
			node.waiting = !g.blockers[v].empty();
			node.in_cycle = cycle[v];
			node.blocked_sessions = below.blocked[v];
			node.blocked_wait_s = below.wait_s[v];
			node.depth_below = below.depth[v];
			node.waited_s = node.waiting ? std::max(0.0, g.waited[v]) : -1.0;
			for (int a = v; a >= 0; a = t.parent[a])
				node.path.push_back(g.pids[a]);
			std::reverse(node.path.begin(), node.path.end());
			out.push_back(std::move(node));
			for (auto it = children[v].rbegin(); it != children[v].rend(); ++it)
				stack.push_back(*it);
		}
	}
	return out;
}

std::vector<WaiterPlace>
PlaceWaiters(const std::vector<ForestNode> &nodes, const std::vector<int32_t> &waiters)
{
	std::map<int32_t, const ForestNode *> by_pid;
	for (const ForestNode &n : nodes)
		by_pid[n.pid] = &n;
	std::vector<WaiterPlace> out(waiters.size());
	for (size_t i = 0; i < waiters.size(); i++)
	{
		auto it = by_pid.find(waiters[i]);
		if (it != by_pid.end())
			out[i] = WaiterPlace{it->second->root, it->second->depth, it->second->in_cycle};
	}
	return out;
}

std::vector<RootSummary>
ForestRoots(const std::vector<ForestNode> &nodes, size_t max_roots)
{
	std::map<int32_t, bool> cycle_below; // root pid -> a member of its tree is in a cycle
	for (const ForestNode &n : nodes)
		cycle_below[n.root] = cycle_below[n.root] || n.in_cycle;
	std::vector<RootSummary> out;
	for (const ForestNode &n : nodes)
		if (n.depth == 0 && out.size() < max_roots)
			out.push_back(RootSummary{n.pid, n.blocked_sessions, n.depth_below, n.in_cycle || cycle_below[n.pid]});
	return out;
}

namespace
{
// Escaped returns s safe inside a double-quoted dot or mermaid string.
std::string
Escaped(const std::string &s, GraphFormat format)
{
	std::string out;
	for (char c : s)
	{
		if (c == '"')
			out += format == GraphFormat::kMermaid ? "#quot;" : "\\\"";
		else if (c == '\\' && format == GraphFormat::kDot)
			out += "\\\\";
		else if (c == '\n' || c == '\r' || c == '\t')
			out += ' ';
		else if (format == GraphFormat::kMermaid && (c == '<' || c == '>'))
			out += c == '<' ? "#lt;" : "#gt;";
		else
			out += c;
	}
	return out;
}

std::string
Seconds(double s)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1fs", s < 0 ? 0.0 : s);
	return buf;
}
} // namespace

std::string
RenderForest(const std::vector<ForestNode> &nodes, const std::vector<std::string> &labels,
			 const std::vector<WaitEdge> &edges, GraphFormat format)
{
	std::string out;
	auto label = [&](size_t i) { return i < labels.size() ? labels[i] : std::string(); };
	if (format == GraphFormat::kText)
	{
		if (nodes.empty())
			return "no session is waiting for a lock\n";
		std::map<int32_t, std::vector<const WaitEdge *>> by_waiter;
		for (const WaitEdge &e : edges)
			by_waiter[e.waiter].push_back(&e);
		for (size_t i = 0; i < nodes.size(); i++)
		{
			const ForestNode &n = nodes[i];
			out += std::string(static_cast<size_t>(n.depth) * 4, ' ');
			if (n.depth > 0)
				out += "└─ ";
			out += std::to_string(n.pid);
			if (n.depth == 0)
				out += n.in_cycle ? " [cycle]" : " [root]";
			else if (n.in_cycle)
				out += " [cycle]";
			if (n.blocked_sessions > 0)
				out += " blocks " + std::to_string(n.blocked_sessions);
			if (n.waiting)
			{
				out += " waits " + Seconds(n.waited_s);
				for (const WaitEdge *e : by_waiter[n.pid])
					if (e->blocker == n.parent && !e->label.empty())
					{
						out += " for " + e->label;
						break;
					}
				std::string others;
				for (const WaitEdge *e : by_waiter[n.pid])
					if (e->blocker != n.parent)
						others += (others.empty() ? "" : ", ") + std::to_string(e->blocker);
				if (!others.empty())
					out += " (also behind " + others + ")";
			}
			std::string l = label(i);
			if (!l.empty())
				out += ": " + l;
			out += '\n';
		}
		return out;
	}
	bool dot = format == GraphFormat::kDot;
	out += dot ? "digraph lock_waits {\n  rankdir=LR;\n  node [shape=box];\n" : "graph LR\n";
	for (size_t i = 0; i < nodes.size(); i++)
	{
		const ForestNode &n = nodes[i];
		std::string text = std::to_string(n.pid);
		if (n.depth == 0)
			text += n.in_cycle ? " (cycle)" : " (root)";
		if (!label(i).empty())
			text += ": " + label(i);
		if (dot)
			out += "  p" + std::to_string(n.pid) + " [label=\"" + Escaped(text, format) + "\"" +
				   (n.depth == 0 ? ", style=bold" : "") + (n.in_cycle ? ", color=red" : "") + "];\n";
		else
			out += "  p" + std::to_string(n.pid) + "[\"" + Escaped(text, format) + "\"]\n";
	}
	for (const WaitEdge &e : edges)
	{
		std::string l = e.label.empty() ? Seconds(e.waited_s) : e.label + ", " + Seconds(e.waited_s);
		if (dot)
			out += "  p" + std::to_string(e.waiter) + " -> p" + std::to_string(e.blocker) + " [label=\"" +
				   Escaped(l, format) + "\"];\n";
		else
			out += "  p" + std::to_string(e.waiter) + " -->|\"" + Escaped(l, format) + "\"| p" +
				   std::to_string(e.blocker) + "\n";
	}
	if (dot)
		out += "}\n";
	return out;
}
} // namespace xray::core
