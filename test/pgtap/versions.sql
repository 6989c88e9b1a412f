-- pgTAP: the surface that follows the server (0.3.0): xray.explain, xray._statements, helpers; every object commented.
BEGIN;
SELECT * FROM no_plan();

-- 0.3.0 (#12): one statement as pg_xray sees it, the version-following helpers
SELECT has_function('xray', 'explain', ARRAY['text', 'text'], 'xray.explain(text, text) exists');
SELECT function_returns('xray', 'explain', ARRAY['text', 'text'], 'setof text', 'xray.explain returns setof text');
SELECT has_function('xray', '_explain_ids', ARRAY['text', 'text'], 'xray._explain_ids(text, text) exists');
SELECT has_function('xray', '_explain_items', ARRAY['bigint', 'bigint', 'text'], 'xray._explain_items exists');
SELECT has_function('xray', '_statements', ARRAY[]::text[], 'xray._statements() exists');
SELECT ok((SELECT bool_and('search_path=pg_catalog, pg_temp' = ANY (proconfig)) FROM pg_proc
           WHERE oid IN ('xray.explain(text, text)'::regprocedure, 'xray._explain_items(bigint, bigint, text)'::regprocedure,
                         'xray._checkpoint_counts()'::regprocedure, 'xray._io_advice()'::regprocedure)),
    'the new plpgsql functions pin search_path');
SELECT ok(NOT has_function_privilege('public', 'xray._checkpoint_counts()', 'EXECUTE')
          AND has_function_privilege('pg_read_all_stats', 'xray._checkpoint_counts()', 'EXECUTE')
          AND NOT has_function_privilege('public', 'xray._io_advice()', 'EXECUTE')
          AND has_function_privilege('pg_read_all_stats', 'xray._io_advice()', 'EXECUTE'),
    'checkpoint and I/O advice helpers: pg_read_all_stats, not PUBLIC');
SELECT is((SELECT count(*) FROM xray.explain(NULL))::int, 0, 'xray.explain(NULL): no rows');
SELECT throws_ok($$SELECT * FROM xray.explain('')$$, '42601', NULL, 'xray.explain of no statement: 42601');
SELECT throws_ok($$SELECT * FROM xray.explain('VACUUM')$$, '0A000', NULL, 'xray.explain of a utility statement: 0A000');
SELECT is((SELECT array_agg(pg_xray) FROM xray.explain('SELECT 1') WHERE pg_xray ~ '^[A-Z]'),
    ARRAY['Statement:', 'Recorded:', 'Plan History:', 'Index Advice:', 'Plan Findings:'], 'xray.explain: its five sections');
SELECT has_column('xray', 'wait_profile', 'description', 'xray.wait_profile has description');
SELECT is(xray._checkpoint_counts() IS NOT NULL, true, 'xray._checkpoint_counts() answers on this server');
-- every object of the extension says what it is for
SELECT is((SELECT string_agg(pg_describe_object(d.classid, d.objid, 0), ', ' ORDER BY 1)
           FROM pg_depend d
           -- (17+ also records the row types of its views and tables: they are described by the relation)
           WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND d.classid <> 'pg_type'::regclass
             AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_xray')
             AND NOT EXISTS (SELECT 1 FROM pg_description x WHERE x.classoid = d.classid AND x.objoid = d.objid AND x.objsubid = 0)),
          NULL, 'every function, view, table and sequence of pg_xray has a COMMENT');
SELECT * FROM finish();
ROLLBACK;
