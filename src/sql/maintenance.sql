
-- Maintenance: advice with exact SQL, runs, audit log ------------------------------------
CREATE FUNCTION xray.wraparound_forecast(age bigint, freeze_max_age bigint, per_day double precision,
    OUT pct_to_forced double precision, OUT pct_to_stop double precision,
    OUT days_to_forced double precision, OUT days_to_stop double precision, OUT forced_now boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_wraparound_forecast'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
-- (age and freeze_max_age NULL give NULL through the view's joins; the C code reads them)

CREATE FUNCTION xray.heap_pages_estimate(reltuples double precision, data_width double precision, natts integer,
    has_nulls boolean, fillfactor integer)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_heap_pages_estimate'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.autovacuum_trigger(threshold double precision, scale_factor double precision,
    reltuples double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_autovacuum_trigger'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.suggested_scale_factor(reltuples double precision, threshold double precision,
    current_scale_factor double precision, target_dead double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'xray_suggested_scale_factor'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION xray.id_consumption(OUT xids_per_day double precision, OUT mxids_per_day double precision,
    OUT observed_from timestamptz, OUT observed_to timestamptz, OUT observations integer)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_id_consumption'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- a table's reloption as text (NULL when not set)
CREATE FUNCTION xray.reloption(reloptions text[], name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT substr(o, length(name) + 2) FROM unnest(reloptions) o WHERE o LIKE name || '=%' LIMIT 1);

-- Wraparound, per database, with a forecast from the consumption the sampler observed
CREATE VIEW xray.wraparound AS
SELECT d.datname, 'transaction id'::text AS id_kind, age(d.datfrozenxid)::bigint AS age,
       current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age,
       round(f.pct_to_forced::numeric, 1) AS pct_to_forced_autovacuum, round(f.pct_to_stop::numeric, 2) AS pct_to_stop,
       round(c.xids_per_day::numeric) AS consumed_per_day,
       round(f.days_to_forced::numeric, 1) AS days_to_forced_autovacuum, round(f.days_to_stop::numeric, 1) AS days_to_stop
FROM pg_database d, xray.id_consumption() c,
     LATERAL xray.wraparound_forecast(age(d.datfrozenxid), current_setting('autovacuum_freeze_max_age')::bigint,
                                      c.xids_per_day) f
WHERE d.datallowconn OR age(d.datfrozenxid) > 0
UNION ALL
SELECT d.datname, 'multixact id', mxid_age(d.datminmxid)::bigint,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint,
       round(f.pct_to_forced::numeric, 1), round(f.pct_to_stop::numeric, 2), round(c.mxids_per_day::numeric),
       round(f.days_to_forced::numeric, 1), round(f.days_to_stop::numeric, 1)
FROM pg_database d, xray.id_consumption() c,
     LATERAL xray.wraparound_forecast(mxid_age(d.datminmxid), current_setting('autovacuum_multixact_freeze_max_age')::bigint,
                                      c.mxids_per_day) f
ORDER BY 6 DESC, 1, 2;
COMMENT ON VIEW xray.wraparound IS 'pg_xray: transaction-id and multixact age per database, percent to the forced autovacuum and to the stop limit, days left at the observed rate';
GRANT SELECT ON xray.wraparound TO PUBLIC;

-- What holds the xmin horizon back (VACUUM cannot remove rows newer than it)
CREATE VIEW xray.xmin_horizon AS
SELECT 'session'::text AS holder, format('pid %s (%s, %s)', a.pid, a.usename, a.state) AS name,
       greatest(age(a.backend_xmin), age(a.backend_xid)) AS xid_age, clock_timestamp() - a.xact_start AS duration,
       format('SELECT pg_terminate_backend(%s);', a.pid) AS release_command
FROM pg_stat_activity a WHERE a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL
UNION ALL
SELECT 'prepared transaction', p.gid, age(p.transaction), clock_timestamp() - p.prepared,
       format('ROLLBACK PREPARED %L;', p.gid)
FROM pg_prepared_xacts p
UNION ALL
SELECT 'replication slot', s.slot_name || CASE WHEN s.active THEN ' (active)' ELSE ' (inactive)' END,
       greatest(age(s.xmin), age(s.catalog_xmin)), NULL,
       CASE WHEN NOT s.active THEN format('SELECT pg_drop_replication_slot(%L);', s.slot_name) END
FROM pg_replication_slots s WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
ORDER BY 3 DESC NULLS LAST;
COMMENT ON VIEW xray.xmin_horizon IS 'pg_xray: sessions, prepared transactions and replication slots holding the xmin horizon back, oldest first';
GRANT SELECT ON xray.xmin_horizon TO PUBLIC;

-- Table bloat: the table's size against the pages its rows need when packed
-- (as VACUUM FULL would write them), the tuple modelled as PostgreSQL lays it
-- out (core/heap_layout.hpp): from statistics without reading the table, with
-- a bounded sample of pages for TOAST relations and tables with dropped
-- columns, or (exact) with pgstattuple's count and the stored tuples' lengths.
CREATE FUNCTION xray._heap_estimate(tuples float8, lens integer[], aligns "char"[], widths float8[],
    null_fracs float8[], packable boolean[], varies boolean[], fillfactor integer,
    OUT pages float8, OUT tuple_bytes float8, OUT fixed boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_heap_estimate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION xray._heap_estimate(float8, integer[], "char"[], float8[], float8[], boolean[], boolean[], integer) IS 'pg_xray: pages a heap of these columns needs when packed, and its mean tuple length (one array element per attribute, dropped ones included)';

CREATE FUNCTION xray._heap_sample(rel regclass, toast boolean, max_pages integer, fillfactor integer,
    OUT pages_read integer, OUT tuples bigint, OUT mean_tuple_bytes float8, OUT packed_pages float8, OUT line_pointers bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_heap_sample'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION xray._heap_sample(regclass, boolean, integer, integer) IS 'pg_xray: the stored tuples of up to max_pages pages of a table (or its TOAST relation) spread over it: their count, mean length, the pages they take packed and the pages'' line pointers (NULL without SELECT on the table)';

-- live rows of a relation: the count of its last VACUUM or ANALYZE (the statistics'
-- running n_live_tup can count a session's changes twice when it ran them just
-- before its own VACUUM), the running count only for a relation never counted
CREATE FUNCTION xray._live_tuples(rel oid)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8 ELSE coalesce(s.n_live_tup, 0)::float8 END
    FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
    WHERE c.oid = rel
$$;

CREATE FUNCTION xray.table_bloat(exact boolean DEFAULT false)
RETURNS TABLE (table_name regclass, table_bytes bigint, pages bigint, expected_pages bigint,
               bloat_pct numeric, wasted_bytes bigint, method text,
               kind text, owner_table regclass, dropped_column_bytes bigint, note text)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stattuple text;
BEGIN
    IF exact IS NULL THEN
        RAISE EXCEPTION 'exact must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT format('%I.pgstattuple', n.nspname) INTO stattuple
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple';
    IF exact AND stattuple IS NULL THEN
        RAISE EXCEPTION 'exact bloat needs the pgstattuple extension'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION pgstattuple;';
    END IF;
    -- %1$s: live rows of relation X; %2$s: which tables; %3$s: pages sampled; %4$s: which tables are sampled
    RETURN QUERY EXECUTE format($q$
    WITH rel AS MATERIALIZED (
        SELECT c.oid, c.relkind, c.relname, n.nspname, c.reltoastrelid,
               coalesce(xray.reloption(c.reloptions, 'fillfactor')::int, 100) AS ff,
               pg_relation_size(c.oid) AS bytes,
               %1$s AS live,
               CASE WHEN c.reltoastrelid <> 0 THEN pg_relation_size(c.reltoastrelid) END AS toast_bytes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%%' %2$s
    ),
    cols AS (
        SELECT r.oid,
               count(*) FILTER (WHERE NOT a.attisdropped) AS natts,
               count(st.avg_width) FILTER (WHERE NOT a.attisdropped) AS nstats,
               bool_or(a.attisdropped) AS has_dropped,
               array_agg(a.attlen::int ORDER BY a.attnum) AS lens,
               array_agg(a.attalign ORDER BY a.attnum) AS aligns,
               array_agg(CASE WHEN a.attlen > 0 THEN a.attlen ELSE coalesce(st.avg_width, 0) END::float8 ORDER BY a.attnum) AS widths,
               -- rows as stored: a dropped fixed-width column's bytes are still there (its
               -- variable-width data is of unknown size); after a rewrite, dropped columns are NULL
               array_agg(CASE WHEN NOT a.attisdropped THEN coalesce(st.null_frac, 0)
                              WHEN a.attlen > 0 THEN 0 ELSE 1 END::float8 ORDER BY a.attnum) AS nf_stored,
               array_agg(CASE WHEN a.attisdropped THEN 1 ELSE coalesce(st.null_frac, 0) END::float8 ORDER BY a.attnum) AS nf_rewritten,
               array_agg(a.attstorage <> 'p' ORDER BY a.attnum) AS packable,
               -- varying lengths spread the next column's alignment; char(n), and text whose
               -- sampled values (most common ones, histogram bounds) differ by less than the
               -- alignment unit, are taken to be of one length
               array_agg(a.attlen < 0 AND a.atttypid <> 'pg_catalog.bpchar'::pg_catalog.regtype
                         AND NOT (a.atttypid IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype)
                                  AND coalesce((SELECT max(octet_length(v)) - min(octet_length(v)) < 8
                                                FROM unnest(st.most_common_vals::text::text[] || st.histogram_bounds::text::text[]) v), false))
                         ORDER BY a.attnum) AS varies
        FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0
        LEFT JOIN pg_stats st ON st.schemaname = r.nspname AND st.tablename = r.relname AND st.attname = a.attname
                             AND NOT st.inherited AND NOT a.attisdropped
        GROUP BY r.oid
    ),
    heap AS (
        SELECT r.oid, r.relkind, r.bytes, r.live, c.natts, c.nstats, coalesce(c.has_dropped, false) AS has_dropped,
               m.pages AS model, w.pages AS rewritten, sm.pages_read IS NOT NULL AS sampled,
               CASE WHEN sm.tuples > 0 THEN sm.packed_pages * r.live / sm.tuples
                    WHEN sm.pages_read IS NOT NULL AND r.live = 0 THEN 0 END AS measured,
               sm.line_pointers::float8 * (r.bytes / current_setting('block_size')::int) / nullif(sm.pages_read, 0) AS lines
        FROM rel r LEFT JOIN cols c ON c.oid = r.oid
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_estimate(r.live, c.lens, c.aligns, c.widths, c.nf_stored, c.packable, c.varies, r.ff)
                           WHERE c.nstats = c.natts) m ON true
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_estimate(r.live, c.lens, c.aligns, c.widths, c.nf_rewritten, c.packable, c.varies, r.ff)
                           WHERE c.nstats = c.natts AND c.has_dropped) w ON true
        LEFT JOIN LATERAL (SELECT * FROM xray._heap_sample(r.oid, false, %3$s, r.ff) WHERE %4$s) sm ON true
        WHERE r.bytes > 0
          -- a table whose statistics the caller cannot see stays out (as in pg_stats)
          AND (c.nstats = c.natts OR has_table_privilege(r.oid, 'SELECT') OR sm.pages_read IS NOT NULL)
    ),
    heap_rows AS (
        SELECT h.oid, h.bytes, h.bytes / current_setting('block_size')::int AS pages, h.live,
               coalesce(h.measured, h.model) AS packed, h.lines,
               CASE WHEN NOT h.has_dropped THEN 0
                    WHEN h.rewritten IS NOT NULL AND (h.measured IS NOT NULL OR h.model IS NOT NULL)
                    THEN (greatest(0, ceil(coalesce(h.measured, h.model)) - ceil(h.rewritten)) * current_setting('block_size')::int)::bigint
               END AS dropped,
               CASE WHEN %5$L THEN 'pgstattuple' WHEN h.sampled THEN 'statistics, sampled pages' ELSE 'statistics' END AS method,
               CASE h.relkind WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
               NULL::regclass AS owner,
               CASE WHEN coalesce(h.nstats, 0) = 0 AND h.natts > 0 THEN 'no statistics, ANALYZE first'
                    WHEN h.nstats < h.natts THEN format('no statistics for %%s of %%s columns, ANALYZE first', h.natts - h.nstats, h.natts)
                    WHEN h.has_dropped AND NOT h.sampled
                    THEN 'dropped columns: their data, of unknown size here, may be counted as bloat (reclaimable by a rewrite)'
               END AS note
        FROM heap h
    ),
    toast_rows AS (
        SELECT r.reltoastrelid AS oid, r.toast_bytes AS bytes, r.toast_bytes / current_setting('block_size')::int AS pages, r.toast_live,
               CASE WHEN sm.tuples > 0 THEN sm.packed_pages * r.toast_live / sm.tuples
                    WHEN sm.pages_read IS NOT NULL AND r.toast_live = 0 THEN 0 END AS packed,
               sm.line_pointers::float8 * (r.toast_bytes / current_setting('block_size')::int) / nullif(sm.pages_read, 0),
               0::bigint AS dropped,
               CASE WHEN %5$L THEN 'pgstattuple' ELSE 'statistics, sampled pages' END AS method,
               'toast'::text AS kind, r.oid::regclass AS owner,
               CASE WHEN sm.pages_read IS NULL THEN 'not sampled: needs SELECT on the table' END AS note
        FROM (SELECT r0.*, %6$s AS toast_live FROM rel r0 WHERE r0.toast_bytes > 0) r
        CROSS JOIN LATERAL xray._heap_sample(r.oid, true, %3$s, 100) sm
        WHERE sm.pages_read IS NOT NULL OR has_table_privilege(r.oid, 'SELECT')
    ),
    measured AS (
        -- what a rewrite returns of the free and dead space: the pages beyond the packed
        -- size, less the line pointers they keep (reused by later rows; pgstattuple counts
        -- them neither free nor dead). Without a sample, a page is taken to have been full
        -- of rows of this shape once; VACUUM truncates a page's trailing unused pointers.
        SELECT l.oid, l.bytes, l.pages, ceil(l.packed)::bigint AS expected,
               CASE WHEN l.packed IS NOT NULL THEN greatest(0,
                   (l.pages - l.packed) * (current_setting('block_size')::int - 24)
                   - 4 * greatest(0, coalesce(l.lines - l.live,
                         (l.pages - l.packed) * l.live / nullif(l.packed, 0)
                         - l.pages * least(l.live / nullif(l.packed, 0), (l.pages - l.packed) / nullif(l.packed, 0)), 0)))::bigint
               END AS wasted,
               l.dropped, l.method, l.kind, l.owner, l.note
        FROM (SELECT * FROM heap_rows UNION ALL SELECT * FROM toast_rows) l
    ),
    parent_rows AS (
        -- a partitioned table: the sum of its partitions (their TOAST included)
        SELECT p.oid, sum(l.bytes)::bigint, sum(l.pages)::bigint,
               CASE WHEN count(l.expected) = count(*) THEN sum(l.expected)::bigint END,
               CASE WHEN count(l.wasted) = count(*) THEN sum(l.wasted)::bigint END,
               sum(l.dropped)::bigint, min(l.method), 'partitioned table'::text, NULL::regclass,
               format('sum of %%s partitions%%s', count(DISTINCT t.relid),
                      CASE WHEN count(l.expected) < count(*) THEN format(', %%s of them without an estimate', count(*) - count(l.expected)) ELSE '' END)
        FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace
        CROSS JOIN LATERAL pg_partition_tree(p.oid) t
        JOIN measured l ON l.oid = t.relid OR l.owner = t.relid
        WHERE p.relkind = 'p' AND pn.nspname NOT IN ('pg_catalog', 'information_schema') AND t.isleaf
        GROUP BY p.oid
    )
    SELECT a.oid::regclass, a.bytes, a.pages, a.expected,
           round(100.0 * a.wasted / nullif(a.bytes, 0), 1), a.wasted,
           a.method, a.kind, a.owner, a.dropped,
           nullif(concat_ws('; ', a.note, CASE WHEN a.dropped > 0
               THEN format('reclaimable by a rewrite: dropped columns (%%s)', pg_size_pretty(a.dropped)) END), '')
    FROM (SELECT * FROM measured UNION ALL SELECT * FROM parent_rows) a
    ORDER BY 6 DESC NULLS LAST, 1$q$,
        CASE WHEN exact THEN format('(SELECT st.tuple_count FROM %s(c.oid) st)::float8', stattuple)
             ELSE 'xray._live_tuples(c.oid)' END,
        -- exact mode cannot read other sessions' temporary tables
        CASE WHEN exact THEN $w$AND (c.relpersistence <> 't' OR c.relnamespace = pg_my_temp_schema())$w$ ELSE '' END,
        CASE WHEN exact THEN 10000 ELSE 32 END,
        CASE WHEN exact THEN 'true' ELSE 'c.has_dropped' END,
        exact,
        CASE WHEN exact THEN format('(SELECT st.tuple_count FROM %s(r0.reltoastrelid) st)::float8', stattuple)
             ELSE 'xray._live_tuples(r0.reltoastrelid)' END);
