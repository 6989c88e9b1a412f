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

-- Fleet: a primary and its hot standbys seen as one system (#14) ------------------------------
-- Each registered node is read over a postgres_fdw foreign server the DBA creates (with its
-- user mapping: the password stays in PostgreSQL's catalog, never in pg_xray's tables). The
-- node's own views (xray.statements, xray.plans, xray.node_*: the same extension,
-- replicated) are imported as foreign tables into a
-- schema of their own, xray_node_<hash of the name>. A node that does not answer is left out
-- of the fleet views and shown unreachable in xray.fleet_status.

-- what a node says of itself (read remotely by xray.fleet_status)
CREATE VIEW xray.node_self AS
SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
       CASE WHEN pg_catalog.pg_is_in_recovery()
            THEN pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp() END AS replay_lag,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
            ELSE pg_catalog.pg_current_wal_lsn() END AS wal_lsn,
       (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_xray') AS xray_version,
       pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.pg_postmaster_start_time() AS started_at;
COMMENT ON VIEW xray.node_self IS 'pg_xray: this server as the fleet views see it (recovery, replay lag, versions)';
GRANT SELECT ON xray.node_self TO pg_read_all_stats;

-- each index's scans on this server since its statistics were reset
CREATE VIEW xray.node_index_usage AS
SELECT s.schemaname::text AS schema_name, s.relname::text AS table_name, s.indexrelname::text AS index_name,
       s.idx_scan AS scans,
       coalesce(pg_catalog.pg_stat_get_db_stat_reset_time(d.oid), pg_catalog.pg_postmaster_start_time()) AS since
FROM pg_catalog.pg_stat_user_indexes s, pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database();
COMMENT ON VIEW xray.node_index_usage IS 'pg_xray: scans of every index on this server since its statistics were reset';
GRANT SELECT ON xray.node_index_usage TO pg_read_all_stats;

CREATE FUNCTION xray.statement_histograms(
    OUT userid oid, OUT dbid oid, OUT toplevel boolean, OUT queryid bigint, OUT buckets integer[], OUT counts bigint[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_statement_histograms'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION xray.statement_histograms() IS 'pg_xray: each statement''s latency histogram (non-empty buckets), for merging across servers';

CREATE FUNCTION xray.histogram_quantile(buckets integer[], counts bigint[], q double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_histogram_quantile'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION xray.histogram_quantile(integer[], bigint[], double precision) IS 'pg_xray: the q-quantile (ms) of latency histogram buckets (summed from several servers: merged, not averaged)';

CREATE VIEW xray.node_histograms AS SELECT * FROM xray.statement_histograms();
COMMENT ON VIEW xray.node_histograms IS 'pg_xray: the latency histograms of this server''s statements (read by the fleet views)';
GRANT SELECT ON xray.node_histograms TO PUBLIC;

CREATE TABLE xray.nodes (
    name text PRIMARY KEY CHECK (name <> '' AND pg_catalog.lower(name) <> 'local' AND pg_catalog.length(name) <= 63),
    server name NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    added_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE xray.nodes IS 'pg_xray: the standbys (or other nodes) the fleet views read, each through a postgres_fdw foreign server';
SELECT pg_catalog.pg_extension_config_dump('xray.nodes', '');
GRANT SELECT ON xray.nodes TO pg_read_all_stats;

-- the schema a node's foreign tables live in (a hash: any node name is safe there)
CREATE FUNCTION xray._node_schema(node text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN 'xray_node_' || pg_catalog.substr(pg_catalog.md5(node), 1, 16);
COMMENT ON FUNCTION xray._node_schema(text) IS 'pg_xray: the schema holding a fleet node''s foreign tables';

CREATE FUNCTION xray.add_node(name text, server text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    wrapper text;
    sch text;
BEGIN
    IF name IS NULL OR server IS NULL THEN
        RAISE EXCEPTION 'name and server must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF name = '' OR lower(name) = 'local' OR length(name) > 63 THEN
        RAISE EXCEPTION 'node name % is not allowed', quote_literal(name) USING ERRCODE = '22023',
            HINT = 'A name of 1 to 63 characters other than "local" (the server you are on).';
    END IF;
    SELECT w.fdwname INTO wrapper
    FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = server;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'foreign server % does not exist', quote_ident(server) USING ERRCODE = '42704',
            HINT = 'CREATE EXTENSION postgres_fdw; CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ..., port ..., dbname ..., connect_timeout ''3''); and a user mapping (docs/fleet.md).';
    END IF;
    IF wrapper <> 'postgres_fdw' THEN
        RAISE EXCEPTION 'foreign server % uses %, not postgres_fdw', quote_ident(server), wrapper USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM xray.nodes n WHERE n.name = add_node.name) THEN
        RAISE EXCEPTION 'node % is registered already', quote_literal(name) USING ERRCODE = '42710';
    END IF;
    sch := xray._node_schema(name);
    EXECUTE format('CREATE SCHEMA %I', sch);
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', sch, format('pg_xray: the views of fleet node %s (xray.add_node)', name));
    -- reads the node's definitions: it must answer now
    EXECUTE format('IMPORT FOREIGN SCHEMA xray LIMIT TO (statements, node_histograms, node_index_usage, node_self, '
                   'plans, node_databases, node_tables, node_indexes, node_waits, node_lock_incidents, node_lock_samples, '
                   'node_lock_graph) '
                   'FROM SERVER %I INTO %I', server, sch);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO pg_read_all_stats', sch);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO pg_read_all_stats', sch);
    INSERT INTO xray.nodes (name, server) VALUES (add_node.name, add_node.server);
END
$$;
COMMENT ON FUNCTION xray.add_node(text, text) IS 'pg_xray: register a node of the fleet, read through a postgres_fdw foreign server';
REVOKE ALL ON FUNCTION xray.add_node(text, text) FROM PUBLIC;

CREATE FUNCTION xray.remove_node(name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'name must not be NULL' USING ERRCODE = '22004';
    END IF;
    DELETE FROM xray.nodes n WHERE n.name = remove_node.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'node % is not registered', quote_literal(name) USING ERRCODE = '42704';
    END IF;
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', xray._node_schema(name));
END
$$;
COMMENT ON FUNCTION xray.remove_node(text) IS 'pg_xray: forget a node of the fleet (its foreign tables are dropped; the foreign server stays)';
REVOKE ALL ON FUNCTION xray.remove_node(text) FROM PUBLIC;

-- the standbys streaming from this server, and how to register each
CREATE FUNCTION xray.discover_nodes(
    OUT name text, OUT client_addr inet, OUT state text, OUT sync_state text, OUT replay_lag interval,
    OUT registered boolean, OUT suggested_sql text)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT r.application_name, r.client_addr, r.state, r.sync_state, r.replay_lag,
           EXISTS (SELECT 1 FROM xray.nodes n WHERE n.name = r.application_name),
           pg_catalog.format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, connect_timeout %L); '
                             'CREATE USER MAPPING FOR PUBLIC SERVER %I OPTIONS (user %L, password ''...''); '
                             'SELECT xray.add_node(%L, %L);',
                             'xray_' || r.application_name, coalesce(pg_catalog.host(r.client_addr), '/tmp'),
                             pg_catalog.current_setting('port'), pg_catalog.current_database(), '3',
                             'xray_' || r.application_name, 'xray_reader', r.application_name, 'xray_' || r.application_name)
    FROM pg_catalog.pg_stat_replication r
    ORDER BY r.application_name;
END;
COMMENT ON FUNCTION xray.discover_nodes() IS 'pg_xray: the standbys in pg_stat_replication, whether registered, and the SQL that would register each (port and password to fill in)';
REVOKE ALL ON FUNCTION xray.discover_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.discover_nodes() TO pg_monitor;

-- the nodes that answer a probe now (the fleet views read those only)
CREATE FUNCTION xray._fleet_reachable(OUT name text, OUT schema_name text)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n record;
BEGIN
    FOR n IN SELECT x.name FROM xray.nodes x WHERE x.enabled ORDER BY x.name LOOP
        BEGIN
            EXECUTE format('SELECT 1 FROM %I.node_self', xray._node_schema(n.name));
            name := n.name;
            schema_name := xray._node_schema(n.name);
            RETURN NEXT;
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            NULL; -- unreachable: xray.fleet_status says why
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray._fleet_reachable() IS 'pg_xray: the enabled fleet nodes that answer now';

-- the rows of one of the nodes' views, from every reachable node: one query over
-- them all (postgres_fdw reads them in parallel when the servers are async_capable),
-- and node by node if one of them fails meanwhile
CREATE FUNCTION xray._fleet_sql(rel text, expr text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT %L::text AS node, %s FROM %I.%I t', r.name, expr, r.schema_name, rel),
                                 ' UNION ALL ' ORDER BY r.name)
    FROM xray._fleet_reachable() r;
END;
COMMENT ON FUNCTION xray._fleet_sql(text, text) IS 'pg_xray: the query over one view of every reachable fleet node';

CREATE FUNCTION xray._fleet_statements(OUT node text, OUT s xray.statements)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q text := xray._fleet_sql('statements', 'ROW(t.*)::xray.statements');
    r record;
BEGIN
    RETURN QUERY SELECT 'local'::text, l FROM xray.statements l;
    IF q IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        RETURN QUERY EXECUTE q;
    EXCEPTION WHEN query_canceled THEN
        RAISE;
    WHEN OTHERS THEN
        FOR r IN SELECT * FROM xray._fleet_reachable() LOOP
            BEGIN
                RETURN QUERY EXECUTE format('SELECT %L::text, ROW(t.*)::xray.statements FROM %I.statements t', r.name, r.schema_name);
            EXCEPTION WHEN query_canceled THEN
                RAISE;
            WHEN OTHERS THEN
                NULL;
            END;
        END LOOP;
    END;
END
$$;
COMMENT ON FUNCTION xray._fleet_statements() IS 'pg_xray: xray.statements of this server and of every reachable fleet node';

-- xray.fleet_statements: xray.statements' columns with a node column; another role's text
-- and query id hidden by this server's rule for the caller, whatever the node's mapping may see
DO $fleet_view$
DECLARE
    cols text;
BEGIN
    SELECT pg_catalog.string_agg(
               CASE a.attname
                   WHEN 'queryid' THEN 'CASE WHEN v.sees THEN (f.s).queryid END AS queryid'
                   WHEN 'query' THEN 'CASE WHEN v.sees THEN (f.s).query ELSE ''<insufficient privilege>'' END AS query'
                   ELSE pg_catalog.format('(f.s).%I', a.attname) END, ', ' ORDER BY a.attnum)
    INTO cols
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = 'xray.statements'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE pg_catalog.format(
        'CREATE VIEW xray.fleet_statements AS SELECT f.node, %s FROM xray._fleet_statements() f, '
        'LATERAL (SELECT pg_catalog.pg_has_role(''pg_read_all_stats'', ''USAGE'') '
        '                OR (f.s).userid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) AS sees) v', cols);
END
$fleet_view$;
COMMENT ON VIEW xray.fleet_statements IS 'pg_xray: xray.statements of every node of the fleet (node = ''local'' for this server)';
GRANT SELECT ON xray.fleet_statements TO pg_read_all_stats;

CREATE FUNCTION xray._fleet_histograms(
    OUT node text, OUT userid oid, OUT dbid oid, OUT toplevel boolean, OUT queryid bigint, OUT buckets integer[], OUT counts bigint[])
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q text := xray._fleet_sql('node_histograms', 't.userid, t.dbid, t.toplevel, t.queryid, t.buckets, t.counts');
BEGIN
    RETURN QUERY SELECT 'local'::text, h.userid, h.dbid, h.toplevel, h.queryid, h.buckets, h.counts FROM xray.statement_histograms() h;
    IF q IS NOT NULL THEN
        BEGIN
            RETURN QUERY EXECUTE q;
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            NULL; -- a node failed meanwhile: its percentiles are left out of the merge
        END;
    END IF;
END
$$;
COMMENT ON FUNCTION xray._fleet_histograms() IS 'pg_xray: the latency histograms of this server and of every reachable fleet node';

CREATE VIEW xray.fleet_statements_merged AS
WITH seen AS (
    SELECT s.* FROM xray.fleet_statements s WHERE s.queryid IS NOT NULL
), merged AS (
    SELECT h.userid, h.dbid, h.toplevel, h.queryid, u.bucket, pg_catalog.sum(u.count)::bigint AS count
    FROM xray._fleet_histograms() h, LATERAL ROWS FROM (pg_catalog.unnest(h.buckets), pg_catalog.unnest(h.counts)) AS u(bucket, count)
    WHERE h.queryid IS NOT NULL
      AND (pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') OR h.userid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER))
    GROUP BY h.userid, h.dbid, h.toplevel, h.queryid, u.bucket
), hist AS (
    SELECT m.userid, m.dbid, m.toplevel, m.queryid,
           pg_catalog.array_agg(m.bucket ORDER BY m.bucket) AS buckets, pg_catalog.array_agg(m.count ORDER BY m.bucket) AS counts
    FROM merged m GROUP BY m.userid, m.dbid, m.toplevel, m.queryid
)
SELECT s.userid, s.dbid, s.toplevel, s.queryid, pg_catalog.min(s.query) AS query,
       pg_catalog.array_agg(s.node ORDER BY s.node) AS nodes,
       pg_catalog.sum(s.calls)::bigint AS calls,
       pg_catalog.sum(s.total_exec_time) AS total_exec_time,
       pg_catalog.sum(s.total_exec_time) / NULLIF(pg_catalog.sum(s.calls), 0) AS mean_exec_time,
       xray.histogram_quantile(pg_catalog.min(h.buckets), pg_catalog.min(h.counts), 0.95) AS p95_exec_time,
       xray.histogram_quantile(pg_catalog.min(h.buckets), pg_catalog.min(h.counts), 0.99) AS p99_exec_time,
       pg_catalog.sum(s.rows)::bigint AS rows,
       pg_catalog.sum(s.errors)::bigint AS errors,
       pg_catalog.sum(s.shared_blks_hit)::bigint AS shared_blks_hit,
       pg_catalog.sum(s.shared_blks_read)::bigint AS shared_blks_read,
       pg_catalog.min(s.first_seen) AS first_seen, pg_catalog.max(s.last_seen) AS last_seen
FROM seen s
LEFT JOIN hist h ON h.userid = s.userid AND h.dbid = s.dbid AND h.toplevel = s.toplevel AND h.queryid = s.queryid
GROUP BY s.userid, s.dbid, s.toplevel, s.queryid;
COMMENT ON VIEW xray.fleet_statements_merged IS 'pg_xray: each statement summed over the fleet''s nodes, p95/p99 from the merged latency histograms';
GRANT SELECT ON xray.fleet_statements_merged TO pg_read_all_stats;

-- SECURITY DEFINER: xray.index_health (readable by everyone) asks every node whether an index
-- is scanned there; it reads pg_xray's own view of each node (index names and scan counts,
-- what pg_stat_user_indexes shows everyone on that node), nothing a user wrote. A node that
-- does not answer comes as one row with NULL index columns.
CREATE FUNCTION xray._fleet_index_usage(
    OUT node text, OUT schema_name text, OUT table_name text, OUT index_name text, OUT scans bigint, OUT since timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    up text[] := ARRAY(SELECT r.name FROM xray._fleet_reachable() r);
    r record;
BEGIN
    RETURN QUERY SELECT 'local'::text, u.schema_name, u.table_name, u.index_name, u.scans, u.since FROM xray.node_index_usage u;
    RETURN QUERY SELECT x.name, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::timestamptz
                 FROM xray.nodes x WHERE x.enabled AND x.name <> ALL (up) ORDER BY x.name;
    FOR r IN SELECT x.name FROM xray.nodes x WHERE x.name = ANY (up) ORDER BY x.name LOOP
        BEGIN
            RETURN QUERY EXECUTE format('SELECT %L::text, t.schema_name, t.table_name, t.index_name, t.scans, t.since FROM %I.node_index_usage t',
                                        r.name, xray._node_schema(r.name));
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            node := r.name; schema_name := NULL; table_name := NULL; index_name := NULL; scans := NULL; since := NULL;
            RETURN NEXT; -- it stopped answering meanwhile
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray._fleet_index_usage() IS 'pg_xray: index scans on this server and on every fleet node (a node that does not answer: one row of NULLs)';

CREATE VIEW xray.fleet_index_usage AS SELECT * FROM xray._fleet_index_usage() u WHERE u.index_name IS NOT NULL;
COMMENT ON VIEW xray.fleet_index_usage IS 'pg_xray: scans of each index on every node of the fleet since its statistics were reset there';
GRANT SELECT ON xray.fleet_index_usage TO pg_read_all_stats;

CREATE FUNCTION xray._fleet_status(
    OUT node text, OUT server name, OUT enabled boolean, OUT reachable boolean, OUT role text, OUT replay_lag interval,
    OUT wal_lsn pg_lsn, OUT xray_version text, OUT server_version text, OUT last_error text, OUT checked_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n record;
    s record;
BEGIN
    SELECT * INTO s FROM xray.node_self;
    node := 'local'; server := NULL; enabled := true; reachable := true;
    role := CASE WHEN s.in_recovery THEN 'standby' ELSE 'primary' END;
    replay_lag := s.replay_lag; wal_lsn := s.wal_lsn; xray_version := s.xray_version;
    server_version := s.server_version; last_error := NULL; checked_at := clock_timestamp();
    RETURN NEXT;
    FOR n IN SELECT x.name, x.server, x.enabled FROM xray.nodes x ORDER BY x.name LOOP
        node := n.name; server := n.server; enabled := n.enabled;
        reachable := NULL; role := NULL; replay_lag := NULL; wal_lsn := NULL; xray_version := NULL;
        server_version := NULL; last_error := NULL;
        IF n.enabled THEN
            BEGIN
                EXECUTE format('SELECT * FROM %I.node_self', xray._node_schema(n.name)) INTO s;
                reachable := true;
                role := CASE WHEN s.in_recovery THEN 'standby' ELSE 'primary' END;
                replay_lag := s.replay_lag; wal_lsn := s.wal_lsn; xray_version := s.xray_version;
                server_version := s.server_version;
            EXCEPTION WHEN query_canceled THEN
                RAISE;
            WHEN OTHERS THEN
                reachable := false;
                last_error := SQLERRM;
            END;
        END IF;
        checked_at := clock_timestamp();
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray._fleet_status() IS 'pg_xray: every node of the fleet, probed now';

CREATE VIEW xray.fleet_status AS SELECT * FROM xray._fleet_status();
COMMENT ON VIEW xray.fleet_status IS 'pg_xray: each node of the fleet: reachable, role, replay lag, versions, last error';
GRANT SELECT ON xray.fleet_status TO pg_read_all_stats;

-- Index advice: predicates, index health, what-if planning, advised indexes --
-- Predicates -------------------------------------------------------------------
-- What sampled executions (xray.advice_sample_rate) did with each table's
-- columns, per statement of the current database: conditions (=, range, IN,
-- LIKE with or without a leading wildcard, @>, IS NULL; a column wrapped in a
-- function shows as f(col)), sort keys directly above a scan and join keys of
-- sequential scans; with the scans' rows returned and removed by filters.
CREATE FUNCTION xray.predicates(
    OUT queryid bigint, OUT relid oid, OUT attnum smallint, OUT column_name text, OUT kind text,
    OUT executions bigint, OUT seq_scans bigint, OUT under_limit bigint,
    OUT rows_returned double precision, OUT rows_removed double precision,
    OUT removed_fraction double precision, OUT rows_estimated double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_predicates'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION xray.predicates() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.predicates() TO pg_read_all_stats;

-- like xray.plans: for roles with pg_read_all_stats (statements of every user)
CREATE VIEW xray.predicates AS
SELECT p.queryid, p.relid::regclass AS relation, p.attnum, p.column_name, p.kind,
       p.executions, p.seq_scans, p.under_limit, p.rows_returned, p.rows_removed,
       round(p.removed_fraction::numeric, 4) AS removed_fraction, p.rows_estimated
FROM xray.predicates() p
ORDER BY p.rows_removed DESC, p.queryid, p.relid, p.attnum, p.kind;
COMMENT ON VIEW xray.predicates IS 'pg_xray: columns the sampled executions filtered, sorted and joined on, per statement and table';
REVOKE ALL ON xray.predicates FROM PUBLIC;
GRANT SELECT ON xray.predicates TO pg_read_all_stats;

-- Index health -----------------------------------------------------------------
-- One row per problem with an index of the current database, with the evidence
-- and the exact statement that fixes it. Indexes backing a primary key, unique
-- or exclusion constraint, unique indexes and the replica identity index are
-- never proposed for dropping; an index serving a foreign key is never called
-- unused (its twin or longer index may replace it).
CREATE VIEW xray.index_health AS
WITH idx AS (
    SELECT i.indexrelid, i.indrelid, c.relname AS index_name, n.nspname AS schema_name,
           t.relname AS table_name, i.indisunique, i.indisprimary, i.indisexclusion,
           i.indisreplident, i.indisvalid,
           -- the *vector types index from 0: rebuild them as ordinary 1-based arrays
           string_to_array(i.indkey::text, ' ')::int2[] AS keys,
           string_to_array(i.indclass::text, ' ')::oid[] AS classes,
           string_to_array(i.indcollation::text, ' ')::oid[] AS collations,
           string_to_array(i.indoption::text, ' ')::int2[] AS options,
           i.indexprs IS NOT NULL AS has_exprs, i.indpred IS NOT NULL AS has_pred,
           pg_get_expr(i.indexprs, i.indrelid) AS exprs, pg_get_expr(i.indpred, i.indrelid) AS pred,
           c.relam, c.relam = 403 AS is_btree,	-- BTREE_AM_OID
           pg_relation_size(i.indexrelid) AS size_bytes, c.relpages, t.reltuples,
           coalesce(s.idx_scan, 0) AS scans,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                   AND k.contype IN ('p', 'u', 'x')) AS backs_constraint,
           -- its leading columns are a foreign key's: it serves the key's checks
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid AND k.contype = 'f'
                   AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] @> k.conkey
                   AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] <@ k.conkey)
             AS serves_foreign_key,
           format('%I.%I', n.nspname, c.relname) AS qualified_index,
           format('%I.%I', n.nspname, t.relname) AS qualified_table
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
      AND t.relkind IN ('r', 'm', 'p')
      -- tables that belong to an extension (its own history, logs...) are the extension's business
      AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass
                      AND dep.objid = i.indrelid AND dep.deptype = 'e')
),
droppable AS (
    SELECT * FROM idx
    WHERE NOT indisunique AND NOT indisprimary AND NOT indisexclusion AND NOT indisreplident
      AND NOT backs_constraint
),
since AS (
    SELECT coalesce(pg_stat_get_db_stat_reset_time(d.oid), pg_postmaster_start_time()) AS since
    FROM pg_database d WHERE d.datname = current_database()
),
-- the scans of the fleet's other nodes (none when no node is registered), read once
fleet AS (
    SELECT u.* FROM xray._fleet_index_usage() u WHERE u.node <> 'local'
),
fleet_usage AS (
    SELECT f.* FROM fleet f WHERE f.index_name IS NOT NULL
),
fleet_down AS (
    SELECT string_agg(f.node, ', ' ORDER BY f.node) AS unreachable FROM fleet f WHERE f.index_name IS NULL
)
-- an invalid index is a failed build: a _ccnew/_ccold leftover of REINDEX CONCURRENTLY (the
-- original index is still there) or a failed CREATE INDEX CONCURRENTLY. Rebuilding it repeats
-- the failure and leaves one more leftover each time: it is dropped, and created again by hand.
SELECT 'invalid'::text AS kind, i.schema_name, i.table_name, i.index_name,
       CASE WHEN i.index_name ~ '_cc(new|old)[0-9]*$'
            THEN format('index is invalid, a leftover of a failed REINDEX CONCURRENTLY (the index it was to replace still exists); %s, maintained on writes, never used',
                        pg_size_pretty(i.size_bytes))
            ELSE format('index is invalid (a failed CREATE INDEX CONCURRENTLY); %s, maintained on writes, never used; drop it, then build it again if needed: %s',
                        pg_size_pretty(i.size_bytes), pg_get_indexdef(i.indexrelid)) END AS evidence,
       i.size_bytes, i.scans,
       format('DROP INDEX CONCURRENTLY IF EXISTS %s;', i.qualified_index) AS fix
FROM idx i WHERE NOT i.indisvalid
UNION ALL
-- unused: no scan here, nor on any fleet node that answers (xray.nodes); a node that does
-- not answer now is named, and the DROP waits for it (commented out)
SELECT 'unused', d.schema_name, d.table_name, d.index_name,
       format('0 scans since %s; %s', to_char(s.since, 'YYYY-MM-DD HH24:MI'), pg_size_pretty(d.size_bytes)) ||
           coalesce('; 0 scans on ' || fl.checked, '') || coalesce('; not checked on ' || fl.unreachable || ' (not answering)', ''),
       d.size_bytes, d.scans,
       CASE WHEN fl.unreachable IS NULL THEN format('DROP INDEX CONCURRENTLY %s;', d.qualified_index)
            ELSE format('-- once %s answer%s: DROP INDEX CONCURRENTLY %s;', fl.unreachable,
                        CASE WHEN fl.unreachable LIKE '%,%' THEN '' ELSE 's' END, d.qualified_index) END
FROM droppable d CROSS JOIN since s
CROSS JOIN LATERAL (
    SELECT string_agg(format('%s (since %s)', u.node, to_char(u.since, 'YYYY-MM-DD HH24:MI')), ', ' ORDER BY u.node) AS checked,
           bool_or(u.scans > 0) AS scanned, (SELECT fd.unreachable FROM fleet_down fd) AS unreachable
    FROM fleet_usage u
    WHERE u.schema_name = d.schema_name AND u.index_name = d.index_name
) fl
WHERE d.indisvalid AND d.scans = 0 AND NOT d.serves_foreign_key AND NOT coalesce(fl.scanned, false)
UNION ALL
SELECT 'duplicate', d.schema_name, d.table_name, d.index_name,
       format('same definition as %I (%s scans); %s', o.index_name, o.scans, pg_size_pretty(d.size_bytes)),
       d.size_bytes, d.scans,
       format('DROP INDEX CONCURRENTLY %s;', d.qualified_index)
FROM droppable d
JOIN idx o ON o.indrelid = d.indrelid AND o.indexrelid <> d.indexrelid AND o.relam = d.relam
      AND o.keys = d.keys AND o.classes = d.classes AND o.collations = d.collations
      AND o.options = d.options AND o.exprs IS NOT DISTINCT FROM d.exprs
      AND o.pred IS NOT DISTINCT FROM d.pred AND o.indisvalid
-- of two droppable twins keep the one with the lower OID; a constraint-backed twin is always kept
WHERE d.indisvalid AND (o.indexrelid < d.indexrelid OR o.indisunique OR o.backs_constraint OR o.indisreplident)
UNION ALL
SELECT 'redundant_prefix', d.schema_name, d.table_name, d.index_name,
       format('its columns are a leading part of %I (%s scans); %s',
              o.index_name, o.scans, pg_size_pretty(d.size_bytes)),
       d.size_bytes, d.scans,
       format('DROP INDEX CONCURRENTLY %s;', d.qualified_index)
FROM droppable d
JOIN idx o ON o.indrelid = d.indrelid AND o.indexrelid <> d.indexrelid AND o.relam = d.relam
      AND o.indisvalid AND NOT o.has_exprs AND NOT o.has_pred
      AND cardinality(o.keys) > cardinality(d.keys)
      AND o.keys[1:cardinality(d.keys)] = d.keys
      AND o.classes[1:cardinality(d.classes)] = d.classes
      AND o.collations[1:cardinality(d.collations)] = d.collations
      AND o.options[1:cardinality(d.options)] = d.options
-- (a boolean column, not relam = a value: on a CTE the planner would guess that equality
-- keeps 0.5 % of the rows, and loop over every index pair instead of hashing on the table)
WHERE d.indisvalid AND NOT d.has_exprs AND NOT d.has_pred AND d.is_btree
UNION ALL
SELECT 'bloated', i.schema_name, i.table_name, i.index_name,
       format('about %s%% of %s is free space (estimated from statistics: %s pages, about %s needed)',
              round(100 * (1 - e.expected_pages / i.relpages)), pg_size_pretty(i.size_bytes),
              i.relpages, ceil(e.expected_pages)),
       i.size_bytes, i.scans,
       format('REINDEX INDEX CONCURRENTLY %s;', i.qualified_index)
FROM idx i
CROSS JOIN LATERAL (
    -- leaf tuples: 4-byte line pointer + 8-byte tuple header + the key widths
    -- rounded up to 8 bytes, on pages filled to the default 90% (fillfactor)
    SELECT greatest(1, i.reltuples) * (4 + 8 + ceil(coalesce(sum(st.avg_width), 8) / 8.0) * 8)
           / ((current_setting('block_size')::numeric - 40) * 0.9) + 1 AS expected_pages
    FROM unnest(i.keys) AS k(attnum)
    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    LEFT JOIN pg_stats st ON st.schemaname = i.schema_name AND st.tablename = i.table_name
         AND st.attname = a.attname
) e
WHERE i.indisvalid AND NOT i.has_exprs AND i.reltuples > 0 AND i.relpages >= 128
  AND i.is_btree
  AND e.expected_pages < i.relpages * 0.5
UNION ALL
SELECT 'unindexed_foreign_key', n.nspname, t.relname, NULL,
       format('foreign key %I (%s) to %s has no index starting with its columns: deletes and key updates on %s scan %I',
              k.conname, cols.list, k.confrelid::regclass, k.confrelid::regclass, t.relname),
       NULL, NULL,
       format('CREATE INDEX CONCURRENTLY ON %I.%I (%s);', n.nspname, t.relname, cols.list)
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL (
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY u.ord) AS list
    FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
) cols
WHERE k.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  -- an extension's own tables are its business
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass
                  AND dep.objid = k.conrelid AND dep.deptype = 'e')
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = k.conrelid AND i.indisvalid AND i.indpred IS NULL
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] @> k.conkey
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] <@ k.conkey);
COMMENT ON VIEW xray.index_health IS 'pg_xray: unused, duplicate, redundant, invalid and bloated indexes and unindexed foreign keys, with the statement that fixes each';
GRANT SELECT ON xray.index_health TO PUBLIC;

