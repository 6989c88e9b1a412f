
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

-- the statement texts kept with their constants (the values a statement ran with: for
-- pg_read_all_stats only, as other roles' queries in pg_stat_activity), so that the
-- primary's advisor plans a standby's statements as they ran there
CREATE FUNCTION xray.statement_samples(
    OUT queryid bigint, OUT sample text, OUT const_at integer[], OUT const_len integer[], OUT differed integer[], OUT runs bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_statement_samples'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.statement_samples() IS 'pg_xray: each statement of this database kept as it ran, with its constants (where each stands, in how many compared runs it differed)';
REVOKE ALL ON FUNCTION xray.statement_samples() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.statement_samples() TO pg_read_all_stats;

CREATE VIEW xray.node_samples AS SELECT * FROM xray.statement_samples();
COMMENT ON VIEW xray.node_samples IS 'pg_xray: the statement texts this server kept with their constants (read by the fleet''s advisor)';
GRANT SELECT ON xray.node_samples TO pg_read_all_stats;

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
                   'node_lock_graph, node_samples) '
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

-- every enabled node, probed now: 'up', 'down' (it does not answer) or 'self' (this
-- server itself: a promoted standby still lists itself, a standby reads the primary's
-- list; the same postmaster start time)
CREATE FUNCTION xray._fleet_probe(OUT name text, OUT schema_name text, OUT state text)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n record;
    started timestamptz;
BEGIN
    FOR n IN SELECT x.name FROM xray.nodes x WHERE x.enabled ORDER BY x.name LOOP
        name := n.name;
        schema_name := xray._node_schema(n.name);
        BEGIN
            EXECUTE format('SELECT t.started_at FROM %I.node_self t', schema_name) INTO started;
            state := CASE WHEN started = pg_postmaster_start_time() THEN 'self' ELSE 'up' END;
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            state := 'down'; -- xray.fleet_status says why
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray._fleet_probe() IS 'pg_xray: the enabled fleet nodes, probed now: up, down, or self (this server)';

-- the nodes that answer a probe now, this server left out (the fleet views read those only)
CREATE FUNCTION xray._fleet_reachable(OUT name text, OUT schema_name text)
RETURNS SETOF record
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT p.name, p.schema_name FROM xray._fleet_probe() p WHERE p.state = 'up';
END;
COMMENT ON FUNCTION xray._fleet_reachable() IS 'pg_xray: the enabled fleet nodes that answer now (this server left out)';

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

-- the rows of expr over one of the nodes' views from every reachable node, the node's
-- name first (called with a column definition list: AS f(node text, ...))
CREATE FUNCTION xray._fleet_query(rel text, expr text) RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q text := xray._fleet_sql(rel, expr);
    r record;
BEGIN
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
                RETURN QUERY EXECUTE format('SELECT %L::text AS node, %s FROM %I.%I t', r.name, expr, r.schema_name, rel);
            EXCEPTION WHEN query_canceled THEN
                RAISE;
            WHEN OTHERS THEN
                NULL; -- it stopped answering meanwhile: left out
            END;
        END LOOP;
    END;
END
$$;
COMMENT ON FUNCTION xray._fleet_query(text, text) IS 'pg_xray: rows of one view of every reachable fleet node, node by node if one fails';

CREATE FUNCTION xray._fleet_statements(OUT node text, OUT s xray.statements)
RETURNS SETOF record
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'local'::text, l FROM xray.statements l
    UNION ALL
    SELECT f.node, f.s FROM xray._fleet_query('statements', 'ROW(t.*)::xray.statements') AS f(node text, s xray.statements);
END;
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
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'local'::text, h.userid, h.dbid, h.toplevel, h.queryid, h.buckets, h.counts FROM xray.statement_histograms() h
    UNION ALL
    SELECT * FROM xray._fleet_query('node_histograms', 't.userid, t.dbid, t.toplevel, t.queryid, t.buckets, t.counts')
        AS f(node text, userid oid, dbid oid, toplevel boolean, queryid bigint, buckets integer[], counts bigint[]);
END;
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

-- xray.plans of this server and of every reachable node (xray.plan_findings,
-- xray.cache_candidates and xray.fleet_plan_regressions read the fleet's plans)
CREATE FUNCTION xray._fleet_plans(OUT node text, OUT p xray.plans)
RETURNS SETOF record
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'local'::text, l FROM xray.plans l
    UNION ALL
    SELECT f.node, f.p FROM xray._fleet_query('plans', 'ROW(t.*)::xray.plans') AS f(node text, p xray.plans);
END;
COMMENT ON FUNCTION xray._fleet_plans() IS 'pg_xray: xray.plans of this server and of every reachable fleet node';
REVOKE ALL ON FUNCTION xray._fleet_plans() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._fleet_plans() TO pg_read_all_stats;

-- the statement samples (texts with their constants) of every reachable node, for the
-- advisor on this server (its own are read from shared memory)
CREATE FUNCTION xray._fleet_samples(
    OUT node text, OUT queryid bigint, OUT sample text, OUT const_at integer[], OUT const_len integer[], OUT differed integer[], OUT runs bigint)
RETURNS SETOF record
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT * FROM xray._fleet_query('node_samples', 't.queryid, t.sample, t.const_at, t.const_len, t.differed, t.runs')
        AS f(node text, queryid bigint, sample text, const_at integer[], const_len integer[], differed integer[], runs bigint);
END;
COMMENT ON FUNCTION xray._fleet_samples() IS 'pg_xray: the statement samples (with their constants) of every reachable fleet node';
REVOKE ALL ON FUNCTION xray._fleet_samples() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._fleet_samples() TO pg_read_all_stats;

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
    r record;
BEGIN
    RETURN QUERY SELECT 'local'::text, u.schema_name, u.table_name, u.index_name, u.scans, u.since FROM xray.node_index_usage u;
    -- (this server listed as a node is read once, as local)
    FOR r IN SELECT p.name, p.state FROM xray._fleet_probe() p WHERE p.state <> 'self' LOOP
        IF r.state = 'down' THEN
            node := r.name; schema_name := NULL; table_name := NULL; index_name := NULL; scans := NULL; since := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
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
                IF s.started_at = pg_postmaster_start_time() THEN
                    last_error := 'this server itself: read as node local, left out of the fleet views';
                END IF;
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
