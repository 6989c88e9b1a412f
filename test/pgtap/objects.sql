-- pgTAP: pg_xray's objects, their columns and types, functions and their markings.
BEGIN;
SELECT * FROM no_plan();

SELECT has_schema('xray');
SELECT has_view('xray', 'statements', 'view xray.statements exists');
SELECT has_view('xray', 'plans', 'view xray.plans exists');
SELECT has_view('xray', 'info', 'view xray.info exists');
SELECT has_view('xray', 'index_health', 'view xray.index_health exists');
SELECT has_view('xray', 'index_advice', 'view xray.index_advice exists');
SELECT has_view('xray', 'index_advice_queries', 'view xray.index_advice_queries exists');
SELECT has_function('xray', 'index_advice', ARRAY['integer', 'text'], 'xray.index_advice(max_indexes, budget)');
SELECT has_function('xray', 'index_advice_queries', ARRAY['integer', 'text'], 'xray.index_advice_queries(max_indexes, budget)');
SELECT has_view('xray', 'advice_outcomes', 'view xray.advice_outcomes exists');
SELECT has_table('xray', 'advice_log', 'table xray.advice_log exists');
SELECT columns_are('xray', 'advice_outcomes', ARRAY['id', 'advised_at', 'table_name', 'index_type', 'columns',
    'create_statement', 'index_name', 'created_seen_at', 'statements', 'statements_using', 'mean_before_ms',
    'mean_after_ms', 'p95_before_ms', 'p95_after_ms', 'index_scans', 'index_size_bytes', 'verdict', 'drop_statement'],
    'xray.advice_outcomes columns');
SELECT is((SELECT count(*)::int FROM xray.advice_outcomes), 0, 'nothing advised yet: no outcome');
SELECT has_view('xray', 'predicates', 'view xray.predicates exists');
SELECT has_view('xray', 'plan_regressions', 'view xray.plan_regressions exists');
SELECT has_view('xray', 'connection_advice', 'view xray.connection_advice exists');
SELECT has_view('xray', 'settings_advice', 'view xray.settings_advice exists');
SELECT has_view('xray', 'cache_candidates', 'view xray.cache_candidates exists');
SELECT has_view('xray', 'plan_findings', 'view xray.plan_findings exists');
SELECT has_function('xray', 'lock_edges', ARRAY[]::text[], 'function xray.lock_edges exists');
SELECT has_function('xray', 'blocking_tree', ARRAY[]::text[], 'function xray.blocking_tree exists');
SELECT has_function('xray', 'lock_samples', ARRAY[]::text[], 'function xray.lock_samples exists');
SELECT has_function('xray', 'lock_history', ARRAY[]::text[], 'function xray.lock_history exists');
SELECT has_function('xray', 'lock_incidents', ARRAY[]::text[], 'function xray.lock_incidents exists');
SELECT has_function('xray', 'wait_profile', ARRAY[]::text[], 'function xray.wait_profile exists');
SELECT has_function('xray', 'lock_sampler', ARRAY[]::text[], 'function xray.lock_sampler exists');
SELECT has_function('xray', 'lock_object', ARRAY['text','oid','oid','integer','smallint','text','xid','oid','oid','smallint'], 'function xray.lock_object exists');
SELECT is(xray.lock_object(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), NULL, 'lock_object: NULL lock type, NULL');
SELECT is(xray.lock_object('no such type', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), 'no such type', 'lock_object: an unknown lock type is named as it is');
SELECT is(xray.lock_object('tuple', (SELECT oid FROM pg_database WHERE datname = current_database()), 'xray.alert_rules'::regclass, 3, 7::smallint, NULL, NULL, NULL, NULL, NULL),
          'tuple (3,7) of xray.alert_rules', 'lock_object: a tuple of a table of this database, schema-qualified');
