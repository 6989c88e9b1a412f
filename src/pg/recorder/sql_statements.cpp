// sql_statements.cpp - SQL functions behind xray.statements, xray.plans,
// xray.info, xray.reset() and xray.reset_query().
//
// Text visibility follows pg_stat_statements: roles with the privileges of
// pg_read_all_stats (and superusers) see every statement; others see their
// own, and "<insufficient privilege>" with a NULL queryid for the rest.
#include "histogram.hpp"

#include "compat.hpp"
#include "shared_modules.hpp"
#include "recorder/store.hpp"
#include "srf.hpp"
#include "text_access.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(xray_statements);
PG_FUNCTION_INFO_V1(xray_statements_full);
PG_FUNCTION_INFO_V1(xray_plans);
PG_FUNCTION_INFO_V1(xray_info);
PG_FUNCTION_INFO_V1(xray_reset);
PG_FUNCTION_INFO_V1(xray_reset_query);
PGDLLEXPORT Datum xray_statements(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_statements_full(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_plans(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_info(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_reset(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_reset_query(PG_FUNCTION_ARGS);
}

namespace
{
using namespace xray::pg;

// xray.statements() has 43 columns; xray._statements() 60: every counter any
// supported server has (those this one lacks are NULL), from which the view
// xray.statements shows this version's set under its names. SrfRow checks the
// count against the SQL definition.

// the five timing columns of pg_stat_statements (total, min, max, mean, stddev)
void
PutTiming(SrfRow &c, const TimingStats &t)
{
	c.Float(t.total);
	c.FloatOrNull(t.min, t.count == 0);
	c.FloatOrNull(t.max, t.count == 0);
	c.FloatOrNull(t.mean, t.count == 0);
	c.FloatOrNull(xray::core::TimingStddev(t), t.count == 0);
}

// a latency percentile from the histogram (NULL before any execution)
void
PutQuantile(SrfRow &c, const uint64 *hist, double q)
{
	double v = xray::core::HistQuantile(hist, q);
	c.FloatOrNull(v, v < 0);
}

Datum
NumericFromUint64(uint64 v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), UINT64_FORMAT, v);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf), ObjectIdGetDatum(0), Int32GetDatum(-1));
}

Datum
EmitStatements(FunctionCallInfo fcinfo, bool full)
{
	CheckPreloaded();
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TextAccess access;
	int nrows;
	StmtRow *rows = StoreSnapshotStatements(&nrows);
	for (int i = 0; i < nrows; i++)
	{
		const StmtRow &r = rows[i];
		SrfRow c;
		bool visible = access.Sees(r.key.userid);
		c.Put(ObjectIdGetDatum(r.key.userid));
		c.Put(ObjectIdGetDatum(r.key.dbid));
		c.Put(BoolGetDatum(r.key.toplevel));
		if (visible)
		{
			c.Int64((int64) r.key.queryid);
			c.Text(r.text);
		}
		else
		{
			c.Null();
			c.Text(kHiddenText);
		}
		c.Int64(r.c.plan.count);
		PutTiming(c, r.c.plan);
		c.Int64(r.c.exec.count);
		PutTiming(c, r.c.exec);
		PutQuantile(c, r.hist, 0.50);
		PutQuantile(c, r.hist, 0.95);
		PutQuantile(c, r.hist, 0.99);
		c.Int64(r.c.rows);
		c.Int64(r.c.errors);
		c.Float(r.c.error_time);
		const xray::core::IoCounters &io = r.c.io;
		c.Int64(io.shared_blks_hit);
		c.Int64(io.shared_blks_read);
		c.Int64(io.shared_blks_dirtied);
		c.Int64(io.shared_blks_written);
		c.Int64(io.local_blks_hit);
		c.Int64(io.local_blks_read);
		c.Int64(io.local_blks_dirtied);
		c.Int64(io.local_blks_written);
		c.Int64(io.temp_blks_read);
		c.Int64(io.temp_blks_written);
		c.Float(io.blk_read_time);
		c.Float(io.blk_write_time);
		if (full)
		{
			c.FloatOrNull(io.local_blk_read_time, !XRAY_HAS_PG17_COUNTERS);
			c.FloatOrNull(io.local_blk_write_time, !XRAY_HAS_PG17_COUNTERS);
		}
		c.Float(io.temp_blk_read_time);
		c.Float(io.temp_blk_write_time);
		c.Int64(io.wal_records);
		c.Int64(io.wal_fpi);
		c.Put(NumericFromUint64(io.wal_bytes));
		if (full)
		{
			XRAY_HAS_PG18_COUNTERS ? c.Int64(io.wal_buffers_full) : c.Null();
			const xray::core::JitCounters &j = r.c.jit;
			c.Int64(j.functions);
			c.Float(j.generation_time);
			c.Int64(j.inlining_count);
			c.Float(j.inlining_time);
			c.Int64(j.optimization_count);
			c.Float(j.optimization_time);
			c.Int64(j.emission_count);
			c.Float(j.emission_time);
			XRAY_HAS_PG17_COUNTERS ? c.Int64(j.deform_count) : c.Null();
			c.FloatOrNull(j.deform_time, !XRAY_HAS_PG17_COUNTERS);
			XRAY_HAS_PG18_COUNTERS ? c.Int64(r.c.parallel_workers_to_launch) : c.Null();
			XRAY_HAS_PG18_COUNTERS ? c.Int64(r.c.parallel_workers_launched) : c.Null();
		}
		c.Put(Int32GetDatum(r.distinct_plans));
		c.Time(r.first_seen);
		c.Time(r.last_seen);
		if (full)
		{
			// counted since the entry was made; min and max are never reset apart
			c.Time(r.first_seen);
			c.Time(r.first_seen);
		}
		c.Done(rsinfo);
	}
	return (Datum) 0;
}
} // namespace

