
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
    -- (on every node of the fleet: a standby's own plans)
    SELECT format('queryid %s', p.queryid) || CASE WHEN p.node <> 'local' THEN format(' on %s', p.node) ELSE '' END, p.slowdown::float8,
           format('plan changed at %s: mean %s ms -> %s ms%s', to_char(p.changed_at, 'YYYY-MM-DD HH24:MI:SS'),
                  round(p.old_mean_ms::numeric, 2), round(p.new_mean_ms::numeric, 2), coalesce('; ' || p.likely_cause, ''))
    FROM xray._plan_regressions(0, EXISTS (SELECT 1 FROM xray.nodes x WHERE x.enabled)) p
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
