// guc.hpp - pg_xray's configuration variables (defined in module.cpp).
#pragma once

namespace xray::pg
{
enum TrackLevel
{
	kTrackNone = 0,
	kTrackTop = 1,
	kTrackAll = 2,
};

extern bool guc_enabled;
extern int guc_track;
extern bool guc_track_utility;
extern bool guc_save;
extern int guc_max_statements;
extern int guc_max_plans;
extern int guc_query_text_size;
extern int guc_plan_text_size;
extern int guc_flush_interval_ms;
extern int guc_index_advice_statements;
extern int guc_index_advice_budget_kb;
extern int guc_index_advice_min_rows;
extern int guc_index_advice_max_plans;
extern bool guc_store_sample_values;
extern double guc_advice_sample_rate;
extern int guc_lock_sample_interval_ms;
extern int guc_lock_history_size;
extern int guc_long_transaction_threshold_ms;
extern int guc_connection_observation_min; // read by SQL only (xray.settings_advice)
extern int guc_history_retention_min;
extern int guc_snapshot_interval_s;
extern char *guc_monitoring_database;

void DefineGucs();
} // namespace xray::pg