END $$;
COMMENT ON FUNCTION xray.table_bloat(boolean) IS 'pg_xray: table, TOAST and partitioned-table bloat against the packed size (exact = true: pgstattuple''s live rows and the stored tuples'' lengths, reading every table)';
CREATE VIEW xray.table_bloat AS SELECT * FROM xray.table_bloat(false);
COMMENT ON VIEW xray.table_bloat IS 'pg_xray: table bloat estimated from statistics (TOAST relations and tables with dropped columns from a sample of 32 pages)';
GRANT SELECT ON xray.table_bloat TO PUBLIC;

-- measurements before/after an action (for the log)
CREATE FUNCTION xray.maintenance_measure(kind text, object text)
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

-- The advice ------------------------------------------------------------------------------
-- behind the view, a function with jit off: on a few thousand tables the plan's
-- estimated cost passes jit_above_cost and compiling it would take longer than running it
CREATE FUNCTION xray._maintenance_advice()
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
    -- bloated tables (estimated from statistics), their TOAST tables and the data of
    -- dropped columns: one rewrite of the owning table returns all of it
    SELECT 'table_bloat', 'VACUUM (FULL)', bn.qualified,
           string_agg(bb.part, '; ' ORDER BY bb.kind DESC) || '; VACUUM (FULL) rewrites it under an ACCESS EXCLUSIVE lock',
           format('VACUUM (FULL, ANALYZE) %s', bn.qualified),
           20 + least(30, max(bb.pct) / 3),
           jsonb_build_object('bloat_pct', max(bb.bloat_pct) FILTER (WHERE bb.kind <> 'toast'),
                              'wasted_bytes', sum(bb.wasted_bytes) FILTER (WHERE bb.kind <> 'toast'),
                              'pages', max(bb.pages) FILTER (WHERE bb.kind <> 'toast'),
                              'expected_pages', max(bb.expected_pages) FILTER (WHERE bb.kind <> 'toast'),
                              'dropped_column_bytes', sum(bb.dropped_column_bytes),
                              'toast_bloat_pct', max(bb.bloat_pct) FILTER (WHERE bb.kind = 'toast'),
                              'toast_wasted_bytes', sum(bb.wasted_bytes) FILTER (WHERE bb.kind = 'toast'))
    FROM (SELECT coalesce(b.owner_table, b.table_name) AS target, b.*,
                 coalesce(b.wasted_bytes, 0) + coalesce(b.dropped_column_bytes, 0) AS reclaim,
                 100.0 * (coalesce(b.wasted_bytes, 0) + coalesce(b.dropped_column_bytes, 0)) / nullif(b.table_bytes, 0) AS pct,
                 CASE WHEN b.kind = 'toast'
                      THEN format('its TOAST table %s is about %s%% free or dead space (%s of %s)', b.table_name, b.bloat_pct,
                                  pg_size_pretty(b.wasted_bytes), pg_size_pretty(b.table_bytes))
                      ELSE concat_ws(' and ',
                          CASE WHEN b.bloat_pct >= 5 THEN format('about %s%% of %s is free or dead space (%s, estimated from %s)',
                                    b.bloat_pct, pg_size_pretty(b.table_bytes), pg_size_pretty(b.wasted_bytes), b.method) END,
                          CASE WHEN b.dropped_column_bytes > 0 THEN format('%s is data of dropped columns (reclaimable by a rewrite)',
                                    pg_size_pretty(b.dropped_column_bytes)) END)
                 END AS part
          FROM xray.table_bloat(false) b WHERE b.kind <> 'partitioned table') bb
    CROSS JOIN LATERAL (SELECT format('%I.%I', bns.nspname, bc.relname) AS qualified
                        FROM pg_catalog.pg_class bc JOIN pg_catalog.pg_namespace bns ON bns.oid = bc.relnamespace
                        WHERE bc.oid = bb.target) bn
    WHERE bb.pct >= 40 AND bb.reclaim >= 8 * 1024 * 1024
    GROUP BY bn.qualified
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
REVOKE ALL ON FUNCTION xray._maintenance_advice() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xray._maintenance_advice() TO pg_read_all_stats;
CREATE VIEW xray.maintenance_advice AS SELECT * FROM xray._maintenance_advice();
COMMENT ON VIEW xray.maintenance_advice IS 'pg_xray: ranked maintenance actions (VACUUM, FREEZE, ANALYZE, statistics, REINDEX, DROP INDEX, autovacuum settings) with evidence and exact SQL';
-- it reads the sampled scans (xray.predicates()): for pg_read_all_stats, like xray.plans
REVOKE ALL ON xray.maintenance_advice FROM PUBLIC;
GRANT SELECT ON xray.maintenance_advice TO pg_read_all_stats;

