-- pg_xray install script (built into pg_xray--<version>.sql by the Makefile:
-- the files of src/sql one after the other). recorder.sql: statements, plans,
-- info, reset.
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

-- every counter of every supported server; those this server lacks are NULL
CREATE FUNCTION xray._statements(
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
    OUT shared_blk_read_time float8,
    OUT shared_blk_write_time float8,
    OUT local_blk_read_time float8,
    OUT local_blk_write_time float8,
    OUT temp_blk_read_time float8,
    OUT temp_blk_write_time float8,
    OUT wal_records bigint,
    OUT wal_fpi bigint,
    OUT wal_bytes numeric,
    OUT wal_buffers_full bigint,
    OUT jit_functions bigint,
    OUT jit_generation_time float8,
    OUT jit_inlining_count bigint,
    OUT jit_inlining_time float8,
    OUT jit_optimization_count bigint,
    OUT jit_optimization_time float8,
    OUT jit_emission_count bigint,
    OUT jit_emission_time float8,
    OUT jit_deform_count bigint,
    OUT jit_deform_time float8,
    OUT parallel_workers_to_launch bigint,
    OUT parallel_workers_launched bigint,
    OUT distinct_plans integer,
    OUT first_seen timestamptz,
    OUT last_seen timestamptz,
    OUT stats_since timestamptz,
    OUT minmax_stats_since timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_statements_full'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- xray.statements has the columns pg_stat_statements has on this server, under
-- its names (15/16: blk_read_time; 17: shared_/local_blk_*_time, jit_deform_*,
-- stats_since, minmax_stats_since; 18: wal_buffers_full, parallel_workers_*),
-- plus pg_xray's own (percentiles, errors, distinct plans, first and last seen)
DO $statements_view$
DECLARE
    v int := current_setting('server_version_num')::int;
    cols text;
BEGIN
    SELECT string_agg(CASE WHEN v < 170000 AND a.name IN ('shared_blk_read_time', 'shared_blk_write_time')
                           THEN format('s.%I AS %I', a.name, substr(a.name, 8))
                           ELSE format('s.%I', a.name) END, ', ' ORDER BY a.ord)
    INTO cols
    FROM pg_catalog.pg_proc p,
         unnest(p.proargnames, p.proargmodes::text[]) WITH ORDINALITY AS a(name, mode, ord)
    WHERE p.oid = 'xray._statements()'::pg_catalog.regprocedure AND a.mode = 'o'
      AND NOT (v < 170000 AND a.name IN ('local_blk_read_time', 'local_blk_write_time', 'jit_deform_count',
                                         'jit_deform_time', 'stats_since', 'minmax_stats_since'))
      AND NOT (v < 180000 AND a.name IN ('wal_buffers_full', 'parallel_workers_to_launch', 'parallel_workers_launched'));
    EXECUTE format('CREATE VIEW xray.statements AS SELECT %s FROM xray._statements() s', cols);
END
$statements_view$;
COMMENT ON VIEW xray.statements IS 'pg_xray: per-statement execution and planning statistics with latency percentiles';
GRANT SELECT ON xray.statements TO PUBLIC;

-- one text per (database, query id) as xray.statements shows it to the reader
-- (the most called row's), for the views that name statements by query id
CREATE VIEW xray.statement_texts AS
SELECT DISTINCT ON (s.dbid, s.queryid) s.dbid, s.queryid, s.query
FROM xray.statements() s
WHERE s.queryid IS NOT NULL
ORDER BY s.dbid, s.queryid, s.calls DESC;
COMMENT ON VIEW xray.statement_texts IS 'pg_xray: one statement text per database and query id (xray.statements'' visibility)';
GRANT SELECT ON xray.statement_texts TO PUBLIC;

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


-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._statements() IS 'pg_xray: every counter of every supported server per recorded statement (those this server lacks are NULL); xray.statements is built on it';
COMMENT ON FUNCTION xray.info() IS 'pg_xray: the recorder''s state: statements and plans kept, evictions, flushes, shared memory, hook time';
COMMENT ON FUNCTION xray.plans() IS 'pg_xray: recorded plans per statement (the function behind xray.plans)';
COMMENT ON FUNCTION xray.statements() IS 'pg_xray: the 0.1.0 columns of recorded statements (xray._statements has every counter)';