SELECT is(xray.lock_object('advisory', 0, NULL, NULL, NULL, NULL, NULL, 0, 42, 1::smallint), 'advisory lock 42', 'lock_object: a bigint advisory key');
SELECT is(xray.lock_object('virtualxid', NULL, NULL, NULL, NULL, 'not/a/vxid', NULL, NULL, NULL, NULL), 'virtual transaction 0/0', 'lock_object: a malformed virtualxid does not fail');
SELECT has_function('xray', 'heap_pages_estimate', ARRAY['double precision','double precision','integer','boolean','integer'], 'function xray.heap_pages_estimate exists');
SELECT has_function('xray', 'suggested_scale_factor', ARRAY['double precision','double precision','double precision','double precision'], 'function xray.suggested_scale_factor exists');
SELECT has_function('xray', 'id_consumption', ARRAY[]::text[], 'function xray.id_consumption exists');
SELECT has_function('xray', 'reloption', ARRAY['text[]','text'], 'function xray.reloption exists');
SELECT has_function('xray', 'maintenance_measure', ARRAY['text','text'], 'function xray.maintenance_measure exists');
SELECT has_function('xray', 'connection_minutes', ARRAY[]::text[], 'function xray.connection_minutes exists');
SELECT has_function('xray', 'memory_bytes', ARRAY[]::text[], 'function xray.memory_bytes exists');
SELECT has_function('xray', 'data_on_ssd', ARRAY[]::text[], 'function xray.data_on_ssd exists');
SELECT has_view('xray', 'snapshots_summary', 'view xray.snapshots_summary exists');
SELECT has_view('xray', 'statement_texts', 'view xray.statement_texts exists');
SELECT is(current_setting('xray.lock_sample_interval'), '100ms', 'xray.lock_sample_interval defaults to 100ms');
SELECT is(current_setting('xray.lock_history_size'), '10000', 'xray.lock_history_size defaults to 10000');
SELECT is(current_setting('xray.history_retention'), '7d', 'xray.history_retention defaults to 7 days');
SELECT is(current_setting('xray.snapshot_interval'), '0', 'xray.snapshot_interval is off by default');
SELECT is(current_setting('xray.monitoring_database'), 'postgres', 'xray.monitoring_database defaults to postgres');
SELECT is(current_setting('xray.long_transaction_threshold'), '1min', 'xray.long_transaction_threshold defaults to 1min');
SELECT throws_ok($$SET xray.long_transaction_threshold = -1$$, '22023', NULL, 'a negative long_transaction_threshold is 22023');
SELECT is(current_setting('xray.connection_observation'), '1h', 'xray.connection_observation defaults to 1h');
SELECT throws_ok($$SET xray.connection_observation = 0$$, '22023', NULL, 'a connection_observation under a minute is 22023');
SELECT throws_ok($$SET xray.lock_sample_interval = '1s'$$, '55P02', NULL, 'lock_sample_interval is set in the configuration (55P02)');
SELECT throws_ok($$SET xray.lock_history_size = 5$$, '55P02', NULL, 'lock_history_size needs a restart (55P02)');
SELECT throws_ok($$SET xray.history_retention = '1h'$$, '55P02', NULL, 'history_retention is set in the configuration (55P02)');
SELECT is(xray.size_setting(65536), '64kB', 'size_setting: kB');
SELECT is(xray.size_setting(3 * 1024.0 ^ 3), '3GB', 'size_setting: GB');
SELECT ok(xray.cpu_count() >= 1, 'cpu_count counts the processors');
SELECT has_view('xray', 'alerts', 'view xray.alerts exists');
SELECT has_table('xray', 'alert_rules', 'table xray.alert_rules exists');
SELECT has_table('xray', 'alert_log', 'table xray.alert_log exists');
SELECT has_table('xray', 'snapshots', 'table xray.snapshots exists');
SELECT is((SELECT count(*)::int FROM xray.alert_rules WHERE enabled), 13, 'thirteen default alert rules, enabled');
SELECT throws_ok($$INSERT INTO xray.alert_rules (name, metric, threshold) VALUES ('x', 'bogus', 1)$$, '23514', NULL, 'an unknown alert metric is refused');
SELECT throws_ok($$SELECT * FROM xray.compare(NULL, 1)$$, '22004', NULL, 'compare: NULL is 22004');
SELECT throws_ok($$SELECT * FROM xray.compare(-1, -2)$$, '42704', 'snapshot -1 does not exist', 'compare: unknown snapshot is 42704');
SELECT throws_ok($$SELECT * FROM xray.plan_regressions(-1)$$, '22023', NULL, 'plan_regressions: negative threshold is 22023');
SELECT throws_ok($$SELECT xray.snapshot(-1)$$, '22023', NULL, 'snapshot: negative limit is 22023');
SELECT throws_ok($$SELECT xray.metrics(-1)$$, '22023', NULL, 'metrics: negative limit is 22023');
SELECT throws_ok($$SELECT xray.report(0)$$, '22023', NULL, 'report: top 0 is 22023');
SELECT throws_ok($$SELECT xray._run_maintenance(1, true, 1, 1, NULL, NULL, NULL)$$, '22004', NULL, 'the internal runner refuses NULL options (no crash)');
SELECT is(xray.wraparound_forecast(NULL, 1, 1), NULL, 'wraparound_forecast of NULL is NULL');
SELECT throws_ok($$SELECT xray.report_html(0)$$, '22023', 'top must be between 1 and 1000', 'report_html: top 0 is 22023');
SELECT is(xray.prom_label(E'a"b\\c\nd'), E'"a\\"b\\\\c\\nd"', 'prom_label escapes quote, backslash, newline');
SELECT matches(xray.metrics(), '# TYPE pg_xray_statements gauge', 'metrics: exposition text with TYPE lines');
SELECT matches(xray.report_html(), '^<!DOCTYPE html>', 'report_html: an HTML document');