-- Runs and their audit log -------------------------------------------------------------------
CREATE SEQUENCE xray.maintenance_run_seq;
GRANT USAGE ON SEQUENCE xray.maintenance_run_seq TO PUBLIC;
CREATE TABLE xray.maintenance_runs (
    run_id bigint PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_by name,
    dry_run boolean NOT NULL,
    time_budget interval,
    max_actions integer,
    kinds text[],
    window_start time,
    window_end time,
    status text NOT NULL,
    coordinator_pid integer,
    finished_at timestamptz,
    actions_planned integer,
    actions_done integer,
    actions_failed integer,
    actions_skipped integer,
    error text
);
CREATE TABLE xray.maintenance_log (
    id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES xray.maintenance_runs ON DELETE CASCADE,
    kind text NOT NULL,
    action text NOT NULL,
    object text,
    command text NOT NULL,
    reason text,
    status text NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    duration interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    error text,
    sqlstate text,
    before jsonb,
    after jsonb
);
CREATE INDEX ON xray.maintenance_log (run_id);
SELECT pg_catalog.pg_extension_config_dump('xray.maintenance_runs', '');
SELECT pg_catalog.pg_extension_config_dump('xray.maintenance_log', '');
GRANT SELECT ON xray.maintenance_runs, xray.maintenance_log TO PUBLIC;
COMMENT ON TABLE xray.maintenance_log IS 'pg_xray: every maintenance action run (or dry-run, skipped, failed) with its measurements before and after';

