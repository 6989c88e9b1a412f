// advice_text.cpp - the texts of the index advice (see advice_text.hpp).
#include "advice_text.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

namespace xray::core
{
namespace
{
const char *
GinOpclass(IndexMethod m)
{
	return m == IndexMethod::kGinTrigram ? "gin_trgm_ops" : "jsonb_path_ops";
}

// KeysText: what goes between the parentheses of CREATE INDEX.
std::string
KeysText(const IndexShape &s)
{
	if (s.method != IndexMethod::kBtree)
		return (s.keys.empty() ? std::string() : s.keys[0]) + " " + GinOpclass(s.method);
	std::string out;
	for (size_t i = 0; i < s.keys.size(); i++)
	{
		if (i)
			out += ", ";
		out += s.keys[i];
		if (i < s.desc.size() && s.desc[i])
			out += " DESC";
	}
	return out;
}

// TailText: the INCLUDE list and the partial index's WHERE clause.
std::string
TailText(const IndexShape &s)
{
	std::string out;
	for (size_t i = 0; i < s.include.size(); i++)
		out += (i ? ", " : " INCLUDE (") + s.include[i];
	if (!s.include.empty())
		out += ")";
	if (!s.predicate_column.empty())
		out += " WHERE " + s.predicate_column + " = " + s.predicate_value;
	return out;
}

bool
KeptInName(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

std::string
Format(const char *fmt, double a)
{
	char buf[64];
	snprintf(buf, sizeof(buf), fmt, a);
	return buf;
}
} // namespace

std::string
IndexColumnsText(const IndexShape &shape)
{
	return KeysText(shape) + TailText(shape);
}

std::string
CreateIndexText(const std::string &qualified_table, const IndexShape &shape, bool concurrently,
				const std::string &quoted_name)
{
	std::string s = "CREATE INDEX ";
	if (concurrently)
		s += "CONCURRENTLY ";
	if (!quoted_name.empty())
		s += quoted_name + " ";
	s += "ON " + qualified_table + " ";
	if (shape.method != IndexMethod::kBtree)
		return s + "USING gin (" + KeysText(shape) + ")";
	return s + "(" + KeysText(shape) + ")" + TailText(shape);
}

std::string
AdvisedName(const std::string &table, const std::vector<std::string> &key_names, const ClipFn &clip)
{
	std::string name = table;
	for (const std::string &col : key_names)
	{
		name += '_';
		for (unsigned char c : col)
			if (KeptInName(c))
				name += static_cast<char>(c);
			else if (name.empty() || name.back() != '_')
				name += '_';
	}
	while (!name.empty() && name.back() == '_')
		name.pop_back();
	name += "_idx";
	// room for a "_NNNN" suffix UniqueName may add
	return name.substr(0, clip(name, kMaxNameBytes - 4));
}

std::string
UniqueName(const std::string &name, const std::function<bool(const std::string &)> &taken, const ClipFn &clip)
{
	if (!taken(name))
		return name;
	for (int k = 2; k < 10000; k++)
	{
		const std::string suffix = "_" + std::to_string(k);
		std::string candidate = name.substr(0, clip(name, kMaxNameBytes - suffix.size())) + suffix;
		if (!taken(candidate))
			return candidate;
	}
	return name;
}

std::vector<size_t>
ReplacedIndexes(const std::vector<ExistingIndex> &existing, IndexMethod method, const std::vector<int> &keys)
{
	std::vector<size_t> out;
	if (method != IndexMethod::kBtree)
		return out;
	for (size_t k = 0; k < existing.size(); k++)
	{
		const ExistingIndex &e = existing[k];
		if (e.droppable && e.keys.size() <= keys.size() && std::equal(e.keys.begin(), e.keys.end(), keys.begin()))
			out.push_back(k);
	}
	return out;
}

std::vector<size_t>
IndexesInUse(const std::vector<std::vector<bool>> &used, size_t n)
{
	std::vector<size_t> kept;
	for (size_t i = 0; i < n; i++)
	{
		bool any = false;
		for (const std::vector<bool> &row : used)
			any = any || (i < row.size() && row[i]);
		if (any)
			kept.push_back(i);
	}
	return kept;
}

std::string
AdviceReason(const ReasonFacts &f)
{
	std::string s = std::to_string(f.statements) + (f.statements == 1 ? " statement" : " statements") + " (" +
					Format("%.0f", f.calls) + " calls) on " + f.table + " (" + Format("%.0f", f.table_rows) +
					" rows) filter or sort on (" + f.columns + "); with this index their estimated workload cost " +
					"falls by " + Format(f.gain_pct < 1 ? "%.2f" : "%.0f", f.gain_pct) + "%";
	if (f.sampled_runs > 0)
		s += "; in " + std::to_string(f.sampled_runs) + (f.sampled_runs == 1 ? " sampled run" : " sampled runs") +
			 " its scans returned " + Format("%.0f", f.sampled_rows / f.sampled_runs) +
			 " rows and their filters removed " + Format("%.0f", f.sampled_removed / f.sampled_runs) + " per run";
	if (f.top_queryid != 0 && f.top_mean_ms >= 0)
	{
		s += "; statement " + std::to_string(static_cast<int64_t>(f.top_queryid)) + ": mean " + Latency(f.top_mean_ms);
		if (f.top_p95_ms >= 0)
			s += ", p95 " + Latency(f.top_p95_ms);
		s += " now, about " + Latency(f.top_mean_ms * f.top_cost_ratio);
		if (f.top_p95_ms >= 0)
			s += ", p95 " + Latency(f.top_p95_ms * f.top_cost_ratio);
		s += " with it";
	}
	if (f.bulk_rows > 0)
		s += "; makes the one-off write of " + Format("%.0f", f.bulk_rows) + " rows (a load or backfill) about " +
			 Format("%.0f", f.bulk_slower_pct) + "% slower";
	return s;
}

double
BulkSlowdownPct(int existing_indexes) noexcept
{
	return 100.0 * kIndexEntryPerHeapRow / (1.0 + std::max(existing_indexes, 0) * kIndexEntryPerHeapRow);
}

std::string
Latency(double ms)
{
	if (ms >= 1000)
		return Format("%.1f s", ms / 1000);
	if (ms >= 10)
		return Format("%.0f ms", ms);
	if (ms >= 1)
		return Format("%.1f ms", ms);
	return Format("%.2f ms", ms);
}

bool
PlanLineUsing(const std::string &plan_text, const std::string &quoted_index, std::string *line)
{
	size_t start = 0;
	while (start < plan_text.size())
	{
		size_t end = plan_text.find('\n', start);
		if (end == std::string::npos)
			end = plan_text.size();
		if (plan_text.substr(start, end - start).find(quoted_index) != std::string::npos)
		{
			size_t from = plan_text.find_first_not_of(" ->", start);
			*line = plan_text.substr(from, end - from);
			return true;
		}
		start = end + 1;
	}
	return false;
}

bool
IsAdvisableStatement(const char *text) noexcept
{
	if (text == nullptr)
		return false;
	while (*text == ' ' || *text == '\n' || *text == '\t' || *text == '(')
		text++;
	for (const char *kw : {"select", "with", "update", "delete", "insert"})
	{
		size_t n = strlen(kw), i = 0;
		while (i < n && text[i] != '\0' && (text[i] | 0x20) == kw[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

std::vector<RecordedStatement>
RankWorkload(const std::vector<RecordedStatement> &rows, size_t max_statements)
{
	std::vector<RecordedStatement> merged;
	std::map<uint64_t, size_t> at;
	for (const RecordedStatement &r : rows)
	{
		auto it = at.find(r.queryid);
		if (it == at.end())
		{
			at.emplace(r.queryid, merged.size());
			merged.push_back(r);
			continue;
		}
		RecordedStatement &m = merged[it->second];
		m.calls += r.calls;
		m.rows += r.rows;
		m.total_ms += r.total_ms;
	}
	std::stable_sort(merged.begin(), merged.end(),
					 [](const RecordedStatement &a, const RecordedStatement &b) { return a.total_ms > b.total_ms; });
	if (merged.size() > max_statements)
		merged.resize(max_statements);
	return merged;
}
} // namespace xray::core