SELECT has_view('xray', 'maintenance_advice', 'view xray.maintenance_advice exists');
SELECT has_view('xray', 'wraparound', 'view xray.wraparound exists');
SELECT has_view('xray', 'xmin_horizon', 'view xray.xmin_horizon exists');
SELECT has_view('xray', 'table_bloat', 'view xray.table_bloat exists');
SELECT columns_are('xray', 'table_bloat', ARRAY['table_name', 'table_bytes', 'pages', 'expected_pages', 'bloat_pct', 'wasted_bytes',
  'method', 'kind', 'owner_table', 'dropped_column_bytes', 'note']);
-- the helpers of table_bloat: bad input is a clear ERROR, not a crash
SELECT throws_ok($$SELECT * FROM xray._heap_estimate(10, ARRAY[4], ARRAY['i']::"char"[], ARRAY[4, 4]::float8[], ARRAY[0]::float8[], ARRAY[false], ARRAY[false], 100)$$,
  '2202E', 'the column arrays must have the same length', '_heap_estimate: arrays of different lengths are 2202E');
SELECT throws_ok($$SELECT * FROM xray._heap_estimate(10, ARRAY[4, NULL], ARRAY['i', 'i']::"char"[], ARRAY[4, 4]::float8[], ARRAY[0, 0]::float8[], ARRAY[false, false], ARRAY[false, false], 100)$$,
  '22004', 'lens must not contain NULL', '_heap_estimate: a NULL element is 22004');
SELECT is((SELECT pages FROM xray._heap_estimate(226, ARRAY[4, 4], ARRAY['i', 'i']::"char"[], ARRAY[4, 4]::float8[], ARRAY[0, 0]::float8[], ARRAY[false, false], ARRAY[false, false], 100)),
  1::float8, '_heap_estimate: 226 rows of two integers fill one page');
SELECT throws_ok($$SELECT * FROM xray._heap_sample('pg_class', false, 0, 100)$$, '22023', 'max_pages must be between 1 and 100000', '_heap_sample: max_pages 0 is 22023');
SELECT is((SELECT pages_read FROM xray._heap_sample(0, false, 10, 100)), NULL, '_heap_sample: an unknown relation gives NULLs');
SELECT has_table('xray', 'maintenance_log', 'table xray.maintenance_log exists');
SELECT has_table('xray', 'maintenance_runs', 'table xray.maintenance_runs exists');
SELECT columns_are('xray', 'maintenance_advice', ARRAY['priority', 'kind', 'action', 'object', 'reason', 'command', 'urgency', 'measurements']);
SELECT columns_are('xray', 'maintenance_log', ARRAY['id', 'run_id', 'kind', 'action', 'object', 'command', 'reason', 'status',
  'started_at', 'finished_at', 'duration', 'error', 'sqlstate', 'before', 'after']);
