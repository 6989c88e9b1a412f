
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
    OUT wait_start timestamptz, OUT blocking_prepared_xid xid)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_lock_edges'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray.lock_edges() IS 'pg_xray: edges waiter -> blocker of the lock manager right now';

-- the locked object in words (relation names in the current database only)
CREATE FUNCTION xray.lock_object(locktype text, database oid, relation oid, page integer, tuple smallint,
    virtualxid text, transactionid xid, classid oid, objid oid, objsubid smallint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
    WHEN relation IS NOT NULL THEN
        CASE locktype WHEN 'tuple' THEN format('tuple (%s,%s) of ', page, tuple)
                      WHEN 'page' THEN format('page %s of ', page)
                      WHEN 'extend' THEN 'extension of '
                      ELSE '' END
        || CASE WHEN database = (SELECT oid FROM pg_database WHERE datname = current_database())
                     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = relation)
                THEN relation::regclass::text
                ELSE format('relation %s of database %s', relation, database) END
    WHEN transactionid IS NOT NULL THEN format('transaction %s', transactionid)
    WHEN virtualxid IS NOT NULL THEN format('virtual transaction %s', virtualxid)
    WHEN locktype = 'advisory' THEN
        CASE objsubid WHEN 1 THEN format('advisory lock %s', (classid::text::bigint << 32) | objid::text::bigint)
                      ELSE format('advisory lock (%s, %s)', classid::text::bigint::bit(32)::integer,
                                  objid::text::bigint::bit(32)::integer) END
    WHEN locktype = 'object' THEN format('object %s of %s', objid, classid::regclass)
    ELSE locktype
END;

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
       px.gid AS blocking_prepared_gid
FROM xray.lock_edges() e
LEFT JOIN pg_stat_activity w ON w.pid = e.waiting_pid
LEFT JOIN pg_stat_activity b ON b.pid = e.blocking_pid AND e.blocking_pid <> 0
LEFT JOIN pg_prepared_xacts px ON e.blocking_pid = 0 AND px.transaction = e.blocking_prepared_xid
ORDER BY e.wait_start, e.waiting_pid, e.blocking_pid;
COMMENT ON VIEW xray.lock_waits IS 'pg_xray: who waits for whom right now, one row per edge waiter -> blocker';
GRANT SELECT ON xray.lock_waits TO PUBLIC;

CREATE FUNCTION xray.blocking_tree(
    OUT ord integer, OUT pid integer, OUT root_pid integer, OUT parent_pid integer, OUT depth integer,
    OUT path integer[], OUT waiting boolean, OUT in_cycle boolean, OUT blocked_sessions integer,
    OUT blocked_wait interval, OUT wait_duration interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_blocking_tree'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

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