CREATE FUNCTION xray._run_maintenance(run_id bigint, dry_run boolean, budget_ms bigint, max_actions integer,
    kinds text, window_start text, window_end text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'xray_run_maintenance'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
-- callable by everyone; it refuses roles without EXECUTE on xray.run_maintenance
GRANT EXECUTE ON FUNCTION xray._run_maintenance(bigint, boolean, bigint, integer, text, text, text) TO PUBLIC;

-- Starts a maintenance run in background workers and returns its id at once.
CREATE FUNCTION xray.run_maintenance(
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
COMMENT ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) IS 'pg_xray: perform the maintenance advice in background workers (one top-level command at a time), logged in xray.maintenance_log; returns the run id';
REVOKE ALL ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) FROM PUBLIC;

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._live_tuples(oid) IS 'pg_xray: live rows of a relation as of its last VACUUM or ANALYZE (n_live_tup when never counted)';
COMMENT ON FUNCTION xray._maintenance_advice() IS 'pg_xray: the rows of xray.maintenance_advice (run with jit off)';
COMMENT ON FUNCTION xray._run_maintenance(bigint,boolean,bigint,integer,text,text,text) IS 'pg_xray: starts the maintenance coordinator worker for a run validated by xray.run_maintenance';
COMMENT ON FUNCTION xray.autovacuum_trigger(double precision,double precision,double precision) IS 'pg_xray: rows at which autovacuum acts on a table: threshold + scale_factor x reltuples';
COMMENT ON FUNCTION xray.heap_pages_estimate(double precision,double precision,integer,boolean,integer) IS 'pg_xray: pages of a freshly written heap from summed column widths (the 0.3.0 estimate; xray.table_bloat uses xray._heap_estimate)';
COMMENT ON FUNCTION xray.id_consumption() IS 'pg_xray: transaction and multixact ids consumed per day, as observed by the lock sampler';
COMMENT ON FUNCTION xray.maintenance_measure(text,text) IS 'pg_xray: measurements of a maintenance object before and after an action (for the log)';
COMMENT ON FUNCTION xray.reloption(text[],text) IS 'pg_xray: a relation option''s value from reloptions (NULL when not set)';
COMMENT ON FUNCTION xray.suggested_scale_factor(double precision,double precision,double precision,double precision) IS 'pg_xray: the autovacuum scale factor that fires near target_dead rows on a large table';
COMMENT ON FUNCTION xray.wraparound_forecast(bigint,bigint,double precision) IS 'pg_xray: percent to the forced autovacuum and to the stop limit, and days left at a consumption rate';
COMMENT ON SEQUENCE xray.maintenance_log_id_seq IS 'pg_xray: ids of xray.maintenance_log';
COMMENT ON SEQUENCE xray.maintenance_run_seq IS 'pg_xray: ids of maintenance runs';
COMMENT ON TABLE xray.maintenance_runs IS 'pg_xray: maintenance runs: who asked, options, status';