SELECT is((xray.wraparound_forecast(150000000, 200000000, 10000000)).days_to_forced, 5::float8, 'wraparound_forecast: 50M ids left at 10M a day is 5 days');
SELECT is((xray.wraparound_forecast(150000000, 200000000, NULL)).days_to_forced, NULL::float8, 'wraparound_forecast: no rate, no forecast');
SELECT throws_ok($$SELECT xray.wraparound_forecast(1, 0, 1)$$, '22023', 'freeze_max_age must be positive', 'wraparound_forecast: bad max age is 22023');
SELECT is(xray.autovacuum_trigger(50, 0.2, 1000), 250::float8, 'autovacuum_trigger: threshold + scale factor x rows');
SELECT throws_ok($$SELECT xray.run_maintenance(dry_run => NULL)$$, '22004', NULL, 'run_maintenance: NULL option is 22004');
SELECT throws_ok($$SELECT xray.run_maintenance(time_budget => '-1 s')$$, '22023', 'time_budget must be positive', 'run_maintenance: negative budget is 22023');
SELECT throws_ok($$SELECT xray.run_maintenance(window_start => '01:00')$$, '22023', 'window_start and window_end go together', 'run_maintenance: half a window is 22023');
SELECT throws_ok($$SELECT xray.run_maintenance(kinds => ARRAY['vacuum', NULL])$$, '22023', NULL, 'run_maintenance: a NULL kind is 22023');
SELECT throws_ok($$SELECT * FROM xray.table_bloat(NULL)$$, '22004', 'exact must not be NULL', 'table_bloat: NULL is 22004');

SELECT has_view('xray', 'lock_waits', 'view xray.lock_waits exists');
SELECT has_view('xray', 'blocking_tree', 'view xray.blocking_tree exists');
SELECT has_view('xray', 'lock_samples', 'view xray.lock_samples exists');
SELECT has_view('xray', 'lock_history', 'view xray.lock_history exists');
SELECT has_view('xray', 'lock_incidents', 'view xray.lock_incidents exists');
SELECT has_view('xray', 'wait_profile', 'view xray.wait_profile exists');
SELECT has_view('xray', 'lock_sampler', 'view xray.lock_sampler exists');
SELECT has_view('xray', 'long_transactions', 'view xray.long_transactions exists');
SELECT has_view('xray', 'lock_advice', 'view xray.lock_advice exists');
SELECT columns_are('xray', 'lock_waits', ARRAY[
  'waiting_pid', 'blocking_pid', 'waiting_user', 'blocking_user', 'waiting_application', 'blocking_application',
  'locktype', 'object', 'relation', 'page', 'tuple', 'transactionid', 'virtualxid', 'advisory_key',
  'waiting_mode', 'blocking_mode', 'blocking_granted', 'wait_start', 'wait_duration', 'waiting_queryid',
  'waiting_query', 'blocking_queryid', 'blocking_query', 'blocking_state', 'blocking_xact_age', 'blocking_prepared_gid',
  'waiting_workers', 'blocking_workers']);
SELECT columns_are('xray', 'blocking_tree', ARRAY[
  'pid', 'root_pid', 'parent_pid', 'depth', 'path', 'waiting', 'in_cycle', 'blocked_sessions', 'blocked_wait',
  'wait_duration', 'usename', 'application_name', 'state', 'query_id', 'query', 'xact_age']);
SELECT columns_are('xray', 'lock_incidents', ARRAY[
  'incident_id', 'started_at', 'ended_at', 'duration', 'ongoing', 'root_pid', 'root_user', 'datname', 'root_queryid',
  'root_state', 'root_query', 'max_depth', 'max_sessions_blocked', 'blocked_seconds', 'deadlock_cycle']);
SELECT is(xray.lock_graph(), E'no session is waiting for a lock\n', 'lock_graph with nobody waiting says so');
SELECT is(xray.lock_graph('DOT'), E'digraph lock_waits {\n  rankdir=LR;\n  node [shape=box];\n}\n', 'lock_graph dot is case-insensitive and empty when nobody waits');
SELECT is(xray.lock_graph('mermaid'), E'graph LR\n', 'lock_graph mermaid when nobody waits');
SELECT throws_ok($$SELECT xray.lock_graph('png')$$, '22023', 'unknown lock graph format "png"', 'lock_graph: unknown format is 22023');
SELECT throws_ok($$SELECT xray.lock_graph(NULL)$$, '22004', 'format must not be NULL', 'lock_graph: NULL format is 22004');
SELECT lives_ok($$SELECT * FROM xray.long_transactions('-1 minute'::interval)$$, 'long_transactions accepts a negative threshold (everything in a transaction)');
SELECT ok((SELECT ring_size FROM xray.lock_sampler) = current_setting('xray.lock_history_size')::int, 'the ring has xray.lock_history_size entries');

