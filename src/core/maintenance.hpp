// maintenance.hpp - the arithmetic behind maintenance advice: transaction-id
// wraparound forecasts, autovacuum triggers, heap size from statistics.
//
// Pure functions of numbers the adapter reads from the catalogs and
// statistics views; no allocation, no exceptions.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

namespace xray::core
{
// PostgreSQL stops assigning new transaction ids (and multixact ids) when the
// oldest one is this old: 2^31 - 1 minus the 3,000,000 ids kept in reserve for
// the VACUUM that fixes it (varsup.c xidStopLimit, multixact.c multiStopLimit).
constexpr int64_t kWrapStopAge = 2147483647LL - 3000000LL;
// ... and warns from 40,000,000 ids before the wrap point (xidWarnLimit).
constexpr int64_t kWrapWarnAge = 2147483647LL - 40000000LL;

struct WraparoundForecast
{
	double pct_to_forced;  // age as a percentage of autovacuum_(multixact_)freeze_max_age
	double pct_to_stop;	   // age as a percentage of kWrapStopAge
	double days_to_forced; // at the observed consumption rate; < 0 when unknown (no rate)
	double days_to_stop;
	bool forced_now; // age already past the forced (anti-wraparound) autovacuum age
};

// ForecastWraparound: age of the oldest (frozen) id, the freeze max age that
// forces an anti-wraparound autovacuum, and ids consumed per day (<= 0: unknown).
WraparoundForecast ForecastWraparound(int64_t age, int64_t freeze_max_age, double per_day) noexcept;

// ConsumptionPerDay from two observations of the next id (counters that only
// grow; 64-bit full ids) at times t0 < t1 in seconds; < 0 when not computable.
double ConsumptionPerDay(uint64_t id0, double t0, uint64_t id1, double t1) noexcept;

// AutovacuumTrigger is the number of dead (or inserted, or modified) rows at
// which autovacuum acts on a table: threshold + scale_factor * reltuples
// (reltuples < 0, never analyzed, counts as 0).
double AutovacuumTrigger(double threshold, double scale_factor, double reltuples) noexcept;

// SuggestedScaleFactor: for a large table whose trigger lets too many dead rows
// pile up, the scale factor that fires at target_dead rows (at least 0.001,
// never more than current).
double SuggestedScaleFactor(double reltuples, double threshold, double current, double target_dead) noexcept;

struct HeapShape
{
	double reltuples;
	double data_width; // sum of the columns' average widths (pg_stats.avg_width)
	int natts;		   // columns (for the null bitmap)
	bool has_nulls;	   // some column has null_frac > 0
	int fillfactor;	   // percent (100 for tables by default)
	int block_size;	   // bytes (8192)
};

// EstimateHeapPages: the pages a freshly written heap of this shape needs
// (page header, line pointers, tuple headers, MAXALIGN padding, fillfactor).
double EstimateHeapPages(const HeapShape &h) noexcept;

// BloatPercent: how much of actual_pages is not needed by expected_pages, in
// percent (0 when the table is not larger than expected).
double BloatPercent(double expected_pages, double actual_pages) noexcept;
} // namespace xray::core
