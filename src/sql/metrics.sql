
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
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    out text := '';
    -- family(name, type, help, samples): one metric family
    fam text;
BEGIN
    IF top_statements IS NULL OR top_statements < 0 THEN
        RAISE EXCEPTION 'top_statements must be non-negative' USING ERRCODE = '22023';
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS xray_metric_rows (name text, type text, help text, labels text, value double precision) ON COMMIT DROP;
    TRUNCATE xray_metric_rows;
    INSERT INTO xray_metric_rows
    SELECT m.name, m.type, m.help, m.labels, m.value FROM (
        SELECT 'pg_xray_statement_calls_total' AS name, 'counter' AS type, 'Executions of the statement (successful).' AS help,
               format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text),
                      xray.prom_label(s.toplevel::text)) AS labels, s.calls::float8 AS value, s.total_exec_time AS ord
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statement_exec_seconds_total', 'counter', 'Total execution time of the statement.',
               format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text)),
               s.total_exec_time / 1000, s.total_exec_time
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statement_errors_total', 'counter', 'Failed executions of the statement.',
               format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text)),
               s.errors, s.total_exec_time
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statement_p95_seconds', 'gauge', '95th percentile of the statement''s execution time since the statistics'' reset.',
               format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text)),
               s.p95_exec_time / 1000, s.total_exec_time
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL AND s.p95_exec_time IS NOT NULL
        UNION ALL
        SELECT 'pg_xray_statement_p99_seconds', 'gauge', '99th percentile of the statement''s execution time since the statistics'' reset.',
               format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text)),
               s.p99_exec_time / 1000, s.total_exec_time
        FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL AND s.p99_exec_time IS NOT NULL
    ) m
    WHERE m.labels IN (SELECT format('{datname=%s,queryid=%s,toplevel=%s}', xray.prom_label(d.datname), xray.prom_label(s.queryid::text), xray.prom_label(s.toplevel::text))
                       FROM xray.statements() s LEFT JOIN pg_database d ON d.oid = s.dbid
                       WHERE s.queryid IS NOT NULL ORDER BY s.total_exec_time DESC LIMIT top_statements);
    INSERT INTO xray_metric_rows VALUES
        ('pg_xray_statements', 'gauge', 'Statements recorded by pg_xray.', '', (SELECT statements FROM xray.info())),
        ('pg_xray_statements_max', 'gauge', 'Statements pg_xray can record (xray.max_statements).', '', (SELECT max_statements FROM xray.info())),
        ('pg_xray_statement_evictions_total', 'counter', 'Statements evicted to make room.', '', (SELECT statement_evictions FROM xray.info())),
        ('pg_xray_connections_max', 'gauge', 'max_connections.', '', current_setting('max_connections')::float8),
        ('pg_xray_lock_waiting_sessions', 'gauge', 'Sessions waiting for a heavyweight lock now.', '',
            (SELECT count(DISTINCT waiting_pid) FROM xray.lock_edges())),
        ('pg_xray_lock_incidents_open', 'gauge', 'Blocking incidents in progress.', '',
            (SELECT count(*) FROM xray.lock_incidents() WHERE ended_at IS NULL)),
        ('pg_xray_lock_sampler_ticks_total', 'counter', 'Ticks of the lock sampler.', '', (SELECT ticks FROM xray.lock_sampler())),
        ('pg_xray_long_transaction_max_seconds', 'gauge', 'Age of the oldest open transaction of a client session.', '',
            coalesce((SELECT max(extract(epoch FROM clock_timestamp() - xact_start)) FROM pg_stat_activity
                      WHERE backend_type = 'client backend' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()), 0));
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_connections', 'gauge', 'Client sessions by state.', format('{state=%s}', xray.prom_label(coalesce(state, 'unknown'))), count(*)
    FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY state;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_database_cache_hit_ratio', 'gauge', 'Share of block reads served by shared buffers since the statistics'' reset.',
           format('{datname=%s}', xray.prom_label(datname)), blks_hit::float8 / nullif(blks_hit + blks_read, 0)
    FROM pg_stat_database WHERE datname IS NOT NULL AND blks_hit + blks_read > 0;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_database_xid_age', 'gauge', 'Age of the database''s oldest unfrozen transaction id.',
           format('{datname=%s}', xray.prom_label(datname)), age(datfrozenxid)
    FROM pg_database WHERE datallowconn;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_database_deadlocks_total', 'counter', 'Deadlocks detected in the database.',
           format('{datname=%s}', xray.prom_label(datname)), deadlocks
    FROM pg_stat_database WHERE datname IS NOT NULL;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_table_dead_tuples', 'gauge', 'Dead rows of the tables of this database with the most.',
           format('{datname=%s,relation=%s}', xray.prom_label(current_database()), xray.prom_label(relid::regclass::text)), n_dead_tup
    FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 20;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_alerts_firing', 'gauge', 'Alerts firing now, per rule (xray.alerts).',
           format('{rule=%s,severity=%s}', xray.prom_label(r.name), xray.prom_label(r.severity)),
           (SELECT count(*) FROM xray.alerts() a WHERE a.rule = r.name)
    FROM xray.alert_rules r WHERE r.enabled;
    INSERT INTO xray_metric_rows
    SELECT 'pg_xray_maintenance_advice', 'gauge', 'Maintenance actions advised now, per kind (xray.maintenance_advice).',
           format('{kind=%s}', xray.prom_label(kind)), count(*)
    FROM xray.maintenance_advice GROUP BY kind;

    SELECT string_agg(f.block, '' ORDER BY f.name) INTO out FROM (
        SELECT r.name, format(E'# HELP %s %s\n# TYPE %s %s\n', r.name, min(r.help), r.name, min(r.type))
               || string_agg(r.name || r.labels || ' ' ||
                             CASE WHEN r.value IS NULL OR r.value = 'NaN'::float8 THEN 'NaN'
                                  WHEN r.value = 'Infinity'::float8 THEN '+Inf'
                                  WHEN r.value = '-Infinity'::float8 THEN '-Inf'
                                  ELSE r.value::text END
                             || E'\n', '' ORDER BY r.labels) AS block
        FROM xray_metric_rows r GROUP BY r.name) f;
    RETURN coalesce(out, '');
END $$;
COMMENT ON FUNCTION xray.metrics(integer) IS 'pg_xray: metrics in the Prometheus text exposition format';
REVOKE ALL ON FUNCTION xray.metrics(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.metrics(integer) TO pg_read_all_stats;
