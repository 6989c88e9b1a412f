-- xray.what_if: plans with hypothetical btree indexes, nothing built
CREATE TABLE wi_orders (id int PRIMARY KEY, customer_id int, status text, created date, amount numeric, "Odd col" int);
INSERT INTO wi_orders SELECT g, g % 2000, 's' || (g % 7), date '2024-01-01' + g % 365, g % 100, g % 3
FROM generate_series(1, 20000) g;
ANALYZE wi_orders;

-- a lookup on an unindexed column: the index is used and the cost drops
SELECT improvement_pct > 80 AS much_cheaper, indexes_used, estimated_size_bytes > 0 AS sized,
       plan_before, plan_after
FROM xray.what_if('SELECT * FROM wi_orders WHERE customer_id = 42',
                  ARRAY['CREATE INDEX ON wi_orders (customer_id)']);

-- normalized texts ($n) work; only the useful index of two is used
SELECT cost_after < cost_before AS cheaper, indexes_used, plan_after
FROM xray.what_if('SELECT id FROM wi_orders WHERE customer_id = $1 AND status = $2 ORDER BY created DESC LIMIT 10',
                  ARRAY['CREATE INDEX ON wi_orders (customer_id, status, created DESC)',
                        'CREATE INDEX wi_by_amount ON wi_orders (amount)']);

-- expression, INCLUDE, partial and quoted-column indexes
SELECT indexes_used, cost_after < cost_before AS cheaper
FROM xray.what_if('SELECT sum(amount) FROM wi_orders WHERE lower(status) = $1',
                  ARRAY['CREATE INDEX ON wi_orders (lower(status)) INCLUDE (amount)']);
SELECT indexes_used, cost_after < cost_before AS cheaper
FROM xray.what_if('SELECT id FROM wi_orders WHERE created = $1 AND status = ''s1''',
                  ARRAY['CREATE INDEX partial_s1 ON wi_orders (created) WHERE status = ''s1''']);
SELECT indexes_used, cost_after < cost_before AS cheaper
FROM xray.what_if('SELECT id FROM wi_orders WHERE "Odd col" = 1 AND customer_id = 7',
                  ARRAY['CREATE INDEX ON wi_orders ("Odd col", customer_id)']);

-- no help possible: the plan and cost stay the same, the index is not used
SELECT cost_after = cost_before AS same_cost, indexes_used
FROM xray.what_if('SELECT count(*) FROM wi_orders', ARRAY['CREATE INDEX ON wi_orders (status)']);

-- gin: jsonb containment
ALTER TABLE wi_orders ADD COLUMN doc jsonb;
UPDATE wi_orders SET doc = jsonb_build_object('k', id % 300);
ANALYZE wi_orders;
SELECT indexes_used, improvement_pct > 50 AS much_cheaper, plan_after
FROM xray.what_if('SELECT id FROM wi_orders WHERE doc @> ''{"k": 7}''',
                  ARRAY['CREATE INDEX ON wi_orders USING gin (doc jsonb_path_ops)']);

-- nothing was built, and the hypothetical index leaves no trace afterwards
SELECT count(*) AS indexes_on_table FROM pg_index WHERE indrelid = 'wi_orders'::regclass;
EXPLAIN (COSTS OFF) SELECT * FROM wi_orders WHERE customer_id = 42;

-- bad input
SELECT * FROM xray.what_if(NULL, ARRAY[]::text[]);
SELECT * FROM xray.what_if('SELECT 1', NULL);
SELECT * FROM xray.what_if('SELECT 1', ARRAY[NULL]);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE TABLE t (a int)']);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE INDEX ON wi_orders (nosuch)']);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE INDEX ON nosuch (a)']);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE INDEX ON wi_orders USING gin (status)']);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE INDEX ON wi_orders USING hash (status)']);
SELECT * FROM xray.what_if('SELECT 1', ARRAY['CREATE INDEX ON wi_orders USING gin (status) INCLUDE (id)']);
SELECT * FROM xray.what_if('VACUUM wi_orders', ARRAY[]::text[]);
SELECT * FROM xray.what_if('SELECT 1; SELECT 2', ARRAY[]::text[]);
SELECT * FROM xray.what_if('SELECT * FROM nosuch', ARRAY[]::text[]);
-- the caller needs the statement's privileges, as for EXPLAIN
CREATE ROLE wi_nobody;
SET ROLE wi_nobody;
SELECT * FROM xray.what_if('SELECT * FROM wi_orders', ARRAY[]::text[]);
RESET ROLE;
DROP ROLE wi_nobody;
DROP TABLE wi_orders;