SELECT columns_are('xray', 'predicates', ARRAY[
  'queryid', 'relation', 'attnum', 'column_name', 'kind', 'executions', 'seq_scans', 'under_limit',
  'rows_returned', 'rows_removed', 'removed_fraction', 'rows_estimated']);
SELECT columns_are('xray', 'index_advice_queries', ARRAY[
  'rank', 'index_name', 'queryid', 'query', 'calls', 'cost_before', 'cost_after', 'plan_before', 'plan_after',
  'changed_node']);
SELECT columns_are('xray', 'index_advice', ARRAY[
  'rank', 'table_name', 'index_type', 'columns', 'create_statement', 'estimated_size_bytes',
  'workload_cost_before', 'workload_cost_after', 'improvement_pct', 'write_overhead', 'queries',
  'replaces', 'reason']);
SELECT col_type_is('xray'::name, 'index_advice'::name, 'queries'::name, 'bigint[]', 'index_advice.queries is bigint[]');
SELECT columns_are('xray', 'index_health', ARRAY[
  'kind', 'schema_name', 'table_name', 'index_name', 'evidence', 'size_bytes', 'scans', 'fix']);
SELECT col_type_is('xray'::name, 'index_health'::name, 'size_bytes'::name, 'bigint', 'index_health.size_bytes is bigint');

-- this server's pg_stat_statements columns (15/16: blk_*_time; 17: shared_/local_blk_*_time,
-- jit_deform_*, stats_since, minmax_stats_since; 18: wal_buffers_full, parallel_workers_*) and ours
SELECT columns_are('xray', 'statements', ARRAY[
  'userid', 'dbid', 'toplevel', 'queryid', 'query', 'plans', 'total_plan_time', 'min_plan_time',
  'max_plan_time', 'mean_plan_time', 'stddev_plan_time', 'calls', 'total_exec_time', 'min_exec_time',
  'max_exec_time', 'mean_exec_time', 'stddev_exec_time', 'p50_exec_time', 'p95_exec_time',
  'p99_exec_time', 'rows', 'errors', 'total_error_time', 'shared_blks_hit', 'shared_blks_read',
  'shared_blks_dirtied', 'shared_blks_written', 'local_blks_hit', 'local_blks_read',
  'local_blks_dirtied', 'local_blks_written', 'temp_blks_read', 'temp_blks_written',
  'temp_blk_read_time', 'temp_blk_write_time', 'wal_records', 'wal_fpi', 'wal_bytes',
  'jit_functions', 'jit_generation_time', 'jit_inlining_count', 'jit_inlining_time',
  'jit_optimization_count', 'jit_optimization_time', 'jit_emission_count', 'jit_emission_time',
  'distinct_plans', 'first_seen', 'last_seen']::name[]
  || CASE WHEN current_setting('server_version_num')::int < 170000 THEN ARRAY['blk_read_time', 'blk_write_time']::name[]
     ELSE ARRAY['shared_blk_read_time', 'shared_blk_write_time', 'local_blk_read_time', 'local_blk_write_time',
                'jit_deform_count', 'jit_deform_time', 'stats_since', 'minmax_stats_since']::name[] END
  || CASE WHEN current_setting('server_version_num')::int >= 180000
     THEN ARRAY['wal_buffers_full', 'parallel_workers_to_launch', 'parallel_workers_launched']::name[]
     ELSE ARRAY[]::name[] END);
-- the same names and types as pg_stat_statements of this very server (installed in schema pgss)
SELECT set_has(
  $$SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = 'xray.statements'::regclass AND attnum > 0 AND NOT attisdropped$$,
  $$SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = 'pgss.pg_stat_statements'::regclass AND attnum > 0 AND NOT attisdropped$$,
  'xray.statements has every column of this server''s pg_stat_statements, with its type');
-- in pg_stat_statements' order: its columns appear in xray.statements in the same sequence
SELECT is(
  (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
   WHERE a.attrelid = 'xray.statements'::regclass AND a.attnum > 0
     AND a.attname IN (SELECT attname FROM pg_attribute WHERE attrelid = 'pgss.pg_stat_statements'::regclass)),
  (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
   WHERE attrelid = 'pgss.pg_stat_statements'::regclass AND attnum > 0 AND NOT attisdropped),
  'pg_stat_statements'' columns come in its order');
