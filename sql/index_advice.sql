-- xray.index_advice: indexes chosen for the recorded workload, checked by what-if planning
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE adv_users (id int PRIMARY KEY, email text, country text);
INSERT INTO adv_users SELECT g, 'u' || g || '@example.org', 'c' || (g % 40) FROM generate_series(1, 20000) g;
CREATE TABLE adv_orders (id int PRIMARY KEY, customer_id int, status text, created date, amount numeric);
INSERT INTO adv_orders SELECT g, 1 + g % 20000, 's' || (g % 6), date '2024-01-01' + g % 365, g % 100
FROM generate_series(1, 30000) g;
CREATE TABLE adv_events (id int PRIMARY KEY, user_id int, kind text);
INSERT INTO adv_events SELECT g, g % 20000, 'k' || (g % 9) FROM generate_series(1, 25000) g;
CREATE INDEX adv_events_user ON adv_events (user_id);
CREATE TABLE adv_tiny (id int PRIMARY KEY, v text);
INSERT INTO adv_tiny SELECT g, 'v' || g FROM generate_series(1, 100) g;
CREATE TABLE adv_hot (id int PRIMARY KEY, x int, y int);
INSERT INTO adv_hot SELECT g, g % 1000, 0 FROM generate_series(1, 20000) g;
CREATE TABLE "Order ""Items""" (id int PRIMARY KEY, "Order ID" int, qty int);
INSERT INTO "Order ""Items""" SELECT g, g % 5000, 1 FROM generate_series(1, 20000) g;
ANALYZE;
-- a vacuumed table read for one narrow column: a covering index (index-only scan)
CREATE TABLE adv_cov (id int PRIMARY KEY, customer_id int, status text, note text);
INSERT INTO adv_cov SELECT g, g % 3000, 's' || (g % 6), repeat('x', 200) FROM generate_series(1, 30000) g;
VACUUM ANALYZE adv_cov;
-- text searched with LIKE '%...%' and jsonb searched with @>: gin indexes
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE adv_docs (id int PRIMARY KEY, title text, body jsonb);
INSERT INTO adv_docs SELECT g, md5(g::text) || ' title ' || g, jsonb_build_object('tag', 't' || (g % 500), 'n', g)
FROM generate_series(1, 20000) g;
ANALYZE adv_docs;
-- a queue read with the same status literal every time: a partial index
CREATE TABLE adv_jobs (id int PRIMARY KEY, status text, queue int, created timestamptz);
INSERT INTO adv_jobs SELECT g, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'done' END, g % 20,
       timestamptz '2024-01-01' + g * interval '1 s' FROM generate_series(1, 30000) g;
ANALYZE adv_jobs;
SELECT xray.reset() IS NOT NULL AS reset;

-- the workload (each statement run a few times; every run's scans measured, in
-- this session and the next ones)
SET xray.advice_sample_rate = 1;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET xray.advice_sample_rate = 1', current_database()); END $$;
\o /dev/null
SELECT id, amount FROM adv_orders WHERE customer_id = 42;
SELECT id, amount FROM adv_orders WHERE customer_id = 43;
SELECT id, amount FROM adv_orders WHERE customer_id = 44;
SELECT o.id, o.amount FROM adv_orders o JOIN adv_users u ON u.id = o.customer_id WHERE u.email = 'u9@example.org';
SELECT id FROM adv_orders WHERE status = 's1' AND created > date '2024-11-01' ORDER BY created LIMIT 5;
SELECT id FROM adv_orders WHERE status = 's2' AND created > date '2024-11-15' ORDER BY created LIMIT 5;
SELECT * FROM adv_users WHERE email = 'u7@example.org';
SELECT * FROM adv_users WHERE email = 'u8@example.org';
SELECT id FROM adv_users WHERE lower(country) = 'c7';
SELECT id FROM adv_users WHERE lower(country) = 'c8';
SELECT * FROM adv_events WHERE user_id = 5;
SELECT * FROM adv_events WHERE user_id = 6;
SELECT * FROM adv_tiny WHERE v = 'v5';
SELECT * FROM adv_tiny WHERE v = 'v6';
SELECT count(*) FROM adv_orders;
SELECT * FROM adv_hot WHERE x = 5;
-- recurring updates of x (not one-off bulk writes: 4,000 rows each, five times, through the primary key)
UPDATE adv_hot SET x = x + 1, y = y + 1 WHERE id > 0 AND id <= 4000;
UPDATE adv_hot SET x = x + 1, y = y + 1 WHERE id > 4000 AND id <= 8000;
UPDATE adv_hot SET x = x + 1, y = y + 1 WHERE id > 8000 AND id <= 12000;
UPDATE adv_hot SET x = x + 1, y = y + 1 WHERE id > 12000 AND id <= 16000;
UPDATE adv_hot SET x = x + 1, y = y + 1 WHERE id > 16000 AND id <= 20000;
SELECT sum(qty) FROM "Order ""Items""" WHERE "Order ID" = 7;
SELECT sum(qty) FROM "Order ""Items""" WHERE "Order ID" = 8;
SELECT status FROM adv_cov WHERE customer_id = 11;
SELECT status FROM adv_cov WHERE customer_id = 12;
SELECT id FROM adv_docs WHERE title LIKE '%ab12%';
SELECT id FROM adv_docs WHERE title LIKE '%cd34%';
SELECT id FROM adv_docs WHERE body @> '{"tag": "t7"}';
SELECT id FROM adv_docs WHERE body @> '{"tag": "t8"}';
-- several sessions (each new backend keeps one more sample of the statement)
\c -
SELECT id FROM adv_jobs WHERE status = 'pending' AND queue = 1 ORDER BY created LIMIT 5;
\c -
SELECT id FROM adv_jobs WHERE status = 'pending' AND queue = 2 ORDER BY created LIMIT 5;
\c -
SELECT id FROM adv_jobs WHERE status = 'pending' AND queue = 3 ORDER BY created LIMIT 5;
\o

