
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
