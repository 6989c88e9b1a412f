-- xray.plans: plan ids follow the plan's shape, not its constants
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE pt (id int PRIMARY KEY, k int, pad text);
INSERT INTO pt SELECT g, g % 1000, repeat('x', 50) FROM generate_series(1, 20000) g;
CREATE INDEX pt_k ON pt (k);
ANALYZE pt;

-- same shape with different constants: one plan
SELECT count(*) FROM pt WHERE k = 5;
SELECT count(*) FROM pt WHERE k = 6;
-- the planner forced to another shape: a second plan
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;
SELECT count(*) FROM pt WHERE k = 7;
RESET enable_indexscan;
RESET enable_bitmapscan;
RESET enable_indexonlyscan;

-- a prepared statement: five custom plans, then the generic plan (planned without
-- the value: its text shows $1) under an id of its own
PREPARE pq(int) AS SELECT pad FROM pt WHERE id = $1;
EXECUTE pq(1); EXECUTE pq(2); EXECUTE pq(3); EXECUTE pq(4); EXECUTE pq(5); EXECUTE pq(6); EXECUTE pq(7);
SET plan_cache_mode = force_generic_plan;
EXECUTE pq(8);
RESET plan_cache_mode;
DEALLOCATE pq;

-- a join, a sort and a backward index scan
SELECT a.id FROM pt a JOIN pt b ON b.id = a.k WHERE a.id < 50 ORDER BY a.id DESC LIMIT 3;

CREATE VIEW xp AS
  SELECT s.query, p.calls, p.plan, p.planid, p.p95_exec_time, p.mean_exec_time, p.total_exec_time, p.first_seen, p.last_seen
  FROM xray.plans p
  JOIN (SELECT DISTINCT dbid, queryid, query FROM xray.statements) s USING (dbid, queryid)
  WHERE s.query LIKE '%pt%' AND s.query NOT LIKE '%xray%';

SELECT query, calls, plan FROM xp ORDER BY query COLLATE "C", calls;

-- two distinct plans for the k query, two for the prepared statement (custom, generic)
SELECT query, distinct_plans FROM xray.statements
WHERE query LIKE '%FROM pt WHERE%' AND toplevel ORDER BY query COLLATE "C";

-- per-plan timings are filled
SELECT count(*) AS plans_with_timings FROM xp
WHERE p95_exec_time > 0 AND mean_exec_time > 0 AND total_exec_time > 0 AND first_seen <= last_seen;

-- plan ids are stable: the same statement again does not add a plan
SELECT count(DISTINCT planid) AS planids_before FROM xp;
SELECT count(*) FROM pt WHERE k = 9;
SELECT count(DISTINCT planid) AS planids_after FROM xp;
DROP VIEW xp;
DROP TABLE pt;
