
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
    -- the fleet's nodes (none registered: no probe): each probed once, and each reachable
    -- one's statement totals (one aggregate per node, computed there)
    fleet AS (SELECT * FROM xray._fleet_status() f WHERE f.node <> 'local' AND f.enabled AND EXISTS (SELECT 1 FROM xray.nodes)),
    fleet_totals AS (
        SELECT * FROM xray._fleet_query('statements', 'count(*)::float8, sum(t.calls)::float8, sum(t.total_exec_time)::float8')
            AS t(node text, statements float8, calls float8, exec_ms float8)
        WHERE EXISTS (SELECT 1 FROM xray.nodes)
    ),
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
        FROM fleet f
        UNION ALL
        SELECT 'pg_xray_fleet_node_replay_lag_seconds', 'gauge', 'Replay lag of each fleet node in recovery, as it reports it (time since the last replayed transaction).',
               format('{node=%s}', xray.prom_label(f.node)), extract(epoch FROM f.replay_lag)::float8
        FROM fleet f WHERE f.reachable AND f.role = 'standby' AND f.replay_lag IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_fleet_node_statements', 'gauge', 'Statements pg_xray records on each reachable fleet node.',
               format('{node=%s}', xray.prom_label(t.node)), t.statements FROM fleet_totals t
        UNION ALL
        SELECT 'pg_xray_fleet_node_calls_total', 'counter', 'Executions of the statements recorded on each reachable fleet node.',
               format('{node=%s}', xray.prom_label(t.node)), coalesce(t.calls, 0) FROM fleet_totals t
        UNION ALL
        SELECT 'pg_xray_fleet_node_exec_seconds_total', 'counter', 'Execution time of the statements recorded on each reachable fleet node.',
               format('{node=%s}', xray.prom_label(t.node)), coalesce(t.exec_ms, 0) / 1000 FROM fleet_totals t
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
