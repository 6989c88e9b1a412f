
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
