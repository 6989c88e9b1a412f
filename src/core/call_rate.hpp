// call_rate.hpp - how often a statement runs: the index advisor's weight.
#pragma once
#include "pg_free.hpp"

#include <algorithm>

namespace xray::core
{
// RecentCallsPerHour: calls per hour in the statement's recent window. When a
// history snapshot of the window counted the statement (calls_then) and the
// counters did not restart since (calls_now >= calls_then) and it is younger
// than the statement's first record, the rate is of the calls since that
// snapshot; otherwise of the calls since first recorded. Spans under a minute
// count as a minute (a burst in a test is not a million calls an hour).
inline double
RecentCallsPerHour(double calls_now, double first_seen_age_s, bool counted_then, double calls_then,
				   double snapshot_age_s)
{
	double calls = calls_now, span = first_seen_age_s;
	if (counted_then && calls_then <= calls_now && snapshot_age_s < first_seen_age_s)
	{
		calls = calls_now - calls_then;
		span = snapshot_age_s;
	}
	return std::max(calls, 0.0) * 3600.0 / std::max(span, 60.0);
}
} // namespace xray::core
