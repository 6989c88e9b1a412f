// maintenance.cpp - wraparound forecasts, autovacuum triggers, heap estimates.
#include "maintenance.hpp"

#include <algorithm>
#include <cmath>

namespace xray::core
{
WraparoundForecast
ForecastWraparound(int64_t age, int64_t freeze_max_age, double per_day) noexcept
{
	WraparoundForecast f{};
	age = std::max<int64_t>(age, 0);
	f.pct_to_forced = freeze_max_age > 0 ? 100.0 * static_cast<double>(age) / static_cast<double>(freeze_max_age) : 0.0;
	f.pct_to_stop = 100.0 * static_cast<double>(age) / static_cast<double>(kWrapStopAge);
	f.forced_now = freeze_max_age > 0 && age >= freeze_max_age;
	if (per_day > 0.0)
	{
		f.days_to_forced = std::max(0.0, static_cast<double>(freeze_max_age - age) / per_day);
		f.days_to_stop = std::max(0.0, static_cast<double>(kWrapStopAge - age) / per_day);
	}
	else
	{
		f.days_to_forced = -1.0;
		f.days_to_stop = -1.0;
	}
	return f;
}

double
ConsumptionPerDay(uint64_t id0, double t0, uint64_t id1, double t1) noexcept
{
	if (!(t1 > t0) || id1 < id0)
		return -1.0;
	return static_cast<double>(id1 - id0) / (t1 - t0) * 86400.0;
}

double
AutovacuumTrigger(double threshold, double scale_factor, double reltuples) noexcept
{
	return std::max(0.0, threshold) + std::max(0.0, scale_factor) * std::max(0.0, reltuples);
}

double
SuggestedScaleFactor(double reltuples, double threshold, double current, double target_dead) noexcept
{
	if (reltuples <= 0.0)
		return current;
	double s = (target_dead - std::max(0.0, threshold)) / reltuples;
	s = std::max(s, 0.001);
	// three significant digits are enough for a reloption
	double scale = std::pow(10.0, std::floor(std::log10(s)) - 1.0);
	s = std::floor(s / scale) * scale;
	return std::min(s, current);
}

double
EstimateHeapPages(const HeapShape &h) noexcept
{
	const double kPageHeader = 24.0, kLinePointer = 4.0, kTupleHeader = 23.0, kAlign = 8.0;
	auto align = [&](double x) { return std::ceil(x / kAlign) * kAlign; };
	if (h.reltuples <= 0.0 || h.block_size <= 0)
		return 0.0;
	double bitmap = h.has_nulls ? std::ceil(h.natts / 8.0) : 0.0;
	double tuple = align(kTupleHeader + bitmap) + align(std::max(0.0, h.data_width));
	int ff = h.fillfactor > 0 && h.fillfactor <= 100 ? h.fillfactor : 100;
	double usable = (h.block_size - kPageHeader) * ff / 100.0;
	double per_page = std::floor(usable / (tuple + kLinePointer));
	// a tuple larger than the fill target still takes a page of its own
	per_page = std::max(per_page, 1.0);
	// PostgreSQL also caps line pointers per page (MaxHeapTuplesPerPage = 291 at 8 kB)
	double max_per_page = std::floor((h.block_size - kPageHeader) / (align(kTupleHeader) + kLinePointer));
	per_page = std::min(per_page, max_per_page);
	return std::ceil(h.reltuples / per_page);
}

double
BloatPercent(double expected_pages, double actual_pages) noexcept
{
	if (actual_pages <= 0.0 || expected_pages >= actual_pages)
		return 0.0;
	return 100.0 * (actual_pages - expected_pages) / actual_pages;
}
} // namespace xray::core
