
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
-- beyond the threshold), with both plans and the likely cause: on this server, or
-- on each node of the fleet (plans of a node compared with that node's only).
CREATE FUNCTION xray._plan_regressions(threshold double precision, fleet boolean)
RETURNS TABLE (node text, queryid bigint, query text, changed_at timestamptz, old_planid bigint, new_planid bigint,
               old_calls bigint, new_calls bigint, old_mean_ms double precision, new_mean_ms double precision,
               old_p95_ms double precision, new_p95_ms double precision, slowdown numeric,
               likely_cause text, old_plan text, new_plan text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    db oid := (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
BEGIN
    IF threshold IS NULL OR threshold < 0 THEN
        RAISE EXCEPTION 'threshold must be a non-negative fraction' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    WITH pl AS (
        SELECT 'local'::text AS node, l.* FROM xray.plans() l WHERE NOT coalesce(fleet, false)
        UNION ALL
        SELECT f.node, (f.p).* FROM xray._fleet_plans() f WHERE coalesce(fleet, false)
    ),
    -- each statement's newest plan with the one before it (one sort, no self-join)
    p AS (
        SELECT pl.node, pl.queryid, pl.planid, pl.calls, pl.mean_exec_time, pl.p95_exec_time, pl.plan, pl.first_seen,
               row_number() OVER w AS age_rank,
               lead(pl.planid) OVER w AS old_planid, lead(pl.calls) OVER w AS old_calls,
               lead(pl.mean_exec_time) OVER w AS old_mean, lead(pl.p95_exec_time) OVER w AS old_p95,
               lead(pl.plan) OVER w AS old_plan, lead(pl.first_seen) OVER w AS old_first_seen
        FROM pl
        WHERE pl.dbid = db AND pl.calls > 0
        WINDOW w AS (PARTITION BY pl.node, pl.dbid, pl.queryid ORDER BY pl.first_seen DESC)
    ),
    texts AS (
        SELECT 'local'::text AS node, t.queryid, t.query FROM xray.statement_texts t WHERE NOT coalesce(fleet, false) AND t.dbid = db
        UNION ALL
        (SELECT DISTINCT ON (fs.node, fs.queryid) fs.node, fs.queryid, fs.query
         FROM xray.fleet_statements fs
         WHERE coalesce(fleet, false) AND fs.dbid = db AND fs.queryid IS NOT NULL
         ORDER BY fs.node, fs.queryid, fs.calls DESC)
    ),
    pairs AS (
        SELECT n.node, n.queryid, n.first_seen AS changed_at, n.old_planid, n.planid AS new_planid,
               n.old_calls, n.calls AS new_calls, n.old_mean, n.mean_exec_time AS new_mean,
               n.old_p95, n.p95_exec_time AS new_p95, n.old_plan, n.plan AS new_plan, n.old_first_seen
        FROM p n
        WHERE n.age_rank = 1 AND n.old_planid IS NOT NULL
          AND n.mean_exec_time > n.old_mean * (1 + threshold)
          AND n.p95_exec_time > n.old_p95 * (1 + threshold)
          AND n.mean_exec_time - n.old_mean >= 0.1
    )
    SELECT r.node, r.queryid, t.query,
           r.changed_at, r.old_planid, r.new_planid, r.old_calls, r.new_calls, r.old_mean, r.new_mean, r.old_p95, r.new_p95,
           round((r.new_mean / nullif(r.old_mean, 0))::numeric, 1),
           nullif(concat_ws('; ',
               -- an index the old plan used is gone (the catalog is the same on a physical standby)
               (SELECT string_agg(format('index %s used by the old plan no longer exists', m[1]), '; ')
                FROM regexp_matches(r.old_plan, '(?:using|Bitmap Index Scan on) (\S+)', 'g') m
                WHERE to_regclass(m[1]) IS NULL AND position(m[1] IN r.new_plan) = 0),
               -- an index only the new plan uses
               (SELECT string_agg(format('the new plan uses index %s', m[1]), '; ')
                FROM regexp_matches(r.new_plan, '(?:using|Bitmap Index Scan on) (\S+)', 'g') m
                WHERE position(m[1] IN r.old_plan) = 0),
               -- statistics refreshed between the plans (ANALYZE runs on the primary; a standby replays it)
               (SELECT string_agg(format('statistics of %s refreshed at %s', st.relid::regclass,
                                         to_char(greatest(st.last_analyze, st.last_autoanalyze), 'YYYY-MM-DD HH24:MI:SS')), '; ')
                FROM pg_stat_user_tables st
                WHERE greatest(st.last_analyze, st.last_autoanalyze) > r.old_first_seen
                  AND greatest(st.last_analyze, st.last_autoanalyze) <= r.changed_at
                  AND (position(st.relname IN r.new_plan) > 0 OR position(st.relname IN r.old_plan) > 0)),
               -- planner settings that differ from their defaults now (this server's)
               (SELECT 'planner settings changed from their defaults: ' || string_agg(format('%s = %s', s.name, s.setting), ', ')
                FROM pg_settings s
                WHERE r.node = 'local' AND s.category LIKE 'Query Tuning%' AND s.source NOT IN ('default', 'override')
                  AND s.setting IS DISTINCT FROM s.boot_val)), ''),
           r.old_plan, r.new_plan
    FROM pairs r
    LEFT JOIN texts t ON t.node = r.node AND t.queryid = r.queryid
    ORDER BY r.new_mean * r.new_calls DESC;
END $$;
COMMENT ON FUNCTION xray._plan_regressions(double precision, boolean) IS 'pg_xray: plan regressions of this server, or of every node of the fleet';
REVOKE ALL ON FUNCTION xray._plan_regressions(double precision, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._plan_regressions(double precision, boolean) TO pg_read_all_stats;

CREATE FUNCTION xray.plan_regressions(threshold double precision DEFAULT 0.5)
RETURNS TABLE (queryid bigint, query text, changed_at timestamptz, old_planid bigint, new_planid bigint,
               old_calls bigint, new_calls bigint, old_mean_ms double precision, new_mean_ms double precision,
               old_p95_ms double precision, new_p95_ms double precision, slowdown numeric,
               likely_cause text, old_plan text, new_plan text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT r.queryid, r.query, r.changed_at, r.old_planid, r.new_planid, r.old_calls, r.new_calls, r.old_mean_ms, r.new_mean_ms,
           r.old_p95_ms, r.new_p95_ms, r.slowdown, r.likely_cause, r.old_plan, r.new_plan
    FROM xray._plan_regressions(threshold, false) r;
END $$;
COMMENT ON FUNCTION xray.plan_regressions(double precision) IS 'pg_xray: statements whose newest plan is slower than the previous one (mean and p95 beyond threshold), with both plans and the likely cause';
REVOKE ALL ON FUNCTION xray.plan_regressions(double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.plan_regressions(double precision) TO pg_read_all_stats;

CREATE FUNCTION xray.fleet_plan_regressions(threshold double precision DEFAULT 0.5)
RETURNS TABLE (node text, queryid bigint, query text, changed_at timestamptz, old_planid bigint, new_planid bigint,
               old_calls bigint, new_calls bigint, old_mean_ms double precision, new_mean_ms double precision,
               old_p95_ms double precision, new_p95_ms double precision, slowdown numeric,
               likely_cause text, old_plan text, new_plan text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT * FROM xray._plan_regressions(threshold, true);
END;
COMMENT ON FUNCTION xray.fleet_plan_regressions(double precision) IS 'pg_xray: plan regressions on every node of the fleet (node = ''local'' for this server), each node''s plans compared with its own';
REVOKE ALL ON FUNCTION xray.fleet_plan_regressions(double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.fleet_plan_regressions(double precision) TO pg_read_all_stats;
CREATE VIEW xray.fleet_plan_regressions AS SELECT * FROM xray.fleet_plan_regressions(0.5);
COMMENT ON VIEW xray.fleet_plan_regressions IS 'pg_xray: xray.fleet_plan_regressions(0.5): statements whose newest plan on a node is 50 % or more slower than its previous one there';
REVOKE ALL ON xray.fleet_plan_regressions FROM PUBLIC;
GRANT SELECT ON xray.fleet_plan_regressions TO pg_read_all_stats;
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