-- What-if planning ---------------------------------------------------------------
CREATE FUNCTION xray.what_if(
    query text,
    index_statements text[],
    OUT cost_before float8,
    OUT cost_after float8,
    OUT improvement_pct float8,
    OUT indexes_used text[],
    OUT estimated_size_bytes bigint,
    OUT plan_before text,
    OUT plan_after text
)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_what_if'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION xray.what_if(text, text[]) IS 'pg_xray: estimated cost and plan of a statement with and without hypothetical btree indexes (nothing is built)';

-- Index advice -------------------------------------------------------------------
-- The best max_indexes indexes for the recorded workload (each statement weighed
-- by its calls per hour), within budget (a size: '500 MB'; NULL:
-- xray.index_advice_budget); rank 1 is the one that saves the most.
CREATE FUNCTION xray.index_advice(
    max_indexes integer DEFAULT 10,
    budget text DEFAULT NULL,
    OUT rank integer,
    OUT table_name text,
    OUT index_type text,
    OUT columns text,
    OUT create_statement text,
    OUT estimated_size_bytes bigint,
    OUT workload_cost_before float8,
    OUT workload_cost_after float8,
    OUT improvement_pct float8,
    OUT write_overhead float8,
    OUT queries bigint[],
    OUT replaces text[],
    OUT reason text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_index_advice'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE VIEW xray.index_advice AS SELECT * FROM xray.index_advice();
COMMENT ON VIEW xray.index_advice IS 'pg_xray: indexes chosen for the recorded workload of this database, checked by what-if planning';
GRANT SELECT ON xray.index_advice TO PUBLIC;

CREATE FUNCTION xray.index_advice_queries(
    max_indexes integer DEFAULT 10,
    budget text DEFAULT NULL,
    OUT rank integer,
    OUT index_name text,
    OUT queryid bigint,
    OUT query text,
    OUT calls float8,
    OUT cost_before float8,
    OUT cost_after float8,
    OUT plan_before text,
    OUT plan_after text,
    OUT changed_node text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_index_advice_queries'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE VIEW xray.index_advice_queries AS SELECT * FROM xray.index_advice_queries();
COMMENT ON VIEW xray.index_advice_queries IS 'pg_xray: for each advised index, the statements it helps with their estimated cost per call and plans before and after';
GRANT SELECT ON xray.index_advice_queries TO PUBLIC;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray.index_advice(integer, text) IS 'pg_xray: the best max_indexes indexes for the recorded workload within a storage budget, each checked by what-if planning';
COMMENT ON FUNCTION xray.index_advice_queries(integer, text) IS 'pg_xray: the statements each advised index helps, with their cost before and after';
COMMENT ON FUNCTION xray.predicates() IS 'pg_xray: filters, sort and join keys sampled executions applied per statement and table';

-- Advice outcomes (issue #13) -------------------------------------------------------
-- What pg_xray advised, and whether it helped once it was built. Each run of
-- xray.index_advice by a role that may write xray.advice_log (the owner, a
-- superuser, or a role granted INSERT and UPDATE on it), on a primary and
-- outside a read-only transaction, records what it advised, with the
-- statements' recorded mean and p95 at that time. An index created later that
-- matches an entry (same table, method, key columns or expressions in order
-- and direction, partial or not) is found by xray.advice_outcomes;
-- xray.snapshot() and each logged run note when it was first seen.
CREATE TABLE xray.advice_log (
    id bigserial PRIMARY KEY,
    advised_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    first_advised_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    table_oid oid NOT NULL,
    table_name text NOT NULL,
    index_type text NOT NULL,
    columns text NOT NULL,
    create_statement text NOT NULL,
    keys text[] NOT NULL,              -- each key as the advice writes it (quoted name or (expression))
    descending boolean[] NOT NULL,
    partial_column text,               -- the partial index's WHERE column, or NULL
    queries bigint[] NOT NULL,         -- the statements it was advised for ...
    calls float8[] NOT NULL,           -- ... their calls, mean and p95 (ms) when advised
    mean_ms float8[] NOT NULL,
    p95_ms float8[] NOT NULL,
    index_oid oid,                     -- the matching index, once seen
    index_seen_at timestamptz,
    UNIQUE (table_oid, index_type, columns)
);
COMMENT ON TABLE xray.advice_log IS 'pg_xray: the indexes xray.index_advice advised, with the statements they were for and those statements'' latency then';
COMMENT ON SEQUENCE xray.advice_log_id_seq IS 'pg_xray: ids of xray.advice_log';
REVOKE ALL ON xray.advice_log FROM PUBLIC;
GRANT SELECT ON xray.advice_log TO pg_read_all_stats;
SELECT pg_catalog.pg_extension_config_dump('xray.advice_log', '');
SELECT pg_catalog.pg_extension_config_dump('xray.advice_log_id_seq', '');

-- _bare: an index column's text without its outer parentheses ("(lower(x))" and
-- "lower(x)" are the same key)
CREATE FUNCTION xray._bare(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN t ~ '^\(.*\)$' THEN pg_catalog.substr(t, 2, pg_catalog.length(t) - 2) ELSE t END $$;
COMMENT ON FUNCTION xray._bare(text) IS 'pg_xray: an index column''s text without its outer parentheses (internal)';

-- _index_keys / _index_predicate: an index's key columns (quoted names or expression
-- texts) and its WHERE clause, read from pg_index without locking the table
CREATE FUNCTION xray._index_keys(index_oid oid) RETURNS text[]
AS 'MODULE_PATHNAME', 'xray_index_keys'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION xray._index_keys(oid) IS 'pg_xray: an index''s key columns as the advice writes them, read without locking its table (internal)';
CREATE FUNCTION xray._index_predicate(index_oid oid) RETURNS text
AS 'MODULE_PATHNAME', 'xray_index_predicate'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION xray._index_predicate(oid) IS 'pg_xray: a partial index''s WHERE clause, read without locking its table (internal)';

-- _advised_index: the valid index of tbl that matches an advised one, or NULL
CREATE FUNCTION xray._advised_index(tbl oid, itype text, keys text[], descending boolean[], partial_column text)
RETURNS oid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT i.indexrelid
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE i.indrelid = tbl AND am.amname = itype AND i.indisvalid
  AND i.indnkeyatts = pg_catalog.cardinality(keys)
  AND (i.indpred IS NULL) = (partial_column IS NULL)
  -- read without locking the table (pg_get_indexdef and pg_get_expr would wait
  -- behind a transaction that holds an exclusive lock on it)
  AND (partial_column IS NULL
       OR pg_catalog.strpos(xray._index_predicate(i.indexrelid), xray._bare(partial_column)) > 0)
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.generate_series(1, pg_catalog.cardinality(keys)) k
      WHERE xray._bare((xray._index_keys(i.indexrelid))[k]) <> xray._bare(keys[k])
         OR (itype = 'btree' AND ((i.indoption[k - 1] & 1) = 1) IS DISTINCT FROM descending[k]))
ORDER BY i.indexrelid
LIMIT 1
$$;
COMMENT ON FUNCTION xray._advised_index(oid, text, text[], boolean[], text) IS 'pg_xray: the index that matches an advised one (internal)';

-- _advice_seen: note the advised indexes that now exist (called by xray.snapshot() and logged runs)
CREATE FUNCTION xray._advice_seen() RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    UPDATE xray.advice_log l
       SET index_oid = m.oid, index_seen_at = pg_catalog.now()
      FROM (SELECT a.id, xray._advised_index(a.table_oid, a.index_type, a.keys, a.descending, a.partial_column) AS oid
              FROM xray.advice_log a WHERE a.index_oid IS NULL) m
     WHERE l.id = m.id AND m.oid IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- an index dropped since: seen again when it comes back
    UPDATE xray.advice_log l SET index_oid = NULL, index_seen_at = NULL
     WHERE l.index_oid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indexrelid = l.index_oid);
    RETURN n;
END
$$;
COMMENT ON FUNCTION xray._advice_seen() IS 'pg_xray: notes when advised indexes appear in the catalog (internal)';
REVOKE ALL ON FUNCTION xray._advice_seen() FROM PUBLIC;

-- Per advised index: built or not, used by the plans of its statements, their
-- latency before (when advised) and after (the plans that use it), its scans
-- and size, and a verdict: not created, pending (built, not run since),
-- helped, no change, regressed, unused.
CREATE VIEW xray.advice_outcomes AS
WITH a AS (
    SELECT l.*, coalesce(l.index_oid,
                         xray._advised_index(l.table_oid, l.index_type, l.keys, l.descending, l.partial_column)) AS idx
    FROM xray.advice_log l
),
q AS (	-- each statement it was advised for, with its plans that use the index now
    SELECT a.id, s.queryid, s.calls_before, s.mean_before, s.p95_before,
           sum(p.calls) AS calls_after,
           sum(p.total_exec_time) / nullif(sum(p.calls), 0) AS mean_after,
           max(p.p95_exec_time) AS p95_after
    FROM a
    CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(a.queries), pg_catalog.unnest(a.calls),
                                  pg_catalog.unnest(a.mean_ms), pg_catalog.unnest(a.p95_ms))
        AS s(queryid, calls_before, mean_before, p95_before)
    LEFT JOIN xray.plans p
      ON a.idx IS NOT NULL AND p.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
     AND p.queryid = s.queryid AND p.calls > 0
     AND p.plan ~ ('[ ]' || pg_catalog.regexp_replace(
                        pg_catalog.quote_ident((SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = a.idx)),
                        '([^a-zA-Z0-9_])', '\\\1', 'g') || '([ \n]|$)')
    GROUP BY a.id, s.queryid, s.calls_before, s.mean_before, s.p95_before
)
SELECT a.id, a.first_advised_at AS advised_at, a.table_name, a.index_type, a.columns, a.create_statement,
       a.idx::regclass AS index_name,
       a.index_seen_at AS created_seen_at,
       pg_catalog.cardinality(a.queries) AS statements,
       (SELECT count(*) FROM q WHERE q.id = a.id AND q.calls_after > 0) AS statements_using,
       (SELECT sum(q.calls_before * q.mean_before) / nullif(sum(q.calls_before), 0)
          FROM q WHERE q.id = a.id AND q.calls_after > 0) AS mean_before_ms,
       (SELECT sum(q.calls_after * q.mean_after) / nullif(sum(q.calls_after), 0)
          FROM q WHERE q.id = a.id AND q.calls_after > 0) AS mean_after_ms,
       (SELECT max(q.p95_before) FROM q WHERE q.id = a.id AND q.calls_after > 0) AS p95_before_ms,
       (SELECT max(q.p95_after) FROM q WHERE q.id = a.id AND q.calls_after > 0) AS p95_after_ms,
       st.idx_scan AS index_scans,
       -- from pg_class (as of the last VACUUM or ANALYZE): pg_relation_size would wait for locks
       (SELECT c.relpages::bigint * pg_catalog.current_setting('block_size')::bigint
          FROM pg_catalog.pg_class c WHERE c.oid = a.idx) AS index_size_bytes,
       v.verdict,
       CASE WHEN v.verdict = 'unused'
            THEN pg_catalog.format('DROP INDEX CONCURRENTLY %s;', a.idx::regclass) END AS drop_statement
FROM a
LEFT JOIN pg_catalog.pg_stat_all_indexes st ON st.indexrelid = a.idx
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN a.idx IS NULL THEN 'not created'
        WHEN NOT EXISTS (SELECT 1 FROM q WHERE q.id = a.id AND q.calls_after > 0)
            THEN CASE WHEN coalesce(st.idx_scan, 0) = 0
                       AND a.index_seen_at < pg_catalog.now() - interval '1 day' THEN 'unused'
                      WHEN coalesce(st.idx_scan, 0) = 0 THEN 'pending'
                      ELSE 'no change' END
        ELSE (SELECT CASE
                  WHEN sum(q.calls_after * q.mean_after) / nullif(sum(q.calls_after), 0)
                       > 1.2 * sum(q.calls_after * q.mean_before) / nullif(sum(q.calls_after), 0) THEN 'regressed'
                  WHEN sum(q.calls_after * q.mean_after) / nullif(sum(q.calls_after), 0)
                       < 0.8 * sum(q.calls_after * q.mean_before) / nullif(sum(q.calls_after), 0) THEN 'helped'
                  ELSE 'no change' END
              FROM q WHERE q.id = a.id AND q.calls_after > 0)
    END AS verdict
) v
ORDER BY a.first_advised_at, a.id;
COMMENT ON VIEW xray.advice_outcomes IS 'pg_xray: each index pg_xray advised: built or not, used by its statements'' plans, their latency before and after, and a verdict';
REVOKE ALL ON xray.advice_outcomes FROM PUBLIC;
GRANT SELECT ON xray.advice_outcomes TO pg_read_all_stats;

