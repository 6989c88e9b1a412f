-- pgTAP: bad input gets a clear ERROR with a SQLSTATE.
BEGIN;
SELECT * FROM no_plan();

-- bad input gets a clear error with a SQLSTATE
SELECT throws_ok('SELECT xray.reset_query(NULL)', '22004', 'queryid must not be NULL');
SELECT throws_ok('SELECT xray.reset_query(0)', '22023', 'queryid 0 does not identify a statement');
SELECT throws_ok('SELECT xray.reset_query(987654321)', '42704', 'no statement with queryid 987654321 is recorded');
SELECT throws_ok('SET xray.track = ''sometimes''', '22023', NULL, 'xray.track rejects unknown values');
SELECT throws_ok('SET xray.max_statements = 10', '55P02', NULL, 'capacity is fixed at server start');

SELECT throws_ok($$SELECT xray.what_if(NULL, '{}')$$, '22004', 'query must not be NULL');
SELECT throws_ok($$SELECT * FROM xray.index_advice(0)$$, '22023', 'max_indexes must be between 1 and 100');
SELECT throws_ok($$SELECT * FROM xray.index_advice_queries(101)$$, '22023', 'max_indexes must be between 1 and 100');
SELECT throws_ok($$SELECT * FROM xray.index_advice(10, '-1 MB')$$, '22023', 'budget must not be negative');
SELECT throws_ok($$SELECT * FROM xray.index_advice(10, 'lots')$$, '22023', NULL, 'a budget that is no size');
SELECT lives_ok($$SELECT * FROM xray.index_advice(10, NULL)$$, 'a NULL budget is xray.index_advice_budget');
SELECT throws_ok($$SELECT xray.what_if('SELECT 1', '{"CREATE TABLE t (a int)"}')$$, '42601', NULL, 'what_if: not an index statement');
SELECT throws_ok($$SELECT xray.what_if('SELECT 1', '{"CREATE INDEX ON pg_xray_nosuch (a)"}')$$, '42P01', NULL, 'what_if: unknown table');
SELECT throws_ok($$SELECT xray.what_if('SELECT 1', '{"CREATE INDEX ON pg_class USING hash (relname)"}')$$, '0A000', NULL, 'what_if: only btree');
SELECT throws_ok($$SELECT xray.what_if('VACUUM', '{}')$$, '0A000', NULL, 'what_if: not a utility statement');
SELECT throws_ok($$SELECT xray.add_node(NULL, 'x')$$, '22004', NULL, 'add_node: NULL name');
SELECT throws_ok($$SELECT xray.add_node('n', 'pg_xray_no_such_server')$$, '42704', NULL, 'add_node: unknown server');
SELECT throws_ok($$SELECT xray.add_node('LOCAL', 'x')$$, '22023', NULL, 'add_node: the name local is this server');
SELECT throws_ok($$SELECT xray.remove_node('pg_xray_no_such_node')$$, '42704', NULL, 'remove_node: unknown node');
SELECT throws_ok($$SELECT xray.histogram_quantile('{1}', '{1}', 1.5)$$, '22023', NULL, 'histogram_quantile: q above 1');
SELECT throws_ok($$SELECT xray.histogram_quantile('{1,2}', '{1}', 0.5)$$, '2202E', NULL, 'histogram_quantile: arrays of different lengths');
SELECT throws_ok($$SELECT xray.histogram_quantile('{999}', '{1}', 0.5)$$, '22023', NULL, 'histogram_quantile: bucket out of range');
SELECT * FROM finish();
ROLLBACK;
