-- pg_xray install script (built into pg_xray--<version>.sql by the Makefile)
\echo Use "CREATE EXTENSION pg_xray" to load this file. \quit

GRANT USAGE ON SCHEMA xray TO PUBLIC;

-- Statements -----------------------------------------------------------------
CREATE FUNCTION xray.statements(
    OUT userid oid,
    OUT dbid oid,
    OUT toplevel bool,
    OUT queryid bigint,
    OUT query text,
    OUT plans bigint,
    OUT total_plan_time float8,
    OUT min_plan_time float8,
    OUT max_plan_time float8,
    OUT mean_plan_time float8,
    OUT stddev_plan_time float8,
    OUT calls bigint,
    OUT total_exec_time float8,
    OUT min_exec_time float8,
    OUT max_exec_time float8,
    OUT mean_exec_time float8,
    OUT stddev_exec_time float8,
    OUT p50_exec_time float8,
    OUT p95_exec_time float8,
    OUT p99_exec_time float8,
    OUT rows bigint,
    OUT errors bigint,
    OUT total_error_time float8,
    OUT shared_blks_hit bigint,
    OUT shared_blks_read bigint,
    OUT shared_blks_dirtied bigint,
    OUT shared_blks_written bigint,
    OUT local_blks_hit bigint,
    OUT local_blks_read bigint,
    OUT local_blks_dirtied bigint,
    OUT local_blks_written bigint,
    OUT temp_blks_read bigint,
    OUT temp_blks_written bigint,
    OUT blk_read_time float8,
    OUT blk_write_time float8,
    OUT temp_blk_read_time float8,
    OUT temp_blk_write_time float8,
    OUT wal_records bigint,
    OUT wal_fpi bigint,
    OUT wal_bytes numeric,
    OUT distinct_plans integer,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_statements'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW xray.statements AS SELECT * FROM xray.statements();
COMMENT ON VIEW xray.statements IS 'pg_xray: per-statement execution and planning statistics with latency percentiles';
GRANT SELECT ON xray.statements TO PUBLIC;

-- Plans ----------------------------------------------------------------------
CREATE FUNCTION xray.plans(
    OUT dbid oid,
    OUT queryid bigint,
    OUT planid bigint,
    OUT calls bigint,
    OUT total_exec_time float8,
    OUT mean_exec_time float8,
    OUT p95_exec_time float8,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz,
    OUT plan text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_plans'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW xray.plans AS SELECT * FROM xray.plans();
COMMENT ON VIEW xray.plans IS 'pg_xray: per-plan statistics and normalized plan text';
REVOKE ALL ON FUNCTION xray.plans() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.plans() TO pg_read_all_stats;
REVOKE ALL ON xray.plans FROM PUBLIC;
GRANT SELECT ON xray.plans TO pg_read_all_stats;

-- Info -----------------------------------------------------------------------
CREATE FUNCTION xray.info(
    OUT statements bigint,
    OUT max_statements bigint,
    OUT plans bigint,
    OUT max_plans bigint,
    OUT pending bigint,
    OUT statement_evictions bigint,
    OUT plan_evictions bigint,
    OUT dropped bigint,
    OUT flushes bigint,
    OUT shared_memory_bytes bigint,
    OUT hook_time_ms float8,
    OUT stats_reset timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_info'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW xray.info AS SELECT * FROM xray.info();
COMMENT ON VIEW xray.info IS 'pg_xray: recorder capacity, usage, evictions and own overhead';
GRANT SELECT ON xray.info TO PUBLIC;

-- Reset ----------------------------------------------------------------------
CREATE FUNCTION xray.reset()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'xray_reset'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.reset() IS 'pg_xray: discard all statement and plan statistics';
REVOKE ALL ON FUNCTION xray.reset() FROM PUBLIC;

CREATE FUNCTION xray.reset_query(queryid bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'xray_reset_query'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.reset_query(bigint) IS 'pg_xray: discard the statistics of one query id (all users and databases)';
REVOKE ALL ON FUNCTION xray.reset_query(bigint) FROM PUBLIC;