-- Locks: the live waits-for graph ------------------------------------------------
-- Edges come from the lock manager for waiting processes only (pg_blocking_pids
-- semantics: a blocker holds a conflicting lock, or waits ahead of the waiter
-- for a conflicting mode). Texts of other users' queries follow
-- pg_stat_activity's rule (pg_read_all_stats).
CREATE FUNCTION xray.lock_edges(
    OUT waiting_pid integer, OUT blocking_pid integer, OUT locktype text,
    OUT database oid, OUT relation oid, OUT page integer, OUT tuple smallint,
    OUT virtualxid text, OUT transactionid xid, OUT classid oid, OUT objid oid, OUT objsubid smallint,
    OUT waiting_mode text, OUT blocking_mode text, OUT blocking_granted boolean,
    OUT wait_start timestamptz, OUT blocking_virtualtransaction text,
    OUT waiting_workers integer[], OUT blocking_workers integer[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_edges'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION xray.lock_edges() IS 'pg_xray: edges waiter -> blocker of the lock manager right now (a parallel query as its leader; its worker processes in waiting_workers / blocking_workers)';

-- the locked object in words, from a pg_locks row: the same words as xray.lock_graph
-- and the lock history ("tuple (0,3) of public.accounts", "advisory lock 42");
-- relations of the current database by schema-qualified name
CREATE FUNCTION xray.lock_object(locktype text, database oid, relation oid, page integer, tuple smallint,
    virtualxid text, transactionid xid, classid oid, objid oid, objsubid smallint)
RETURNS text
AS 'MODULE_PATHNAME', 'xray_lock_object'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE VIEW xray.lock_waits AS
SELECT e.waiting_pid, e.blocking_pid,
       w.usename AS waiting_user, b.usename AS blocking_user,
       w.application_name AS waiting_application, b.application_name AS blocking_application,
       e.locktype,
       xray.lock_object(e.locktype, e.database, e.relation, e.page, e.tuple, e.virtualxid,
                        e.transactionid, e.classid, e.objid, e.objsubid) AS object,
       CASE WHEN e.relation IS NOT NULL
                 AND e.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = e.relation)
            THEN e.relation::regclass END AS relation,
       e.page, e.tuple, e.transactionid, e.virtualxid,
       CASE WHEN e.locktype = 'advisory' THEN
            CASE e.objsubid WHEN 1 THEN (e.classid::text::bigint << 32) | e.objid::text::bigint END END AS advisory_key,
       e.waiting_mode, e.blocking_mode, e.blocking_granted,
       e.wait_start, clock_timestamp() - e.wait_start AS wait_duration,
       w.query_id AS waiting_queryid, w.query AS waiting_query,
       b.query_id AS blocking_queryid,
       CASE WHEN e.blocking_pid = 0 THEN format('PREPARED TRANSACTION %s', px.gid) ELSE b.query END AS blocking_query,
       CASE WHEN e.blocking_pid = 0 THEN 'prepared' ELSE b.state END AS blocking_state,
       clock_timestamp() - coalesce(b.xact_start, px.prepared) AS blocking_xact_age,
       px.gid AS blocking_prepared_gid,
       e.waiting_workers, e.blocking_workers
FROM xray.lock_edges() e
LEFT JOIN pg_stat_activity w ON w.pid = e.waiting_pid
LEFT JOIN pg_stat_activity b ON b.pid = e.blocking_pid AND e.blocking_pid <> 0
-- a prepared transaction (pid 0): its locks keep the virtual transaction id it had
LEFT JOIN LATERAL (
    SELECT p.gid, p.prepared
    FROM pg_locks l JOIN pg_prepared_xacts p ON p.transaction = l.transactionid
    WHERE e.blocking_pid = 0 AND l.pid IS NULL AND l.locktype = 'transactionid'
      AND l.virtualtransaction = e.blocking_virtualtransaction
    LIMIT 1) px ON true
ORDER BY e.wait_start, e.waiting_pid, e.blocking_pid;
COMMENT ON VIEW xray.lock_waits IS 'pg_xray: who waits for whom right now, one row per edge waiter -> blocker';
GRANT SELECT ON xray.lock_waits TO PUBLIC;

CREATE FUNCTION xray.blocking_tree(
    OUT ord integer, OUT pid integer, OUT root_pid integer, OUT parent_pid integer, OUT depth integer,
    OUT path integer[], OUT waiting boolean, OUT in_cycle boolean, OUT blocked_sessions integer,
    OUT blocked_wait interval, OUT wait_duration interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_blocking_tree'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED ROWS 10;

CREATE VIEW xray.blocking_tree AS
SELECT t.pid, t.root_pid, t.parent_pid, t.depth, t.path, t.waiting, t.in_cycle,
       t.blocked_sessions, t.blocked_wait, t.wait_duration,
       CASE WHEN t.pid = 0 THEN 'prepared transaction' ELSE a.usename::text END AS usename,
       a.application_name, a.state, a.query_id, a.query, clock_timestamp() - a.xact_start AS xact_age
FROM xray.blocking_tree() t
LEFT JOIN pg_stat_activity a ON a.pid = t.pid AND t.pid <> 0
ORDER BY t.ord;
COMMENT ON VIEW xray.blocking_tree IS 'pg_xray: the blocking forest right now, root blockers first, with the sessions each blocks';
GRANT SELECT ON xray.blocking_tree TO PUBLIC;

CREATE FUNCTION xray.lock_graph(format text DEFAULT 'text')
RETURNS text
AS 'MODULE_PATHNAME', 'xray_lock_graph'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.lock_graph(text) IS 'pg_xray: the blocking graph right now as text (an indented tree), dot (graphviz) or mermaid';

-- Locks: sampled history (the "pg_xray lock sampler" background worker) --------------
CREATE FUNCTION xray.lock_samples(
    OUT sample_time timestamptz, OUT waiting_pid integer, OUT blocking_pid integer, OUT root_pid integer,
    OUT depth integer, OUT in_cycle boolean, OUT dbid oid, OUT waiting_userid oid, OUT blocking_userid oid,
    OUT waiting_queryid bigint, OUT blocking_queryid bigint, OUT locktype text, OUT relid oid, OUT object text,
    OUT waiting_mode text, OUT blocking_mode text, OUT blocking_granted boolean, OUT waited interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_samples'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW xray.lock_samples AS
SELECT s.sample_time, s.waiting_pid, s.blocking_pid, s.root_pid, s.depth, s.in_cycle,
       d.datname, wu.rolname AS waiting_user, bu.rolname AS blocking_user,
       s.waiting_queryid, s.blocking_queryid, s.locktype,
       CASE WHEN d.datname = current_database() AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.relid)
            THEN s.relid::regclass END AS relation,
       s.object, s.waiting_mode, s.blocking_mode, s.blocking_granted, s.waited
FROM xray.lock_samples() s
LEFT JOIN pg_database d ON d.oid = s.dbid
LEFT JOIN pg_roles wu ON wu.oid = s.waiting_userid
LEFT JOIN pg_roles bu ON bu.oid = s.blocking_userid
ORDER BY s.sample_time, s.waiting_pid, s.blocking_pid;
COMMENT ON VIEW xray.lock_samples IS 'pg_xray: the lock sampler''s ring buffer: one row per edge waiter -> blocker per tick';
GRANT SELECT ON xray.lock_samples TO PUBLIC;

CREATE FUNCTION xray.lock_history(
    OUT dbid oid, OUT blocking_queryid bigint, OUT waiting_queryid bigint, OUT relid oid, OUT locktype text,
    OUT waiting_mode text, OUT blocking_modes text, OUT samples bigint, OUT cycle_samples bigint,
    OUT queue_samples bigint, OUT total_wait interval, OUT max_wait interval,
    OUT first_seen timestamptz, OUT last_seen timestamptz, OUT waiting_text text, OUT blocking_text text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_history'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- statement texts come from xray.statements (its visibility rules apply), else
-- from what the sampler saw first (a wait while opening tables has no query id yet)
CREATE VIEW xray.lock_history AS
SELECT d.datname, h.blocking_queryid, h.waiting_queryid,
       CASE WHEN d.datname = current_database() AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = h.relid)
            THEN h.relid::regclass END AS relation,
       h.locktype, h.waiting_mode, h.blocking_modes, h.samples, h.cycle_samples, h.queue_samples,
       h.total_wait, h.max_wait, h.first_seen, h.last_seen,
       coalesce(bt.query, h.blocking_text) AS blocking_query,
       coalesce(wt.query, h.waiting_text) AS waiting_query
FROM xray.lock_history() h
LEFT JOIN pg_database d ON d.oid = h.dbid
LEFT JOIN xray.statement_texts bt ON bt.dbid = h.dbid AND bt.queryid = h.blocking_queryid
LEFT JOIN xray.statement_texts wt ON wt.dbid = h.dbid AND wt.queryid = h.waiting_queryid
ORDER BY h.total_wait DESC, h.samples DESC;
COMMENT ON VIEW xray.lock_history IS 'pg_xray: sampled lock waits aggregated by blocking and waiting statement, relation, lock type and mode';
GRANT SELECT ON xray.lock_history TO PUBLIC;

CREATE FUNCTION xray.lock_incidents(
    OUT incident_id bigint, OUT started_at timestamptz, OUT ended_at timestamptz, OUT last_seen timestamptz,
    OUT root_pid integer, OUT root_userid oid, OUT dbid oid, OUT root_queryid bigint, OUT root_state text,
    OUT root_query text, OUT max_depth integer, OUT max_sessions_blocked integer,
    OUT blocked_seconds double precision, OUT deadlock_cycle boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_incidents'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW xray.lock_incidents AS
SELECT i.incident_id, i.started_at, i.ended_at, coalesce(i.ended_at, i.last_seen) - i.started_at AS duration,
       i.ended_at IS NULL AS ongoing, i.root_pid, r.rolname AS root_user, d.datname, i.root_queryid,
       i.root_state, i.root_query, i.max_depth, i.max_sessions_blocked,
       round(i.blocked_seconds::numeric, 1) AS blocked_seconds, i.deadlock_cycle
FROM xray.lock_incidents() i
LEFT JOIN pg_roles r ON r.oid = i.root_userid
LEFT JOIN pg_database d ON d.oid = i.dbid
ORDER BY i.started_at DESC, i.incident_id DESC;
COMMENT ON VIEW xray.lock_incidents IS 'pg_xray: contiguous blocking episodes with their root blocker, depth, sessions blocked and blocked-seconds';
GRANT SELECT ON xray.lock_incidents TO PUBLIC;

CREATE FUNCTION xray.wait_profile(
    OUT dbid oid, OUT queryid bigint, OUT wait_event_type text, OUT wait_event text, OUT samples bigint,
    OUT first_seen timestamptz, OUT last_seen timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_wait_profile'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- description: what the wait event means, from pg_wait_events on 17 and later (NULL before)
DO $wait_profile_view$
BEGIN
    EXECUTE pg_catalog.format($v$
CREATE OR REPLACE VIEW xray.wait_profile AS
SELECT d.datname, w.queryid, w.wait_event_type, w.wait_event, w.samples,
       round(100.0 * w.samples / sum(w.samples) OVER (PARTITION BY w.dbid, w.queryid), 1) AS pct_of_query,
       w.first_seen, w.last_seen, t.query,
       CASE WHEN w.wait_event_type = 'CPU' THEN 'running on CPU, or waiting for no event PostgreSQL reports'
            ELSE %s END AS description
FROM xray.wait_profile() w
LEFT JOIN pg_database d ON d.oid = w.dbid
LEFT JOIN xray.statement_texts t ON t.dbid = w.dbid AND t.queryid = w.queryid
%s
ORDER BY w.samples DESC, w.queryid, w.wait_event_type, w.wait_event
$v$,
        CASE WHEN current_setting('server_version_num')::int >= 170000 THEN 'e.description' ELSE 'NULL::text' END,
        CASE WHEN current_setting('server_version_num')::int >= 170000
             THEN 'LEFT JOIN pg_catalog.pg_wait_events e ON e.type = w.wait_event_type AND e.name = w.wait_event' ELSE '' END);
END
$wait_profile_view$;
COMMENT ON VIEW xray.wait_profile IS 'pg_xray: sampled wait events (CPU when none) of running statements, per query id';
GRANT SELECT ON xray.wait_profile TO PUBLIC;

CREATE FUNCTION xray.lock_sampler(
    OUT worker_pid integer, OUT ticks bigint, OUT mean_tick_ms double precision, OUT last_tick timestamptz,
    OUT samples_written bigint, OUT ring_size integer, OUT history_dropped bigint, OUT profile_dropped bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_sampler'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
CREATE VIEW xray.lock_sampler AS SELECT * FROM xray.lock_sampler();
COMMENT ON VIEW xray.lock_sampler IS 'pg_xray: the lock sampler''s state and own cost';
GRANT SELECT ON xray.lock_sampler TO PUBLIC;

-- Long transactions --------------------------------------------------------------------
-- A pg_xray setting's value; without the preload (the setting is unknown) the
-- error says what to do instead of "unrecognized configuration parameter".
CREATE FUNCTION xray._require_setting(name text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := current_setting(name, true);
BEGIN
    IF v IS NULL THEN
        RAISE EXCEPTION 'pg_xray must be loaded via shared_preload_libraries' USING ERRCODE = '55000',
            HINT = 'Add pg_xray to shared_preload_libraries in postgresql.conf and restart the server.';
    END IF;
    RETURN v;
END $$;

-- Sessions whose transaction has been open longer than the threshold
-- (xray.long_transaction_threshold by default), with what they hold and block.
CREATE FUNCTION xray.long_transactions(threshold interval DEFAULT NULL)
RETURNS TABLE (pid integer, usename name, application_name text, datname name, state text,
               xact_start timestamptz, xact_age interval, state_age interval, idle_in_transaction boolean,
               backend_xid xid, backend_xmin xid, holds_xmin_horizon boolean, locks_held text[],
               blocked_sessions integer, queryid bigint, query text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
WITH t AS (SELECT coalesce(threshold, xray._require_setting('xray.long_transaction_threshold')::interval) AS v),
horizon AS (
    -- the oldest transaction anything holds back: an xid (sessions, prepared
    -- transactions) or a snapshot/slot xmin; a snapshot whose xmin is only the
    -- oldest running xid does not hold the horizon itself
    SELECT greatest(
        (SELECT max(age(backend_xid)) FROM pg_stat_activity),
        (SELECT max(age(transaction)) FROM pg_prepared_xacts)) AS oldest_xid,
      greatest(
        (SELECT max(greatest(age(backend_xmin), age(backend_xid))) FROM pg_stat_activity),
        (SELECT max(age(transaction)) FROM pg_prepared_xacts),
        (SELECT max(greatest(age(xmin), age(catalog_xmin))) FROM pg_replication_slots)) AS oldest
)
SELECT a.pid, a.usename, a.application_name, a.datname, a.state, a.xact_start,
       clock_timestamp() - a.xact_start, clock_timestamp() - a.state_change,
       a.state LIKE 'idle in transaction%', a.backend_xid, a.backend_xmin,
       coalesce(age(a.backend_xid) = h.oldest
                OR (age(a.backend_xmin) = h.oldest AND coalesce(h.oldest_xid, 0) < h.oldest), false),
       ARRAY(SELECT l.mode || ' on ' || xray.lock_object(l.locktype, l.database, l.relation, l.page, l.tuple,
                                                        l.virtualxid, l.transactionid, l.classid, l.objid,
                                                        l.objsubid)
             FROM pg_locks l
             WHERE l.pid = a.pid AND l.granted AND l.locktype NOT IN ('virtualxid')
               AND NOT (l.locktype = 'transactionid' AND l.transactionid = a.backend_xid)
             ORDER BY 1),
       coalesce((SELECT bt.blocked_sessions FROM xray.blocking_tree() bt WHERE bt.pid = a.pid), 0),
       a.query_id, a.query
FROM pg_stat_activity a, t, horizon h
WHERE a.xact_start IS NOT NULL AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
  AND clock_timestamp() - a.xact_start >= t.v
ORDER BY a.xact_start
$$;
COMMENT ON FUNCTION xray.long_transactions(interval) IS 'pg_xray: transactions open longer than a threshold, with their locks, what they block and whether they hold back the xmin horizon';

CREATE VIEW xray.long_transactions AS SELECT * FROM xray.long_transactions();
COMMENT ON VIEW xray.long_transactions IS 'pg_xray: transactions open longer than xray.long_transaction_threshold';
GRANT SELECT ON xray.long_transactions TO PUBLIC;

-- Lock advice ---------------------------------------------------------------------------
-- Recurring patterns in the sampled history and the live sessions, each with
-- what to do (and the statement, where one fixes it).
-- behind the view, a function with jit off: on a few thousand tables the plan's
-- estimated cost passes jit_above_cost and compiling it would take longer than running it
CREATE FUNCTION xray._lock_advice()
RETURNS TABLE (kind text, target text, evidence text, advice text, statement text, queryid bigint)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $body$
-- DDL that waited for a lock and queued readers behind it (blocking from the queue)
SELECT 'lock_timeout'::text AS kind,
       coalesce(h.relation::text, h.locktype) AS target,
       format('sessions waited behind a queued %s for %s in all (%s samples, longest wait %s)',
              string_agg(DISTINCT h.blocking_modes, ','), date_trunc('second', sum(h.total_wait)),
              sum(h.queue_samples), date_trunc('second', max(h.max_wait))) AS evidence,
       'Run DDL with a short lock_timeout and retry, so that it never queues readers behind a long transaction.' AS advice,
       'SET lock_timeout = ''2s''; -- then run the DDL, retrying on SQLSTATE 55P03' AS statement,
       h.blocking_queryid AS queryid
FROM xray.lock_history h
WHERE h.queue_samples > 0 AND h.blocking_modes ~ 'AccessExclusiveLock|ShareRowExclusiveLock|ExclusiveLock'
  AND h.locktype = 'relation'
GROUP BY 2, h.blocking_queryid
UNION ALL
-- idle-in-transaction sessions that blocked others, or do now
SELECT 'idle_in_transaction_session_timeout', coalesce(i.datname::text, current_database()),
       format('%s incident(s) rooted in a session idle in transaction, up to %s sessions blocked for %s s in all',
              count(*), max(i.max_sessions_blocked), sum(i.blocked_seconds)),
       'Set idle_in_transaction_session_timeout so that a forgotten transaction cannot hold locks indefinitely.',
       format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = ''5min'';',
              coalesce(i.datname, current_database())),
       NULL::bigint
FROM xray.lock_incidents i
WHERE i.root_state LIKE 'idle in transaction%' AND current_setting('idle_in_transaction_session_timeout') = '0'
GROUP BY i.datname
UNION ALL
-- deadlock cycles seen by the sampler between two statements
SELECT 'lock_ordering', coalesce(h.relation::text, h.locktype),
       format('statements %s and %s waited for each other in a cycle (%s samples)',
              least(h.blocking_queryid, h.waiting_queryid), greatest(h.blocking_queryid, h.waiting_queryid),
              sum(h.cycle_samples)),
       'Take locks in one consistent order in both statements (for rows: ORDER BY the key with FOR UPDATE, or update rows in key order).',
       NULL,
       least(h.blocking_queryid, h.waiting_queryid)
FROM xray.lock_history h
WHERE h.cycle_samples > 0
GROUP BY 2, least(h.blocking_queryid, h.waiting_queryid), greatest(h.blocking_queryid, h.waiting_queryid)
UNION ALL
-- lock waits on a table whose foreign key has no index (on either side of it)
SELECT 'foreign_key_index', format('%I.%I', ih.schema_name, ih.table_name),
       format('%s lock wait samples on %s; %s', sum(h.samples), string_agg(DISTINCT h.relation::text, ', '),
              ih.evidence),
       'Index the foreign key: its checks, deletes and key updates then lock and scan only the rows involved.',
       ih.fix,
       NULL
FROM xray.index_health ih
JOIN pg_constraint k ON k.contype = 'f' AND k.conrelid = format('%I.%I', ih.schema_name, ih.table_name)::regclass
JOIN xray.lock_history h
  ON h.relation IN (k.conrelid::regclass, k.confrelid::regclass)
  -- row waits (transactionid) name no relation: the statements that waited do
  OR (h.relation IS NULL AND h.locktype IN ('transactionid', 'tuple')
      AND (h.waiting_query ~* ('\m' || (SELECT relname FROM pg_class WHERE oid = k.confrelid) || '\M')
           OR h.waiting_query ~* ('\m' || (SELECT relname FROM pg_class WHERE oid = k.conrelid) || '\M')))
WHERE ih.kind = 'unindexed_foreign_key' AND ih.evidence LIKE format('foreign key %I %%', k.conname)
GROUP BY ih.schema_name, ih.table_name, ih.evidence, ih.fix
$body$;
CREATE VIEW xray.lock_advice AS SELECT * FROM xray._lock_advice();
COMMENT ON VIEW xray.lock_advice IS 'pg_xray: advice for recurring lock contention patterns (lock_timeout for DDL, idle-in-transaction timeout, lock ordering, foreign-key indexes)';
GRANT SELECT ON xray.lock_advice TO PUBLIC;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._lock_advice() IS 'pg_xray: the rows of xray.lock_advice, computed from the lock history and the live waits';
COMMENT ON FUNCTION xray._require_setting(text) IS 'pg_xray: a setting''s value, or an ERROR with the preload hint when pg_xray''s settings are unknown';
COMMENT ON FUNCTION xray.blocking_tree() IS 'pg_xray: the blocking forest right now, one row per session (the function behind xray.blocking_tree)';
COMMENT ON FUNCTION xray.lock_history() IS 'pg_xray: sampled lock waits aggregated by blocker and waiter statement, object and mode';
COMMENT ON FUNCTION xray.lock_incidents() IS 'pg_xray: blocking incidents: a root blocker holding others up, from start to end';
COMMENT ON FUNCTION xray.lock_object(text,oid,oid,integer,smallint,text,xid,oid,oid,smallint) IS 'pg_xray: a pg_locks row''s locked object in words (relations by schema-qualified name in the current database)';
COMMENT ON FUNCTION xray.lock_sampler() IS 'pg_xray: the lock sampler worker: pid, ticks, mean tick time, samples written, drops';
COMMENT ON FUNCTION xray.lock_samples() IS 'pg_xray: the ring of sampled lock-wait edges, oldest first';
COMMENT ON FUNCTION xray.wait_profile() IS 'pg_xray: sampled wait events per database and statement (CPU when none)';

-- Locks per node of the fleet (#14) ----------------------------------------------------------
-- this server's blocking graph as the fleet reads it: the lock waits (WAL replay named as
-- such on a standby: the startup process waiting for a query's lock, or queries waiting
-- for a lock replay holds), replay waiting on a buffer pin or a snapshot, and the queries
-- cancelled by recovery conflicts (pg_stat_database_conflicts of this database)
CREATE VIEW xray.node_lock_graph AS
SELECT 'lock'::text AS kind, w.waiting_pid,
       CASE WHEN wa.backend_type = 'startup' THEN 'WAL replay' ELSE w.waiting_user::text END AS waiting_user,
       CASE WHEN wa.backend_type = 'startup' THEN 'WAL replay (startup process)' ELSE w.waiting_query END AS waiting_query,
       w.blocking_pid,
       CASE WHEN ba.backend_type = 'startup' THEN 'WAL replay' ELSE w.blocking_user::text END AS blocking_user,
       CASE WHEN ba.backend_type = 'startup' THEN 'WAL replay (startup process)' ELSE w.blocking_query END AS blocking_query,
       w.object, w.waiting_mode, w.blocking_mode, w.wait_duration, NULL::text AS detail
FROM xray.lock_waits w
LEFT JOIN pg_catalog.pg_stat_activity wa ON wa.pid = w.waiting_pid
LEFT JOIN pg_catalog.pg_stat_activity ba ON ba.pid = w.blocking_pid AND w.blocking_pid <> 0
UNION ALL
-- WAL replay waiting for a lock (the lock manager's graph leaves the startup process out:
-- it is no backend): every other holder of the object blocks it, replay taking
-- ACCESS EXCLUSIVE locks only
SELECT 'lock', sw.pid, 'WAL replay', 'WAL replay (startup process)', h.pid, ha.usename::text, ha.query,
       xray.lock_object(sw.locktype, sw.database, sw.relation, sw.page, sw.tuple, sw.virtualxid, sw.transactionid,
                        sw.classid, sw.objid, sw.objsubid),
       sw.mode, h.mode, pg_catalog.clock_timestamp() - sw.waitstart, NULL
FROM pg_catalog.pg_locks sw
JOIN pg_catalog.pg_stat_activity sa ON sa.pid = sw.pid AND sa.backend_type = 'startup'
JOIN pg_catalog.pg_locks h ON h.granted AND h.pid IS DISTINCT FROM sw.pid AND h.locktype = sw.locktype
     AND h.database IS NOT DISTINCT FROM sw.database AND h.relation IS NOT DISTINCT FROM sw.relation
     AND h.page IS NOT DISTINCT FROM sw.page AND h.tuple IS NOT DISTINCT FROM sw.tuple
     AND h.virtualxid IS NOT DISTINCT FROM sw.virtualxid AND h.transactionid IS NOT DISTINCT FROM sw.transactionid
     AND h.classid IS NOT DISTINCT FROM sw.classid AND h.objid IS NOT DISTINCT FROM sw.objid
     AND h.objsubid IS NOT DISTINCT FROM sw.objsubid
LEFT JOIN pg_catalog.pg_stat_activity ha ON ha.pid = h.pid
WHERE NOT sw.granted
UNION ALL
SELECT 'replay_wait', a.pid, 'WAL replay', 'WAL replay (startup process)', NULL, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp(),
       pg_catalog.format('WAL replay waits on %s (%s): queries on this standby hold it up (max_standby_streaming_delay %s)',
                         a.wait_event, a.wait_event_type, pg_catalog.current_setting('max_standby_streaming_delay'))
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'startup'
  AND (a.wait_event_type = 'BufferPin' OR a.wait_event IN ('RecoveryConflictSnapshot', 'RecoveryConflictTablespace'))
UNION ALL
SELECT 'recovery_conflicts', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.format('queries cancelled by recovery conflicts in database %s: lock %s, snapshot %s, buffer pin %s, tablespace %s, deadlock %s',
                         c.datname, c.confl_lock, c.confl_snapshot, c.confl_bufferpin, c.confl_tablespace, c.confl_deadlock)
FROM pg_catalog.pg_stat_database_conflicts c
WHERE c.datname = pg_catalog.current_database()
  AND c.confl_lock + c.confl_snapshot + c.confl_bufferpin + c.confl_tablespace + c.confl_deadlock > 0;
COMMENT ON VIEW xray.node_lock_graph IS 'pg_xray: this server''s lock waits, WAL replay waits and recovery-conflict cancellations (read by xray.fleet_lock_graph)';
REVOKE ALL ON xray.node_lock_graph FROM PUBLIC;
GRANT SELECT ON xray.node_lock_graph TO pg_read_all_stats;

-- xray.fleet_lock_graph(): xray.node_lock_graph of this server and of every reachable fleet
-- node; query texts of other roles hidden by this server's rule for the caller
CREATE FUNCTION xray.fleet_lock_graph(
    OUT node text, OUT kind text, OUT waiting_pid integer, OUT waiting_user text, OUT waiting_query text,
    OUT blocking_pid integer, OUT blocking_user text, OUT blocking_query text, OUT object text,
    OUT waiting_mode text, OUT blocking_mode text, OUT wait_duration interval, OUT detail text)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    sees_all boolean := pg_has_role('pg_read_all_stats', 'USAGE');
    cols text := 'g.kind, g.waiting_pid, g.waiting_user, '
                 'CASE WHEN $1 OR g.waiting_user = CURRENT_USER OR g.waiting_query = ''WAL replay (startup process)'' THEN g.waiting_query '
                 '     ELSE ''<insufficient privilege>'' END, '
                 'g.blocking_pid, g.blocking_user, '
                 'CASE WHEN $1 OR g.blocking_user = CURRENT_USER OR g.blocking_query = ''WAL replay (startup process)'' OR g.blocking_pid = 0 '
                 '     THEN g.blocking_query ELSE ''<insufficient privilege>'' END, '
                 'g.object, g.waiting_mode, g.blocking_mode, g.wait_duration, g.detail';
BEGIN
    RETURN QUERY EXECUTE format('SELECT %L::text, %s FROM xray.node_lock_graph g', 'local', cols) USING sees_all;
    FOR r IN SELECT * FROM xray._fleet_reachable() LOOP
        BEGIN
            RETURN QUERY EXECUTE format('SELECT %L::text, %s FROM %I.node_lock_graph g', r.name, cols, r.schema_name) USING sees_all;
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            node := r.name; kind := 'unreachable'; waiting_pid := NULL; waiting_user := NULL; waiting_query := NULL;
            blocking_pid := NULL; blocking_user := NULL; blocking_query := NULL; object := NULL; waiting_mode := NULL;
            blocking_mode := NULL; wait_duration := NULL; detail := SQLERRM;
            RETURN NEXT; -- it stopped answering meanwhile
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray.fleet_lock_graph() IS 'pg_xray: each fleet node''s blocking graph now (lock waits, WAL replay waits, recovery-conflict cancellations), node = ''local'' for this server';
REVOKE ALL ON FUNCTION xray.fleet_lock_graph() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.fleet_lock_graph() TO pg_read_all_stats;

-- Maintenance: advice with exact SQL, runs, audit log ------------------------------------
CREATE FUNCTION xray.wraparound_forecast(age bigint, freeze_max_age bigint, per_day double precision,
    OUT pct_to_forced double precision, OUT pct_to_stop double precision,
    OUT days_to_forced double precision, OUT days_to_stop double precision, OUT forced_now boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_wraparound_forecast'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
-- (age and freeze_max_age NULL give NULL through the view's joins; the C code reads them)

CREATE FUNCTION xray.heap_pages_estimate(reltuples double precision, data_width double precision, natts integer,
    has_nulls boolean, fillfactor integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_heap_pages_estimate'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.autovacuum_trigger(threshold double precision, scale_factor double precision,
    reltuples double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_autovacuum_trigger'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.suggested_scale_factor(reltuples double precision, threshold double precision,
    current_scale_factor double precision, target_dead double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_suggested_scale_factor'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.id_consumption(OUT xids_per_day double precision, OUT mxids_per_day double precision,
    OUT observed_from timestamptz, OUT observed_to timestamptz, OUT observations integer)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_id_consumption'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- a table's reloption as text (NULL when not set)
CREATE FUNCTION xray.reloption(reloptions text[], name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT substr(o, length(name) + 2) FROM unnest(reloptions) o WHERE o LIKE name || '=%' LIMIT 1);

-- Wraparound, per database, with a forecast from the consumption the sampler observed
CREATE VIEW xray.wraparound AS
SELECT d.datname, 'transaction id'::text AS id_kind, age(d.datfrozenxid)::bigint AS age,
       current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age,
       round(f.pct_to_forced::numeric, 1) AS pct_to_forced_autovacuum, round(f.pct_to_stop::numeric, 2) AS pct_to_stop,
       round(c.xids_per_day::numeric) AS consumed_per_day,
       round(f.days_to_forced::numeric, 1) AS days_to_forced_autovacuum, round(f.days_to_stop::numeric, 1) AS days_to_stop
FROM pg_database d, xray.id_consumption() c,
     LATERAL xray.wraparound_forecast(age(d.datfrozenxid), current_setting('autovacuum_freeze_max_age')::bigint,
                                      c.xids_per_day) f
WHERE d.datallowconn OR age(d.datfrozenxid) > 0
UNION ALL
SELECT d.datname, 'multixact id', mxid_age(d.datminmxid)::bigint,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint,
       round(f.pct_to_forced::numeric, 1), round(f.pct_to_stop::numeric, 2), round(c.mxids_per_day::numeric),
       round(f.days_to_forced::numeric, 1), round(f.days_to_stop::numeric, 1)
FROM pg_database d, xray.id_consumption() c,
     LATERAL xray.wraparound_forecast(mxid_age(d.datminmxid), current_setting('autovacuum_multixact_freeze_max_age')::bigint,
                                      c.mxids_per_day) f
ORDER BY 6 DESC, 1, 2;
COMMENT ON VIEW xray.wraparound IS 'pg_xray: transaction-id and multixact age per database, percent to the forced autovacuum and to the stop limit, days left at the observed rate';
GRANT SELECT ON xray.wraparound TO PUBLIC;

-- What holds the xmin horizon back (VACUUM cannot remove rows newer than it)
CREATE VIEW xray.xmin_horizon AS
SELECT 'session'::text AS holder, format('pid %s (%s, %s)', a.pid, a.usename, a.state) AS name,
       greatest(age(a.backend_xmin), age(a.backend_xid)) AS xid_age, clock_timestamp() - a.xact_start AS duration,
       format('SELECT pg_terminate_backend(%s);', a.pid) AS release_command
FROM pg_stat_activity a WHERE a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL
UNION ALL
SELECT 'prepared transaction', p.gid, age(p.transaction), clock_timestamp() - p.prepared,
       format('ROLLBACK PREPARED %L;', p.gid)
FROM pg_prepared_xacts p
UNION ALL
SELECT 'replication slot', s.slot_name || CASE WHEN s.active THEN ' (active)' ELSE ' (inactive)' END,
       greatest(age(s.xmin), age(s.catalog_xmin)), NULL,
       CASE WHEN NOT s.active THEN format('SELECT pg_drop_replication_slot(%L);', s.slot_name) END
FROM pg_replication_slots s WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
ORDER BY 3 DESC NULLS LAST;
COMMENT ON VIEW xray.xmin_horizon IS 'pg_xray: sessions, prepared transactions and replication slots holding the xmin horizon back, oldest first';
GRANT SELECT ON xray.xmin_horizon TO PUBLIC;

-- Table bloat: the table's size against the pages its rows need when packed
-- (as VACUUM FULL would write them), the tuple modelled as PostgreSQL lays it
-- out (core/heap_layout.hpp): from statistics without reading the table, with
-- a bounded sample of pages for TOAST relations and tables with dropped
-- columns, or (exact) with pgstattuple's count and the stored tuples' lengths.
CREATE FUNCTION xray._heap_estimate(tuples float8, lens integer[], aligns "char"[], widths float8[],
    null_fracs float8[], packable boolean[], varies boolean[], fillfactor integer,
    OUT pages float8, OUT tuple_bytes float8, OUT fixed boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_heap_estimate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION xray._heap_estimate(float8, integer[], "char"[], float8[], float8[], boolean[], boolean[], integer) IS 'pg_xray: pages a heap of these columns needs when packed, and its mean tuple length (one array element per attribute, dropped ones included)';

CREATE FUNCTION xray._heap_sample(rel regclass, toast boolean, max_pages integer, fillfactor integer,
    OUT pages_read integer, OUT tuples bigint, OUT mean_tuple_bytes float8, OUT packed_pages float8, OUT line_pointers bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_heap_sample'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray._heap_sample(regclass, boolean, integer, integer) IS 'pg_xray: the stored tuples of up to max_pages pages of a table (or its TOAST relation) spread over it: their count, mean length, the pages they take packed and the pages'' line pointers (NULL without SELECT on the table)';

-- live rows of a relation: the count of its last VACUUM or ANALYZE (the statistics'
-- running n_live_tup can count a session's changes twice when it ran them just
-- before its own VACUUM), the running count only for a relation never counted
CREATE FUNCTION xray._live_tuples(rel oid)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8 ELSE coalesce(s.n_live_tup, 0)::float8 END
    FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
    WHERE c.oid = rel
$$;

CREATE FUNCTION xray.table_bloat(exact boolean DEFAULT false)
RETURNS TABLE (table_name regclass, table_bytes bigint, pages bigint, expected_pages bigint,
               bloat_pct numeric, wasted_bytes bigint, method text,
               kind text, owner_table regclass, dropped_column_bytes bigint, note text)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stattuple text;
BEGIN
    IF exact IS NULL THEN
        RAISE EXCEPTION 'exact must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT format('%I.pgstattuple', n.nspname) INTO stattuple
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple';
    IF exact AND stattuple IS NULL THEN
        RAISE EXCEPTION 'exact bloat needs the pgstattuple extension'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION pgstattuple;';
    END IF;
    -- %1$s: live rows of relation X; %2$s: which tables; %3$s: pages sampled; %4$s: which tables are sampled
    RETURN QUERY EXECUTE format($q$
    WITH rel AS MATERIALIZED (
        SELECT c.oid, c.relkind, c.relname, n.nspname, c.reltoastrelid,
               coalesce(xray.reloption(c.reloptions, 'fillfactor')::int, 100) AS ff,
               pg_relation_size(c.oid) AS bytes,
               %1$s AS live,
               CASE WHEN c.reltoastrelid <> 0 THEN pg_relation_size(c.reltoastrelid) END AS toast_bytes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%%' %2$s
    ),
    cols AS (
        SELECT r.oid,
               count(*) FILTER (WHERE NOT a.attisdropped) AS natts,
               count(st.avg_width) FILTER (WHERE NOT a.attisdropped) AS nstats,
               bool_or(a.attisdropped) AS has_dropped,
               array_agg(a.attlen::int ORDER BY a.attnum) AS lens,
               array_agg(a.attalign ORDER BY a.attnum) AS aligns,
               array_agg(CASE WHEN a.attlen > 0 THEN a.attlen ELSE coalesce(st.avg_width, 0) END::float8 ORDER BY a.attnum) AS widths,
               -- rows as stored: a dropped fixed-width column's bytes are still there (its
               -- variable-width data is of unknown size); after a rewrite, dropped columns are NULL
               array_agg(CASE WHEN NOT a.attisdropped THEN coalesce(st.null_frac, 0)
                              WHEN a.attlen > 0 THEN 0 ELSE 1 END::float8 ORDER BY a.attnum) AS nf_stored,
               array_agg(CASE WHEN a.attisdropped THEN 1 ELSE coalesce(st.null_frac, 0) END::float8 ORDER BY a.attnum) AS nf_rewritten,
               array_agg(a.attstorage <> 'p' ORDER BY a.attnum) AS packable,
               -- varying lengths spread the next column's alignment; char(n), and text whose
               -- sampled values (most common ones, histogram bounds) differ by less than the
               -- alignment unit, are taken to be of one length
               array_agg(a.attlen < 0 AND a.atttypid <> 'pg_catalog.bpchar'::pg_catalog.regtype
                         AND NOT (a.atttypid IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype)
                                  AND coalesce((SELECT max(octet_length(v)) - min(octet_length(v)) < 8
                                                FROM unnest(st.most_common_vals::text::text[] || st.histogram_bounds::text::text[]) v), false))
                         ORDER BY a.attnum) AS varies
        FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0
        LEFT JOIN pg_stats st ON st.schemaname = r.nspname AND st.tablename = r.relname AND st.attname = a.attname
                             AND NOT st.inherited AND NOT a.attisdropped
        GROUP BY r.oid
    ),
    heap AS (
        SELECT r.oid, r.relkind, r.bytes, r.live, c.natts, c.nstats, coalesce(c.has_dropped, false) AS has_dropped,
               m.pages AS model, w.pages AS rewritten, sm.pages_read IS NOT NULL AS sampled,
               CASE WHEN sm.tuples > 0 THEN sm.packed_pages * r.live / sm.tuples
                    WHEN sm.pages_read IS NOT NULL AND r.live = 0 THEN 0 END AS measured,
               sm.line_pointers::float8 * (r.bytes / current_setting('block_size')::int) / nullif(sm.pages_read, 0) AS lines
        FROM rel r LEFT JOIN cols c ON c.oid = r.oid
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_estimate(r.live, c.lens, c.aligns, c.widths, c.nf_stored, c.packable, c.varies, r.ff)
                           WHERE c.nstats = c.natts) m ON true
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_estimate(r.live, c.lens, c.aligns, c.widths, c.nf_rewritten, c.packable, c.varies, r.ff)
                           WHERE c.nstats = c.natts AND c.has_dropped) w ON true
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_sample(r.oid, false, %3$s, r.ff) WHERE %4$s) sm ON true
        WHERE r.bytes > 0
          -- a table whose statistics the caller cannot see stays out (as in pg_stats)
          AND (c.nstats = c.natts OR has_table_privilege(r.oid, 'SELECT') OR sm.pages_read IS NOT NULL)
    ),
    heap_rows AS (
        SELECT h.oid, h.bytes, h.bytes / current_setting('block_size')::int AS pages, h.live,
               coalesce(h.measured, h.model) AS packed, h.lines,
               CASE WHEN NOT h.has_dropped THEN 0
                    WHEN h.rewritten IS NOT NULL AND (h.measured IS NOT NULL OR h.model IS NOT NULL)
                    THEN (greatest(0, ceil(coalesce(h.measured, h.model)) - ceil(h.rewritten)) * current_setting('block_size')::int)::bigint
               END AS dropped,
               CASE WHEN %5$L THEN 'pgstattuple' WHEN h.sampled THEN 'statistics, sampled pages' ELSE 'statistics' END AS method,
               CASE h.relkind WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
               NULL::regclass AS owner,
               CASE WHEN coalesce(h.nstats, 0) = 0 AND h.natts > 0 THEN 'no statistics, ANALYZE first'
                    WHEN h.nstats < h.natts THEN format('no statistics for %%s of %%s columns, ANALYZE first', h.natts - h.nstats, h.natts)
                    WHEN h.has_dropped AND NOT h.sampled
                    THEN 'dropped columns: their data, of unknown size here, may be counted as bloat (reclaimable by a rewrite)'
               END AS note
        FROM heap h
    ),
    toast_rows AS (
        SELECT r.reltoastrelid AS oid, r.toast_bytes AS bytes, r.toast_bytes / current_setting('block_size')::int AS pages, r.toast_live,
               CASE WHEN sm.tuples > 0 THEN sm.packed_pages * r.toast_live / sm.tuples
                    WHEN sm.pages_read IS NOT NULL AND r.toast_live = 0 THEN 0 END AS packed,
               sm.line_pointers::float8 * (r.toast_bytes / current_setting('block_size')::int) / nullif(sm.pages_read, 0),
               0::bigint AS dropped,
               CASE WHEN %5$L THEN 'pgstattuple' ELSE 'statistics, sampled pages' END AS method,
               'toast'::text AS kind, r.oid::regclass AS owner,
               CASE WHEN sm.pages_read IS NULL THEN 'not sampled: needs SELECT on the table' END AS note
        FROM (SELECT r0.*, %6$s AS toast_live FROM rel r0 WHERE r0.toast_bytes > 0) r
        CROSS JOIN LATERAL xray._heap_sample(r.oid, true, %3$s, 100) sm
        WHERE sm.pages_read IS NOT NULL OR has_table_privilege(r.oid, 'SELECT')
    ),
    measured AS (
        -- what a rewrite returns of the free and dead space: the pages beyond the packed
        -- size, less the line pointers they keep (reused by later rows; pgstattuple counts
        -- them neither free nor dead). Without a sample, a page is taken to have been full
        -- of rows of this shape once; VACUUM truncates a page's trailing unused pointers.
        SELECT l.oid, l.bytes, l.pages, ceil(l.packed)::bigint AS expected,
               CASE WHEN l.packed IS NOT NULL THEN greatest(0,
                   (l.pages - l.packed) * (current_setting('block_size')::int - 24)
                   - 4 * greatest(0, coalesce(l.lines - l.live,
                         (l.pages - l.packed) * l.live / nullif(l.packed, 0)
                         - l.pages * least(l.live / nullif(l.packed, 0), (l.pages - l.packed) / nullif(l.packed, 0)), 0)))::bigint
               END AS wasted,
               l.dropped, l.method, l.kind, l.owner, l.note
        FROM (SELECT * FROM heap_rows UNION ALL SELECT * FROM toast_rows) l
    ),
    parent_rows AS (
        -- a partitioned table: the sum of its partitions (their TOAST included)
        SELECT p.oid, sum(l.bytes)::bigint, sum(l.pages)::bigint,
               CASE WHEN count(l.expected) = count(*) THEN sum(l.expected)::bigint END,
               CASE WHEN count(l.wasted) = count(*) THEN sum(l.wasted)::bigint END,
               sum(l.dropped)::bigint, min(l.method), 'partitioned table'::text, NULL::regclass,
               format('sum of %%s partitions%%s', count(DISTINCT t.relid),
                      CASE WHEN count(l.expected) < count(*) THEN format(', %%s of them without an estimate', count(*) - count(l.expected)) ELSE '' END)
        FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace
        CROSS JOIN LATERAL pg_partition_tree(p.oid) t
        JOIN measured l ON l.oid = t.relid OR l.owner = t.relid
        WHERE p.relkind = 'p' AND pn.nspname NOT IN ('pg_catalog', 'information_schema') AND t.isleaf
        GROUP BY p.oid
    )
    SELECT a.oid::regclass, a.bytes, a.pages, a.expected,
           round(100.0 * a.wasted / nullif(a.bytes, 0), 1), a.wasted,
           a.method, a.kind, a.owner, a.dropped,
           nullif(concat_ws('; ', a.note, CASE WHEN a.dropped > 0
               THEN format('reclaimable by a rewrite: dropped columns (%%s)', pg_size_pretty(a.dropped)) END), '')
    FROM (SELECT * FROM measured UNION ALL SELECT * FROM parent_rows) a
    ORDER BY 6 DESC NULLS LAST, 1$q$,
        CASE WHEN exact THEN format('(SELECT st.tuple_count FROM %s(c.oid) st)::float8', stattuple)
             ELSE 'xray._live_tuples(c.oid)' END,
        -- exact mode cannot read other sessions' temporary tables
        CASE WHEN exact THEN $w$AND (c.relpersistence <> 't' OR c.relnamespace = pg_my_temp_schema())$w$ ELSE '' END,
        CASE WHEN exact THEN 10000 ELSE 32 END,
        CASE WHEN exact THEN 'true' ELSE 'c.has_dropped' END,
        exact,
        CASE WHEN exact THEN format('(SELECT st.tuple_count FROM %s(r0.reltoastrelid) st)::float8', stattuple)
             ELSE 'xray._live_tuples(r0.reltoastrelid)' END);
END $$;
COMMENT ON FUNCTION xray.table_bloat(boolean) IS 'pg_xray: table, TOAST and partitioned-table bloat against the packed size (exact = true: pgstattuple''s live rows and the stored tuples'' lengths, reading every table)';
CREATE VIEW xray.table_bloat AS SELECT * FROM xray.table_bloat(false);
COMMENT ON VIEW xray.table_bloat IS 'pg_xray: table bloat estimated from statistics (TOAST relations and tables with dropped columns from a sample of 32 pages)';
GRANT SELECT ON xray.table_bloat TO PUBLIC;

-- measurements before/after an action (for the log)
CREATE FUNCTION xray.maintenance_measure(kind text, object text)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN (
    SELECT CASE WHEN c.relkind = 'i' THEN
        jsonb_build_object('index_bytes', pg_relation_size(c.oid),
                           'valid', (SELECT indisvalid FROM pg_index WHERE indexrelid = c.oid),
                           'scans', (SELECT idx_scan FROM pg_stat_all_indexes WHERE indexrelid = c.oid))
    ELSE
        jsonb_build_object('n_live_tup', s.n_live_tup, 'n_dead_tup', s.n_dead_tup,
                           'n_mod_since_analyze', s.n_mod_since_analyze, 'n_ins_since_vacuum', s.n_ins_since_vacuum,
                           'table_bytes', pg_table_size(c.oid), 'relallvisible', c.relallvisible, 'relpages', c.relpages,
                           'xid_age', age(c.relfrozenxid), 'last_vacuum', greatest(s.last_vacuum, s.last_autovacuum),
                           'last_analyze', greatest(s.last_analyze, s.last_autoanalyze))
    END
    FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
    -- only the kinds whose object is a relation name (xmin_horizon names a session or a slot)
    WHERE c.oid = CASE WHEN kind IN ('vacuum', 'vacuum_insert', 'analyze', 'statistics', 'freeze', 'table_bloat',
                                     'reindex', 'drop_index', 'autovacuum_settings')
                       THEN pg_catalog.to_regclass(object) END);

-- The advice ------------------------------------------------------------------------------
-- behind the view, a function with jit off: on a few thousand tables the plan's
-- estimated cost passes jit_above_cost and compiling it would take longer than running it
CREATE FUNCTION xray._maintenance_advice()
RETURNS TABLE (priority integer, kind text, action text, object text, reason text, command text, urgency numeric, measurements jsonb)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $body$
WITH t AS (
    SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS rel, c.relname, n.nspname, c.reltuples, c.relpages, c.relallvisible, c.reloptions,
           age(c.relfrozenxid) AS xid_age, mxid_age(c.relminmxid) AS mxid_age,
           s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum, s.n_tup_upd, s.n_tup_del,
           s.n_tup_hot_upd, s.autovacuum_count, s.vacuum_count,
           greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuumed,
           greatest(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
           coalesce(xray.reloption(c.reloptions, 'autovacuum_enabled')::boolean, true)
               AND current_setting('autovacuum')::boolean AS av_enabled,
           xray.autovacuum_trigger(
               coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_threshold'), current_setting('autovacuum_vacuum_threshold'))::float8,
               coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_scale_factor'), current_setting('autovacuum_vacuum_scale_factor'))::float8,
               c.reltuples) AS vacuum_trigger,
           xray.autovacuum_trigger(
               coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_insert_threshold'), current_setting('autovacuum_vacuum_insert_threshold'))::float8,
               coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_insert_scale_factor'), current_setting('autovacuum_vacuum_insert_scale_factor'))::float8,
               c.reltuples) AS insert_trigger,
           xray.autovacuum_trigger(
               coalesce(xray.reloption(c.reloptions, 'autovacuum_analyze_threshold'), current_setting('autovacuum_analyze_threshold'))::float8,
               coalesce(xray.reloption(c.reloptions, 'autovacuum_analyze_scale_factor'), current_setting('autovacuum_analyze_scale_factor'))::float8,
               c.reltuples) AS analyze_trigger,
           coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_scale_factor'), current_setting('autovacuum_vacuum_scale_factor'))::float8 AS vacuum_scale,
           coalesce(xray.reloption(c.reloptions, 'autovacuum_vacuum_threshold'), current_setting('autovacuum_vacuum_threshold'))::float8 AS vacuum_threshold
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
),
rate AS (SELECT * FROM xray.id_consumption()),
advice AS (
    -- dead rows past the table's own autovacuum trigger
    SELECT 'vacuum'::text AS kind, 'VACUUM'::text AS action, t.rel::text AS object,
           format('%s dead rows (%s%% of %s live) against an autovacuum trigger of %s%s; last vacuumed %s',
                  t.n_dead_tup, round(100.0 * t.n_dead_tup / greatest(t.n_live_tup, 1)), t.n_live_tup,
                  round(t.vacuum_trigger),
                  CASE WHEN NOT t.av_enabled THEN ' (autovacuum is disabled for this table)' ELSE '' END,
                  coalesce(to_char(t.last_vacuumed, 'YYYY-MM-DD HH24:MI'), 'never')) AS reason,
           format('VACUUM (ANALYZE) %s', t.rel) AS command,
           50 + least(40, 10 * t.n_dead_tup / greatest(t.vacuum_trigger, 1)) AS urgency,
           jsonb_build_object('n_dead_tup', t.n_dead_tup, 'n_live_tup', t.n_live_tup, 'vacuum_trigger', round(t.vacuum_trigger),
                              'autovacuum_enabled', t.av_enabled) AS measurements
    FROM t WHERE t.n_dead_tup > t.vacuum_trigger AND t.n_dead_tup >= 1000
    UNION ALL
    -- insert-mostly tables that VACUUM never reached: the visibility map stays empty
    SELECT 'vacuum_insert', 'VACUUM', t.rel::text,
           format('%s rows inserted since the last vacuum (%s), %s of %s pages all-visible: index-only scans read the heap',
                  t.n_ins_since_vacuum, coalesce(to_char(t.last_vacuumed, 'YYYY-MM-DD HH24:MI'), 'never'),
                  t.relallvisible, t.relpages),
           format('VACUUM %s', t.rel),
           40 + least(30, 30.0 * (1 - t.relallvisible::float8 / greatest(t.relpages, 1))),
           jsonb_build_object('n_ins_since_vacuum', t.n_ins_since_vacuum, 'insert_trigger', round(t.insert_trigger),
                              'relallvisible', t.relallvisible, 'relpages', t.relpages)
    FROM t WHERE t.n_dead_tup <= t.vacuum_trigger AND t.relpages >= 128
      AND t.relallvisible < 0.5 * t.relpages AND t.n_ins_since_vacuum > least(t.insert_trigger, 0.5 * greatest(t.reltuples, 0) + 1000)
    UNION ALL
    -- statistics older than the table's changes
    SELECT 'analyze', 'ANALYZE', t.rel::text,
           CASE WHEN t.last_analyzed IS NULL
                THEN format('never analyzed and holds %s rows: the planner guesses', t.n_live_tup)
                ELSE format('%s rows changed since the last analyze (%s) against a trigger of %s',
                            t.n_mod_since_analyze, to_char(t.last_analyzed, 'YYYY-MM-DD HH24:MI'), round(t.analyze_trigger)) END,
           format('ANALYZE %s', t.rel),
           45 + least(30, 10 * t.n_mod_since_analyze / greatest(t.analyze_trigger, 1)),
           jsonb_build_object('n_mod_since_analyze', t.n_mod_since_analyze, 'analyze_trigger', round(t.analyze_trigger),
                              'last_analyze', t.last_analyzed)
    FROM t WHERE ((t.n_mod_since_analyze > t.analyze_trigger AND t.n_mod_since_analyze >= 1000)
                  OR (t.last_analyzed IS NULL AND t.n_live_tup >= 1000))
      -- VACUUM (ANALYZE), advised above, covers it
      AND NOT (t.n_dead_tup > t.vacuum_trigger AND t.n_dead_tup >= 1000)
    UNION ALL
    -- row estimates far from what sampled executions returned, on tables analyzed since their changes
    SELECT 'statistics', CASE WHEN m.ncols >= 2 THEN 'CREATE STATISTICS' ELSE 'SET STATISTICS' END, t.rel::text,
           format('scans of %s returned %s rows per run where the planner expected %s (%s off) in statement %s, although statistics are fresh',
                  t.rel, round(m.rows / m.runs), round(m.est / m.runs), round(m.factor) || 'x', m.queryid),
           CASE WHEN m.ncols >= 2
                THEN format('CREATE STATISTICS IF NOT EXISTS %I.%I (dependencies, ndistinct, mcv) ON %s FROM %s; ANALYZE %s',
                            t.nspname, left(t.relname || '_' || array_to_string(m.cols, '_') || '_stx', 63),
                            (SELECT string_agg(format('%I', c), ', ') FROM unnest(m.cols) c), t.rel, t.rel)
                ELSE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS 1000; ANALYZE %s', t.rel, m.cols[1], t.rel) END,
           30 + least(30, m.factor),
           jsonb_build_object('queryid', m.queryid, 'rows_per_run', round(m.rows / m.runs), 'estimated_per_run', round(m.est / m.runs))
    FROM t JOIN (
        SELECT p.relid, p.queryid, max(p.executions) AS runs, max(p.rows_returned) AS rows, max(p.rows_estimated) AS est,
               greatest(max(p.rows_returned) / greatest(max(p.rows_estimated), 1), max(p.rows_estimated) / greatest(max(p.rows_returned), 1)) AS factor,
               array_agg(DISTINCT a.attname::text ORDER BY a.attname::text) AS cols, count(DISTINCT a.attname) AS ncols
        FROM xray.predicates() p JOIN pg_attribute a ON a.attrelid = p.relid AND a.attnum = p.attnum
        WHERE p.kind IN ('=', 'range', 'IN') AND p.executions > 0
        GROUP BY p.relid, p.queryid
    ) m ON m.relid = t.oid
    WHERE m.factor >= 10 AND greatest(m.rows, m.est) / m.runs >= 100
      AND t.last_analyzed IS NOT NULL AND t.n_mod_since_analyze <= t.analyze_trigger
    UNION ALL
    -- transaction-id age: freeze before the forced (anti-wraparound) autovacuum comes at a bad time
    SELECT 'freeze', 'VACUUM (FREEZE)', t.rel::text,
           format('transaction-id age %s is %s%% of autovacuum_freeze_max_age (%s%% of the stop limit)%s',
                  t.xid_age, round(f.pct_to_forced::numeric, 1), round(f.pct_to_stop::numeric, 1),
                  CASE WHEN f.days_to_forced IS NOT NULL
                       THEN format('; at %s ids a day the forced autovacuum comes in %s days', round(rate.xids_per_day), round(f.days_to_forced::numeric, 1))
                       ELSE '' END),
           format('VACUUM (FREEZE) %s', t.rel),
           60 + least(39, f.pct_to_forced / 3),
           jsonb_build_object('xid_age', t.xid_age, 'pct_to_forced', round(f.pct_to_forced::numeric, 1),
                              'pct_to_stop', round(f.pct_to_stop::numeric, 2), 'days_to_forced', round(f.days_to_forced::numeric, 1))
    FROM t, rate, LATERAL xray.wraparound_forecast(t.xid_age, current_setting('autovacuum_freeze_max_age')::bigint, rate.xids_per_day) f
    WHERE f.pct_to_forced >= 50
    UNION ALL
    SELECT 'freeze', 'VACUUM (FREEZE)', t.rel::text,
           format('multixact age %s is %s%% of autovacuum_multixact_freeze_max_age', t.mxid_age, round(f.pct_to_forced::numeric, 1)),
           format('VACUUM (FREEZE) %s', t.rel),
           60 + least(39, f.pct_to_forced / 3),
           jsonb_build_object('mxid_age', t.mxid_age, 'pct_to_forced', round(f.pct_to_forced::numeric, 1))
    FROM t, rate, LATERAL xray.wraparound_forecast(t.mxid_age, current_setting('autovacuum_multixact_freeze_max_age')::bigint, rate.mxids_per_day) f
    WHERE f.pct_to_forced >= 50
    UNION ALL
    -- what holds the xmin horizon back for long
    SELECT 'xmin_horizon', 'RELEASE', h.holder || ' ' || h.name,
           format('%s holds the xmin horizon %s transactions back%s: VACUUM cannot remove rows deleted after it',
                  h.holder, h.xid_age, coalesce(' for ' || date_trunc('second', h.duration), '')),
           h.release_command, 55 + least(40, h.xid_age / 1000000.0),
           jsonb_build_object('xid_age', h.xid_age, 'duration', h.duration)
    FROM xray.xmin_horizon h
    WHERE h.xid_age >= 1000000 OR h.duration >= interval '1 hour' OR (h.holder = 'replication slot' AND h.name LIKE '%(inactive)')
    UNION ALL
    -- bloated tables (estimated from statistics), their TOAST tables and the data of
    -- dropped columns: one rewrite of the owning table returns all of it
    SELECT 'table_bloat', 'VACUUM (FULL)', bn.qualified,
           string_agg(bb.part, '; ' ORDER BY bb.kind DESC) || '; VACUUM (FULL) rewrites it under an ACCESS EXCLUSIVE lock',
           format('VACUUM (FULL, ANALYZE) %s', bn.qualified),
           20 + least(30, max(bb.pct) / 3),
           jsonb_build_object('bloat_pct', max(bb.bloat_pct) FILTER (WHERE bb.kind <> 'toast'),
                              'wasted_bytes', sum(bb.wasted_bytes) FILTER (WHERE bb.kind <> 'toast'),
                              'pages', max(bb.pages) FILTER (WHERE bb.kind <> 'toast'),
                              'expected_pages', max(bb.expected_pages) FILTER (WHERE bb.kind <> 'toast'),
                              'dropped_column_bytes', sum(bb.dropped_column_bytes),
                              'toast_bloat_pct', max(bb.bloat_pct) FILTER (WHERE bb.kind = 'toast'),
                              'toast_wasted_bytes', sum(bb.wasted_bytes) FILTER (WHERE bb.kind = 'toast'))
    FROM (SELECT coalesce(b.owner_table, b.table_name) AS target, b.*,
                 coalesce(b.wasted_bytes, 0) + coalesce(b.dropped_column_bytes, 0) AS reclaim,
                 100.0 * (coalesce(b.wasted_bytes, 0) + coalesce(b.dropped_column_bytes, 0)) / nullif(b.table_bytes, 0) AS pct,
                 CASE WHEN b.kind = 'toast'
                      THEN format('its TOAST table %s is about %s%% free or dead space (%s of %s)', b.table_name, b.bloat_pct,
                                  pg_size_pretty(b.wasted_bytes), pg_size_pretty(b.table_bytes))
                      ELSE concat_ws(' and ',
                          CASE WHEN b.bloat_pct >= 5 THEN format('about %s%% of %s is free or dead space (%s, estimated from %s)',
                                    b.bloat_pct, pg_size_pretty(b.table_bytes), pg_size_pretty(b.wasted_bytes), b.method) END,
                          CASE WHEN b.dropped_column_bytes > 0 THEN format('%s is data of dropped columns (reclaimable by a rewrite)',
                                    pg_size_pretty(b.dropped_column_bytes)) END)
                 END AS part
          FROM xray.table_bloat(false) b WHERE b.kind <> 'partitioned table') bb
    CROSS JOIN LATERAL (SELECT format('%I.%I', bns.nspname, bc.relname) AS qualified
                        FROM pg_catalog.pg_class bc JOIN pg_catalog.pg_namespace bns ON bns.oid = bc.relnamespace
                        WHERE bc.oid = bb.target) bn
    WHERE bb.pct >= 40 AND bb.reclaim >= 8 * 1024 * 1024
    GROUP BY bn.qualified
    UNION ALL
    -- indexes: from index health (never constraint, unique or replica identity indexes);
    -- one row per index (an index both unused and a duplicate is dropped once)
    SELECT * FROM (
        SELECT DISTINCT ON (h.schema_name, h.index_name)
               CASE WHEN h.kind = 'bloated' THEN 'reindex' ELSE 'drop_index' END,
               CASE WHEN h.kind = 'bloated' THEN 'REINDEX INDEX CONCURRENTLY' ELSE 'DROP INDEX CONCURRENTLY' END,
               format('%I.%I', h.schema_name, h.index_name),
               h.kind || ': ' || h.evidence,
               rtrim(h.fix, ';'),
               CASE h.kind WHEN 'invalid' THEN 70 WHEN 'bloated' THEN 35 ELSE 25 END,
               jsonb_build_object('index_bytes', h.size_bytes, 'scans', h.scans)
        FROM xray.index_health h
        WHERE h.kind IN ('bloated', 'invalid', 'unused', 'duplicate', 'redundant_prefix') AND h.fix IS NOT NULL
        ORDER BY h.schema_name, h.index_name,
                 array_position(ARRAY['invalid', 'duplicate', 'redundant_prefix', 'unused', 'bloated'], h.kind)
    ) ix
    UNION ALL
    -- large, busy tables where the global scale factor lets many dead rows pile up
    SELECT 'autovacuum_settings', 'ALTER TABLE SET (autovacuum_...)', t.rel::text,
           format('%s rows: autovacuum waits for %s dead rows (scale factor %s); %s updates and deletes since statistics reset',
                  round(t.reltuples), round(t.vacuum_trigger), t.vacuum_scale, t.n_tup_upd + t.n_tup_del),
           format('ALTER TABLE %s SET (autovacuum_vacuum_scale_factor = %s, autovacuum_analyze_scale_factor = %s)', t.rel,
                  s.sf, round((s.sf / 2)::numeric, 4)),
           30,
           jsonb_build_object('reltuples', t.reltuples, 'vacuum_trigger', round(t.vacuum_trigger), 'suggested_scale_factor', s.sf)
    FROM t, LATERAL (SELECT round(xray.suggested_scale_factor(t.reltuples, t.vacuum_threshold, t.vacuum_scale,
                                   least(1000000, greatest(10000, 0.02 * t.reltuples)))::numeric, 4) AS sf) s
    WHERE t.reltuples >= 500000 AND t.vacuum_trigger > greatest(50000, 0.05 * t.reltuples)
      AND t.n_tup_upd + t.n_tup_del >= 0.1 * t.reltuples AND s.sf < t.vacuum_scale
      AND xray.reloption(t.reloptions, 'autovacuum_vacuum_scale_factor') IS NULL
)
SELECT row_number() OVER (ORDER BY a.urgency DESC, a.kind, a.object)::integer AS priority,
       a.kind, a.action, a.object, a.reason, a.command, round(a.urgency::numeric, 1) AS urgency, a.measurements
FROM advice a
$body$;
REVOKE ALL ON FUNCTION xray._maintenance_advice() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._maintenance_advice() TO pg_read_all_stats;
CREATE VIEW xray.maintenance_advice AS SELECT * FROM xray._maintenance_advice();
COMMENT ON VIEW xray.maintenance_advice IS 'pg_xray: ranked maintenance actions (VACUUM, FREEZE, ANALYZE, statistics, REINDEX, DROP INDEX, autovacuum settings) with evidence and exact SQL';
-- it reads the sampled scans (xray.predicates()): for pg_read_all_stats, like xray.plans
REVOKE ALL ON xray.maintenance_advice FROM PUBLIC;
GRANT SELECT ON xray.maintenance_advice TO pg_read_all_stats;

-- Runs and their audit log -------------------------------------------------------------------
CREATE SEQUENCE xray.maintenance_run_seq;
GRANT USAGE ON SEQUENCE xray.maintenance_run_seq TO PUBLIC;
CREATE TABLE xray.maintenance_runs (
    run_id bigint PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_by name,
    dry_run boolean NOT NULL,
    time_budget interval,
    max_actions integer,
    kinds text[],
    window_start time,
    window_end time,
    status text NOT NULL,
    coordinator_pid integer,
    finished_at timestamptz,
    actions_planned integer,
    actions_done integer,
    actions_failed integer,
    actions_skipped integer,
    error text
);
CREATE TABLE xray.maintenance_log (
    id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES xray.maintenance_runs ON DELETE CASCADE,
    kind text NOT NULL,
    action text NOT NULL,
    object text,
    command text NOT NULL,
    reason text,
    status text NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    duration interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    error text,
    sqlstate text,
    before jsonb,
    after jsonb
);
CREATE INDEX ON xray.maintenance_log (run_id);
SELECT pg_catalog.pg_extension_config_dump('xray.maintenance_runs', '');
SELECT pg_catalog.pg_extension_config_dump('xray.maintenance_log', '');
GRANT SELECT ON xray.maintenance_runs, xray.maintenance_log TO PUBLIC;
COMMENT ON TABLE xray.maintenance_log IS 'pg_xray: every maintenance action run (or dry-run, skipped, failed) with its measurements before and after';

CREATE FUNCTION xray._run_maintenance(run_id bigint, dry_run boolean, budget_ms bigint, max_actions integer,
    kinds text, window_start text, window_end text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'xray_run_maintenance'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
-- callable by everyone; it refuses roles without EXECUTE on xray.run_maintenance
GRANT EXECUTE ON FUNCTION xray._run_maintenance(bigint, boolean, bigint, integer, text, text, text) TO PUBLIC;

-- Starts a maintenance run in background workers and returns its id at once.
CREATE FUNCTION xray.run_maintenance(
    dry_run boolean DEFAULT false,
    time_budget interval DEFAULT '1 hour',
    max_actions integer DEFAULT 50,
    kinds text[] DEFAULT ARRAY['vacuum', 'vacuum_insert', 'analyze', 'freeze', 'reindex'],
    window_start time DEFAULT NULL,
    window_end time DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad text;
    id bigint;
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'maintenance cannot run on a standby' USING ERRCODE = '25006',
            HINT = 'Run xray.run_maintenance() on the primary; a standby replays its effects.';
    END IF;
    IF dry_run IS NULL OR time_budget IS NULL OR max_actions IS NULL OR kinds IS NULL THEN
        RAISE EXCEPTION 'dry_run, time_budget, max_actions and kinds must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF max_actions < 0 THEN
        RAISE EXCEPTION 'max_actions must not be negative' USING ERRCODE = '22023';
    END IF;
    IF time_budget <= interval '0' THEN
        RAISE EXCEPTION 'time_budget must be positive' USING ERRCODE = '22023';
    END IF;
    IF (window_start IS NULL) <> (window_end IS NULL) THEN
        RAISE EXCEPTION 'window_start and window_end go together' USING ERRCODE = '22023';
    END IF;
    SELECT k INTO bad FROM unnest(kinds) k
    WHERE k IS NULL OR k NOT IN ('vacuum', 'vacuum_insert', 'analyze', 'statistics', 'freeze', 'xmin_horizon',
                                 'table_bloat', 'reindex', 'drop_index', 'autovacuum_settings')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown maintenance kind "%"', bad USING ERRCODE = '22023',
            HINT = 'Kinds: vacuum, vacuum_insert, analyze, statistics, freeze, xmin_horizon, table_bloat, reindex, drop_index, autovacuum_settings.';
    END IF;
    -- the advice is read as the caller (its privileges apply): say so before a worker fails on it
    IF has_function_privilege('xray.run_maintenance(boolean, interval, integer, text[], time, time)', 'EXECUTE')
       AND NOT has_table_privilege('xray.maintenance_advice', 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for view maintenance_advice' USING ERRCODE = '42501',
            DETAIL = 'A maintenance run performs the advice as the role that asked for it, and reads it as that role.',
            HINT = 'GRANT pg_read_all_stats TO the role, or run it as a role that has it.';
    END IF;
    id := nextval('xray.maintenance_run_seq');
    RETURN xray._run_maintenance(id, dry_run, (extract(epoch FROM time_budget) * 1000)::bigint, max_actions,
                                 array_to_string(kinds, ','), window_start::text, window_end::text);
END $$;
COMMENT ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) IS 'pg_xray: perform the maintenance advice in background workers (one top-level command at a time), logged in xray.maintenance_log; returns the run id';
REVOKE ALL ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) FROM PUBLIC;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._live_tuples(oid) IS 'pg_xray: live rows of a relation as of its last VACUUM or ANALYZE (n_live_tup when never counted)';
COMMENT ON FUNCTION xray._maintenance_advice() IS 'pg_xray: the rows of xray.maintenance_advice (run with jit off)';
COMMENT ON FUNCTION xray._run_maintenance(bigint,boolean,bigint,integer,text,text,text) IS 'pg_xray: starts the maintenance coordinator worker for a run validated by xray.run_maintenance';
COMMENT ON FUNCTION xray.autovacuum_trigger(double precision,double precision,double precision) IS 'pg_xray: rows at which autovacuum acts on a table: threshold + scale_factor x reltuples';
COMMENT ON FUNCTION xray.heap_pages_estimate(double precision,double precision,integer,boolean,integer) IS 'pg_xray: pages of a freshly written heap from summed column widths (the 0.3.0 estimate; xray.table_bloat uses xray._heap_estimate)';
COMMENT ON FUNCTION xray.id_consumption() IS 'pg_xray: transaction and multixact ids consumed per day, as observed by the lock sampler';
COMMENT ON FUNCTION xray.maintenance_measure(text,text) IS 'pg_xray: measurements of a maintenance object before and after an action (for the log)';
COMMENT ON FUNCTION xray.reloption(text[],text) IS 'pg_xray: a relation option''s value from reloptions (NULL when not set)';
COMMENT ON FUNCTION xray.suggested_scale_factor(double precision,double precision,double precision,double precision) IS 'pg_xray: the autovacuum scale factor that fires near target_dead rows on a large table';
COMMENT ON FUNCTION xray.wraparound_forecast(bigint,bigint,double precision) IS 'pg_xray: percent to the forced autovacuum and to the stop limit, and days left at a consumption rate';
COMMENT ON SEQUENCE xray.maintenance_log_id_seq IS 'pg_xray: ids of xray.maintenance_log';
COMMENT ON SEQUENCE xray.maintenance_run_seq IS 'pg_xray: ids of maintenance runs';
COMMENT ON TABLE xray.maintenance_runs IS 'pg_xray: maintenance runs: who asked, options, status';

-- Monitoring: history snapshots, compare, plan regressions ----------------------------------
CREATE TABLE xray.snapshots (
    snap_id bigserial PRIMARY KEY,
    taken_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    prev_snap_id bigint,
    interval_length interval,
    duration interval,
    statements integer,
    tables integer,
    node text NOT NULL DEFAULT 'local'          -- 'local', or the fleet node (xray.nodes) it is of
);
CREATE INDEX ON xray.snapshots (node, snap_id);
-- per statement: counts over the interval since the previous snapshot (deltas),
-- latency percentiles since the statistics' reset (the live histograms)
CREATE TABLE xray.snapshot_statements (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    dbid oid, userid oid, toplevel boolean, queryid bigint,
    calls bigint, total_exec_time double precision, rows bigint, errors bigint,
    shared_blks_hit bigint, shared_blks_read bigint, temp_blks_written bigint,
    mean_exec_time double precision,           -- over the interval
    p95_exec_time double precision, p99_exec_time double precision,
    calls_total bigint, total_exec_time_total double precision, errors_total bigint
);
CREATE INDEX ON xray.snapshot_statements (snap_id);
CREATE INDEX ON xray.snapshot_statements (queryid, snap_id);
CREATE TABLE xray.snapshot_texts (dbid oid, queryid bigint, query text, PRIMARY KEY (dbid, queryid));
-- per plan of the top statements: the same deltas
CREATE TABLE xray.snapshot_plans (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    dbid oid, queryid bigint, planid bigint,
    calls bigint, total_exec_time double precision, mean_exec_time double precision, p95_exec_time double precision,
    calls_total bigint, total_exec_time_total double precision
);
CREATE INDEX ON xray.snapshot_plans (snap_id);
CREATE TABLE xray.snapshot_databases (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    datname name, numbackends integer, xact_commit bigint, xact_rollback bigint, blks_read bigint, blks_hit bigint,
    tup_returned bigint, tup_fetched bigint, tup_inserted bigint, tup_updated bigint, tup_deleted bigint,
    temp_files bigint, temp_bytes bigint, deadlocks bigint, cache_hit_ratio numeric,
    totals jsonb
);
CREATE TABLE xray.snapshot_tables (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    relid oid, table_name text, seq_scan bigint, seq_tup_read bigint, idx_scan bigint, idx_tup_fetch bigint,
    n_tup_ins bigint, n_tup_upd bigint, n_tup_del bigint, n_live_tup bigint, n_dead_tup bigint,
    table_bytes bigint, totals jsonb
);
CREATE TABLE xray.snapshot_indexes (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    indexrelid oid, index_name text, table_name text, idx_scan bigint, index_bytes bigint, idx_scan_total bigint
);
CREATE TABLE xray.snapshot_waits (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    dbid oid, queryid bigint, wait_event_type text, wait_event text, samples bigint, samples_total bigint
);
CREATE TABLE xray.snapshot_locks (
    snap_id bigint NOT NULL REFERENCES xray.snapshots ON DELETE CASCADE,
    incidents_started integer, blocked_seconds double precision, max_sessions_blocked integer, lock_wait_samples bigint
);
SELECT pg_catalog.pg_extension_config_dump('xray.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_statements', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_texts', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_plans', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_databases', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_tables', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_indexes', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_waits', '');
SELECT pg_catalog.pg_extension_config_dump('xray.snapshot_locks', '');
GRANT SELECT ON xray.snapshots, xray.snapshot_databases, xray.snapshot_tables, xray.snapshot_indexes,
    xray.snapshot_locks TO PUBLIC;
-- statement history (texts, and query ids of every role) like xray.plans: for pg_read_all_stats
GRANT SELECT ON xray.snapshot_statements, xray.snapshot_texts, xray.snapshot_plans, xray.snapshot_waits
    TO pg_read_all_stats;

-- what xray.snapshot() reads of a server: these views locally, and the same views of each
-- fleet node through its foreign tables (xray.add_node imports them)
CREATE VIEW xray.node_databases AS
SELECT d.datname, d.numbackends, d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit, d.tup_returned,
       d.tup_fetched, d.tup_inserted, d.tup_updated, d.tup_deleted, d.temp_files, d.temp_bytes, d.deadlocks
FROM pg_catalog.pg_stat_database d WHERE d.datname IS NOT NULL;
CREATE VIEW xray.node_tables AS
SELECT t.relid, t.schemaname::text AS schema_name, t.relname::text AS table_name, t.seq_scan, t.seq_tup_read,
       coalesce(t.idx_scan, 0) AS idx_scan, coalesce(t.idx_tup_fetch, 0) AS idx_tup_fetch,
       t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_live_tup, t.n_dead_tup,
       pg_catalog.pg_table_size(t.relid) AS table_bytes,
       t.seq_tup_read + coalesce(t.idx_tup_fetch, 0) + t.n_tup_ins + t.n_tup_upd + t.n_tup_del AS activity
FROM pg_catalog.pg_stat_user_tables t;
CREATE VIEW xray.node_indexes AS
SELECT i.indexrelid, i.schemaname::text AS schema_name, i.indexrelname::text AS index_name, i.relname::text AS table_name,
       i.idx_scan, pg_catalog.pg_relation_size(i.indexrelid) AS index_bytes
FROM pg_catalog.pg_stat_user_indexes i;
CREATE VIEW xray.node_waits AS
SELECT w.dbid, w.queryid, w.wait_event_type, w.wait_event, w.samples FROM xray.wait_profile() w;
CREATE VIEW xray.node_lock_incidents AS
SELECT i.started_at, i.ended_at, i.last_seen, i.blocked_seconds, i.max_sessions_blocked FROM xray.lock_incidents() i;
CREATE VIEW xray.node_lock_samples AS SELECT s.sample_time FROM xray.lock_samples() s;
GRANT SELECT ON xray.node_databases, xray.node_tables, xray.node_indexes, xray.node_waits, xray.node_lock_incidents,
    xray.node_lock_samples TO pg_read_all_stats;

-- one node's part of a snapshot: the rows of snapshot sid (whose previous one of the same
-- node is prev, taken at prev_at) from the views in schema src ('xray' for this server)
CREATE FUNCTION xray._snapshot_node(sid bigint, prev bigint, prev_at timestamptz, src text,
                                    top_statements integer, top_tables integer)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- statements: the top N by total time (cumulative) at the source, read once
    EXECUTE format($q$
    WITH top AS (
        SELECT s.dbid, s.userid, s.toplevel, s.queryid, s.query, s.calls, s.total_exec_time, s.errors,
               s.p95_exec_time, s.p99_exec_time
        FROM %1$I.statements s WHERE s.queryid IS NOT NULL ORDER BY s.total_exec_time DESC LIMIT $4
    ),
    rows AS (
        INSERT INTO xray.snapshot_statements
        SELECT $1, s.dbid, s.userid, s.toplevel, s.queryid,
               s.calls - coalesce(p.calls_total, 0), s.total_exec_time - coalesce(p.total_exec_time_total, 0),
               NULL, s.errors - coalesce(p.errors_total, 0), NULL, NULL, NULL,
               (s.total_exec_time - coalesce(p.total_exec_time_total, 0)) / nullif(s.calls - coalesce(p.calls_total, 0), 0),
               s.p95_exec_time, s.p99_exec_time, s.calls, s.total_exec_time, s.errors
        FROM top s
        LEFT JOIN xray.snapshot_statements p
          ON p.snap_id = $2 AND p.dbid = s.dbid AND p.userid = s.userid AND p.toplevel = s.toplevel AND p.queryid = s.queryid
    )
    INSERT INTO xray.snapshot_texts
    SELECT DISTINCT ON (t.dbid, t.queryid) t.dbid, t.queryid, t.query FROM top t
    ON CONFLICT DO NOTHING$q$, src) USING sid, prev, prev_at, top_statements, top_tables;
    -- the statistics were reset since: the counts are the whole interval's
    UPDATE xray.snapshot_statements ss SET calls = calls_total, total_exec_time = total_exec_time_total,
           errors = errors_total, mean_exec_time = total_exec_time_total / nullif(calls_total, 0)
    WHERE ss.snap_id = sid AND (ss.calls < 0 OR ss.total_exec_time < 0);

    -- plans of the statements kept above (top N by time among them)
    EXECUTE format($q$
    INSERT INTO xray.snapshot_plans
    SELECT $1, pl.dbid, pl.queryid, pl.planid,
           greatest(pl.calls - coalesce(p.calls_total, 0), 0), greatest(pl.total_exec_time - coalesce(p.total_exec_time_total, 0), 0),
           (pl.total_exec_time - coalesce(p.total_exec_time_total, 0)) / nullif(pl.calls - coalesce(p.calls_total, 0), 0),
           pl.p95_exec_time, pl.calls, pl.total_exec_time
    FROM (SELECT x.dbid, x.queryid, x.planid, x.calls, x.total_exec_time, x.p95_exec_time
          FROM (SELECT y.dbid, y.queryid, y.planid, y.calls, y.total_exec_time, y.p95_exec_time FROM %1$I.plans y) x
          WHERE EXISTS (SELECT 1 FROM xray.snapshot_statements n WHERE n.snap_id = $1 AND n.dbid = x.dbid AND n.queryid = x.queryid)
          ORDER BY x.total_exec_time DESC LIMIT $4) pl
    LEFT JOIN xray.snapshot_plans p ON p.snap_id = $2 AND p.dbid = pl.dbid AND p.queryid = pl.queryid AND p.planid = pl.planid$q$,
        src) USING sid, prev, prev_at, top_statements, top_tables;

    -- databases
    EXECUTE format($q$
    INSERT INTO xray.snapshot_databases
    SELECT $1, d.datname, d.numbackends,
           d.xact_commit - coalesce((p.totals->>'xact_commit')::bigint, 0), d.xact_rollback - coalesce((p.totals->>'xact_rollback')::bigint, 0),
           d.blks_read - coalesce((p.totals->>'blks_read')::bigint, 0), d.blks_hit - coalesce((p.totals->>'blks_hit')::bigint, 0),
           d.tup_returned - coalesce((p.totals->>'tup_returned')::bigint, 0), d.tup_fetched - coalesce((p.totals->>'tup_fetched')::bigint, 0),
           d.tup_inserted - coalesce((p.totals->>'tup_inserted')::bigint, 0), d.tup_updated - coalesce((p.totals->>'tup_updated')::bigint, 0),
           d.tup_deleted - coalesce((p.totals->>'tup_deleted')::bigint, 0), d.temp_files - coalesce((p.totals->>'temp_files')::bigint, 0),
           d.temp_bytes - coalesce((p.totals->>'temp_bytes')::bigint, 0), d.deadlocks - coalesce((p.totals->>'deadlocks')::bigint, 0),
           round(100.0 * (d.blks_hit - coalesce((p.totals->>'blks_hit')::bigint, 0))
                 / nullif(d.blks_hit - coalesce((p.totals->>'blks_hit')::bigint, 0) + d.blks_read - coalesce((p.totals->>'blks_read')::bigint, 0), 0), 2),
           jsonb_build_object('xact_commit', d.xact_commit, 'xact_rollback', d.xact_rollback, 'blks_read', d.blks_read,
                              'blks_hit', d.blks_hit, 'tup_returned', d.tup_returned, 'tup_fetched', d.tup_fetched,
                              'tup_inserted', d.tup_inserted, 'tup_updated', d.tup_updated, 'tup_deleted', d.tup_deleted,
                              'temp_files', d.temp_files, 'temp_bytes', d.temp_bytes, 'deadlocks', d.deadlocks)
    FROM %1$I.node_databases d
    LEFT JOIN xray.snapshot_databases p ON p.snap_id = $2 AND p.datname = d.datname$q$, src)
    USING sid, prev, prev_at, top_statements, top_tables;

    -- tables of this database: the busiest N
    EXECUTE format($q$
    INSERT INTO xray.snapshot_tables
    SELECT $1, t.relid, format('%%I.%%I', t.schema_name, t.table_name),
           t.seq_scan - coalesce((p.totals->>'seq_scan')::bigint, 0), t.seq_tup_read - coalesce((p.totals->>'seq_tup_read')::bigint, 0),
           t.idx_scan - coalesce((p.totals->>'idx_scan')::bigint, 0), t.idx_tup_fetch - coalesce((p.totals->>'idx_tup_fetch')::bigint, 0),
           t.n_tup_ins - coalesce((p.totals->>'n_tup_ins')::bigint, 0), t.n_tup_upd - coalesce((p.totals->>'n_tup_upd')::bigint, 0),
           t.n_tup_del - coalesce((p.totals->>'n_tup_del')::bigint, 0), t.n_live_tup, t.n_dead_tup, t.table_bytes,
           jsonb_build_object('seq_scan', t.seq_scan, 'seq_tup_read', t.seq_tup_read, 'idx_scan', t.idx_scan,
                              'idx_tup_fetch', t.idx_tup_fetch, 'n_tup_ins', t.n_tup_ins, 'n_tup_upd', t.n_tup_upd,
                              'n_tup_del', t.n_tup_del)
    FROM (SELECT * FROM %1$I.node_tables ORDER BY activity DESC LIMIT $5) t
    LEFT JOIN xray.snapshot_tables p ON p.snap_id = $2 AND p.relid = t.relid$q$, src)
    USING sid, prev, prev_at, top_statements, top_tables;

    EXECUTE format($q$
    INSERT INTO xray.snapshot_indexes
    SELECT $1, i.indexrelid, format('%%I.%%I', i.schema_name, i.index_name), format('%%I.%%I', i.schema_name, i.table_name),
           i.idx_scan - coalesce(p.idx_scan_total, 0), i.index_bytes, i.idx_scan
    FROM (SELECT * FROM %1$I.node_indexes ORDER BY idx_scan DESC LIMIT $5) i
    LEFT JOIN xray.snapshot_indexes p ON p.snap_id = $2 AND p.indexrelid = i.indexrelid$q$, src)
    USING sid, prev, prev_at, top_statements, top_tables;

    -- waits and locks (from the sampler)
    EXECUTE format($q$
    INSERT INTO xray.snapshot_waits
    SELECT $1, w.dbid, w.queryid, w.wait_event_type, w.wait_event, w.samples - coalesce(p.samples_total, 0), w.samples
    FROM (SELECT * FROM %1$I.node_waits ORDER BY samples DESC LIMIT $4) w
    LEFT JOIN xray.snapshot_waits p ON p.snap_id = $2 AND p.dbid = w.dbid AND p.queryid = w.queryid
         AND p.wait_event_type = w.wait_event_type AND p.wait_event IS NOT DISTINCT FROM w.wait_event$q$, src)
    USING sid, prev, prev_at, top_statements, top_tables;
    EXECUTE format($q$
    INSERT INTO xray.snapshot_locks
    SELECT $1, count(*) FILTER (WHERE i.started_at > coalesce($3, '-infinity')),
           coalesce(sum(i.blocked_seconds) FILTER (WHERE coalesce(i.ended_at, i.last_seen) > coalesce($3, '-infinity')), 0),
           coalesce(max(i.max_sessions_blocked) FILTER (WHERE coalesce(i.ended_at, i.last_seen) > coalesce($3, '-infinity')), 0),
           (SELECT count(*) FROM %1$I.node_lock_samples s WHERE s.sample_time > coalesce($3, '-infinity'))
    FROM %1$I.node_lock_incidents i$q$, src)
    USING sid, prev, prev_at, top_statements, top_tables;

    UPDATE xray.snapshots SET duration = clock_timestamp() - taken_at,
           statements = (SELECT count(*) FROM xray.snapshot_statements WHERE snap_id = sid),
           tables = (SELECT count(*) FROM xray.snapshot_tables WHERE snap_id = sid)
    WHERE snap_id = sid;
END $$;
COMMENT ON FUNCTION xray._snapshot_node(bigint, bigint, timestamptz, text, integer, integer) IS 'pg_xray: one node''s rows of a history snapshot, read from the views in schema src';
REVOKE ALL ON FUNCTION xray._snapshot_node(bigint, bigint, timestamptz, text, integer, integer) FROM PUBLIC;

-- xray.snapshot(): one snapshot of this server's activity (statements of all databases,
-- tables of this one) and of every reachable fleet node (node = its name in xray.snapshots),
-- deltas against the previous snapshot of the same node; prunes history older than
-- xray.history_retention. Returns this server's snapshot id, or NULL on a standby.
CREATE FUNCTION xray.snapshot(top_statements integer DEFAULT 500, top_tables integer DEFAULT 200)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sid bigint;
    nsid bigint;
    prev bigint;
    prev_at timestamptz;
    t0 timestamptz := clock_timestamp();
    n record;
BEGIN
    IF top_statements IS NULL OR top_tables IS NULL OR top_statements < 0 OR top_tables < 0 THEN
        RAISE EXCEPTION 'top_statements and top_tables must be non-negative' USING ERRCODE = '22023';
    END IF;
    IF pg_is_in_recovery() THEN
        RAISE NOTICE 'xray.snapshot: the server is a standby; nothing recorded';
        RETURN NULL;
    END IF;
    -- one snapshot at a time
    PERFORM pg_advisory_xact_lock(hashtext('pg_xray snapshot'));
    SELECT s.snap_id, s.taken_at INTO prev, prev_at FROM xray.snapshots s WHERE s.node = 'local' ORDER BY s.snap_id DESC LIMIT 1;
    INSERT INTO xray.snapshots (taken_at, prev_snap_id, interval_length) VALUES (t0, prev, t0 - prev_at)
    RETURNING snap_id INTO sid;
    PERFORM xray._snapshot_node(sid, prev, prev_at, 'xray', top_statements, top_tables);

    -- the fleet's standbys: each in a snapshot of its own; one that fails is left out
    FOR n IN SELECT r.name, r.schema_name FROM xray._fleet_reachable() r LOOP
        BEGIN
            prev := NULL;
            prev_at := NULL;
            SELECT s.snap_id, s.taken_at INTO prev, prev_at FROM xray.snapshots s WHERE s.node = n.name ORDER BY s.snap_id DESC LIMIT 1;
            INSERT INTO xray.snapshots (taken_at, prev_snap_id, interval_length, node)
            VALUES (clock_timestamp(), prev, clock_timestamp() - prev_at, n.name) RETURNING snap_id INTO nsid;
            PERFORM xray._snapshot_node(nsid, prev, prev_at, n.schema_name, top_statements, top_tables);
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            RAISE NOTICE 'xray.snapshot: fleet node % left out: %', quote_literal(n.name), SQLERRM;
        END;
    END LOOP;

    -- retention
    DELETE FROM xray.snapshots WHERE taken_at < t0 - current_setting('xray.history_retention')::interval;
    DELETE FROM xray.snapshot_texts x
    WHERE NOT EXISTS (SELECT 1 FROM xray.snapshot_statements s WHERE s.dbid = x.dbid AND s.queryid = x.queryid);
    -- advised indexes built since (xray.advice_outcomes)
    PERFORM xray._advice_seen();
    RETURN sid;
END $$;
COMMENT ON FUNCTION xray.snapshot(integer, integer) IS 'pg_xray: record a history snapshot of this server and of each reachable fleet node (deltas since the previous one) and prune history past xray.history_retention';
REVOKE ALL ON FUNCTION xray.snapshot(integer, integer) FROM PUBLIC;

-- xray.compare(from, to): per statement, the interval ending at snapshot `from`
-- against the interval ending at `to`
CREATE FUNCTION xray.compare(from_snap bigint, to_snap bigint)
RETURNS TABLE (queryid bigint, query text, change text, calls_before bigint, calls_after bigint,
               mean_ms_before double precision, mean_ms_after double precision, mean_change_pct numeric,
               total_ms_before double precision, total_ms_after double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_snap IS NULL OR to_snap IS NULL THEN
        RAISE EXCEPTION 'snapshot ids must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM xray.snapshots WHERE snap_id = from_snap) THEN
        RAISE EXCEPTION 'snapshot % does not exist', from_snap USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM xray.snapshots WHERE snap_id = to_snap) THEN
        RAISE EXCEPTION 'snapshot % does not exist', to_snap USING ERRCODE = '42704';
    END IF;
    RETURN QUERY
    WITH a AS (SELECT s.dbid, s.queryid, sum(s.calls)::bigint AS calls, sum(s.total_exec_time) AS total
               FROM xray.snapshot_statements s WHERE s.snap_id = from_snap GROUP BY 1, 2),
         b AS (SELECT s.dbid, s.queryid, sum(s.calls)::bigint AS calls, sum(s.total_exec_time) AS total
               FROM xray.snapshot_statements s WHERE s.snap_id = to_snap GROUP BY 1, 2)
    SELECT coalesce(a.queryid, b.queryid), t.query,
           CASE WHEN coalesce(a.calls, 0) = 0 AND coalesce(b.calls, 0) > 0 THEN 'new'
                WHEN coalesce(b.calls, 0) = 0 AND coalesce(a.calls, 0) > 0 THEN 'gone'
                WHEN b.total / b.calls > 1.2 * a.total / a.calls THEN 'slower'
                WHEN b.total / b.calls < a.total / a.calls / 1.2 THEN 'faster'
                ELSE 'same' END,
           coalesce(a.calls, 0), coalesce(b.calls, 0),
           a.total / nullif(a.calls, 0), b.total / nullif(b.calls, 0),
           round((100.0 * ((b.total / nullif(b.calls, 0)) / nullif(a.total / nullif(a.calls, 0), 0) - 1))::numeric, 1),
           a.total, b.total
    FROM a FULL JOIN b ON a.dbid = b.dbid AND a.queryid = b.queryid
    LEFT JOIN xray.snapshot_texts t ON t.dbid = coalesce(a.dbid, b.dbid) AND t.queryid = coalesce(a.queryid, b.queryid)
    WHERE coalesce(a.calls, 0) > 0 OR coalesce(b.calls, 0) > 0
    ORDER BY abs(coalesce(b.total, 0) - coalesce(a.total, 0)) DESC;
END $$;
COMMENT ON FUNCTION xray.compare(bigint, bigint) IS 'pg_xray: statements slower, faster, new or gone between the intervals ending at two snapshots';
REVOKE ALL ON FUNCTION xray.compare(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.compare(bigint, bigint) TO pg_read_all_stats;

-- Plan regressions -----------------------------------------------------------------------
-- A statement whose newest plan is slower than the plan before it (mean and p95
-- beyond the threshold), with both plans and the likely cause.
CREATE FUNCTION xray.plan_regressions(threshold double precision DEFAULT 0.5)
RETURNS TABLE (queryid bigint, query text, changed_at timestamptz, old_planid bigint, new_planid bigint,
               old_calls bigint, new_calls bigint, old_mean_ms double precision, new_mean_ms double precision,
               old_p95_ms double precision, new_p95_ms double precision, slowdown numeric,
               likely_cause text, old_plan text, new_plan text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF threshold IS NULL OR threshold < 0 THEN
        RAISE EXCEPTION 'threshold must be a non-negative fraction' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    WITH p AS (
        SELECT pl.*, row_number() OVER (PARTITION BY pl.dbid, pl.queryid ORDER BY pl.first_seen DESC) AS age_rank
        FROM xray.plans() pl
        WHERE pl.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pl.calls > 0
    ),
    pairs AS (
        SELECT n.queryid, n.first_seen AS changed_at, o.planid AS old_planid, n.planid AS new_planid,
               o.calls AS old_calls, n.calls AS new_calls, o.mean_exec_time AS old_mean, n.mean_exec_time AS new_mean,
               o.p95_exec_time AS old_p95, n.p95_exec_time AS new_p95, o.plan AS old_plan, n.plan AS new_plan,
               o.first_seen AS old_first_seen
        FROM p n JOIN p o ON o.dbid = n.dbid AND o.queryid = n.queryid AND o.age_rank = 2
        WHERE n.age_rank = 1
          AND n.mean_exec_time > o.mean_exec_time * (1 + threshold)
          AND n.p95_exec_time > o.p95_exec_time * (1 + threshold)
          AND n.mean_exec_time - o.mean_exec_time >= 0.1
    )
    SELECT r.queryid, t.query,
           r.changed_at, r.old_planid, r.new_planid, r.old_calls, r.new_calls, r.old_mean, r.new_mean, r.old_p95, r.new_p95,
           round((r.new_mean / nullif(r.old_mean, 0))::numeric, 1),
           nullif(concat_ws('; ',
               -- an index the old plan used is gone
               (SELECT string_agg(format('index %s used by the old plan no longer exists', m[1]), '; ')
                FROM regexp_matches(r.old_plan, 'using (\S+)', 'g') m
                WHERE to_regclass(m[1]) IS NULL AND position(m[1] IN r.new_plan) = 0),
               -- an index only the new plan uses
               (SELECT string_agg(format('the new plan uses index %s', m[1]), '; ')
                FROM regexp_matches(r.new_plan, 'using (\S+)', 'g') m
                WHERE position(m[1] IN r.old_plan) = 0),
               -- statistics refreshed between the plans
               (SELECT string_agg(format('statistics of %s refreshed at %s', st.relid::regclass,
                                         to_char(greatest(st.last_analyze, st.last_autoanalyze), 'YYYY-MM-DD HH24:MI:SS')), '; ')
                FROM pg_stat_user_tables st
                WHERE greatest(st.last_analyze, st.last_autoanalyze) > r.old_first_seen
                  AND greatest(st.last_analyze, st.last_autoanalyze) <= r.changed_at
                  AND (position(st.relname IN r.new_plan) > 0 OR position(st.relname IN r.old_plan) > 0)),
               -- planner settings that differ from their defaults now
               (SELECT 'planner settings changed from their defaults: ' || string_agg(format('%s = %s', s.name, s.setting), ', ')
                FROM pg_settings s
                WHERE s.category LIKE 'Query Tuning%' AND s.source NOT IN ('default', 'override')
                  AND s.setting IS DISTINCT FROM s.boot_val)), ''),
           r.old_plan, r.new_plan
    FROM pairs r
    LEFT JOIN xray.statement_texts t
      ON t.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND t.queryid = r.queryid
    ORDER BY r.new_mean * r.new_calls DESC;
END $$;
COMMENT ON FUNCTION xray.plan_regressions(double precision) IS 'pg_xray: statements whose newest plan is slower than the previous one (mean and p95 beyond threshold), with both plans and the likely cause';
REVOKE ALL ON FUNCTION xray.plan_regressions(double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.plan_regressions(double precision) TO pg_read_all_stats;
CREATE VIEW xray.plan_regressions AS SELECT * FROM xray.plan_regressions(0.5);
REVOKE ALL ON xray.plan_regressions FROM PUBLIC;
GRANT SELECT ON xray.plan_regressions TO pg_read_all_stats;

CREATE VIEW xray.snapshots_summary AS
SELECT s.snap_id, s.taken_at, s.interval_length, s.duration, s.statements, s.tables,
       (SELECT sum(st.calls) FROM xray.snapshot_statements st WHERE st.snap_id = s.snap_id) AS calls,
       (SELECT round(sum(st.total_exec_time)::numeric, 1) FROM xray.snapshot_statements st WHERE st.snap_id = s.snap_id) AS exec_ms,
       (SELECT d.cache_hit_ratio FROM xray.snapshot_databases d WHERE d.snap_id = s.snap_id AND d.datname = current_database()) AS cache_hit_ratio,
       s.node
FROM xray.snapshots s ORDER BY s.snap_id;
GRANT SELECT ON xray.snapshots_summary TO pg_read_all_stats;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON SEQUENCE xray.snapshots_snap_id_seq IS 'pg_xray: ids of xray.snapshots';
COMMENT ON TABLE xray.snapshot_databases IS 'pg_xray: per-database statistics at each snapshot';
COMMENT ON TABLE xray.snapshot_indexes IS 'pg_xray: per-index scans and sizes at each snapshot';
COMMENT ON TABLE xray.snapshot_locks IS 'pg_xray: lock history aggregates at each snapshot';
COMMENT ON TABLE xray.snapshot_plans IS 'pg_xray: plans per statement at each snapshot';
COMMENT ON TABLE xray.snapshot_statements IS 'pg_xray: statement counters at each snapshot';
COMMENT ON TABLE xray.snapshot_tables IS 'pg_xray: per-table statistics at each snapshot';
COMMENT ON TABLE xray.snapshot_texts IS 'pg_xray: statement texts of the snapshots, once per database and query id';
COMMENT ON TABLE xray.snapshot_waits IS 'pg_xray: wait profile at each snapshot';
COMMENT ON TABLE xray.snapshots IS 'pg_xray: history snapshots taken by xray.snapshot(): of which node, when, the interval since the previous one, how long it took, rows kept';
COMMENT ON VIEW xray.plan_regressions IS 'pg_xray: xray.plan_regressions(0.5): statements whose newest plan is 50 % or more slower than the previous one';
COMMENT ON VIEW xray.snapshots_summary IS 'pg_xray: each snapshot: when, of which node, its interval, statements and tables kept, calls, execution time and cache hit ratio';
COMMENT ON VIEW xray.node_databases IS 'pg_xray: pg_stat_database of this server (read by xray.snapshot, also from fleet nodes)';
COMMENT ON VIEW xray.node_tables IS 'pg_xray: pg_stat_user_tables of this database with sizes (read by xray.snapshot, also from fleet nodes)';
COMMENT ON VIEW xray.node_indexes IS 'pg_xray: pg_stat_user_indexes of this database with sizes (read by xray.snapshot, also from fleet nodes)';
COMMENT ON VIEW xray.node_waits IS 'pg_xray: this server''s sampled wait profile (read by xray.snapshot, also from fleet nodes)';
COMMENT ON VIEW xray.node_lock_incidents IS 'pg_xray: this server''s blocking incidents, times and sizes only (read by xray.snapshot, also from fleet nodes)';
COMMENT ON VIEW xray.node_lock_samples IS 'pg_xray: the times of this server''s lock-wait samples (read by xray.snapshot, also from fleet nodes)';

-- Alerts -------------------------------------------------------------------------------------
-- Rules a DBA edits: metric, threshold in the metric's unit (seconds for
-- durations, a fraction for ratios), severity. A rule fires per subject
-- (a statement, a session, a table, a database).
CREATE TABLE xray.alert_rules (
    name text PRIMARY KEY,
    metric text NOT NULL CHECK (metric IN ('statement_p95_seconds', 'cache_hit_ratio', 'lock_wait_seconds',
        'transaction_age_seconds', 'idle_in_transaction_seconds', 'connections_used_ratio',
        'statement_temp_bytes_per_call', 'dead_tuple_ratio', 'xid_age_ratio', 'plan_regression_slowdown',
        'advised_index_slowdown', 'replica_lag_seconds', 'node_unreachable')),
    threshold double precision NOT NULL,
    severity text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    enabled boolean NOT NULL DEFAULT true,
    description text
);
INSERT INTO xray.alert_rules (name, metric, threshold, severity, description) VALUES
    ('slow_statement', 'statement_p95_seconds', 0.05, 'warning', 'a statement''s p95 latency is over the threshold (statements with 10 calls or more)'),
    ('cache_hit_ratio', 'cache_hit_ratio', 0.95, 'warning', 'the database''s buffer cache hit ratio is under the threshold (after 1,000 block reads or more)'),
    ('blocked_session', 'lock_wait_seconds', 30, 'critical', 'a session has waited for a lock longer than the threshold'),
    ('long_transaction', 'transaction_age_seconds', 3600, 'warning', 'a transaction has been open longer than the threshold'),
    ('idle_in_transaction', 'idle_in_transaction_seconds', 300, 'warning', 'a session has been idle in transaction longer than the threshold'),
    ('connections', 'connections_used_ratio', 0.8, 'warning', 'connections in use are over this fraction of max_connections'),
    ('temp_spills', 'statement_temp_bytes_per_call', 100 * 1024 * 1024, 'warning', 'a statement writes more temporary file bytes per call than the threshold'),
    ('dead_tuples', 'dead_tuple_ratio', 0.2, 'warning', 'dead rows are over this fraction of a table''s rows (tables of 10,000 rows or more)'),
    ('wraparound', 'xid_age_ratio', 0.5, 'critical', 'a database''s transaction-id age is over this fraction of autovacuum_freeze_max_age'),
    ('plan_regression', 'plan_regression_slowdown', 2, 'warning', 'a statement''s newest plan is slower than the previous one by this factor or more'),
    ('advice_regressed', 'advised_index_slowdown', 1.2, 'warning', 'the statements an index pg_xray advised was built for run slower with it by this factor or more (xray.advice_outcomes)');
-- 0.6.0: the fleet's
INSERT INTO xray.alert_rules (name, metric, threshold, severity, description) VALUES
    ('replica_lag', 'replica_lag_seconds', 300, 'warning', 'a standby streaming from this server replays WAL later than the threshold (pg_stat_replication.replay_lag), or has not reached streaming within it'),
    ('node_unreachable', 'node_unreachable', 0, 'critical', 'a fleet node registered with xray.add_node (and enabled) does not answer');
SELECT pg_catalog.pg_extension_config_dump('xray.alert_rules', '');
GRANT SELECT ON xray.alert_rules TO PUBLIC;

CREATE TABLE xray.alert_log (
    id bigserial PRIMARY KEY,
    rule text NOT NULL,
    severity text NOT NULL,
    subject text NOT NULL,
    value double precision,
    threshold double precision,
    evidence text,
    fired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    resolved_at timestamptz
);
CREATE UNIQUE INDEX alert_log_open ON xray.alert_log (rule, subject) WHERE resolved_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('xray.alert_log', '');
-- subjects name other roles' sessions and statements: for pg_read_all_stats, like xray.alerts
REVOKE ALL ON xray.alert_log FROM PUBLIC;
GRANT SELECT ON xray.alert_log TO pg_read_all_stats;

-- What fires now. A function with jit off behind the view: the planner's
-- estimate for this union of lateral branches is high enough to JIT-compile
-- it, which costs a second and would read the sessions a second late.
CREATE FUNCTION xray.alerts()
RETURNS TABLE (rule text, severity text, subject text, value double precision, threshold double precision, evidence text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $$
WITH r AS (SELECT * FROM xray.alert_rules WHERE enabled)
SELECT r.name AS rule, r.severity, a.subject, a.value, r.threshold, a.evidence
FROM r CROSS JOIN LATERAL (
    SELECT format('queryid %s', s.queryid) AS subject, s.p95_exec_time / 1000 AS value,
           format('p95 %s ms over %s calls (mean %s ms)', round(s.p95_exec_time::numeric, 1), s.calls,
                  round(s.mean_exec_time::numeric, 1)) AS evidence
    FROM xray.statements s
    WHERE r.metric = 'statement_p95_seconds' AND s.queryid IS NOT NULL AND s.calls >= 10
      AND s.p95_exec_time / 1000 > r.threshold
    UNION ALL
    SELECT format('database %s', d.datname), d.blks_hit::float8 / (d.blks_hit + d.blks_read),
           format('%s%% of %s block reads hit the cache', round(100.0 * d.blks_hit / (d.blks_hit + d.blks_read), 2), d.blks_hit + d.blks_read)
    FROM pg_stat_database d
    WHERE r.metric = 'cache_hit_ratio' AND d.datname = current_database() AND d.blks_hit + d.blks_read >= 1000
      AND d.blks_hit::float8 / (d.blks_hit + d.blks_read) < r.threshold
    UNION ALL
    SELECT format('pid %s', w.waiting_pid), extract(epoch FROM max(w.wait_duration))::float8,
           format('waits %s for %s held by pid %s', date_trunc('second', max(w.wait_duration)), min(w.object),
                  min(w.blocking_pid))
    FROM xray.lock_waits w
    WHERE r.metric = 'lock_wait_seconds'
    GROUP BY w.waiting_pid
    HAVING extract(epoch FROM max(w.wait_duration)) > r.threshold
    UNION ALL
    SELECT format('pid %s', a.pid), extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
           format('%s (%s) in a transaction for %s, %s', a.usename, a.application_name,
                  date_trunc('second', clock_timestamp() - a.xact_start), a.state)
    FROM pg_stat_activity a
    WHERE r.metric = 'transaction_age_seconds' AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend'
      AND a.pid <> pg_backend_pid() AND extract(epoch FROM clock_timestamp() - a.xact_start) > r.threshold
    UNION ALL
    SELECT format('pid %s', a.pid), extract(epoch FROM clock_timestamp() - a.state_change)::float8,
           format('%s (%s) idle in transaction for %s', a.usename, a.application_name,
                  date_trunc('second', clock_timestamp() - a.state_change))
    FROM pg_stat_activity a
    WHERE r.metric = 'idle_in_transaction_seconds' AND a.state LIKE 'idle in transaction%'
      AND extract(epoch FROM clock_timestamp() - a.state_change) > r.threshold
    UNION ALL
    SELECT 'server', c.used / c.max, format('%s of %s connections in use', c.used, c.max)
    FROM (SELECT count(*)::float8 AS used, current_setting('max_connections')::float8 AS max
          FROM pg_stat_activity WHERE backend_type = 'client backend') c
    WHERE r.metric = 'connections_used_ratio' AND c.used / c.max > r.threshold
    UNION ALL
    SELECT format('queryid %s', s.queryid), s.temp_blks_written::float8 * current_setting('block_size')::int / s.calls,
           format('%s of temporary files per call over %s calls',
                  pg_size_pretty((s.temp_blks_written * current_setting('block_size')::int / s.calls)::bigint), s.calls)
    FROM xray.statements s
    WHERE r.metric = 'statement_temp_bytes_per_call' AND s.queryid IS NOT NULL AND s.calls > 0
      AND s.temp_blks_written::float8 * current_setting('block_size')::int / s.calls > r.threshold
    UNION ALL
    SELECT format('table %s', t.relid::regclass), t.n_dead_tup::float8 / (t.n_live_tup + t.n_dead_tup),
           format('%s dead of %s rows; last vacuumed %s', t.n_dead_tup, t.n_live_tup + t.n_dead_tup,
                  coalesce(to_char(greatest(t.last_vacuum, t.last_autovacuum), 'YYYY-MM-DD HH24:MI'), 'never'))
    FROM pg_stat_user_tables t
    WHERE r.metric = 'dead_tuple_ratio' AND t.n_live_tup + t.n_dead_tup >= 10000
      AND t.n_dead_tup::float8 / (t.n_live_tup + t.n_dead_tup) > r.threshold
    UNION ALL
    SELECT format('database %s', d.datname), age(d.datfrozenxid)::float8 / current_setting('autovacuum_freeze_max_age')::float8,
           format('transaction-id age %s of autovacuum_freeze_max_age %s', age(d.datfrozenxid), current_setting('autovacuum_freeze_max_age'))
    FROM pg_database d
    WHERE r.metric = 'xid_age_ratio' AND d.datallowconn
      AND age(d.datfrozenxid)::float8 / current_setting('autovacuum_freeze_max_age')::float8 > r.threshold
    UNION ALL
    SELECT format('queryid %s', p.queryid), p.slowdown::float8,
           format('plan changed at %s: mean %s ms -> %s ms%s', to_char(p.changed_at, 'YYYY-MM-DD HH24:MI:SS'),
                  round(p.old_mean_ms::numeric, 2), round(p.new_mean_ms::numeric, 2), coalesce('; ' || p.likely_cause, ''))
    FROM xray.plan_regressions(0) p
    WHERE r.metric = 'plan_regression_slowdown' AND p.slowdown >= r.threshold
    UNION ALL
    SELECT format('index %s', o.index_name), o.mean_after_ms / o.mean_before_ms,
           format('advised %s for %s statement(s) on %s: mean %s ms before, %s ms with it (%s)',
                  to_char(o.advised_at, 'YYYY-MM-DD HH24:MI'), o.statements_using, o.table_name,
                  round(o.mean_before_ms::numeric, 2), round(o.mean_after_ms::numeric, 2), o.verdict)
    FROM xray.advice_outcomes o
    WHERE r.metric = 'advised_index_slowdown' AND o.mean_before_ms > 0
      AND o.mean_after_ms / o.mean_before_ms >= r.threshold
    UNION ALL
    SELECT format('standby %s', coalesce(nullif(rep.application_name, ''), host(rep.client_addr), rep.pid::text)),
           coalesce(extract(epoch FROM rep.replay_lag)::float8, 'infinity'),
           CASE WHEN rep.state = 'streaming'
                THEN format('replays %s behind (%s of WAL not replayed yet)', date_trunc('second', rep.replay_lag),
                            pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), rep.replay_lsn)))
                ELSE format('not streaming after %s: %s', date_trunc('second', clock_timestamp() - rep.backend_start), rep.state) END
    FROM pg_stat_replication rep
    WHERE r.metric = 'replica_lag_seconds' AND rep.state <> 'backup'
      AND (extract(epoch FROM rep.replay_lag) > r.threshold
           OR (rep.state <> 'streaming' AND extract(epoch FROM clock_timestamp() - rep.backend_start) > r.threshold))
    UNION ALL
    SELECT format('node %s', f.node), 1, format('does not answer: %s', coalesce(f.last_error, 'no error text'))
    FROM xray._fleet_status() f
    WHERE r.metric = 'node_unreachable' AND f.enabled AND NOT f.reachable AND 1 > r.threshold
) a;
$$;
REVOKE ALL ON FUNCTION xray.alerts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.alerts() TO pg_read_all_stats;
CREATE VIEW xray.alerts AS SELECT * FROM xray.alerts();
COMMENT ON VIEW xray.alerts IS 'pg_xray: alerts firing now, per rule of xray.alert_rules and subject, with evidence';
REVOKE ALL ON xray.alerts FROM PUBLIC;
GRANT SELECT ON xray.alerts TO pg_read_all_stats;

-- xray.check_alerts(): record alerts that fire (once while they stay open) and
-- those resolved, NOTIFY xray_alerts with a JSON payload and LOG each change.
CREATE FUNCTION xray.check_alerts(OUT fired integer, OUT resolved integer, OUT open integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a record;
    payload text;
BEGIN
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'xray.check_alerts() cannot run on a standby' USING ERRCODE = '25006',
            HINT = 'It records alerts in xray.alert_log; run it on the primary (xray.alerts shows what fires here).';
    END IF;
    fired := 0;
    resolved := 0;
    -- one check at a time
    PERFORM pg_advisory_xact_lock(hashtext('pg_xray check_alerts'));
    CREATE TEMP TABLE IF NOT EXISTS xray_alerts_now (rule text, severity text, subject text, value float8,
                                                     threshold float8, evidence text) ON COMMIT DROP;
    TRUNCATE xray_alerts_now;
    -- one row per rule and subject (a statement run by several roles is one subject)
    INSERT INTO xray_alerts_now
    SELECT DISTINCT ON (al.rule, al.subject) al.* FROM xray.alerts al ORDER BY al.rule, al.subject, al.value DESC;
    FOR a IN SELECT n.* FROM xray_alerts_now n
             WHERE NOT EXISTS (SELECT 1 FROM xray.alert_log l
                               WHERE l.rule = n.rule AND l.subject = n.subject AND l.resolved_at IS NULL)
    LOOP
        INSERT INTO xray.alert_log (rule, severity, subject, value, threshold, evidence)
        VALUES (a.rule, a.severity, a.subject, a.value, a.threshold, a.evidence);
        -- LISTEN needs no privilege: the payload names the alert only; its subject and
        -- evidence are in xray.alert_log, for the roles that may read it
        payload := json_build_object('event', 'fired', 'id', currval('xray.alert_log_id_seq'), 'rule', a.rule,
                                     'severity', a.severity, 'database', current_database())::text;
        PERFORM pg_notify('xray_alerts', payload);
        RAISE LOG 'xray alert fired: % (%) on %: %', a.rule, a.severity, a.subject, a.evidence;
        fired := fired + 1;
    END LOOP;
    FOR a IN UPDATE xray.alert_log l SET resolved_at = clock_timestamp()
             WHERE l.resolved_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM xray_alerts_now n WHERE n.rule = l.rule AND n.subject = l.subject)
             RETURNING l.*
    LOOP
        payload := json_build_object('event', 'resolved', 'id', a.id, 'rule', a.rule, 'severity', a.severity,
                                     'fired_at', a.fired_at, 'resolved_at', a.resolved_at, 'database', current_database())::text;
        PERFORM pg_notify('xray_alerts', payload);
        RAISE LOG 'xray alert resolved: % on %', a.rule, a.subject;
        resolved := resolved + 1;
    END LOOP;
    SELECT count(*) INTO open FROM xray.alert_log WHERE resolved_at IS NULL;
END $$;
COMMENT ON FUNCTION xray.check_alerts() IS 'pg_xray: record new and resolved alerts in xray.alert_log, NOTIFY xray_alerts (JSON) and LOG them';
REVOKE ALL ON FUNCTION xray.check_alerts() FROM PUBLIC;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray.alerts() IS 'pg_xray: the alert rules evaluated now: one row per rule and object over its threshold';
COMMENT ON SEQUENCE xray.alert_log_id_seq IS 'pg_xray: ids of xray.alert_log';
COMMENT ON TABLE xray.alert_log IS 'pg_xray: alerts fired and resolved, with their evidence (no statement texts)';
COMMENT ON TABLE xray.alert_rules IS 'pg_xray: alert rules: metric, threshold, severity, enabled (edit to tune)';

-- Prometheus metrics and reports --------------------------------------------------------------
-- a label value in the exposition format: backslash, quote and newline escaped
CREATE FUNCTION xray.prom_label(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '"' || replace(replace(replace(coalesce(value, ''), E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n') || '"';

-- xray.metrics(): Prometheus text exposition format (postgres_exporter naming,
-- pg_xray_ prefix). Statement series are limited to the top_statements by time.
CREATE FUNCTION xray.metrics(top_statements integer DEFAULT 50)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    out text;
BEGIN
    IF top_statements IS NULL OR top_statements < 0 THEN
        RAISE EXCEPTION 'top_statements must be non-negative' USING ERRCODE = '22023';
    END IF;
    -- one statement, no temporary table: it also runs on a hot standby
    WITH st AS (
        SELECT s.*, format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname),
                           xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text)) AS labels
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid
        WHERE s.queryid IS NOT NULL ORDER BY s.total_exec_time DESC LIMIT top_statements
    ),
    info AS (SELECT * FROM xray.info()),
    m(name, type, help, labels, value) AS (
        SELECT 'pg_xray_statement_calls_total', 'counter', 'Executions of the statement (successful).', labels, calls::float8 FROM st
        UNION ALL
        SELECT 'pg_xray_statement_exec_seconds_total', 'counter', 'Total execution time of the statement.', labels, total_exec_time / 1000 FROM st
        UNION ALL
        SELECT 'pg_xray_statement_errors_total', 'counter', 'Failed executions of the statement.', labels, errors::float8 FROM st
        UNION ALL
        SELECT 'pg_xray_statement_p95_seconds', 'gauge', '95th percentile of the statement''s execution time since the statistics'' reset.',
               labels, p95_exec_time / 1000 FROM st WHERE p95_exec_time IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statement_p99_seconds', 'gauge', '99th percentile of the statement''s execution time since the statistics'' reset.',
               labels, p99_exec_time / 1000 FROM st WHERE p99_exec_time IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statements', 'gauge', 'Statements recorded by pg_xray.', '', statements::float8 FROM info
        UNION ALL
        SELECT 'pg_xray_statements_max', 'gauge', 'Statements pg_xray can record (xray.max_statements).', '', max_statements::float8 FROM info
        UNION ALL
        SELECT 'pg_xray_statement_evictions_total', 'counter', 'Statements evicted to make room.', '', statement_evictions::float8 FROM info
        UNION ALL
        SELECT 'pg_xray_connections_max', 'gauge', 'max_connections.', '', current_setting('max_connections')::float8
        UNION ALL
        SELECT 'pg_xray_lock_waiting_sessions', 'gauge', 'Sessions waiting for a heavyweight lock now.', '',
               (SELECT count(DISTINCT waiting_pid) FROM xray.lock_edges())::float8
        UNION ALL
        SELECT 'pg_xray_lock_incidents_open', 'gauge', 'Blocking incidents in progress.', '',
               (SELECT count(*) FROM xray.lock_incidents() WHERE ended_at IS NULL)::float8
        UNION ALL
        SELECT 'pg_xray_lock_sampler_ticks_total', 'counter', 'Ticks of the lock sampler.', '', (SELECT ticks FROM xray.lock_sampler())::float8
        UNION ALL
        SELECT 'pg_xray_long_transaction_max_seconds', 'gauge', 'Age of the oldest open transaction of a client session.', '',
               coalesce((SELECT max(extract(epoch FROM clock_timestamp() - xact_start)) FROM pg_stat_activity
                         WHERE backend_type = 'client backend' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()), 0)::float8
        UNION ALL
        SELECT 'pg_xray_connections', 'gauge', 'Client sessions by state.', format('{state=%s}', xray.prom_label(coalesce(state, 'unknown'))),
               count(*)::float8
        FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY state
        UNION ALL
        SELECT 'pg_xray_database_cache_hit_ratio', 'gauge', 'Share of block reads served by shared buffers since the statistics'' reset.',
               format('{datname=%s}', xray.prom_label(datname)), blks_hit::float8 / nullif(blks_hit + blks_read, 0)
        FROM pg_stat_database WHERE datname IS NOT NULL AND blks_hit + blks_read > 0
        UNION ALL
        SELECT 'pg_xray_database_xid_age', 'gauge', 'Age of the database''s oldest unfrozen transaction id.',
               format('{datname=%s}', xray.prom_label(datname)), age(datfrozenxid)::float8
        FROM pg_database WHERE datallowconn
        UNION ALL
        SELECT 'pg_xray_database_deadlocks_total', 'counter', 'Deadlocks detected in the database.',
               format('{datname=%s}', xray.prom_label(datname)), deadlocks::float8
        FROM pg_stat_database WHERE datname IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_replica_replay_lag_seconds', 'gauge', 'Replay lag of each standby streaming from this server (0 when caught up).',
               format('{standby=%s,state=%s}', xray.prom_label(coalesce(nullif(application_name, ''), pid::text)), xray.prom_label(state)),
               coalesce(extract(epoch FROM replay_lag), 0)::float8
        FROM pg_stat_replication
        UNION ALL
        SELECT 'pg_xray_fleet_node_up', 'gauge', 'Whether each enabled fleet node (xray.nodes) answers now.',
               format('{node=%s}', xray.prom_label(f.node)), CASE WHEN f.reachable THEN 1 ELSE 0 END::float8
        FROM xray._fleet_status() f WHERE f.node <> 'local' AND f.enabled
          AND EXISTS (SELECT 1 FROM xray.nodes)
        UNION ALL
        (SELECT 'pg_xray_table_dead_tuples', 'gauge', 'Dead rows of the tables of this database with the most.',
                format('{datname=%s,relation=%s}', xray.prom_label(current_database()), xray.prom_label(relid::regclass::text)),
                n_dead_tup::float8
         FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 20)
        UNION ALL
        SELECT 'pg_xray_alerts_firing', 'gauge', 'Alerts firing now, per rule (xray.alerts).',
               format('{rule=%s,severity=%s}', xray.prom_label(r.name), xray.prom_label(r.severity)),
               (SELECT count(*) FROM xray.alerts() a WHERE a.rule = r.name)::float8
        FROM xray.alert_rules r WHERE r.enabled
        UNION ALL
        SELECT 'pg_xray_maintenance_advice', 'gauge', 'Maintenance actions advised now, per kind (xray.maintenance_advice).',
               format('{kind=%s}', xray.prom_label(kind)), count(*)::float8
        FROM xray.maintenance_advice GROUP BY kind
    )
    SELECT string_agg(f.block, '' ORDER BY f.name) INTO out FROM (
        SELECT m.name, format(E'# HELP %s %s\n# TYPE %s %s\n', m.name, min(m.help), m.name, min(m.type))
               || string_agg(m.name || m.labels || ' ' ||
                             CASE WHEN m.value IS NULL OR m.value = 'NaN'::float8 THEN 'NaN'
                                  WHEN m.value = 'Infinity'::float8 THEN '+Inf'
                                  WHEN m.value = '-Infinity'::float8 THEN '-Inf'
                                  ELSE m.value::text END
                             || E'\n', '' ORDER BY m.labels) AS block
        FROM m GROUP BY m.name) f;
    RETURN coalesce(out, '');
END $$;
COMMENT ON FUNCTION xray.metrics(integer) IS 'pg_xray: metrics in the Prometheus text exposition format';
REVOKE ALL ON FUNCTION xray.metrics(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.metrics(integer) TO pg_read_all_stats;

-- xray.report(): a plain-text report for psql (\pset format unaligned, or \x off and read as is)
CREATE FUNCTION xray.report(top integer DEFAULT 10)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    r record;
    o text;
    n integer;
BEGIN
    IF top IS NULL OR top < 1 THEN
        RAISE EXCEPTION 'top must be at least 1' USING ERRCODE = '22023';
    END IF;
    o := format(E'pg_xray report - %s - database %s - %s\n', to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS TZ'),
                current_database(), version());
    o := o || format(E'statistics since %s; %s statements recorded\n',
                     (SELECT to_char(stats_reset, 'YYYY-MM-DD HH24:MI:SS') FROM xray.info()), (SELECT statements FROM xray.info()));

    o := o || E'\n== Top statements by total time\n' ||
         format(E'%12s %10s %10s %10s %10s  %s\n', 'total ms', 'calls', 'mean ms', 'p95 ms', 'p99 ms', 'query');
    FOR r IN SELECT * FROM xray.statements WHERE queryid IS NOT NULL ORDER BY total_exec_time DESC LIMIT top LOOP
        o := o || format(E'%12s %10s %10s %10s %10s  %s\n', round(r.total_exec_time::numeric, 1), r.calls,
                         round(r.mean_exec_time::numeric, 3), round(r.p95_exec_time::numeric, 3), round(r.p99_exec_time::numeric, 3),
                         left(regexp_replace(r.query, '\s+', ' ', 'g'), 100));
    END LOOP;
    o := o || E'\n== Top statements by p95 latency (10 calls or more)\n' ||
         format(E'%10s %10s %10s  %s\n', 'p95 ms', 'p99 ms', 'calls', 'query');
    FOR r IN SELECT * FROM xray.statements WHERE queryid IS NOT NULL AND calls >= 10 ORDER BY p95_exec_time DESC NULLS LAST LIMIT top LOOP
        o := o || format(E'%10s %10s %10s  %s\n', round(r.p95_exec_time::numeric, 3), round(r.p99_exec_time::numeric, 3), r.calls,
                         left(regexp_replace(r.query, '\s+', ' ', 'g'), 100));
    END LOOP;

    o := o || E'\n== Plan regressions\n';
    n := 0;
    FOR r IN SELECT * FROM xray.plan_regressions(0.5) LIMIT top LOOP
        o := o || format(E'%sx slower since %s (mean %s -> %s ms): %s\n   cause: %s\n', r.slowdown,
                         to_char(r.changed_at, 'YYYY-MM-DD HH24:MI'), round(r.old_mean_ms::numeric, 3), round(r.new_mean_ms::numeric, 3),
                         left(regexp_replace(r.query, '\s+', ' ', 'g'), 100), coalesce(r.likely_cause, 'not visible'));
        n := n + 1;
    END LOOP;
    IF n = 0 THEN o := o || E'none\n'; END IF;

    o := o || E'\n== Alerts firing\n';
    n := 0;
    FOR r IN SELECT * FROM xray.alerts() ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule LOOP
        o := o || format(E'[%s] %s on %s: %s\n', r.severity, r.rule, r.subject, r.evidence);
        n := n + 1;
    END LOOP;
    IF n = 0 THEN o := o || E'none\n'; END IF;

    o := o || E'\n== Index advice\n';
    n := 0;
    FOR r IN SELECT * FROM xray.index_advice(least(top, 10)) LOOP
        o := o || format(E'%s. %s (%s%% less workload cost): %s\n', r.rank, r.create_statement,
                         round(r.improvement_pct::numeric, 1), r.reason);
        n := n + 1;
    END LOOP;
    IF n = 0 THEN o := o || E'none\n'; END IF;

    o := o || E'\n== Lock incidents (latest)\n';
    n := 0;
    FOR r IN SELECT * FROM xray.lock_incidents LIMIT top LOOP
        o := o || format(E'%s  %s  root pid %s (%s, %s) blocked %s sessions, %s deep, %s blocked-seconds: %s\n',
                         to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(date_trunc('second', r.duration)::text, ''),
                         r.root_pid, r.root_user, r.root_state, r.max_sessions_blocked, r.max_depth, r.blocked_seconds,
                         left(coalesce(r.root_query, ''), 80));
        n := n + 1;
    END LOOP;
    IF n = 0 THEN o := o || E'none\n'; END IF;

    o := o || E'\n== Maintenance advice\n';
    n := 0;
    FOR r IN SELECT * FROM xray.maintenance_advice ORDER BY priority LIMIT top LOOP
        o := o || format(E'%s. [%s] %s\n   %s\n', r.priority, r.kind, r.command, r.reason);
        n := n + 1;
    END LOOP;
    IF n = 0 THEN o := o || E'none\n'; END IF;
    RETURN o;
END $$;
COMMENT ON FUNCTION xray.report(integer) IS 'pg_xray: a plain-text report: top statements, plan regressions, alerts, index advice, lock incidents, maintenance advice';
REVOKE ALL ON FUNCTION xray.report(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.report(integer) TO pg_read_all_stats;

-- xray.report_html(): one self-contained HTML page (inline SVG, no network)
CREATE FUNCTION xray.report_html(top integer DEFAULT 10)
RETURNS text
AS 'MODULE_PATHNAME', 'xray_report_html'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET jit = off;
COMMENT ON FUNCTION xray.report_html(integer) IS 'pg_xray: an HTML report with charts (latency distribution per top statement, time series from snapshots, the lock graph) and lists; save it with psql \o report.html';
REVOKE ALL ON FUNCTION xray.report_html(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.report_html(integer) TO pg_read_all_stats;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray.prom_label(text) IS 'pg_xray: a text escaped as a Prometheus label value';

-- Diagnostics: connection pooling advice -------------------------------------------------------
CREATE FUNCTION xray.connection_minutes(OUT minute timestamptz, OUT ticks integer, OUT active_mean double precision,
    OUT active_max integer, OUT idle_mean double precision, OUT idle_in_xact_mean double precision,
    OUT idle_in_xact_max integer, OUT sessions_max integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_connection_minutes'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.connection_minutes() IS 'pg_xray: client sessions per minute as the sampler saw them (a day kept)';

CREATE FUNCTION xray.cpu_count()
RETURNS integer
AS 'MODULE_PATHNAME', 'xray_cpu_count'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

-- From the sampler's per-minute session counts and pg_stat_database's session
-- counters: is a pooler worth it, with a pool size from the observed active
-- concurrency and the processors, and a ready pgbouncer.ini fragment.
CREATE VIEW xray.connection_advice AS
WITH m AS (SELECT * FROM xray.connection_minutes()),
s AS (
    SELECT count(*) AS minutes, coalesce(max(active_max), 0) AS peak_active,
           coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY active_mean), 0) AS typical_active,
           coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY active_mean), 0) AS p95_active,
           coalesce(max(sessions_max), 0) AS peak_sessions, coalesce(avg(idle_mean), 0) AS idle_mean,
           coalesce(max(idle_in_xact_max), 0) AS peak_idle_in_xact, min(minute) AS since
    FROM m
),
churn AS (
    SELECT sum(d.sessions) AS sessions,
           sum(d.sessions) / greatest(extract(epoch FROM clock_timestamp()
                 - greatest(coalesce(min(d.stats_reset), pg_postmaster_start_time()), pg_postmaster_start_time())) / 60, 1) AS per_minute,
           sum(d.session_time) / nullif(sum(d.sessions), 0) AS mean_session_ms
    FROM pg_stat_database d WHERE d.datname IS NOT NULL
),
cfg AS (SELECT current_setting('max_connections')::int AS max_connections, xray.cpu_count() AS cpus),
pool AS (
    SELECT greatest(2, least(ceil(s.p95_active * 1.25)::int + 1, cfg.cpus * 2 + 2)) AS size,
           greatest(100, s.peak_sessions * 2) AS max_client
    FROM s, cfg
)
SELECT 'summary'::text AS kind,
       format('%s minutes observed: active sessions typically %s, peak %s; up to %s sessions (max_connections %s, %s processors); %s sessions started per minute, %s ms on average',
              s.minutes, round(s.typical_active::numeric, 1), s.peak_active, s.peak_sessions, cfg.max_connections, cfg.cpus,
              round(churn.per_minute::numeric, 1), round(coalesce(churn.mean_session_ms, 0)::numeric)) AS evidence,
       NULL::text AS recommendation, NULL::text AS command, NULL::text AS config
FROM s, churn, cfg
UNION ALL
SELECT 'pooler',
       concat_ws('; ',
           CASE WHEN s.peak_sessions >= greatest(20, 3 * greatest(s.peak_active, 1))
                THEN format('%s sessions for at most %s active at once', s.peak_sessions, s.peak_active) END,
           CASE WHEN churn.per_minute >= 30
                THEN format('%s sessions started per minute (mean length %s ms): every connection costs a process start',
                            round(churn.per_minute::numeric), round(coalesce(churn.mean_session_ms, 0)::numeric)) END,
           CASE WHEN s.peak_sessions >= 0.8 * cfg.max_connections
                THEN format('%s of max_connections %s used at the peak', s.peak_sessions, cfg.max_connections) END),
       format('Put PgBouncer in transaction mode in front of the server: %s server connections serve the clients (p95 of active sessions %s x 1.25 + 1, at most 2 per processor + 2).',
              pool.size, round(s.p95_active::numeric, 1)),
       NULL,
       format(E'[databases]\n* = host=127.0.0.1 port=%s\n\n[pgbouncer]\nlisten_port = 6432\npool_mode = transaction\nmax_client_conn = %s\ndefault_pool_size = %s\nreserve_pool_size = %s\nserver_idle_timeout = 60\n',
              current_setting('port'), pool.max_client, pool.size, greatest(1, pool.size / 4))
FROM s, churn, cfg, pool
WHERE s.minutes >= 1
  AND (s.peak_sessions >= greatest(20, 3 * greatest(s.peak_active, 1)) OR churn.per_minute >= 30
       OR s.peak_sessions >= 0.8 * cfg.max_connections)
UNION ALL
SELECT 'idle_in_transaction_session_timeout',
       format('up to %s sessions idle in transaction at once (they hold locks and the xmin horizon)', s.peak_idle_in_xact),
       'End forgotten transactions automatically.',
       'ALTER SYSTEM SET idle_in_transaction_session_timeout = ''5min''; SELECT pg_reload_conf();',
       NULL
FROM s
WHERE s.peak_idle_in_xact > 0 AND current_setting('idle_in_transaction_session_timeout') = '0';
COMMENT ON VIEW xray.connection_advice IS 'pg_xray: observed session concurrency and churn, with pooler advice (pool size, pgbouncer.ini) and idle-in-transaction timeouts';
GRANT SELECT ON xray.connection_advice TO PUBLIC;

-- Settings advice -------------------------------------------------------------------------------
CREATE FUNCTION xray.memory_bytes()
RETURNS bigint
AS 'MODULE_PATHNAME', 'xray_memory_bytes'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

CREATE FUNCTION xray.data_on_ssd()
RETURNS boolean
AS 'MODULE_PATHNAME', 'xray_data_on_ssd'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

-- a size in bytes as a setting value ('64MB', '2GB')
CREATE FUNCTION xray.size_setting(bytes double precision)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN bytes >= 1024.0 ^ 3 AND bytes::bigint % (1024 ^ 3)::bigint = 0 THEN (bytes / 1024.0 ^ 3)::bigint || 'GB'
            WHEN bytes < 1024.0 ^ 2 THEN ceil(bytes / 1024.0)::bigint || 'kB'
            ELSE ceil(bytes / 1024.0 ^ 2)::bigint || 'MB' END;

-- checkpoints requested (WAL filled max_wal_size) and timed since the counters' reset:
-- pg_stat_checkpointer on 17 and later, pg_stat_bgwriter before
CREATE FUNCTION xray._checkpoint_counts(OUT requested bigint, OUT timed bigint, OUT stats_reset timestamptz,
                                        OUT source text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
    IF current_setting('server_version_num')::int >= 170000 THEN
        EXECUTE 'SELECT num_requested, num_timed, stats_reset, ''pg_stat_checkpointer'' FROM pg_catalog.pg_stat_checkpointer'
            INTO requested, timed, stats_reset, source;
    ELSE
        EXECUTE 'SELECT checkpoints_req, checkpoints_timed, stats_reset, ''pg_stat_bgwriter'' FROM pg_catalog.pg_stat_bgwriter'
            INTO requested, timed, stats_reset, source;
    END IF;
END
$body$;
REVOKE ALL ON FUNCTION xray._checkpoint_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._checkpoint_counts() TO pg_read_all_stats;

-- 18: asynchronous I/O. Statements that spend a large share of their time reading blocks
-- (track_io_timing) on a server with io_method = sync (no read-ahead by I/O workers), or with
-- every I/O worker busy: pg_aios shows the I/Os in flight when asked.
CREATE FUNCTION xray._io_advice()
RETURNS TABLE (name text, current_value text, recommended_value text, evidence text, command text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    read_ms float8;
    exec_ms float8;
    blks bigint;
    inflight bigint;
    method text;
    workers int;
BEGIN
    IF current_setting('server_version_num')::int < 180000 OR NOT current_setting('track_io_timing')::boolean THEN
        RETURN;
    END IF;
    SELECT sum(s.shared_blk_read_time), sum(s.total_exec_time), sum(s.shared_blks_read)
    INTO read_ms, exec_ms, blks
    FROM xray._statements() s WHERE s.queryid IS NOT NULL;
    IF coalesce(blks, 0) < 10000 OR coalesce(exec_ms, 0) <= 0 OR read_ms < 0.10 * exec_ms THEN
        RETURN;
    END IF;
    method := current_setting('io_method');
    workers := current_setting('io_workers')::int;
    EXECUTE 'SELECT count(*) FROM pg_catalog.pg_aios' INTO inflight;
    IF method = 'sync' THEN
        name := 'io_method';
        current_value := method;
        recommended_value := 'worker';
        evidence := format('recorded statements spent %s%% of their execution time reading %s blocks (%s ms) with io_method = sync: '
                           'reads are issued one at a time, without asynchronous read-ahead (%s I/Os in flight now, pg_aios)',
                           round((100 * read_ms / exec_ms)::numeric, 1), blks, round(read_ms::numeric), inflight);
        command := 'ALTER SYSTEM SET io_method = ''worker''; -- takes effect after a restart';
        RETURN NEXT;
    ELSIF method = 'worker' AND inflight >= workers AND workers < 32 THEN
        name := 'io_workers';
        current_value := workers::text;
        recommended_value := least(32, workers * 2)::text;
        evidence := format('recorded statements spent %s%% of their execution time reading %s blocks, and %s I/Os are in flight '
                           'now (pg_aios) for %s I/O workers: reads queue for a worker',
                           round((100 * read_ms / exec_ms)::numeric, 1), blks, inflight, workers);
        command := format('ALTER SYSTEM SET io_workers = %s; SELECT pg_reload_conf();', least(32, workers * 2));
        RETURN NEXT;
    END IF;
END
$body$;
REVOKE ALL ON FUNCTION xray._io_advice() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._io_advice() TO pg_read_all_stats;

-- Every row carries the evidence it rests on; no evidence, no row.
-- behind the view, a function with jit off: on a few thousand tables the plan's
-- estimated cost passes jit_above_cost and compiling it would take longer than running it
CREATE FUNCTION xray._settings_advice()
RETURNS TABLE (name text, current_value text, recommended_value text, evidence text, command text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $body$
WITH setting AS (SELECT name, setting, unit, boot_val FROM pg_settings),
mem AS (SELECT xray.memory_bytes() AS bytes),
sb AS (SELECT setting::float8 * 8192 AS bytes FROM setting WHERE name = 'shared_buffers'),
ecs AS (SELECT setting::float8 * 8192 AS bytes FROM setting WHERE name = 'effective_cache_size'),
wm AS (SELECT setting::float8 * 1024 AS bytes FROM setting WHERE name = 'work_mem'),
hit AS (SELECT blks_hit, blks_read, blks_hit::float8 / nullif(blks_hit + blks_read, 0) AS ratio
        FROM pg_stat_database WHERE datname = current_database()),
-- statements that spilled sorts or hashes to temporary files
spill AS (
    SELECT s.userid, s.queryid, s.calls, s.temp_blks_written * current_setting('block_size')::float8 / s.calls AS bytes_per_call
    FROM xray.statements s
    WHERE s.queryid IS NOT NULL AND s.calls > 0 AND s.temp_blks_written > 0
      -- index builds, CLUSTER and VACUUM sort with maintenance_work_mem: not work_mem's business
      AND coalesce(s.query, '') !~* '^\s*(create\s+(unique\s+)?index|reindex|cluster|alter\s+table|vacuum)'
),
spill_roles AS (
    SELECT sp.userid, count(*) AS statements, max(sp.bytes_per_call) AS max_bytes,
           -- an in-memory sort or hash needs about twice what it writes to disk
           greatest(2 * max(sp.bytes_per_call), 2 * (SELECT bytes FROM wm)) AS needed
    FROM spill sp GROUP BY sp.userid
),
spill_total AS (SELECT count(*) AS statements, count(DISTINCT userid) AS roles FROM spill),
ckpt AS (SELECT requested AS checkpoints_req, timed AS checkpoints_timed, stats_reset, source FROM xray._checkpoint_counts()),
conn AS (SELECT count(*) AS minutes, max(sessions_max) AS peak FROM xray.connection_minutes()),
dead AS (SELECT count(*) AS tables FROM xray.maintenance_advice WHERE kind = 'vacuum')
-- work_mem: per role when few statements of few roles spill, else for the server
SELECT 'work_mem'::text AS name, xray.size_setting((SELECT bytes FROM wm)) AS current_value,
       xray.size_setting(least(1024.0 ^ 3, 2 ^ ceil(log(2, r.needed::numeric)))) AS recommended_value,
       format('%s statement(s) of role %s spilled up to %s per call to temporary files (sorts or hashes that did not fit in work_mem; the server''s is %s)',
              r.statements, coalesce(pg_get_userbyid(r.userid)::text, '?'), pg_size_pretty(r.max_bytes::bigint),
              xray.size_setting((SELECT bytes FROM wm))) AS evidence,
       CASE WHEN t.roles <= 2 AND t.statements <= 5
            THEN format('ALTER ROLE %I SET work_mem = %L;', pg_get_userbyid(r.userid),
                        xray.size_setting(least(1024.0 ^ 3, 2 ^ ceil(log(2, r.needed::numeric)))))
            ELSE format('ALTER SYSTEM SET work_mem = %L; SELECT pg_reload_conf();',
                        xray.size_setting(least(1024.0 ^ 3, 2 ^ ceil(log(2, r.needed::numeric))))) END AS command
FROM spill_roles r, spill_total t
WHERE t.roles <= 2 AND t.statements <= 5
   OR r.userid = (SELECT userid FROM spill_roles ORDER BY max_bytes DESC LIMIT 1)
UNION ALL
SELECT 'shared_buffers', xray.size_setting(sb.bytes), xray.size_setting(round(mem.bytes * 0.25 / 1024 ^ 2) * 1024 ^ 2),
       format('shared_buffers is %s%% of the server''s %s of memory and the cache hit ratio of this database is %s%% over %s block reads',
              round((100 * sb.bytes / mem.bytes)::numeric, 1), pg_size_pretty(mem.bytes), round((100 * hit.ratio)::numeric, 2),
              hit.blks_hit + hit.blks_read),
       format('ALTER SYSTEM SET shared_buffers = %L; -- takes effect after a restart',
              xray.size_setting(round(mem.bytes * 0.25 / 1024 ^ 2) * 1024 ^ 2))
FROM sb, mem, hit
WHERE mem.bytes IS NOT NULL AND sb.bytes < 0.15 * mem.bytes AND hit.ratio < 0.99 AND hit.blks_read >= 10000
UNION ALL
SELECT 'effective_cache_size', xray.size_setting(ecs.bytes), xray.size_setting(round(mem.bytes * 0.5 / 1024 ^ 2) * 1024 ^ 2),
       format('effective_cache_size is %s while the server has %s of memory: the planner underrates the OS cache and avoids index scans',
              pg_size_pretty(ecs.bytes::bigint), pg_size_pretty(mem.bytes)),
       format('ALTER SYSTEM SET effective_cache_size = %L; SELECT pg_reload_conf();',
              xray.size_setting(round(mem.bytes * 0.5 / 1024 ^ 2) * 1024 ^ 2))
FROM ecs, mem
WHERE mem.bytes IS NOT NULL AND ecs.bytes < 0.25 * mem.bytes
UNION ALL
SELECT 'random_page_cost', current_setting('random_page_cost'), '1.1',
       'the data directory is on a non-rotational device (sysfs queue/rotational = 0): random reads cost about what sequential ones do',
       'ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf();'
WHERE xray.data_on_ssd() AND current_setting('random_page_cost')::float8 > 1.5
UNION ALL
SELECT 'max_wal_size', current_setting('max_wal_size'),
       xray.size_setting((SELECT setting::float8 FROM setting WHERE name = 'max_wal_size') * 1024 ^ 2 * 4),
       format('%s checkpoints were requested (WAL filled max_wal_size) against %s timed since %s (%s): checkpoints come early and write more',
              ckpt.checkpoints_req, ckpt.checkpoints_timed, to_char(ckpt.stats_reset, 'YYYY-MM-DD HH24:MI'), ckpt.source),
       format('ALTER SYSTEM SET max_wal_size = %L; SELECT pg_reload_conf();',
              xray.size_setting((SELECT setting::float8 FROM setting WHERE name = 'max_wal_size') * 1024 ^ 2 * 4))
FROM ckpt
WHERE ckpt.checkpoints_req >= 3 AND ckpt.checkpoints_req > ckpt.checkpoints_timed
UNION ALL
SELECT 'autovacuum_vacuum_cost_limit', current_setting('autovacuum_vacuum_cost_limit'), '2000',
       format('%s tables are past their autovacuum trigger with %s autovacuum workers at a cost limit of %s: autovacuum falls behind',
              dead.tables, current_setting('autovacuum_max_workers'),
              CASE WHEN current_setting('autovacuum_vacuum_cost_limit') = '-1' THEN current_setting('vacuum_cost_limit')
                   ELSE current_setting('autovacuum_vacuum_cost_limit') END),
       'ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 2000; SELECT pg_reload_conf();'
FROM dead
WHERE dead.tables >= current_setting('autovacuum_max_workers')::int AND current_setting('autovacuum')::boolean
  AND (CASE WHEN current_setting('autovacuum_vacuum_cost_limit') = '-1' THEN current_setting('vacuum_cost_limit')
            ELSE current_setting('autovacuum_vacuum_cost_limit') END)::int < 2000
UNION ALL
SELECT 'track_io_timing', 'off', 'on',
       format('recorded statements read %s blocks from outside shared buffers, but with track_io_timing off their read time is unknown',
              (SELECT sum(shared_blks_read) FROM xray.statements)),
       'ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();'
WHERE NOT current_setting('track_io_timing')::boolean AND (SELECT sum(shared_blks_read) FROM xray.statements) >= 1000
UNION ALL
SELECT 'max_connections', current_setting('max_connections'), greatest(100, (conn.peak * 2 / 10 + 1) * 10)::text,
       format('at most %s sessions in %s minutes observed, against max_connections %s (each slot costs memory and snapshot work)',
              conn.peak, conn.minutes, current_setting('max_connections')),
       format('ALTER SYSTEM SET max_connections = %s; -- takes effect after a restart', greatest(100, (conn.peak * 2 / 10 + 1) * 10))
FROM conn
WHERE conn.minutes >= (SELECT setting::int FROM setting WHERE name = 'xray.connection_observation')
  AND current_setting('max_connections')::int > 200 AND conn.peak < 0.25 * current_setting('max_connections')::int
UNION ALL
SELECT io.name, io.current_value, io.recommended_value, io.evidence, io.command FROM xray._io_advice() io
$body$;
REVOKE ALL ON FUNCTION xray._settings_advice() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._settings_advice() TO pg_read_all_stats;
CREATE VIEW xray.settings_advice AS SELECT * FROM xray._settings_advice();
COMMENT ON VIEW xray.settings_advice IS 'pg_xray: settings to change, each with the evidence it rests on and the exact statement';
-- it reads the sampled scans (xray.predicates()): for pg_read_all_stats, like xray.plans
REVOKE ALL ON xray.settings_advice FROM PUBLIC;
GRANT SELECT ON xray.settings_advice TO pg_read_all_stats;

-- Caching candidates --------------------------------------------------------------------------------
-- Read-only statements called often on tables that change rarely. The tables
-- come from sampled executions (xray.predicates() relations) or the plan texts.
CREATE VIEW xray.cache_candidates AS
WITH st AS (
    SELECT s.dbid, s.queryid, min(s.query) AS query, sum(s.calls) AS calls, sum(s.total_exec_time) AS total_ms,
           min(s.first_seen) AS first_seen
    FROM xray._statements() s
    WHERE s.queryid IS NOT NULL AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    GROUP BY s.dbid, s.queryid
),
ro AS (
    SELECT st.*, st.calls / greatest(extract(epoch FROM clock_timestamp() - st.first_seen) / 60, 1) AS calls_per_minute,
           st.total_ms / nullif(st.calls, 0) AS mean_ms
    FROM st
    WHERE st.query ~* '^\s*(\(\s*)*(select|with)\M' AND st.query !~* '\m(for\s+(update|share|no\s+key\s+update|key\s+share)|nextval|setval|random|clock_timestamp|now|current_timestamp|txid_current|pg_advisory|insert|update|delete|merge)\M'
      AND st.calls >= 100
),
-- the tables each candidate reads: from the sampled scans and the plan texts (each copied
-- out of shared memory once, not once per candidate)
read_tables AS (
    SELECT p.queryid, p.relid FROM xray.predicates() p WHERE p.queryid IN (SELECT queryid FROM ro)
    UNION
    -- "Seq Scan on public.t", "Index Scan using i on t": a (qualified, maybe quoted) name only,
    -- so that to_regclass never sees text that is not a name
    SELECT pl.queryid, to_regclass(m[1])
    FROM xray.plans() pl,
         regexp_matches(pl.plan, ' on ((?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)(?:\.(?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*))?)', 'g') m
    WHERE pl.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND pl.queryid IN (SELECT queryid FROM ro) AND to_regclass(m[1]) IS NOT NULL
),
rels AS (
    SELECT ro.queryid, c.oid AS relid
    FROM ro
    JOIN read_tables r ON r.queryid = ro.queryid
    JOIN pg_class c ON c.oid = r.relid AND c.relkind IN ('r', 'm', 'p')
),
changes AS (
    SELECT r.queryid, array_agg(r.relid::regclass::text ORDER BY r.relid::regclass::text) AS tables,
           -- the recent change rate: rows changed since the table's last ANALYZE, per minute
           sum(t.n_mod_since_analyze
               / greatest(extract(epoch FROM clock_timestamp()
                     - coalesce(greatest(t.last_analyze, t.last_autoanalyze), pg_postmaster_start_time())) / 60, 1))
               AS changes_per_minute
    FROM rels r
    JOIN pg_stat_all_tables t ON t.relid = r.relid
    GROUP BY r.queryid
)
SELECT ro.queryid, ro.query, round(ro.calls_per_minute::numeric, 1) AS calls_per_minute, round(ro.mean_ms::numeric, 3) AS mean_ms,
       ch.tables, round(ch.changes_per_minute::numeric, 2) AS table_changes_per_minute,
       -- each write to one of the tables invalidates the cached results at most once
       round(greatest(0, 1 - ch.changes_per_minute / ro.calls_per_minute)::numeric, 3) AS expected_hit_ratio,
       round((ro.calls_per_minute * ro.mean_ms * greatest(0, 1 - ch.changes_per_minute / ro.calls_per_minute))::numeric, 1)
           AS ms_saved_per_minute,
       CASE WHEN ro.query !~ '\$[0-9]' AND ro.mean_ms >= 20 AND ro.query ~* '\m(group\s+by|count|sum|avg|min|max)\M'
            THEN format('a materialized view refreshed on a schedule: CREATE MATERIALIZED VIEW %I AS %s; then SELECT cron.schedule(%L, %L, %L);',
                        'xray_mv_' || replace(ro.queryid::text, '-', 'n'), ro.query,
                        'refresh xray_mv_' || replace(ro.queryid::text, '-', 'n'),
                        CASE WHEN ch.changes_per_minute < 1 THEN '0 * * * *' ELSE '*/5 * * * *' END,
                        format('REFRESH MATERIALIZED VIEW %I', 'xray_mv_' || replace(ro.queryid::text, '-', 'n')))
            ELSE format('cache the results in the application, keyed by the statement''s parameters, and invalidate them on writes to %s',
                        array_to_string(ch.tables, ', ')) END AS suggestion
FROM ro JOIN changes ch ON ch.queryid = ro.queryid
WHERE ch.changes_per_minute < 0.1 * ro.calls_per_minute
  AND ro.calls_per_minute * ro.mean_ms >= 1
ORDER BY ms_saved_per_minute DESC;
COMMENT ON VIEW xray.cache_candidates IS 'pg_xray: read-only statements called often on tables that change rarely, with the tables to invalidate on, the hit ratio and time a cache would save';
-- it reads the sampled scans (xray.predicates()): for pg_read_all_stats, like xray.plans
REVOKE ALL ON xray.cache_candidates FROM PUBLIC;
GRANT SELECT ON xray.cache_candidates TO pg_read_all_stats;

-- Plan nodes and repeats ------------------------------------------------------------
-- What sampled executions (xray.advice_sample_rate) saw at their plan nodes, per
-- statement of the current database: the nested loop with the largest outer
-- input (>= 1000 rows), hash joins in more than one batch, sorts on disk, hash
-- aggregates that spilled (with the work_mem and hash_mem_multiplier the worst
-- of them ran with), and the outermost OFFSET with the order it pages by.
CREATE FUNCTION xray.plan_nodes(
    OUT queryid bigint, OUT executions bigint,
    OUT nestloop_executions bigint, OUT nestloop_outer_rows double precision,
    OUT nestloop_outer_estimate double precision, OUT nestloop_inner_relid oid, OUT nestloop_inner_scan text,
    OUT hashjoin_executions bigint, OUT hashjoin_batches integer, OUT hashjoin_batches_planned integer,
    OUT hashjoin_bytes double precision,
    OUT sort_executions bigint, OUT sort_disk_bytes double precision, OUT sort_rows double precision,
    OUT hashagg_executions bigint, OUT hashagg_disk_bytes double precision, OUT hashagg_memory_bytes double precision,
    OUT work_mem_bytes bigint, OUT hash_mem_multiplier double precision,
    OUT offset_executions bigint, OUT offset_rows double precision, OUT offset_rows_max double precision,
    OUT limit_rows double precision, OUT keyset_relid oid, OUT keyset_keys text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_plan_nodes'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION xray.plan_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.plan_nodes() TO pg_read_all_stats;

-- Statements one session ran many times in a row (N+1 patterns), per statement
-- of the current database: transactions that ran it 10 times or more, runs of
-- 20 or more back-to-back executions (each its own transaction, less than 100 ms
-- apart), and how many parameter values the largest of them used.
CREATE FUNCTION xray.repeats(
    OUT queryid bigint, OUT transactions bigint, OUT max_per_transaction bigint,
    OUT values_per_transaction bigint, OUT runs bigint, OUT max_per_run bigint, OUT values_per_run bigint,
    OUT userid oid, OUT pid integer, OUT last_seen timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_repeats'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION xray.repeats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.repeats() TO pg_read_all_stats;

-- Plan findings (from statement statistics, sampled scans and plan nodes, repeats) ----------------
CREATE VIEW xray.plan_findings AS
WITH st AS (
    SELECT s.dbid, s.queryid, min(s.query) AS query, sum(s.calls) AS calls, sum(s.plans) AS plans,
           sum(s.total_exec_time) AS exec_ms, sum(s.total_plan_time) AS plan_ms,
           sum(s.temp_blks_written) AS temp_blks
    FROM xray._statements() s
    WHERE s.queryid IS NOT NULL AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    GROUP BY s.dbid, s.queryid
),
-- the plans and the sampled scans, each copied out of shared memory once
pl AS (SELECT * FROM xray.plans() p WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())),
preds AS (SELECT * FROM xray.predicates()),
lastplan AS (
    SELECT DISTINCT ON (p.queryid) p.queryid, p.planid, p.plan
    FROM pl p
    ORDER BY p.queryid, p.last_seen DESC
),
scans AS (
    SELECT p.queryid, p.relid, max(p.executions) AS runs, max(p.seq_scans) AS seq_scans, max(p.rows_returned) AS rows_returned,
           max(p.rows_removed) AS rows_removed, max(p.rows_estimated) AS rows_estimated
    FROM preds p GROUP BY p.queryid, p.relid
),
nodes AS (SELECT * FROM xray.plan_nodes()),
-- plans made without their parameters' values (their text shows $1) against the others
kinds AS (
    SELECT p.queryid, p.plan ~ '(^|[^[:alnum:]_$])\$[0-9]+' AS generic, sum(p.calls) AS calls,
           sum(p.total_exec_time) / nullif(sum(p.calls), 0) AS mean_ms, max(p.p95_exec_time) AS p95_ms,
           (array_agg(p.planid ORDER BY p.calls DESC))[1] AS planid
    FROM pl p
    GROUP BY 1, 2
)
-- a sequential scan of a large table that keeps few of the rows it reads
SELECT st.queryid, lp.planid, 'seq_scan_few_rows'::text AS finding, 'warning'::text AS severity,
       format('sequential scans of %s (%s rows) returned %s rows per run and discarded %s (%s%% of what they read), over %s sampled runs',
              sc.relid::regclass, c.reltuples::bigint, round(sc.rows_returned / sc.runs), round(sc.rows_removed / sc.runs),
              round(100.0 * sc.rows_removed / (sc.rows_returned + sc.rows_removed)), sc.runs) AS evidence,
       'an index on the columns this statement filters on: see xray.index_advice (its queries column lists this queryid) and xray.predicates' AS suggestion,
       st.query
FROM st JOIN scans sc ON sc.queryid = st.queryid
JOIN pg_class c ON c.oid = sc.relid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE sc.seq_scans > 0 AND c.reltuples >= 10000 AND sc.runs > 0
  AND sc.rows_removed >= 9 * sc.rows_returned AND sc.rows_removed / sc.runs >= 1000
UNION ALL
-- the planner's row estimate of a scan 10 times off
SELECT st.queryid, lp.planid, 'row_misestimate', 'warning',
       format('scans of %s returned %s rows per run where the planner expected %s (%sx off), over %s sampled runs',
              sc.relid::regclass, round(sc.rows_returned / sc.runs), round(sc.rows_estimated / sc.runs),
              round(greatest(greatest(sc.rows_returned, 1) / greatest(sc.rows_estimated, 1),
                             greatest(sc.rows_estimated, 1) / greatest(sc.rows_returned, 1))), sc.runs),
       'refresh statistics (ANALYZE), raise the statistics target of the filtered columns, or add extended statistics for correlated columns (see xray.maintenance_advice, kind statistics)',
       st.query
FROM st JOIN scans sc ON sc.queryid = st.queryid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE sc.runs > 0 AND greatest(sc.rows_returned, sc.rows_estimated) / sc.runs >= 100
  AND (sc.rows_returned >= 10 * greatest(sc.rows_estimated, 1) OR sc.rows_estimated >= 10 * greatest(sc.rows_returned, 1))
UNION ALL
-- a function or a cast wrapped around an indexed column: the plain index cannot serve it
SELECT st.queryid, lp.planid, 'function_on_indexed_column', 'warning',
       format('the statement compares %s on %s, while the index %s covers %s itself',
              f.column_name, f.relation, i.indexrelid::regclass, a.attname),
       CASE WHEN f0.column_name ~ '::'
            THEN format('compare the column with a value of its own type (%s), so that the column is not cast; or create an expression index: CREATE INDEX CONCURRENTLY ON %s ((%s))',
                        format_type(a.atttypid, a.atttypmod), f.relation, f.column_name)
            ELSE format('compare the column itself, or create an expression index: CREATE INDEX CONCURRENTLY ON %s ((%s))',
                        f.relation, f.column_name) END,
       st.query
FROM st
JOIN preds f0 ON f0.queryid = st.queryid AND (f0.column_name ~ '^[^(]+\(' OR f0.column_name ~ '::')
CROSS JOIN LATERAL (SELECT f0.column_name, f0.relid::regclass::text AS relation) f
JOIN pg_attribute a ON a.attrelid = f0.relid AND a.attnum = f0.attnum
JOIN pg_index i ON i.indrelid = f0.relid AND i.indkey[0] = f0.attnum AND i.indexprs IS NULL
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
UNION ALL
-- planning takes longer than executing, call after call
SELECT st.queryid, lp.planid, 'planning_dominates', 'info',
       format('mean planning time %s ms against %s ms of execution over %s plans',
              round((st.plan_ms / st.plans)::numeric, 3), round((st.exec_ms / nullif(st.calls, 0))::numeric, 3), st.plans),
       'prepare the statement once per session (driver-side prepared statements, or PREPARE/EXECUTE) so that its plan is reused',
       st.query
FROM st LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE st.plans >= 100 AND st.calls > 0 AND st.plan_ms / st.plans > 2 * st.exec_ms / st.calls AND st.plan_ms / st.plans >= 0.1
UNION ALL
-- sorts or hash aggregates spilled to temporary files (hash joins: below)
SELECT st.queryid, lp.planid, 'spill_to_disk', 'warning',
       format('%s of temporary files written per call over %s calls%s', pg_size_pretty((st.temp_blks * 8192 / st.calls)::bigint), st.calls,
              CASE WHEN n.sort_executions > 0
                   THEN format('; a sort used %s of disk in %s of %s sampled executions (with work_mem %s)', pg_size_pretty(n.sort_disk_bytes::bigint),
                               n.sort_executions, n.executions, xray.size_setting(n.work_mem_bytes))
                   ELSE '' END ||
              CASE WHEN n.hashagg_executions > 0
                   THEN format('; a hash aggregate spilled %s to disk past %s of memory in %s of %s sampled executions',
                               pg_size_pretty(n.hashagg_disk_bytes::bigint), pg_size_pretty(n.hashagg_memory_bytes::bigint),
                               n.hashagg_executions, n.executions)
                   ELSE '' END ||
              CASE WHEN coalesce(n.sort_executions, 0) + coalesce(n.hashagg_executions, 0) = 0 AND lp.plan ~ '(Sort|Hash|HashAggregate)'
                   THEN ' (the plan sorts or hashes)' ELSE '' END),
       CASE WHEN st.query ~* '^\s*(create\s+(unique\s+)?index|reindex|cluster|alter\s+table|vacuum)'
            -- index builds, CLUSTER and VACUUM sort with maintenance_work_mem, not work_mem
            THEN format('about %s of maintenance_work_mem would keep it in memory: SET maintenance_work_mem = %L in the session that runs it',
                        w.setting, w.setting)
            ELSE format('about %s of work_mem would keep it in memory: SET work_mem = %L in its session or role (see xray.settings_advice)',
                        w.setting, w.setting) END,
       st.query
FROM st LEFT JOIN lastplan lp ON lp.queryid = st.queryid
LEFT JOIN nodes n ON n.queryid = st.queryid
-- in memory a sort needs its on-disk size plus about 64 bytes per row (its SortTuple and the allocation
-- overhead of each tuple), and at least twice its on-disk size for wide rows; a hash aggregate its peak
-- plus twice what it spilled
CROSS JOIN LATERAL (SELECT xray.size_setting(2 ^ ceil(log(2, greatest(65536,
           CASE WHEN coalesce(n.sort_executions, 0) + coalesce(n.hashagg_executions, 0) > 0
                THEN greatest(2 * coalesce(n.sort_disk_bytes, 0), coalesce(n.sort_disk_bytes + 64 * n.sort_rows, 0),
                              (coalesce(n.hashagg_memory_bytes, 0) + 2 * coalesce(n.hashagg_disk_bytes, 0)) / coalesce(n.hash_mem_multiplier, 1))
                ELSE 2 * st.temp_blks * 8192 / st.calls END)::numeric))) AS setting) w
WHERE st.temp_blks > 0 AND st.calls > 0
  AND NOT (coalesce(n.hashjoin_executions, 0) > 0 AND coalesce(n.sort_executions, 0) + coalesce(n.hashagg_executions, 0) = 0)
UNION ALL
-- hash joins whose hash table did not fit work_mem x hash_mem_multiplier
SELECT st.queryid, lp.planid, 'hash_join_batches', CASE WHEN n.hashjoin_batches >= 8 THEN 'warning' ELSE 'info' END,
       format('a hash join ran in %s batches (the planner expected %s) in %s of %s sampled executions: its hash table needed about %s, more than the work_mem %s x hash_mem_multiplier %s it ran with',
              n.hashjoin_batches, n.hashjoin_batches_planned, n.hashjoin_executions, n.executions,
              pg_size_pretty(n.hashjoin_bytes::bigint), xray.size_setting(n.work_mem_bytes), n.hash_mem_multiplier),
       format('a work_mem of %s would build it in one batch: SET work_mem = %L in its session or role, or raise hash_mem_multiplier; %s',
              xray.size_setting(2 ^ ceil(log(2, greatest(65536, n.hashjoin_bytes / n.hash_mem_multiplier)::numeric))),
              xray.size_setting(2 ^ ceil(log(2, greatest(65536, n.hashjoin_bytes / n.hash_mem_multiplier)::numeric))),
              CASE WHEN n.hashjoin_batches_planned < n.hashjoin_batches
                   THEN 'it grew past the planned batches: the inner side is larger than estimated (ANALYZE)'
                   ELSE 'or hash the smaller input: check the inner side''s row estimate' END),
       st.query
FROM st JOIN nodes n ON n.queryid = st.queryid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE n.hashjoin_executions > 0
UNION ALL
-- nested loops over an outer input far larger than planned, or scanning a whole table per row
SELECT st.queryid, lp.planid, 'nested_loop_large_outer', 'warning',
       format('a nested loop read %s rows from its outer input (the planner expected %s) and ran its inner side (%s%s) once per row, in %s of %s sampled executions',
              round(n.nestloop_outer_rows), round(n.nestloop_outer_estimate), n.nestloop_inner_scan,
              coalesce(' of ' || n.nestloop_inner_relid::regclass::text, ''), n.nestloop_executions, n.executions),
       CASE WHEN n.nestloop_outer_rows >= 10 * greatest(n.nestloop_outer_estimate, 1)
                 AND EXISTS (SELECT 1 FROM kinds g WHERE g.queryid = st.queryid AND g.generic)
            THEN 'the statement runs with a generic plan, made without its parameters'' values, that expected few rows: see the generic_plan_slower finding (plan_cache_mode = force_custom_plan)'
            WHEN n.nestloop_outer_rows >= 10 * greatest(n.nestloop_outer_estimate, 1)
            THEN 'the planner chose a nested loop for far fewer rows: refresh the statistics of the outer input''s tables (ANALYZE), raise their statistics target or add extended statistics on correlated filter columns, so that it picks a hash or merge join'
            ELSE format('every outer row scans %s in full: index its join column (see xray.index_advice)', n.nestloop_inner_relid::regclass) END,
       st.query
FROM st JOIN nodes n ON n.queryid = st.queryid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE n.nestloop_executions > 0
  AND (n.nestloop_outer_rows >= 10 * greatest(n.nestloop_outer_estimate, 1) OR n.nestloop_inner_scan = 'sequential scan')
UNION ALL
-- deep OFFSET pagination: rows fetched and thrown away
SELECT st.queryid, lp.planid, 'deep_offset', 'warning',
       format('OFFSET skipped %s rows per execution on average (at most %s) to return %s, over %s sampled executions',
              round(n.offset_rows), round(n.offset_rows_max), round(n.limit_rows), n.offset_executions),
       CASE WHEN n.keyset_keys IS NULL
            THEN 'page by the last row seen instead of OFFSET (keyset pagination): WHERE (order columns) > (values of the last row) ORDER BY ... LIMIT n, with an index on the order columns'
            WHEN n.keyset_keys !~ ' DESC' OR array_length(string_to_array(n.keyset_keys, ', '), 1) = array_length(string_to_array(n.keyset_keys, ' DESC'), 1) - 1
            THEN format('page by the last row seen instead of OFFSET (keyset pagination): SELECT ... FROM %s WHERE (%s) %s (values of the last row of the previous page) ORDER BY %s LIMIT %s, served by an index on (%s)',
                        n.keyset_relid::regclass, replace(n.keyset_keys, ' DESC', ''), CASE WHEN n.keyset_keys ~ ' DESC' THEN '<' ELSE '>' END,
                        n.keyset_keys, greatest(round(n.limit_rows), 1), n.keyset_keys)
            ELSE format('page by the last row seen instead of OFFSET (keyset pagination) on %s ORDER BY %s: compare each key with the last row''s value in its direction, served by an index on (%s)',
                        n.keyset_relid::regclass, n.keyset_keys, n.keyset_keys) END,
       st.query
FROM st JOIN nodes n ON n.queryid = st.queryid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
WHERE n.offset_executions > 0 AND n.offset_rows >= 1000
UNION ALL
-- a generic plan (made once for any parameter values) slower than the custom plans
SELECT st.queryid, g.planid, 'generic_plan_slower', 'warning',
       format('the generic plan ran %s times at %s ms on average (p95 %s ms); custom plans, made for the values, ran %s times at %s ms',
              g.calls, round(g.mean_ms::numeric, 3), round(g.p95_ms::numeric, 3), c.calls, round(c.mean_ms::numeric, 3)),
       'the values this statement runs with need different plans: plan it for its values with SET plan_cache_mode = force_custom_plan (in the session, or ALTER ROLE ... SET for the application''s role), or refresh statistics if its data changed',
       st.query
FROM st JOIN kinds g ON g.queryid = st.queryid AND g.generic
JOIN kinds c ON c.queryid = st.queryid AND NOT c.generic
WHERE g.calls >= 5 AND c.calls >= 1 AND g.mean_ms >= 2 * c.mean_ms AND g.mean_ms - c.mean_ms >= 0.5
UNION ALL
-- N+1: one session running the statement many times in a row with different values
SELECT st.queryid, lp.planid, 'n_plus_one', CASE WHEN r.transactions > 0 THEN 'warning' ELSE 'info' END,
       concat_ws('; ',
           CASE WHEN r.transactions > 0
                THEN format('%s transaction(s) ran it 10 times or more, one of them %s times with %s different parameter values',
                            r.transactions, r.max_per_transaction,
                            r.values_per_transaction || CASE WHEN r.max_per_transaction > 64 THEN ' (in its first 64)' ELSE '' END) END,
           CASE WHEN r.runs > 0
                THEN format('%s run(s) of 20 or more back-to-back executions (each its own transaction, less than 100 ms apart), the longest %s with %s different values',
                            r.runs, r.max_per_run,
                            r.values_per_run || CASE WHEN r.max_per_run > 64 THEN ' (in its first 64)' ELSE '' END) END)
         || format(' (last by role %s, pid %s)', coalesce(pg_get_userbyid(r.userid)::text, '?'), r.pid),
       CASE WHEN st.query ~* '^\s*insert\M'
            THEN 'insert the rows in one statement (INSERT ... VALUES (...), (...) or INSERT ... SELECT FROM unnest($1::...[])) or with COPY'
            ELSE 'fetch the rows in one statement: pass the values as an array (WHERE key = ANY($1)) or join to the query that produced them, instead of one statement per value' END,
       st.query
FROM st JOIN xray.repeats() r ON r.queryid = st.queryid
LEFT JOIN lastplan lp ON lp.queryid = st.queryid
-- (values are counted over the first 64 executions of a burst)
WHERE (r.transactions > 0 AND 2 * r.values_per_transaction >= least(r.max_per_transaction, 64))
   OR (r.runs > 0 AND 2 * r.values_per_run >= least(r.max_per_run, 64));
COMMENT ON VIEW xray.plan_findings IS 'pg_xray: plan inefficiencies with their evidence and a suggestion: sequential scans of large tables, row misestimates, functions on indexed columns, planning time, spills, hash joins in batches, nested loops over large inputs, deep OFFSETs, slow generic plans, N+1 repeats';
-- it reads the sampled scans (xray.predicates()): for pg_read_all_stats, like xray.plans
REVOKE ALL ON xray.plan_findings FROM PUBLIC;
GRANT SELECT ON xray.plan_findings TO pg_read_all_stats;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._checkpoint_counts() IS 'pg_xray: timed and requested checkpoints since the statistics reset, from pg_stat_checkpointer (17+) or pg_stat_bgwriter';
COMMENT ON FUNCTION xray._io_advice() IS 'pg_xray: 18+ asynchronous I/O advice (io_method, io_workers) from pg_aios; no rows on older servers';
COMMENT ON FUNCTION xray._settings_advice() IS 'pg_xray: the rows of xray.settings_advice';
COMMENT ON FUNCTION xray.cpu_count() IS 'pg_xray: processors online on the server';
COMMENT ON FUNCTION xray.data_on_ssd() IS 'pg_xray: whether the data directory is on a non-rotational device (NULL when it cannot be told)';
COMMENT ON FUNCTION xray.memory_bytes() IS 'pg_xray: physical memory of the server in bytes (NULL when unknown)';
COMMENT ON FUNCTION xray.plan_nodes() IS 'pg_xray: the worst plan nodes of each kind seen in sampled executions (spills, misestimates, batches)';
COMMENT ON FUNCTION xray.repeats() IS 'pg_xray: statements repeated within transactions or back to back with changing parameters (N+1 evidence)';
COMMENT ON FUNCTION xray.size_setting(double precision) IS 'pg_xray: a number of bytes written as a memory setting value (kB, MB, GB)';

-- One statement seen by pg_xray ----------------------------------------------------------------
-- xray.explain(query): the statement's query id and plan id (planned now as the caller, never
-- run), what pg_xray recorded for it (calls, latency percentiles), its plan history, the index
-- advice that helps it and the plan findings about it. On 18 the same in EXPLAIN (XRAY).
CREATE FUNCTION xray._explain_ids(query text, search_path text, OUT queryid bigint, OUT planid bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_explain_ids'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION xray._explain_items(p_queryid bigint, p_planid bigint, p_text text)
RETURNS TABLE (section text, label text, value text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    db oid := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database());
    stmt text := pg_catalog.rtrim(pg_catalog.btrim(p_text, E' \t\r\n'), E'; \t\r\n');
    ids bigint[];
    r record;
    n int;
BEGIN
    section := 'Statement';
    label := 'Query Id';
    value := coalesce(p_queryid::text, 'not computed (compute_query_id is off)');
    RETURN NEXT;
    label := 'Plan Id';
    value := p_planid::text;
    RETURN NEXT;

    -- the recorded statements: this query id, or a recorded text equal to this one (a
    -- normalized text with $n, as xray.statements shows it, has its own query id)
    SELECT pg_catalog.array_agg(DISTINCT s.queryid) INTO ids
    FROM xray.statements s
    WHERE s.dbid = db AND s.queryid IS NOT NULL AND (s.queryid = p_queryid OR s.query = stmt);
    section := 'Recorded';
    IF ids IS NULL THEN
        label := 'Calls';
        value := '0 (not recorded in this database, or recorded for another role)';
        RETURN NEXT;
    ELSE
        SELECT pg_catalog.sum(s.calls) AS calls, pg_catalog.sum(s.rows) AS rows, pg_catalog.sum(s.errors) AS errors,
               pg_catalog.sum(s.plans) AS plans, pg_catalog.sum(s.total_exec_time) AS total,
               pg_catalog.max(s.p50_exec_time) AS p50, pg_catalog.max(s.p95_exec_time) AS p95,
               pg_catalog.max(s.p99_exec_time) AS p99, pg_catalog.max(s.max_exec_time) AS maxt,
               pg_catalog.min(s.first_seen) AS first_seen, pg_catalog.max(s.last_seen) AS last_seen,
               pg_catalog.count(*) AS entries
        INTO r FROM xray.statements s WHERE s.dbid = db AND s.queryid = ANY (ids);
        label := 'Query Ids'; value := pg_catalog.array_to_string(ids, ', '); RETURN NEXT;
        label := 'Calls'; value := r.calls::text; RETURN NEXT;
        label := 'Rows'; value := r.rows::text; RETURN NEXT;
        label := 'Errors'; value := r.errors::text; RETURN NEXT;
        label := 'Plans'; value := r.plans::text; RETURN NEXT;
        label := 'Mean Time';
        value := coalesce(pg_catalog.round((r.total / nullif(r.calls, 0))::numeric, 3) || ' ms', 'none');
        RETURN NEXT;
        -- percentiles of one entry (role, top level) each; with several, the slowest
        label := 'P50 Time'; value := coalesce(pg_catalog.round(r.p50::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'P95 Time'; value := coalesce(pg_catalog.round(r.p95::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'P99 Time'; value := coalesce(pg_catalog.round(r.p99::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'Max Time'; value := coalesce(pg_catalog.round(r.maxt::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'Entries'; value := r.entries::text; RETURN NEXT;
        label := 'First Seen'; value := r.first_seen::text; RETURN NEXT;
        label := 'Last Seen'; value := r.last_seen::text; RETURN NEXT;
    END IF;

    section := 'Plan History';
    IF NOT pg_catalog.has_table_privilege('xray.plans', 'SELECT') THEN
        label := 'Plans'; value := 'visible to roles with pg_read_all_stats'; RETURN NEXT;
    ELSE
        n := 0;
        FOR r IN SELECT p.planid, p.calls, p.mean_exec_time, p.p95_exec_time, p.first_seen, p.last_seen
                 FROM xray.plans p WHERE p.dbid = db AND p.queryid = ANY (coalesce(ids, ARRAY[p_queryid]))
                 ORDER BY p.last_seen DESC NULLS LAST, p.planid LIMIT 10 LOOP
            n := n + 1;
            label := 'Plan ' || r.planid;
            value := pg_catalog.format('%s calls, mean %s ms, p95 %s ms, first seen %s, last seen %s%s', r.calls,
                                       coalesce(pg_catalog.round(r.mean_exec_time::numeric, 3)::text, '-'),
                                       coalesce(pg_catalog.round(r.p95_exec_time::numeric, 3)::text, '-'),
                                       r.first_seen, r.last_seen,
                                       CASE WHEN r.planid = p_planid THEN ' (the plan made now)' ELSE '' END);
            RETURN NEXT;
        END LOOP;
        label := 'Plan Made Now';
        value := CASE WHEN EXISTS (SELECT 1 FROM xray.plans p WHERE p.dbid = db AND p.planid = p_planid
                                   AND p.queryid = ANY (coalesce(ids, ARRAY[p_queryid])))
                      THEN 'recorded before' ELSE 'not recorded for this statement (a new plan, or never run)' END;
        RETURN NEXT;
    END IF;

    section := 'Index Advice';
    n := 0;
    IF ids IS NOT NULL THEN
        FOR r IN SELECT a.rank, a.create_statement, a.improvement_pct, a.reason FROM xray.index_advice a
                 WHERE a.queries && ids ORDER BY a.rank LOOP
            n := n + 1;
            label := 'Index ' || r.rank;
            value := pg_catalog.format('%s (workload cost -%s%%)', r.create_statement,
                                       pg_catalog.round(r.improvement_pct::numeric, 1));
            RETURN NEXT;
        END LOOP;
    END IF;
    IF n = 0 THEN
        label := 'Indexes'; value := 'none advised for this statement'; RETURN NEXT;
    END IF;

    section := 'Plan Findings';
    IF NOT pg_catalog.has_table_privilege('xray.plan_findings', 'SELECT') THEN
        label := 'Findings'; value := 'visible to roles with pg_read_all_stats'; RETURN NEXT;
    ELSE
        n := 0;
        IF ids IS NOT NULL THEN
            FOR r IN SELECT f.finding, f.severity, f.evidence, f.suggestion FROM xray.plan_findings f
                     WHERE f.queryid = ANY (ids) ORDER BY f.severity, f.finding LOOP
                n := n + 1;
                label := pg_catalog.format('Finding %s', n);
                value := pg_catalog.format('%s (%s): %s; %s', r.finding, r.severity, r.evidence, r.suggestion);
                RETURN NEXT;
            END LOOP;
        END IF;
        IF n = 0 THEN
            label := 'Findings'; value := 'none'; RETURN NEXT;
        END IF;
    END IF;
END
$body$;

-- the statement is parsed as the caller would run it: with the caller's search_path, taken by
-- the default expression at the call site (before this function's own pinned path applies)
CREATE FUNCTION xray.explain(query text, search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS TABLE ("pg_xray" text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    ids record;
    r record;
    last text;
BEGIN
    IF query IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO ids FROM xray._explain_ids(query, search_path);
    FOR r IN SELECT * FROM xray._explain_items(ids.queryid, ids.planid, query) LOOP
        IF last IS NULL OR last OPERATOR(pg_catalog.<>) r.section THEN
            "pg_xray" := pg_catalog.concat(r.section, ':');
            RETURN NEXT;
            last := r.section;
        END IF;
        "pg_xray" := pg_catalog.concat('  ', r.label, ': ', r.value);
        RETURN NEXT;
    END LOOP;
END
$body$;
COMMENT ON FUNCTION xray.explain(text, text) IS 'pg_xray: one statement as pg_xray sees it: query and plan id, recorded calls and percentiles, plan history, index advice and plan findings';

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._explain_ids(text,text) IS 'pg_xray: the query id and plan id a statement gets when planned now as the caller with this search_path (never run, not recorded)';
COMMENT ON FUNCTION xray._explain_items(bigint,bigint,text) IS 'pg_xray: the sections of xray.explain for a query id and plan id: recorded timings, plan history, advice and findings';
