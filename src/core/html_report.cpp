// html_report.cpp - the HTML report with inline SVG charts.
#include "html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace xray::core
{
std::string
HtmlEscape(const std::string &s)
{
	std::string out;
	out.reserve(s.size());
	for (char c : s)
	{
		switch (c)
		{
			case '&':
				out += "&amp;";
				break;
			case '<':
				out += "&lt;";
				break;
			case '>':
				out += "&gt;";
				break;
			case '"':
				out += "&quot;";
				break;
			case '\'':
				out += "&#39;";
				break;
			default:
				out += c;
		}
	}
	return out;
}

namespace
{
std::string
Num(double v, int decimals = 1)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", decimals, std::isfinite(v) ? v : 0.0);
	return buf;
}

std::string
Ms(double ms)
{
	if (ms >= 1000.0)
		return Num(ms / 1000.0, 2) + " s";
	if (ms >= 1.0)
		return Num(ms, 1) + " ms";
	return Num(ms * 1000.0, 0) + " µs";
}

// LatencyChart: per statement, on a log scale, a whisker from min to max, a
// box from p50 to p95, a tick at p99 and a dot at the mean.
std::string
LatencyChart(const std::vector<LatencyRow> &rows)
{
	if (rows.empty())
		return "<p class=\"empty\">no statement recorded</p>\n";
	const int left = 360, width = 520, row_h = 28, top = 30;
	double lo = 1e300, hi = 0;
	for (const LatencyRow &r : rows)
	{
		lo = std::min(lo, std::max(r.min_ms, 1e-3));
		hi = std::max(hi, std::max(r.max_ms, 1e-3));
	}
	double l0 = std::floor(std::log10(lo)), l1 = std::ceil(std::log10(hi));
	if (l1 <= l0)
		l1 = l0 + 1;
	auto x = [&](double ms) { return left + (std::log10(std::max(ms, 1e-3)) - l0) / (l1 - l0) * width; };
	int h = top + static_cast<int>(rows.size()) * row_h + 10;
	std::string s = "<svg id=\"latency-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
					std::to_string(left + width + 50) + "\" height=\"" + std::to_string(h) +
					"\" role=\"img\" aria-label=\"latency distribution per statement\">\n";
	for (double d = l0; d <= l1; d += 1)
	{
		double xx = left + (d - l0) / (l1 - l0) * width;
		s += "<line class=\"grid\" x1=\"" + Num(xx) + "\" y1=\"20\" x2=\"" + Num(xx) + "\" y2=\"" +
			 std::to_string(h - 5) + "\"/>";
		s += "<text class=\"axis\" x=\"" + Num(xx) + "\" y=\"14\" text-anchor=\"middle\">" +
			 HtmlEscape(Ms(std::pow(10.0, d))) + "</text>\n";
	}
	for (size_t i = 0; i < rows.size(); i++)
	{
		const LatencyRow &r = rows[i];
		double y = top + static_cast<double>(i) * row_h + row_h / 2.0;
		std::string title =
			HtmlEscape(r.label + " — calls " + std::to_string(r.calls) + ", mean " + Ms(r.mean_ms) + ", p50 " +
					   Ms(r.p50_ms) + ", p95 " + Ms(r.p95_ms) + ", p99 " + Ms(r.p99_ms) + ", max " + Ms(r.max_ms));
		std::string label = r.label.size() > 48 ? r.label.substr(0, 47) + "…" : r.label;
		s += "<g class=\"stmt\"><title>" + title + "</title>";
		s += "<text class=\"label\" x=\"" + std::to_string(left - 8) + "\" y=\"" + Num(y + 4) +
			 "\" text-anchor=\"end\">" + HtmlEscape(label) + "</text>";
		s += "<line class=\"whisker\" x1=\"" + Num(x(r.min_ms)) + "\" y1=\"" + Num(y) + "\" x2=\"" + Num(x(r.max_ms)) +
			 "\" y2=\"" + Num(y) + "\"/>";
		double bx = x(r.p50_ms), bw = std::max(2.0, x(r.p95_ms) - bx);
		s += "<rect class=\"box\" x=\"" + Num(bx) + "\" y=\"" + Num(y - 8) + "\" width=\"" + Num(bw) +
			 "\" height=\"16\"/>";
		s += "<line class=\"p99\" x1=\"" + Num(x(r.p99_ms)) + "\" y1=\"" + Num(y - 10) + "\" x2=\"" + Num(x(r.p99_ms)) +
			 "\" y2=\"" + Num(y + 10) + "\"/>";
		s += "<circle class=\"mean\" cx=\"" + Num(x(r.mean_ms)) + "\" cy=\"" + Num(y) + "\" r=\"3\"/></g>\n";
	}
	s += "</svg>\n<p class=\"legend\">line: min–max · box: p50–p95 · tick: p99 · dot: mean (log scale)</p>\n";
	return s;
}

std::string
SeriesChart(const std::string &id, const std::string &what, const std::vector<SeriesPoint> &pts, bool latency)
{
	if (pts.size() < 2)
		return "<p class=\"empty\">fewer than two snapshots: run <code>SELECT xray.snapshot()</code> on a "
			   "schedule</p>\n";
	const int left = 70, width = 760, height = 160, top = 20;
	double hi = 0;
	for (const SeriesPoint &p : pts)
		hi = std::max(hi, latency ? p.mean_ms : p.calls);
	if (hi <= 0)
		hi = 1;
	std::string s = "<svg id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
					std::to_string(left + width + 20) + "\" height=\"" + std::to_string(top + height + 30) +
					"\" role=\"img\" aria-label=\"" + HtmlEscape(what) + "\">\n";
	s += "<line class=\"axisline\" x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top + height) +
		 "\" x2=\"" + std::to_string(left + width) + "\" y2=\"" + std::to_string(top + height) + "\"/>";
	s += "<text class=\"axis\" x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(top + 4) +
		 "\" text-anchor=\"end\">" + HtmlEscape(latency ? Ms(hi) : Num(hi, 0)) + "</text>";
	s += "<text class=\"axis\" x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(top + height) +
		 "\" text-anchor=\"end\">0</text>\n";
	std::string points;
	for (size_t i = 0; i < pts.size(); i++)
	{
		double xx = left + static_cast<double>(i) / (pts.size() - 1) * width;
		double v = latency ? pts[i].mean_ms : pts[i].calls;
		double yy = top + height - v / hi * height;
		points += Num(xx) + "," + Num(yy) + " ";
		s += "<circle class=\"pt\" cx=\"" + Num(xx) + "\" cy=\"" + Num(yy) + "\" r=\"2.5\"><title>" +
			 HtmlEscape(pts[i].time + ": " + (latency ? Ms(v) : Num(v, 0) + " calls")) + "</title></circle>";
	}
	s += "\n<polyline class=\"series\" points=\"" + points + "\"/>\n";
	s += "<text class=\"axis\" x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(top + height + 18) + "\">" +
		 HtmlEscape(pts.front().time) + "</text>";
	s += "<text class=\"axis\" x=\"" + std::to_string(left + width) + "\" y=\"" + std::to_string(top + height + 18) +
		 "\" text-anchor=\"end\">" + HtmlEscape(pts.back().time) + "</text>\n</svg>\n";
	return s;
}

// LockGraph: sessions in columns by depth (roots left), arrows waiter -> blocker.
std::string
LockGraphSvg(const HtmlReport &r)
{
	std::vector<ForestNode> nodes = BuildForest(r.lock_edges);
	if (nodes.empty())
		return "<svg id=\"lock-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\"><text "
			   "class=\"axis\" "
			   "x=\"10\" y=\"24\">no session is waiting for a lock</text></svg>\n";
	std::map<int32_t, std::string> labels(r.session_labels.begin(), r.session_labels.end());
	const int col_w = 300, box_w = 260, box_h = 44, row_h = 58;
	std::map<int, int> rows_in_col;
	std::map<int32_t, std::pair<double, double>> pos;
	int max_depth = 0, max_rows = 0;
	for (const ForestNode &n : nodes)
	{
		int row = rows_in_col[n.depth]++;
		pos[n.pid] = {20.0 + n.depth * col_w, 20.0 + row * row_h};
		max_depth = std::max(max_depth, n.depth);
		max_rows = std::max(max_rows, row + 1);
	}
	std::string s =
		"<svg id=\"lock-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
		std::to_string(40 + (max_depth + 1) * col_w) + "\" height=\"" + std::to_string(40 + max_rows * row_h) +
		"\" role=\"img\" aria-label=\"who blocks whom\">\n"
		"<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
		"orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>\n";
	for (const WaitEdge &e : r.lock_edges)
	{
		auto w = pos[e.waiter], b = pos[e.blocker];
		s += "<line class=\"edge\" x1=\"" + Num(w.first) + "\" y1=\"" + Num(w.second + box_h / 2.0) + "\" x2=\"" +
			 Num(b.first + box_w) + "\" y2=\"" + Num(b.second + box_h / 2.0) + "\" marker-end=\"url(#arrow)\"><title>" +
			 HtmlEscape(std::to_string(e.waiter) + " waits for " + std::to_string(e.blocker) + ": " + e.label) +
			 "</title></line>\n";
	}
	for (const ForestNode &n : nodes)
	{
		auto p = pos[n.pid];
		std::string cls =
			n.depth == 0 ? (n.in_cycle ? "node cycle" : "node root") : (n.in_cycle ? "node cycle" : "node");
		std::string first = (n.pid == 0 ? std::string("prepared transaction") : "pid " + std::to_string(n.pid)) +
							(n.blocked_sessions > 0 ? " · blocks " + std::to_string(n.blocked_sessions) : "") +
							(n.waiting ? " · waits " + Num(n.waited_s, 1) + " s" : "");
		std::string second = labels.count(n.pid) ? labels[n.pid] : "";
		if (second.size() > 44)
			second = second.substr(0, 43) + "…";
		s += "<g class=\"" + cls + "\"><rect x=\"" + Num(p.first) + "\" y=\"" + Num(p.second) + "\" width=\"" +
			 std::to_string(box_w) + "\" height=\"" + std::to_string(box_h) + "\" rx=\"6\"/>";
		s += "<text x=\"" + Num(p.first + 8) + "\" y=\"" + Num(p.second + 18) + "\">" + HtmlEscape(first) + "</text>";
		s += "<text class=\"small\" x=\"" + Num(p.first + 8) + "\" y=\"" + Num(p.second + 35) + "\">" +
			 HtmlEscape(second) + "</text><title>" + HtmlEscape(labels.count(n.pid) ? labels[n.pid] : "") +
			 "</title></g>\n";
	}
	s += "</svg>\n";
	return s;
}

std::string
List(const std::string &id, const std::vector<ListRow> &rows, const std::string &empty)
{
	if (rows.empty())
		return "<p class=\"empty\" id=\"" + id + "\">" + HtmlEscape(empty) + "</p>\n";
	std::string s = "<table id=\"" + id + "\">\n";
	for (const ListRow &r : rows)
		s += "<tr><td class=\"tag tag-" + HtmlEscape(r.tag) + "\">" + HtmlEscape(r.tag) + "</td><td>" +
			 HtmlEscape(r.text) + "</td></tr>\n";
	return s + "</table>\n";
}
} // namespace

