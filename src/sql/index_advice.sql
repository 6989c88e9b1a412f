
-- Index advice: predicates, index health, what-if planning, advised indexes --
-- Predicates -------------------------------------------------------------------
-- What sampled executions (xray.advice_sample_rate) did with each table's
-- columns, per statement of the current database: conditions (=, range, IN,
-- LIKE with or without a leading wildcard, @>, IS NULL; a column wrapped in a
-- function shows as f(col)), sort keys directly above a scan and join keys of
-- sequential scans; with the scans' rows returned and removed by filters.
CREATE FUNCTION xray.predicates(
    OUT queryid bigint, OUT relid oid, OUT attnum smallint, OUT column_name text, OUT kind text,
    OUT executions bigint, OUT seq_scans bigint, OUT under_limit bigint,
    OUT rows_returned double precision, OUT rows_removed double precision,
    OUT removed_fraction double precision, OUT rows_estimated double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'xray_predicates'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION xray.predicates() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray.predicates() TO pg_read_all_stats;

-- like xray.plans: for roles with pg_read_all_stats (statements of every user)
CREATE VIEW xray.predicates AS
SELECT p.queryid, p.relid::regclass AS relation, p.attnum, p.column_name, p.kind,
       p.executions, p.seq_scans, p.under_limit, p.rows_returned, p.rows_removed,
       round(p.removed_fraction::numeric, 4) AS removed_fraction, p.rows_estimated
FROM xray.predicates() p
ORDER BY p.rows_removed DESC, p.queryid, p.relid, p.attnum, p.kind;
COMMENT ON VIEW xray.predicates IS 'pg_xray: columns the sampled executions filtered, sorted and joined on, per statement and table';
REVOKE ALL ON xray.predicates FROM PUBLIC;
GRANT SELECT ON xray.predicates TO pg_read_all_stats;

-- Index health -----------------------------------------------------------------
-- One row per problem with an index of the current database, with the evidence
-- and the exact statement that fixes it. Indexes backing a primary key, unique
-- or exclusion constraint, unique indexes and the replica identity index are
-- never proposed for dropping; an index serving a foreign key is never called
-- unused (its twin or longer index may replace it).
CREATE VIEW xray.index_health AS
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
),
-- the scans of the fleet's other nodes (none when no node is registered), read once
fleet AS (
    SELECT u.* FROM xray._fleet_index_usage() u WHERE u.node <> 'local'
),
fleet_usage AS (
    SELECT f.* FROM fleet f WHERE f.index_name IS NOT NULL
),
fleet_down AS (
    SELECT string_agg(f.node, ', ' ORDER BY f.node) AS unreachable FROM fleet f WHERE f.index_name IS NULL
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
-- unused: no scan here, nor on any fleet node that answers (xray.nodes); a node that does
-- not answer now is named, and the DROP waits for it (commented out)
SELECT 'unused', d.schema_name, d.table_name, d.index_name,
       format('0 scans since %s; %s', to_char(s.since, 'YYYY-MM-DD HH24:MI'), pg_size_pretty(d.size_bytes)) ||
           coalesce('; 0 scans on ' || fl.checked, '') || coalesce('; not checked on ' || fl.unreachable || ' (not answering)', ''),
       d.size_bytes, d.scans,
       CASE WHEN fl.unreachable IS NULL THEN format('DROP INDEX CONCURRENTLY %s;', d.qualified_index)
            ELSE format('-- once %s answer%s: DROP INDEX CONCURRENTLY %s;', fl.unreachable,
                        CASE WHEN fl.unreachable LIKE '%,%' THEN '' ELSE 's' END, d.qualified_index) END
FROM droppable d CROSS JOIN since s
CROSS JOIN LATERAL (
    SELECT string_agg(format('%s (since %s)', u.node, to_char(u.since, 'YYYY-MM-DD HH24:MI')), ', ' ORDER BY u.node) AS checked,
           bool_or(u.scans > 0) AS scanned, (SELECT fd.unreachable FROM fleet_down fd) AS unreachable
    FROM fleet_usage u
    WHERE u.schema_name = d.schema_name AND u.index_name = d.index_name
) fl
WHERE d.indisvalid AND d.scans = 0 AND NOT d.serves_foreign_key AND NOT coalesce(fl.scanned, false)
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
COMMENT ON VIEW xray.index_health IS 'pg_xray: unused, duplicate, redundant, invalid and bloated indexes and unindexed foreign keys, with the statement that fixes each';
GRANT SELECT ON xray.index_health TO PUBLIC;

-- What-if planning ---------------------------------------------------------------
CREATE FUNCTION xray.what_if(
    query text,
    index_statements text[],
    OUT cost_before float8,
    OUT cost_after float8,
    OUT improvement_pct float8,
    OUT indexes_used text[],
    OUT estimated_size_bytes bigint,
    OUT plan_before text,
    OUT plan_after text
)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_what_if'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION xray.what_if(text, text[]) IS 'pg_xray: estimated cost and plan of a statement with and without hypothetical btree indexes (nothing is built)';

-- Index advice -------------------------------------------------------------------
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

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray.index_advice(integer, text) IS 'pg_xray: the best max_indexes indexes for the recorded workload within a storage budget, each checked by what-if planning';
COMMENT ON FUNCTION xray.index_advice_queries(integer, text) IS 'pg_xray: the statements each advised index helps, with their cost before and after';
COMMENT ON FUNCTION xray.predicates() IS 'pg_xray: filters, sort and join keys sampled executions applied per statement and table';