SELECT columns_are('xray', 'plans', ARRAY[
  'dbid', 'queryid', 'planid', 'calls', 'total_exec_time', 'mean_exec_time', 'p95_exec_time',
  'first_seen', 'last_seen', 'plan']);
SELECT columns_are('xray', 'info', ARRAY[
  'statements', 'max_statements', 'plans', 'max_plans', 'pending', 'statement_evictions',
  'plan_evictions', 'dropped', 'flushes', 'shared_memory_bytes', 'hook_time_ms', 'stats_reset']);

-- column types (pg_stat_statements' types where the concept is the same)
SELECT col_type_is('xray'::name, 'statements'::name, c::name, t::text, 'xray.statements.' || c || ' is ' || t) FROM (VALUES
  ('userid', 'oid'), ('dbid', 'oid'), ('toplevel', 'boolean'), ('queryid', 'bigint'), ('query', 'text'),
  ('plans', 'bigint'), ('total_plan_time', 'double precision'), ('calls', 'bigint'),
  ('total_exec_time', 'double precision'), ('mean_exec_time', 'double precision'),
  ('stddev_exec_time', 'double precision'), ('p50_exec_time', 'double precision'),
  ('p95_exec_time', 'double precision'), ('p99_exec_time', 'double precision'), ('rows', 'bigint'),
  ('errors', 'bigint'), ('total_error_time', 'double precision'), ('shared_blks_hit', 'bigint'),
  ('temp_blks_written', 'bigint'), ('temp_blk_read_time', 'double precision'), ('wal_records', 'bigint'),
  ('wal_fpi', 'bigint'), ('wal_bytes', 'numeric'), ('distinct_plans', 'integer'),
  ('first_seen', 'timestamp with time zone'), ('last_seen', 'timestamp with time zone')) v(c, t);
SELECT col_type_is('xray'::name, 'plans'::name, c::name, t::text, 'xray.plans.' || c || ' is ' || t) FROM (VALUES
  ('dbid', 'oid'), ('queryid', 'bigint'), ('planid', 'bigint'), ('calls', 'bigint'),
  ('total_exec_time', 'double precision'), ('mean_exec_time', 'double precision'),
  ('p95_exec_time', 'double precision'), ('first_seen', 'timestamp with time zone'),
  ('last_seen', 'timestamp with time zone'), ('plan', 'text')) v(c, t);
SELECT col_type_is('xray'::name, 'info'::name, c::name, t::text, 'xray.info.' || c || ' is ' || t) FROM (VALUES
  ('statements', 'bigint'), ('max_statements', 'bigint'), ('shared_memory_bytes', 'bigint'),
  ('hook_time_ms', 'double precision'), ('stats_reset', 'timestamp with time zone')) v(c, t);

-- functions and their markings
SELECT has_function('xray', 'reset', ARRAY[]::name[]);
SELECT has_function('xray', 'reset_query', ARRAY['bigint']);
SELECT has_function('xray', 'what_if', ARRAY['text', 'text[]']);
SELECT volatility_is('xray', 'what_if', ARRAY['text', 'text[]'], 'volatile');
SELECT function_returns('xray', 'reset', ARRAY[]::name[], 'timestamp with time zone');
SELECT function_returns('xray', 'reset_query', ARRAY['bigint'], 'bigint');
SELECT volatility_is('xray', 'reset', ARRAY[]::name[], 'volatile');
SELECT volatility_is('xray', 'statements', ARRAY[]::name[], 'volatile');
SELECT isnt_strict('xray', 'reset_query', ARRAY['bigint'], 'reset_query handles NULL itself');
SELECT is(p.proparallel, 'r', 'reset is PARALLEL RESTRICTED')
  FROM pg_proc p WHERE p.oid = 'xray.reset()'::regprocedure;
-- 0.6.0: the fleet (#14)
SELECT has_table('xray', 'nodes', 'table xray.nodes exists');
SELECT columns_are('xray', 'nodes', ARRAY['name', 'server', 'enabled', 'added_at'], 'xray.nodes columns: no connection string');
SELECT has_view('xray', 'fleet_status', 'view xray.fleet_status exists');
SELECT has_view('xray', 'fleet_statements', 'view xray.fleet_statements exists');
SELECT has_view('xray', 'fleet_statements_merged', 'view xray.fleet_statements_merged exists');
SELECT has_view('xray', 'fleet_index_usage', 'view xray.fleet_index_usage exists');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'xray.fleet_statements'::regclass AND attnum > 1),
          (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'xray.statements'::regclass AND attnum > 0),
          'xray.fleet_statements: node, then the columns of xray.statements');
