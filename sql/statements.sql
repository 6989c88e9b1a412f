-- xray.statements: counts, normalized texts, nesting, utility, percentiles
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE xt (id int PRIMARY KEY, grp int, v text);
INSERT INTO xt SELECT g, g % 10, 'v' || g FROM generate_series(1, 2000) g;
SELECT v FROM xt WHERE id = 1;
SELECT v FROM xt WHERE id = 2;
SELECT v FROM xt WHERE id = 3;
SELECT count(*) FROM xt WHERE grp = 3 AND v LIKE 'v1%';
SELECT count(*) FROM xt WHERE id > -5 AND id < 100;
SELECT count(*) FROM xt WHERE v IN ('v1', 'v2', 'v3');
-- a longer list: one more statement, except on 18, whose jumble squashes constant lists
SELECT count(*) FROM xt WHERE v IN ('v1', 'v2', 'v3', 'v4', 'v5');
CREATE FUNCTION xt_count(g int) RETURNS bigint LANGUAGE plpgsql AS
$$ BEGIN RETURN (SELECT count(*) FROM xt WHERE grp = g); END $$;
SELECT xt_count(1);
SELECT xt_count(2);
UPDATE xt SET v = v || '!' WHERE id <= 10;

CREATE VIEW xs AS
  SELECT * FROM xray.statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND query NOT LIKE '%xray.%' AND query NOT LIKE '%xs%';

SELECT query, calls, rows, plans, toplevel, distinct_plans, errors
FROM xs ORDER BY query COLLATE "C", toplevel;

-- timings are consistent with each other
SELECT query,
       min_exec_time <= mean_exec_time AND mean_exec_time <= max_exec_time AS mean_in_range,
       p50_exec_time <= p95_exec_time AND p95_exec_time <= p99_exec_time AS percentiles_ordered,
       p99_exec_time <= max_exec_time * 1.05 + 0.01 AS p99_within_max,
       abs(total_exec_time - mean_exec_time * calls) < 0.001 * total_exec_time + 1e-6 AS total_is_mean_times_calls,
       stddev_exec_time >= 0 AS stddev_ok,
       first_seen <= last_seen AS seen_ordered
FROM xs WHERE calls > 0 AND query LIKE 'SELECT%' ORDER BY query COLLATE "C";

-- buffers and WAL are counted
SELECT shared_blks_hit + shared_blks_read > 0 AS read_buffers FROM xs WHERE query LIKE 'SELECT count(*) FROM xt WHERE grp%';
SELECT wal_records > 0 AS wrote_wal, wal_bytes > 0 AS wal_bytes FROM xs WHERE query LIKE 'INSERT INTO xt%';

-- xray.track = all also records statements run inside functions
SET xray.track = 'all';
SELECT xt_count(3);
RESET xray.track;
SELECT query, calls, toplevel FROM xs WHERE query LIKE '%grp = g%' OR query LIKE 'SELECT xt_count%'
ORDER BY query COLLATE "C", toplevel;

-- xray.track_utility = off stops recording utility statements
SET xray.track_utility = off;
CREATE TABLE xt_untracked (a int);
RESET xray.track_utility;
SELECT count(*) AS untracked_recorded FROM xs WHERE query LIKE 'CREATE TABLE xt_untracked%';

-- xray.enabled = off records nothing
SET xray.enabled = off;
SELECT v FROM xt WHERE id = 4;
SET xray.enabled = on;
SELECT calls FROM xs WHERE query = 'SELECT v FROM xt WHERE id = $1';

-- per-query reset removes that statement only
SELECT xray.reset_query(queryid) > 0 AS removed FROM xs WHERE query = 'SELECT v FROM xt WHERE id = $1';
SELECT count(*) AS left_after_reset FROM xs WHERE query = 'SELECT v FROM xt WHERE id = $1';
SELECT count(*) > 0 AS others_kept FROM xs;
SELECT v FROM xt WHERE id = 5;
SELECT calls FROM xs WHERE query = 'SELECT v FROM xt WHERE id = $1';

-- JIT work is counted (every server: jit_*), and on 18 the parallel workers planned and launched
SET jit = on;
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
SELECT sum(id * grp) FROM xt WHERE grp > 1;
RESET jit; RESET jit_above_cost; RESET jit_inline_above_cost; RESET jit_optimize_above_cost;
SELECT NOT pg_jit_available() OR (jit_functions > 0 AND jit_generation_time > 0 AND jit_emission_count = 1
                                  AND jit_inlining_count = 1 AND jit_optimization_count = 1) AS jit_counted
FROM xs WHERE query LIKE 'SELECT sum(id * grp)%';
SELECT jit_functions = 0 AS no_jit_no_count FROM xs WHERE query = 'SELECT count(*) FROM xt WHERE id > $1 AND id < $2';
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) FROM xt WHERE v LIKE '%9%';
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT CASE WHEN current_setting('server_version_num')::int < 180000
            THEN NOT (to_jsonb(s) ? 'parallel_workers_to_launch')
            ELSE (to_jsonb(s)->>'parallel_workers_to_launch')::int = 2
                 AND (to_jsonb(s)->>'parallel_workers_launched')::int BETWEEN 0 AND 2 END AS parallel_workers_counted
FROM xs s WHERE query LIKE 'SELECT count(*) FROM xt WHERE v LIKE%';

-- a temporary table made again: 18 jumbles relation names, not OIDs (one statement); before, two
CREATE TEMP TABLE xtmp (a int);
SELECT count(*) FROM xtmp;
DROP TABLE xtmp;
CREATE TEMP TABLE xtmp (a int);
SELECT count(*) FROM xtmp;
DROP TABLE xtmp;
SELECT count(*) AS entries, sum(calls) AS calls FROM xs WHERE query = 'SELECT count(*) FROM xtmp';

-- full reset
SELECT xray.reset() IS NOT NULL AS reset;
SELECT count(*) AS after_reset FROM xs;
SELECT statement_evictions, plan_evictions, dropped FROM xray.info;
DROP VIEW xs;
DROP FUNCTION xt_count(int);
DROP TABLE xt, xt_untracked;