-- expected: (customer_id), (status, created), (email), ((lower(country))), ("Order ID"),
-- adv_cov (customer_id) INCLUDE (status), gin on adv_docs, adv_jobs (queue, created)
-- WHERE status = 'pending'; nothing for the
-- already indexed, tiny and write-heavy tables, nor for count(*)
SELECT rank, table_name, index_type, columns, create_statement, cardinality(queries) AS statements_helped,
       replaces, improvement_pct > 0 AS improves, workload_cost_after < workload_cost_before AS workload_cheaper,
       estimated_size_bytes > 0 AS sized
FROM xray.index_advice ORDER BY table_name COLLATE "C", columns COLLATE "C";
SELECT bool_and(reason LIKE '%statement% on %') AS reasons_explain,
       bool_and(reason LIKE '%sampled run% its scans returned % rows and their filters removed %') AS reasons_show_sampled_scans
FROM xray.index_advice;
-- per index, the statements it helps: cheaper per call, plan before and after
SELECT rank, index_name, query, cost_after < cost_before AS cheaper, changed_node, plan_before, plan_after
FROM xray.index_advice_queries ORDER BY rank, query COLLATE "C";

-- a budget smaller than any index: no advice; max_indexes = 1: the best one only
SET xray.index_advice_budget = '64kB';
SELECT count(*) AS advice_within_64kB FROM xray.index_advice;
RESET xray.index_advice_budget;
SELECT count(*) AS with_max_1 FROM xray.index_advice(1);
SELECT * FROM xray.index_advice(0);

-- build what was advised: the planner uses every new index
SELECT create_statement FROM xray.index_advice ORDER BY rank \gexec
ANALYZE;
EXPLAIN (COSTS OFF) SELECT id, amount FROM adv_orders WHERE customer_id = 42;
EXPLAIN (COSTS OFF) SELECT id FROM adv_orders WHERE status = 's1' AND created > date '2024-11-01' ORDER BY created LIMIT 5;
EXPLAIN (COSTS OFF) SELECT * FROM adv_users WHERE email = 'u7@example.org';
EXPLAIN (COSTS OFF) SELECT id FROM adv_users WHERE lower(country) = 'c7';
EXPLAIN (COSTS OFF) SELECT sum(qty) FROM "Order ""Items""" WHERE "Order ID" = 7;
VACUUM adv_cov;
EXPLAIN (COSTS OFF) SELECT status FROM adv_cov WHERE customer_id = 11;
EXPLAIN (COSTS OFF) SELECT id FROM adv_docs WHERE title LIKE '%ab12%';
EXPLAIN (COSTS OFF) SELECT id FROM adv_docs WHERE body @> '{"tag": "t7"}';
EXPLAIN (COSTS OFF) SELECT id FROM adv_jobs WHERE status = 'pending' AND queue = 1 ORDER BY created LIMIT 5;
-- and with them in place there is nothing left to advise
SELECT table_name AS advice_after_building, columns, reason FROM xray.index_advice;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET xray.advice_sample_rate', current_database()); END $$;
DROP TABLE adv_users, adv_orders, adv_events, adv_tiny, adv_hot, adv_cov, adv_docs, adv_jobs, "Order ""Items""";
DROP EXTENSION pg_trgm;
