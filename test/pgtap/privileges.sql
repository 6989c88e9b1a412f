-- pgTAP: who may read and run what; other roles' texts and query ids hidden.
BEGIN;
SELECT * FROM no_plan();

-- privileges per role
CREATE ROLE xray_tap_user;
CREATE ROLE xray_tap_monitor IN ROLE pg_read_all_stats;
SELECT ok(has_schema_privilege('xray_tap_user', 'xray', 'USAGE'), 'everyone may use schema xray');
SELECT ok(has_table_privilege('xray_tap_user', 'xray.statements', 'SELECT'), 'everyone may read xray.statements');
SELECT ok(has_table_privilege('xray_tap_user', 'xray.info', 'SELECT'), 'everyone may read xray.info');
SELECT ok(has_table_privilege('xray_tap_user', 'xray.index_health', 'SELECT'), 'everyone may read xray.index_health');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.plans', 'SELECT'), 'plans are not public');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.plans', 'SELECT'), 'pg_read_all_stats reads plans');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.predicates', 'SELECT'), 'predicates are not public');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.predicates', 'SELECT'), 'pg_read_all_stats reads predicates');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.snapshot(integer, integer)', 'EXECUTE'), 'snapshot is revoked from PUBLIC');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.check_alerts()', 'EXECUTE'), 'check_alerts is revoked from PUBLIC');
SELECT ok(has_function_privilege('xray_tap_monitor', 'xray.metrics(integer)', 'EXECUTE'), 'pg_read_all_stats may read metrics');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.alert_rules', 'UPDATE'), 'alert rules are edited by their owner only');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.run_maintenance(boolean, interval, integer, text[], time, time)', 'EXECUTE'), 'run_maintenance is revoked from PUBLIC');
SELECT ok(NOT has_function_privilege('xray_tap_monitor', 'xray.run_maintenance(boolean, interval, integer, text[], time, time)', 'EXECUTE'), 'monitoring roles cannot run maintenance');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.maintenance_log', 'INSERT'), 'the log is read-only for users');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.maintenance_advice', 'SELECT'), 'pg_read_all_stats reads the maintenance advice');
SELECT ok(has_table_privilege('xray_tap_user', 'xray.lock_waits', 'SELECT'), 'everyone may read xray.lock_waits');
SELECT ok(has_table_privilege('xray_tap_user', 'xray.lock_history', 'SELECT'), 'everyone may read xray.lock_history');
SELECT ok(has_function_privilege('xray_tap_user', 'xray.lock_graph(text)', 'EXECUTE'), 'everyone may run lock_graph');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.reset()', 'EXECUTE'), 'reset is revoked from PUBLIC');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.reset_query(bigint)', 'EXECUTE'), 'reset_query is revoked from PUBLIC');
SELECT ok(NOT has_function_privilege('xray_tap_monitor', 'xray.reset()', 'EXECUTE'), 'monitoring roles cannot reset');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.statements', 'INSERT'), 'views are read-only for users');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.advice_outcomes', 'SELECT'), 'advice outcomes are not public');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.advice_outcomes', 'SELECT'), 'pg_read_all_stats reads advice outcomes');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.advice_log', 'SELECT'), 'the advice log is not public');
SELECT ok(NOT has_table_privilege('xray_tap_monitor', 'xray.advice_log', 'INSERT'), 'monitoring roles do not write the advice log');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray._advice_seen()', 'EXECUTE'), '_advice_seen is revoked from PUBLIC');
SELECT ok(has_function_privilege('xray_tap_user', 'xray.what_if(text, text[])', 'EXECUTE'), 'everyone may run what_if');
SELECT ok(has_function_privilege('xray_tap_monitor', 'xray.plan_nodes()', 'EXECUTE'), 'pg_read_all_stats reads the sampled plan nodes');
SELECT ok(has_function_privilege('xray_tap_monitor', 'xray.repeats()', 'EXECUTE'), 'pg_read_all_stats reads the repeats');
SELECT has_function('xray', 'plan_nodes', ARRAY[]::name[], 'function xray.plan_nodes() exists');
SELECT has_function('xray', 'repeats', ARRAY[]::name[], 'function xray.repeats() exists');

