-- pg_xray 0.4.0 -> 0.5.0 (issue #13: index advice a DBA can trust)
\echo Use "ALTER EXTENSION pg_xray UPDATE TO '0.5.0'" to load this file. \quit

-- the advice takes a storage budget; statements are weighed by their rate
DROP VIEW xray.index_advice;
DROP VIEW xray.index_advice_queries;
DROP FUNCTION xray.index_advice(integer);
DROP FUNCTION xray.index_advice_queries(integer);
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

COMMENT ON FUNCTION xray.index_advice(integer, text) IS 'pg_xray: the best max_indexes indexes for the recorded workload within a storage budget, each checked by what-if planning';
COMMENT ON FUNCTION xray.index_advice_queries(integer, text) IS 'pg_xray: the statements each advised index helps, with their cost before and after';

-- what was advised, and whether it helped (xray.advice_outcomes)
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

-- xray.snapshot() notes advised indexes built since
CREATE OR REPLACE FUNCTION xray.snapshot(top_statements integer DEFAULT 500, top_tables integer DEFAULT 200)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sid bigint;
    prev bigint;
    prev_at timestamptz;
    t0 timestamptz := clock_timestamp();
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
    SELECT s.snap_id, s.taken_at INTO prev, prev_at FROM xray.snapshots s ORDER BY s.snap_id DESC LIMIT 1;
    INSERT INTO xray.snapshots (taken_at, prev_snap_id, interval_length) VALUES (t0, prev, t0 - prev_at)
    RETURNING snap_id INTO sid;

    -- statements: the top N by total time (cumulative) at the source, read once
    WITH top AS (
        SELECT * FROM xray.statements() WHERE queryid IS NOT NULL ORDER BY total_exec_time DESC LIMIT top_statements
    ),
    rows AS (
        INSERT INTO xray.snapshot_statements
        SELECT sid, s.dbid, s.userid, s.toplevel, s.queryid,
               s.calls - coalesce(p.calls_total, 0), s.total_exec_time - coalesce(p.total_exec_time_total, 0),
               NULL, s.errors - coalesce(p.errors_total, 0), NULL, NULL, NULL,
               (s.total_exec_time - coalesce(p.total_exec_time_total, 0)) / nullif(s.calls - coalesce(p.calls_total, 0), 0),
               s.p95_exec_time, s.p99_exec_time, s.calls, s.total_exec_time, s.errors
        FROM top s
        LEFT JOIN xray.snapshot_statements p
          ON p.snap_id = prev AND p.dbid = s.dbid AND p.userid = s.userid AND p.toplevel = s.toplevel AND p.queryid = s.queryid
    )
    INSERT INTO xray.snapshot_texts
    SELECT DISTINCT ON (t.dbid, t.queryid) t.dbid, t.queryid, t.query FROM top t
    ON CONFLICT DO NOTHING;
    -- the live statistics were reset since: the counts are the whole interval's
    UPDATE xray.snapshot_statements ss SET calls = calls_total, total_exec_time = total_exec_time_total,
           errors = errors_total, mean_exec_time = total_exec_time_total / nullif(calls_total, 0)
    WHERE ss.snap_id = sid AND (ss.calls < 0 OR ss.total_exec_time < 0);

    -- plans of the statements kept above (top N by time among them)
    INSERT INTO xray.snapshot_plans
    SELECT sid, pl.dbid, pl.queryid, pl.planid,
           greatest(pl.calls - coalesce(p.calls_total, 0), 0), greatest(pl.total_exec_time - coalesce(p.total_exec_time_total, 0), 0),
           (pl.total_exec_time - coalesce(p.total_exec_time_total, 0)) / nullif(pl.calls - coalesce(p.calls_total, 0), 0),
           pl.p95_exec_time, pl.calls, pl.total_exec_time
    FROM (SELECT x.* FROM xray.plans() x
          WHERE EXISTS (SELECT 1 FROM xray.snapshot_statements n WHERE n.snap_id = sid AND n.dbid = x.dbid AND n.queryid = x.queryid)
          ORDER BY x.total_exec_time DESC LIMIT top_statements) pl
    LEFT JOIN xray.snapshot_plans p ON p.snap_id = prev AND p.dbid = pl.dbid AND p.queryid = pl.queryid AND p.planid = pl.planid;

    -- databases
    INSERT INTO xray.snapshot_databases
    SELECT sid, d.datname, d.numbackends,
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
    FROM pg_stat_database d
    LEFT JOIN xray.snapshot_databases p ON p.snap_id = prev AND p.datname = d.datname
    WHERE d.datname IS NOT NULL;

    -- tables of this database: the busiest N
    INSERT INTO xray.snapshot_tables
    SELECT sid, t.relid, format('%I.%I', t.schemaname, t.relname),
           t.seq_scan - coalesce((p.totals->>'seq_scan')::bigint, 0), t.seq_tup_read - coalesce((p.totals->>'seq_tup_read')::bigint, 0),
           coalesce(t.idx_scan, 0) - coalesce((p.totals->>'idx_scan')::bigint, 0), coalesce(t.idx_tup_fetch, 0) - coalesce((p.totals->>'idx_tup_fetch')::bigint, 0),
           t.n_tup_ins - coalesce((p.totals->>'n_tup_ins')::bigint, 0), t.n_tup_upd - coalesce((p.totals->>'n_tup_upd')::bigint, 0),
           t.n_tup_del - coalesce((p.totals->>'n_tup_del')::bigint, 0), t.n_live_tup, t.n_dead_tup, pg_table_size(t.relid),
           jsonb_build_object('seq_scan', t.seq_scan, 'seq_tup_read', t.seq_tup_read, 'idx_scan', coalesce(t.idx_scan, 0),
                              'idx_tup_fetch', coalesce(t.idx_tup_fetch, 0), 'n_tup_ins', t.n_tup_ins, 'n_tup_upd', t.n_tup_upd,
                              'n_tup_del', t.n_tup_del)
    FROM (SELECT * FROM pg_stat_user_tables
          ORDER BY seq_tup_read + coalesce(idx_tup_fetch, 0) + n_tup_ins + n_tup_upd + n_tup_del DESC LIMIT top_tables) t
    LEFT JOIN xray.snapshot_tables p ON p.snap_id = prev AND p.relid = t.relid;

    INSERT INTO xray.snapshot_indexes
    SELECT sid, i.indexrelid, format('%I.%I', i.schemaname, i.indexrelname), format('%I.%I', i.schemaname, i.relname),
           i.idx_scan - coalesce(p.idx_scan_total, 0), pg_relation_size(i.indexrelid), i.idx_scan
    FROM (SELECT * FROM pg_stat_user_indexes ORDER BY idx_scan DESC LIMIT top_tables) i
    LEFT JOIN xray.snapshot_indexes p ON p.snap_id = prev AND p.indexrelid = i.indexrelid;

    -- waits and locks (from the sampler)
    INSERT INTO xray.snapshot_waits
    SELECT sid, w.dbid, w.queryid, w.wait_event_type, w.wait_event, w.samples - coalesce(p.samples_total, 0), w.samples
    FROM (SELECT * FROM xray.wait_profile() ORDER BY samples DESC LIMIT top_statements) w
    LEFT JOIN xray.snapshot_waits p ON p.snap_id = prev AND p.dbid = w.dbid AND p.queryid = w.queryid
         AND p.wait_event_type = w.wait_event_type AND p.wait_event IS NOT DISTINCT FROM w.wait_event;
    INSERT INTO xray.snapshot_locks
    SELECT sid, count(*) FILTER (WHERE i.started_at > coalesce(prev_at, '-infinity')),
           coalesce(sum(i.blocked_seconds) FILTER (WHERE coalesce(i.ended_at, i.last_seen) > coalesce(prev_at, '-infinity')), 0),
           coalesce(max(i.max_sessions_blocked) FILTER (WHERE coalesce(i.ended_at, i.last_seen) > coalesce(prev_at, '-infinity')), 0),
           (SELECT count(*) FROM xray.lock_samples() s WHERE s.sample_time > coalesce(prev_at, '-infinity'))
    FROM xray.lock_incidents() i;

    UPDATE xray.snapshots SET duration = clock_timestamp() - t0,
           statements = (SELECT count(*) FROM xray.snapshot_statements WHERE snap_id = sid),
           tables = (SELECT count(*) FROM xray.snapshot_tables WHERE snap_id = sid)
    WHERE snap_id = sid;

    -- retention
    DELETE FROM xray.snapshots WHERE taken_at < t0 - current_setting('xray.history_retention')::interval;
    DELETE FROM xray.snapshot_texts x
    WHERE NOT EXISTS (SELECT 1 FROM xray.snapshot_statements s WHERE s.dbid = x.dbid AND s.queryid = x.queryid);
    -- advised indexes built since (xray.advice_outcomes)
    PERFORM xray._advice_seen();
    RETURN sid;
END $$;

-- an alert when an advised index made its statements slower
ALTER TABLE xray.alert_rules DROP CONSTRAINT alert_rules_metric_check;
ALTER TABLE xray.alert_rules ADD CONSTRAINT alert_rules_metric_check CHECK (metric IN ('statement_p95_seconds',
    'cache_hit_ratio', 'lock_wait_seconds', 'transaction_age_seconds', 'idle_in_transaction_seconds',
    'connections_used_ratio', 'statement_temp_bytes_per_call', 'dead_tuple_ratio', 'xid_age_ratio',
    'plan_regression_slowdown', 'advised_index_slowdown'));
INSERT INTO xray.alert_rules (name, metric, threshold, severity, description) VALUES
    ('advice_regressed', 'advised_index_slowdown', 1.2, 'warning', 'the statements an index pg_xray advised was built for run slower with it by this factor or more (xray.advice_outcomes)')
ON CONFLICT (name) DO NOTHING;
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
    UNION ALL
    SELECT format('index %s', o.index_name), o.mean_after_ms / o.mean_before_ms,
           format('advised %s for %s statement(s) on %s: mean %s ms before, %s ms with it (%s)',
                  to_char(o.advised_at, 'YYYY-MM-DD HH24:MI'), o.statements_using, o.table_name,
                  round(o.mean_before_ms::numeric, 2), round(o.mean_after_ms::numeric, 2), o.verdict)
    FROM xray.advice_outcomes o
    WHERE r.metric = 'advised_index_slowdown' AND o.mean_before_ms > 0
      AND o.mean_after_ms / o.mean_before_ms >= r.threshold
) a;
$$;