SELECT has_function('xray', 'add_node', ARRAY['text', 'text'], 'xray.add_node(name, server)');
SELECT has_function('xray', 'remove_node', ARRAY['text'], 'xray.remove_node(name)');
SELECT has_function('xray', 'discover_nodes', ARRAY[]::text[], 'xray.discover_nodes()');
SELECT is((SELECT string_agg(node || ' ' || reachable || ' ' || role, ', ') FROM xray.fleet_status), 'local true primary',
          'no node registered: fleet_status is this server');
SELECT is(xray.histogram_quantile('{10,20}', '{1,1}', 0.5) < xray.histogram_quantile('{10,20}', '{1,1}', 1.0), true,
          'histogram_quantile: the median below the maximum');
SELECT has_view('xray', 'node_lock_graph', 'view xray.node_lock_graph (a node''s blocking graph)');
SELECT has_function('xray', 'fleet_lock_graph', ARRAY[]::text[], 'xray.fleet_lock_graph()');
SELECT is((SELECT count(*)::int FROM xray.fleet_lock_graph() WHERE node <> 'local'), 0, 'fleet_lock_graph without nodes: this server only');
SELECT col_not_null('xray', 'snapshots', 'node', 'every snapshot is of a node');
SELECT col_default_is('xray', 'snapshots', 'node', 'local', 'snapshots are of this server by default');
SELECT has_column('xray', 'snapshots_summary', 'node', 'snapshots_summary names the node');
SELECT has_view('xray', v, 'view xray.' || v || ' (what a snapshot reads of a node)')
  FROM unnest(ARRAY['node_databases', 'node_tables', 'node_indexes', 'node_waits', 'node_lock_incidents', 'node_lock_samples']) v;
SELECT is(xray.histogram_quantile('{}', '{}', 0.5), NULL, 'histogram_quantile of no counts: NULL');
SELECT isnt_strict('xray', 'histogram_quantile', ARRAY['integer[]', 'bigint[]', 'double precision'], 'histogram_quantile handles NULL itself');
-- 0.7.0: the fleet's samples, plans, regressions and the nodes that are this server (#14)
SELECT has_view('xray', 'node_samples', 'view xray.node_samples (a server''s statement samples, for the fleet''s advisor)');
SELECT columns_are('xray', 'node_samples', ARRAY['queryid', 'sample', 'const_at', 'const_len', 'differed', 'runs'], 'xray.node_samples columns');
SELECT has_view('xray', 'fleet_plan_regressions', 'view xray.fleet_plan_regressions exists');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'xray.fleet_plan_regressions'::regclass AND attnum > 1),
          (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'xray.plan_regressions'::regclass AND attnum > 0),
          'xray.fleet_plan_regressions: node, then the columns of xray.plan_regressions');
SELECT has_function('xray', 'fleet_plan_regressions', ARRAY['double precision'], 'xray.fleet_plan_regressions(threshold)');
SELECT throws_ok('SELECT * FROM xray.fleet_plan_regressions(-1)', '22023', NULL, 'fleet_plan_regressions: a negative threshold is 22023');
SELECT throws_ok('SELECT * FROM xray.fleet_plan_regressions(NULL)', '22023', NULL, 'fleet_plan_regressions: a NULL threshold is 22023');
SELECT is((SELECT count(*)::int FROM xray.fleet_plan_regressions(0) WHERE node <> 'local'), 0, 'fleet_plan_regressions without nodes: this server only');
SELECT has_column('xray', 'plan_findings', 'nodes', 'plan_findings names the nodes');
SELECT has_column('xray', 'cache_candidates', 'nodes', 'cache_candidates names the nodes');
SELECT col_type_is('xray', 'plan_findings', 'nodes', 'text[]', 'plan_findings.nodes is text[]');
SELECT is((SELECT count(*)::int FROM xray._fleet_probe()), 0, '_fleet_probe without nodes: none');
SELECT is((SELECT count(*)::int FROM xray._fleet_samples()), 0, '_fleet_samples without nodes: none');
SELECT is((SELECT count(*)::int FROM xray._fleet_plans() WHERE node <> 'local'), 0, '_fleet_plans without nodes: this server''s');
SELECT * FROM finish();
ROLLBACK;