SET LOCAL ROLE xray_tap_user;
SELECT throws_ok('SELECT xray.reset()', '42501', NULL, 'a plain role cannot reset');
SELECT throws_ok('SET xray.track_utility = off', '42501', NULL, 'xray.track_utility is for superusers only');
SELECT throws_ok('SELECT * FROM xray.plans', '42501', NULL, 'a plain role cannot read plans');
SELECT throws_ok('SELECT * FROM xray.predicates()', '42501', NULL, 'a plain role cannot read predicates');
SELECT throws_ok('SELECT * FROM xray.plan_nodes()', '42501', NULL, 'a plain role cannot read the sampled plan nodes');
SELECT throws_ok('SELECT * FROM xray.repeats()', '42501', NULL, 'a plain role cannot read the repeats');
SELECT throws_ok('SELECT xray.run_maintenance()', '42501', NULL, 'a plain role cannot run maintenance');
SELECT throws_ok('SELECT * FROM xray.maintenance_advice', '42501', NULL, 'a plain role reading the advice gets a clear 42501');
SELECT throws_ok($$SELECT xray._run_maintenance(1, true, 1, 1, 'vacuum', NULL, NULL)$$, '42501', 'permission denied for function run_maintenance', 'nor through the internal function');
SELECT lives_ok('SELECT * FROM xray.statements', 'a plain role reads statements');
SELECT ok((SELECT count(*) FROM xray.statements WHERE userid <> 'xray_tap_user'::regrole) > 0,
          'a plain role still sees that others ran statements');
SELECT is((SELECT count(*) FROM xray.statements WHERE userid <> 'xray_tap_user'::regrole
           AND query <> '<insufficient privilege>'), 0::bigint, 'others'' texts are hidden from a plain role');
SELECT is((SELECT count(*) FROM xray.statements WHERE userid <> 'xray_tap_user'::regrole
           AND queryid IS NOT NULL), 0::bigint, 'others'' query ids are hidden from a plain role');
RESET ROLE;
SET LOCAL ROLE xray_tap_monitor;
SELECT ok((SELECT count(*) FROM xray.statements WHERE query = '<insufficient privilege>') = 0,
          'pg_read_all_stats sees every text');
RESET ROLE;
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.nodes', 'SELECT'), 'the node list is not public');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.nodes', 'SELECT'), 'pg_read_all_stats reads the node list');
SELECT ok(NOT has_table_privilege('xray_tap_monitor', 'xray.nodes', 'INSERT'), 'monitoring roles do not register nodes');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.fleet_statements', 'SELECT'), 'fleet statements are not public');
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.fleet_statements_merged', 'SELECT'), 'pg_read_all_stats reads the merged fleet statements');
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.' || v, 'SELECT'), 'xray.' || v || ' is not public')
  FROM unnest(ARRAY['node_waits', 'node_lock_incidents', 'node_lock_samples']) v;
SELECT ok(has_table_privilege('xray_tap_monitor', 'xray.' || v, 'SELECT'), 'pg_read_all_stats reads xray.' || v)
  FROM unnest(ARRAY['node_databases', 'node_tables', 'node_indexes', 'node_waits', 'node_lock_incidents', 'node_lock_samples']) v;
SELECT ok(NOT has_table_privilege('xray_tap_user', 'xray.node_lock_graph', 'SELECT'), 'node_lock_graph is not public');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.fleet_lock_graph()', 'EXECUTE'), 'fleet_lock_graph is not public');
SELECT ok(has_function_privilege('xray_tap_monitor', 'xray.fleet_lock_graph()', 'EXECUTE'), 'pg_read_all_stats runs fleet_lock_graph');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray._snapshot_node(bigint, bigint, timestamptz, text, integer, integer)', 'EXECUTE'),
          '_snapshot_node is revoked from PUBLIC');
SELECT ok(NOT has_function_privilege('xray_tap_monitor', 'xray.add_node(text, text)', 'EXECUTE'), 'add_node is not for monitoring roles');
SELECT ok(NOT has_function_privilege('xray_tap_user', 'xray.remove_node(text)', 'EXECUTE'), 'remove_node is not public');
SELECT * FROM finish();
ROLLBACK;
