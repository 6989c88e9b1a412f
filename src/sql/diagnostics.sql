
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
    SELECT (f.s).dbid, (f.s).queryid, min((f.s).query) AS query, sum((f.s).calls) AS calls, sum((f.s).total_exec_time) AS total_ms,
           min((f.s).first_seen) AS first_seen, array_agg(DISTINCT f.node ORDER BY f.node) AS nodes
    FROM xray._fleet_statements() f
    WHERE (f.s).queryid IS NOT NULL AND (f.s).dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    GROUP BY 1, 2
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
    -- (the plans of every node of the fleet: a statement only the standbys run)
    SELECT (pl.p).queryid, to_regclass(m[1])
    FROM xray._fleet_plans() pl,
         regexp_matches((pl.p).plan, ' on ((?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)(?:\.(?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*))?)', 'g') m
    WHERE (pl.p).dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND (pl.p).queryid IN (SELECT queryid FROM ro) AND to_regclass(m[1]) IS NOT NULL
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
                        array_to_string(ch.tables, ', ')) END AS suggestion,
       ro.nodes
FROM ro JOIN changes ch ON ch.queryid = ro.queryid
WHERE ch.changes_per_minute < 0.1 * ro.calls_per_minute
  AND ro.calls_per_minute * ro.mean_ms >= 1
ORDER BY ms_saved_per_minute DESC;
COMMENT ON VIEW xray.cache_candidates IS 'pg_xray: read-only statements called often (on any node of the fleet) on tables that change rarely, with the tables to invalidate on, the hit ratio and time a cache would save, and the nodes that ran them';
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
-- the statement statistics and plans of every node of the fleet (this server alone when
-- no node is registered); the sampled scans, plan nodes and repeats are this server's
WITH st AS (
    SELECT (f.s).dbid, (f.s).queryid, min((f.s).query) AS query, sum((f.s).calls) AS calls, sum((f.s).plans) AS plans,
           sum((f.s).total_exec_time) AS exec_ms, sum((f.s).total_plan_time) AS plan_ms,
           sum((f.s).temp_blks_written) AS temp_blks, array_agg(DISTINCT f.node ORDER BY f.node) AS nodes
    FROM xray._fleet_statements() f
    WHERE (f.s).queryid IS NOT NULL AND (f.s).dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    GROUP BY 1, 2
),
-- the plans and the sampled scans, each copied out of shared memory once
pl AS (SELECT (f.p).* FROM xray._fleet_plans() f WHERE (f.p).dbid = (SELECT oid FROM pg_database WHERE datname = current_database())),
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
),
found AS (
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
   OR (r.runs > 0 AND 2 * r.values_per_run >= least(r.max_per_run, 64))
)
SELECT f.queryid, f.planid, f.finding, f.severity, f.evidence, f.suggestion, f.query, st.nodes
FROM found f JOIN st ON st.queryid = f.queryid;
COMMENT ON VIEW xray.plan_findings IS 'pg_xray: plan inefficiencies with their evidence and a suggestion: sequential scans of large tables, row misestimates, functions on indexed columns, planning time, spills, hash joins in batches, nested loops over large inputs, deep OFFSETs, slow generic plans, N+1 repeats; with the nodes of the fleet whose statistics show them';
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
