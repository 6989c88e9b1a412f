-- pgTAP: the GUCs and their documented defaults; xray._require_setting.
BEGIN;
SELECT * FROM no_plan();
CREATE ROLE xray_tap_user;

-- GUCs exist with their documented defaults
SELECT is(current_setting('xray.enabled'), 'on', 'xray.enabled defaults to on');
SELECT is(current_setting('xray.track'), 'top', 'xray.track defaults to top');
SELECT is(current_setting('xray.max_statements'), '5000', 'xray.max_statements default');
SELECT is(current_setting('xray.max_plans'), '5000', 'xray.max_plans default');
SELECT is(current_setting('xray.track_utility'), 'on', 'xray.track_utility defaults to on');
SELECT is(current_setting('xray.save'), 'on', 'xray.save defaults to on');
SELECT is(current_setting('xray.query_text_size'), '2kB', 'xray.query_text_size default');
SELECT is(current_setting('xray.plan_text_size'), '2kB', 'xray.plan_text_size default');
SELECT is(current_setting('xray.flush_interval'), '1s', 'xray.flush_interval default');
SELECT is(current_setting('xray.index_advice_budget'), '1GB', 'xray.index_advice_budget default');
SELECT is(current_setting('xray.store_sample_values'), 'on', 'xray.store_sample_values default');
SELECT is(current_setting('xray.advice_sample_rate'), '0.01', 'xray.advice_sample_rate default');
SELECT is(current_setting('xray.index_advice_statements'), '500', 'xray.index_advice_statements default');
SELECT is(current_setting('xray.index_advice_min_rows'), '10000', 'xray.index_advice_min_rows default');
SELECT is(current_setting('xray.index_advice_max_plans'), '20000', 'xray.index_advice_max_plans default');
SELECT throws_ok('SET xray.advice_sample_rate = 2', '22023', NULL, 'xray.advice_sample_rate is a fraction');
SET LOCAL ROLE xray_tap_user;
SELECT throws_ok('SET xray.store_sample_values = off', '42501', NULL, 'only a superuser decides whether constants are kept');
RESET ROLE;

-- xray._require_setting: a setting's value, or the preload hint for an unknown one
SELECT has_function('xray', '_require_setting', ARRAY['text'], 'xray._require_setting(text) exists');
SELECT is(xray._require_setting('xray.long_transaction_threshold'), '1min', '_require_setting returns the setting');
SELECT throws_ok($$SELECT xray._require_setting('xray.no_such_setting')$$, '55000',
    'pg_xray must be loaded via shared_preload_libraries', '_require_setting on an unknown setting: 55000 with the preload message');
SELECT ok((SELECT 'search_path=pg_catalog, pg_temp' = ANY (proconfig) FROM pg_proc WHERE oid = 'xray._require_setting(text)'::regprocedure),
    '_require_setting pins search_path');
SELECT is(xray._require_setting(NULL), NULL, '_require_setting(NULL) is NULL (no error)');
SELECT * FROM finish();
ROLLBACK;
