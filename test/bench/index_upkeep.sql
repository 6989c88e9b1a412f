-- test/bench/index_upkeep.sql - what an index entry costs next to a sequential scan: the
-- calibration of the index advisor's write penalty (docs/performance.md, "Index upkeep").
-- Run on a throwaway instance: psql -f test/bench/index_upkeep.sql. Inserts 500,000 rows into a
-- table with no, one and two btree indexes on random int keys (twice: the second round is
-- measured), then times a sequential scan whose planner cost EXPLAIN shows.
--   index entry, ms       = (insert with one index - insert without) / rows
--   planner units per ms  = seq scan cost / seq scan time
--   write penalty         = index entry ms x planner units per ms
\timing on
DROP TABLE IF EXISTS src, t0, t1, t2;
CREATE TABLE src AS SELECT g AS id, (random()*1e6)::int AS a, (random()*1e6)::int AS b, md5(g::text) AS pad FROM generate_series(1, 500000) g;
VACUUM ANALYZE src;
CREATE TABLE t0 (id int, a int, b int, pad text);
CREATE TABLE t1 (id int, a int, b int, pad text); CREATE INDEX ON t1 (a);
CREATE TABLE t2 (id int, a int, b int, pad text); CREATE INDEX ON t2 (a); CREATE INDEX ON t2 (b);
INSERT INTO t0 SELECT * FROM src;
INSERT INTO t1 SELECT * FROM src;
INSERT INTO t2 SELECT * FROM src;
TRUNCATE t0, t1, t2;
INSERT INTO t0 SELECT * FROM src;
INSERT INTO t1 SELECT * FROM src;
INSERT INTO t2 SELECT * FROM src;
VACUUM ANALYZE t0;
SET max_parallel_workers_per_gather = 0;
EXPLAIN SELECT count(*) FROM t0 WHERE b < 0;
SELECT count(*) FROM t0 WHERE b < 0;
SELECT count(*) FROM t0 WHERE b < 0;
SELECT count(*) FROM t0 WHERE b < 0;
