
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
    -- (this server listed as a node is shown once, as local)
    FOR r IN SELECT * FROM xray._fleet_probe() p WHERE p.state <> 'self' LOOP
        BEGIN
            IF r.state = 'down' THEN
                RAISE EXCEPTION 'does not answer (see xray.fleet_status)';
            END IF;
            RETURN QUERY EXECUTE format('SELECT %L::text, %s FROM %I.node_lock_graph g', r.name, cols, r.schema_name) USING sees_all;
        EXCEPTION WHEN query_canceled THEN
            RAISE;
        WHEN OTHERS THEN
            node := r.name; kind := 'unreachable'; waiting_pid := NULL; waiting_user := NULL; waiting_query := NULL;
            blocking_pid := NULL; blocking_user := NULL; blocking_query := NULL; object := NULL; waiting_mode := NULL;
            blocking_mode := NULL; wait_duration := NULL; detail := SQLERRM;
            RETURN NEXT;
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION xray.fleet_lock_graph() IS 'pg_xray: each fleet node''s blocking graph now (lock waits, WAL replay waits, recovery-conflict cancellations), node = ''local'' for this server';
REVOKE ALL ON FUNCTION xray.fleet_lock_graph() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.fleet_lock_graph() TO pg_read_all_stats;
