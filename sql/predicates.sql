-- xray.predicates: what sampled executions did with each table's columns
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE pr_t ("Weird Col" int, b int, email text, note text, doc jsonb, gone int, created timestamptz);
INSERT INTO pr_t SELECT g % 1000, g % 97, 'u' || g || '@x.org', md5(g::text), jsonb_build_object('k', g % 50),
       CASE WHEN g % 10 = 0 THEN NULL ELSE g END, timestamptz '2024-01-01' + g * interval '1 min'
FROM generate_series(1, 20000) g;
CREATE TABLE pr_u (id int, ref int);
INSERT INTO pr_u SELECT g, g % 5000 FROM generate_series(1, 20000) g;
ANALYZE pr_t, pr_u;
SET xray.advice_sample_rate = 1;
SET max_parallel_workers_per_gather = 0;
\o /dev/null
SELECT count(*) FROM pr_t WHERE "Weird Col" = 5;
SELECT count(*) FROM pr_t WHERE b > 10 AND b < 20;
SELECT count(*) FROM pr_t WHERE b IN (1, 2, 3);
SELECT count(*) FROM pr_t WHERE lower(email) = 'u7@x.org';
SELECT count(*) FROM pr_t WHERE note LIKE '%abc%';
SELECT count(*) FROM pr_t WHERE note ILIKE 'ab%';
SELECT count(*) FROM pr_t WHERE doc @> '{"k": 3}';
SELECT count(*) FROM pr_t WHERE gone IS NULL;
SELECT email FROM pr_t ORDER BY created DESC LIMIT 5;
SELECT count(*) FROM pr_t t JOIN pr_u u ON u.ref = t.b;
\o
RESET xray.advice_sample_rate;
-- one row per (statement, table, column, kind); none for the unsampled reads above
SELECT relation, column_name, kind, executions, seq_scans > 0 AS seq, under_limit > 0 AS limited,
       rows_removed > rows_returned AS mostly_removed
FROM xray.predicates WHERE relation IN ('pr_t'::regclass, 'pr_u'::regclass)
ORDER BY relation::text, column_name, kind;
-- the same statement run again counts another execution
SET xray.advice_sample_rate = 1;
\o /dev/null
SELECT count(*) FROM pr_t WHERE "Weird Col" = 6;
\o
RESET xray.advice_sample_rate;
SELECT column_name, kind, executions FROM xray.predicates WHERE relation = 'pr_t'::regclass AND kind = '=' AND attnum = 1;
-- not sampled (rate 0): nothing new
SET xray.advice_sample_rate = 0;
SELECT count(*) FROM pr_u WHERE id = 7;
SELECT count(*) FROM xray.predicates WHERE relation = 'pr_u'::regclass AND column_name = 'id';
-- like xray.plans: for pg_read_all_stats only (it covers every user's statements)
CREATE ROLE pr_reader;
CREATE ROLE pr_stats IN ROLE pg_read_all_stats;
SET ROLE pr_reader;
SELECT count(*) FROM xray.predicates;
SELECT * FROM xray.predicates();
SET ROLE pr_stats;
SELECT count(*) > 0 AS sees_all FROM xray.predicates WHERE relation = 'pr_t'::regclass;
RESET ROLE;
DROP ROLE pr_reader, pr_stats;
-- reset forgets them
SELECT xray.reset() IS NOT NULL AS reset;
SELECT count(*) FROM xray.predicates();
DROP TABLE pr_t, pr_u;
