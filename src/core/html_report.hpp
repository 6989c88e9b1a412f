// html_report.hpp - one self-contained HTML page (inline SVG charts, no network):
// latency distribution per top statement, time series from snapshots, the
// lock graph right now, and lists (alerts, plan regressions, maintenance).
// May throw std::bad_alloc.
#pragma once
#include "pg_free.hpp"

#include <string>
#include <vector>

#include "lock_graph.hpp"

namespace xray::core
{
struct LatencyRow
{
	std::string label;
	double min_ms, p50_ms, p95_ms, p99_ms, max_ms, mean_ms;
	long long calls;
};

struct SeriesPoint
{
	std::string time; // axis label
	double calls;	  // in the interval
	double mean_ms;	  // mean latency in the interval
};

struct ListRow
{
	std::string tag; // severity or kind
	std::string text;
};

struct HtmlReport
{
	std::string title;
	std::string generated;
	std::vector<LatencyRow> latency;
	std::vector<SeriesPoint> series;
	std::vector<WaitEdge> lock_edges;							 // with labels (object and mode)
	std::vector<std::pair<int32_t, std::string>> session_labels; // pid -> "user: query"
	std::vector<ListRow> alerts;
	std::vector<ListRow> regressions;
	std::vector<ListRow> maintenance;
};

// HtmlEscape makes s safe as HTML text or attribute value.
std::string HtmlEscape(const std::string &s);

std::string RenderHtmlReport(const HtmlReport &r);
} // namespace xray::core