std::string
RenderHtmlReport(const HtmlReport &r)
{
	std::string s =
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + HtmlEscape(r.title) +
		"</title>\n<style>\n"
		"body{font-family:system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}"
		"h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #d8dde6;padding-bottom:4px}"
		"svg{background:#fff;border:1px solid #e2e6ee;border-radius:6px}"
		".grid{stroke:#eef0f4}.axis{font-size:11px;fill:#667}.label{font-size:12px;fill:#1d2330}"
		".whisker{stroke:#8a94a6;stroke-width:1.5}.box{fill:#4c7bd9;opacity:.8}.p99{stroke:#d9534f;stroke-width:2}"
		".mean{fill:#1d2330}.series{fill:none;stroke:#4c7bd9;stroke-width:2}.pt{fill:#4c7bd9}.axisline{stroke:#aab}"
		".edge{stroke:#d9534f;stroke-width:1.5}.node rect{fill:#fff;stroke:#8a94a6}.root "
		"rect{fill:#fde8e7;stroke:#d9534f;"
		"stroke-width:2}.cycle rect{fill:#fff3cd;stroke:#e0a800;stroke-width:2}.node "
		"text{font-size:12px}.small{font-size:10px;fill:#556}"
		"table{border-collapse:collapse;background:#fff}td{border:1px solid #e2e6ee;padding:4px "
		"8px;font-size:13px;vertical-align:top}"
		".tag{font-weight:600;white-space:nowrap}.tag-critical{color:#b52b27}.tag-warning{color:#a66d00}.empty{color:#"
		"889}"
		".legend{font-size:12px;color:#667}\n</style></head><body>\n";
	s += "<h1>" + HtmlEscape(r.title) + "</h1>\n<p class=\"legend\">" + HtmlEscape(r.generated) + "</p>\n";
	s += "<h2>Latency distribution of the top statements</h2>\n" + LatencyChart(r.latency);
	s += "<h2>Executions per snapshot interval</h2>\n" +
		 SeriesChart("series-calls", "executions per interval", r.series, false);
	s += "<h2>Mean latency per snapshot interval</h2>\n" +
		 SeriesChart("series-latency", "mean latency per interval", r.series, true);
	s += "<h2>Who blocks whom right now</h2>\n" + LockGraphSvg(r);
	s += "<h2>Alerts firing</h2>\n" + List("alerts", r.alerts, "none");
	s += "<h2>Plan regressions</h2>\n" + List("regressions", r.regressions, "none");
	s += "<h2>Maintenance advice</h2>\n" + List("maintenance", r.maintenance, "none");
	s += "</body></html>\n";
	return s;
}
} // namespace xray::core
