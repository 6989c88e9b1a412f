// sql_maintenance.cpp - SQL wrappers of the core maintenance arithmetic
// (wraparound forecasts, autovacuum triggers, heap estimates) and of the
// sampler's id-consumption observations, used by the maintenance views.
#include "srf.hpp"
#include "maintenance.hpp"

#include "compat.hpp"
#include "maintenance/id_rate.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(xray_wraparound_forecast);
PG_FUNCTION_INFO_V1(xray_heap_pages_estimate);
PG_FUNCTION_INFO_V1(xray_autovacuum_trigger);
PG_FUNCTION_INFO_V1(xray_suggested_scale_factor);
PG_FUNCTION_INFO_V1(xray_id_consumption);
PGDLLEXPORT Datum xray_wraparound_forecast(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_heap_pages_estimate(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_autovacuum_trigger(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_suggested_scale_factor(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_id_consumption(PG_FUNCTION_ARGS);
}

// xray.wraparound_forecast(age bigint, freeze_max_age bigint, per_day float8)
Datum
xray_wraparound_forecast(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	int64 age = PG_GETARG_INT64(0);
	int64 max_age = PG_GETARG_INT64(1);
	double per_day = PG_ARGISNULL(2) ? -1.0 : PG_GETARG_FLOAT8(2);
	if (max_age <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("freeze_max_age must be positive")));
	xray::core::WraparoundForecast f = xray::core::ForecastWraparound(age, max_age, per_day);
	Datum values[5];
	bool nulls[5] = {false};
	values[0] = Float8GetDatum(f.pct_to_forced);
	values[1] = Float8GetDatum(f.pct_to_stop);
	values[2] = Float8GetDatum(f.days_to_forced);
	nulls[2] = f.days_to_forced < 0;
	values[3] = Float8GetDatum(f.days_to_stop);
	nulls[3] = f.days_to_stop < 0;
	values[4] = BoolGetDatum(f.forced_now);
	return xray::pg::RecordResult(fcinfo, values, nulls);
}

// xray.heap_pages_estimate(reltuples, data_width, natts, has_nulls, fillfactor)
Datum
xray_heap_pages_estimate(PG_FUNCTION_ARGS)
{
	xray::core::HeapShape h{PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_INT32(2),
							PG_GETARG_BOOL(3),	 PG_GETARG_INT32(4),  BLCKSZ};
	PG_RETURN_FLOAT8(xray::core::EstimateHeapPages(h));
}

Datum
xray_autovacuum_trigger(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(xray::core::AutovacuumTrigger(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}

Datum
xray_suggested_scale_factor(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(xray::core::SuggestedScaleFactor(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
													  PG_GETARG_FLOAT8(3)));
}

// xray.id_consumption(): transaction and multixact ids consumed per day, as
// observed by the lock sampler since it started (NULL before two observations).
Datum
xray_id_consumption(PG_FUNCTION_ARGS)
{
	xray::pg::IdConsumption c;
	xray::pg::IdConsumptionGet(&c);
	Datum values[5];
	bool nulls[5] = {false};
	values[0] = Float8GetDatum(c.xids_per_day);
	nulls[0] = c.xids_per_day < 0;
	values[1] = Float8GetDatum(c.mxids_per_day);
	nulls[1] = c.mxids_per_day < 0;
	values[2] = TimestampTzGetDatum(c.from);
	nulls[2] = c.observations == 0;
	values[3] = TimestampTzGetDatum(c.to);
	nulls[3] = c.observations == 0;
	values[4] = Int32GetDatum(c.observations);
	return xray::pg::RecordResult(fcinfo, values, nulls);
}
