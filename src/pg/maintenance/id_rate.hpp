// id_rate.hpp - transaction-id and multixact consumption, for the wraparound
// forecasts: the lock sampler notes the next ids every kIdObservationSeconds
// (a day of observations is kept). Rates are < 0 when fewer than two
// observations exist.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
constexpr int kIdObservationSeconds = 10;
constexpr int kIdObservations = 8640;

struct IdConsumption
{
	double xids_per_day;
	double mxids_per_day;
	TimestampTz from;
	TimestampTz to;
	int observations;
};

void IdRateRequestShmem();
void IdRateStartup();
void IdConsumptionGet(IdConsumption *out);
} // namespace xray::pg
