-- pg_xray 0.1.0 -> 0.2.0: the security and reliability fixes of issue #11.
-- Every string-bodied SQL/plpgsql function pins search_path; maintenance commands name
-- their objects %I.%I; invalid indexes are dropped, not rebuilt; alert evidence and NOTIFY
-- payloads carry no query text and xray.alert_log is pg_read_all_stats'; runs record errors.
\echo Use "ALTER EXTENSION pg_xray UPDATE TO '0.2.0'" to load this file. \quit

-- alerts: no texts in evidence or payloads; the log is for pg_read_all_stats
REVOKE ALL ON xray.alert_log FROM PUBLIC;
GRANT SELECT ON xray.alert_log TO pg_read_all_stats;

CREATE OR REPLACE FUNCTION xray.alerts()
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
) a;
$$;

CREATE OR REPLACE FUNCTION xray.check_alerts(OUT fired integer, OUT resolved integer, OUT open integer)
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

-- monitoring: the wait history holds every role's query ids
REVOKE ALL ON xray.snapshot_waits FROM PUBLIC;
GRANT SELECT ON xray.snapshot_waits TO pg_read_all_stats;

-- diagnostics
CREATE OR REPLACE FUNCTION xray._settings_advice()
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
ckpt AS (SELECT checkpoints_timed, checkpoints_req, stats_reset FROM pg_stat_bgwriter),
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
       format('%s checkpoints were requested (WAL filled max_wal_size) against %s timed since %s: checkpoints come early and write more',
              ckpt.checkpoints_req, ckpt.checkpoints_timed, to_char(ckpt.stats_reset, 'YYYY-MM-DD HH24:MI')),
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
$body$;

CREATE OR REPLACE VIEW xray.cache_candidates AS
WITH st AS (
    SELECT s.dbid, s.queryid, min(s.query) AS query, sum(s.calls) AS calls, sum(s.total_exec_time) AS total_ms,
           min(s.first_seen) AS first_seen
    FROM xray.statements s
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

-- locks
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

CREATE OR REPLACE FUNCTION xray.long_transactions(threshold interval DEFAULT NULL)
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

CREATE OR REPLACE FUNCTION xray._lock_advice()
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

-- maintenance
ALTER TABLE xray.maintenance_runs ADD COLUMN error text;

CREATE OR REPLACE FUNCTION xray.maintenance_measure(kind text, object text)
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

CREATE OR REPLACE FUNCTION xray._maintenance_advice()
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
    -- bloated tables (estimated from statistics)
    SELECT 'table_bloat', 'VACUUM (FULL)', bn.qualified,
           format('about %s%% of %s is free or dead space (%s estimated from statistics); VACUUM (FULL) rewrites it under an ACCESS EXCLUSIVE lock',
                  b.bloat_pct, pg_size_pretty(b.table_bytes), pg_size_pretty(b.wasted_bytes)),
           format('VACUUM (FULL, ANALYZE) %s', bn.qualified),
           20 + least(30, b.bloat_pct / 3),
           jsonb_build_object('bloat_pct', b.bloat_pct, 'wasted_bytes', b.wasted_bytes, 'pages', b.pages, 'expected_pages', b.expected_pages)
    FROM xray.table_bloat(false) b
    CROSS JOIN LATERAL (SELECT format('%I.%I', bns.nspname, bc.relname) AS qualified
                        FROM pg_catalog.pg_class bc JOIN pg_catalog.pg_namespace bns ON bns.oid = bc.relnamespace
                        WHERE bc.oid = b.table_name) bn
    WHERE b.bloat_pct >= 40 AND b.wasted_bytes >= 8 * 1024 * 1024
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

CREATE OR REPLACE FUNCTION xray.run_maintenance(
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

-- index health
CREATE OR REPLACE VIEW xray.index_health AS
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
SELECT 'unused', d.schema_name, d.table_name, d.index_name,
       format('0 scans since %s; %s', to_char(s.since, 'YYYY-MM-DD HH24:MI'), pg_size_pretty(d.size_bytes)),
       d.size_bytes, d.scans,
       format('DROP INDEX CONCURRENTLY %s;', d.qualified_index)
FROM droppable d CROSS JOIN since s
WHERE d.indisvalid AND d.scans = 0 AND NOT d.serves_foreign_key
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