Datum
xray_statements(PG_FUNCTION_ARGS)
{
	return EmitStatements(fcinfo, false);
}

Datum
xray_statements_full(PG_FUNCTION_ARGS)
{
	return EmitStatements(fcinfo, true);
}

Datum
xray_plans(PG_FUNCTION_ARGS)
{
	CheckPreloaded();
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int nrows;
	PlanRow *rows = StoreSnapshotPlans(&nrows);
	for (int i = 0; i < nrows; i++)
	{
		const PlanRow &r = rows[i];
		SrfRow c;
		c.Put(ObjectIdGetDatum(r.key.dbid));
		c.Int64((int64) r.key.queryid);
		c.Int64((int64) r.key.planid);
		c.Int64(r.exec.count);
		c.Float(r.exec.total);
		c.FloatOrNull(r.exec.mean, r.exec.count == 0);
		PutQuantile(c, r.hist, 0.95);
		c.Time(r.first_seen);
		c.Time(r.last_seen);
		c.Text(r.text);
		c.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_info(PG_FUNCTION_ARGS)
{
	CheckPreloaded();
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StoreInfo info;
	StoreGetInfo(&info);
	SrfRow c;
	c.Int64(info.statements);
	c.Int64(info.max_statements);
	c.Int64(info.plans);
	c.Int64(info.max_plans);
	c.Int64(info.pending);
	c.Int64(info.statement_evictions);
	c.Int64(info.plan_evictions);
	c.Int64(info.dropped);
	c.Int64(info.flushes);
	c.Int64(info.shared_memory_bytes);
	c.Float(info.hook_time_ms);
	c.Time(info.stats_reset);
	c.Done(rsinfo);
	return (Datum) 0;
}

Datum
xray_reset(PG_FUNCTION_ARGS)
{
	SharedModulesReset();
	StoreInfo info;
	StoreGetInfo(&info);
	PG_RETURN_TIMESTAMPTZ(info.stats_reset);
}

Datum
xray_reset_query(PG_FUNCTION_ARGS)
{
	CheckPreloaded();
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("queryid must not be NULL")));
	int64 queryid = PG_GETARG_INT64(0);
	if (queryid == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("queryid 0 does not identify a statement"),
						errhint("Use xray.reset() to discard all statistics.")));
	// its statements and plans, and what sampled executions and repeats noted for it
	int64 removed = SharedModulesForgetQuery((uint64) queryid);
	if (removed == 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
						errmsg("no statement with queryid %lld is recorded", (long long) queryid)));
	PG_RETURN_INT64(removed);
}
