-- failed and cancelled statements are counted; bad arguments get clear errors
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE et (id int PRIMARY KEY);
INSERT INTO et VALUES (1), (2);
SELECT 10 / (id - id) FROM et WHERE id = 1;
SELECT 10 / (id - id) FROM et WHERE id = 2;
SET statement_timeout = '200ms';
SELECT pg_sleep(2);
RESET statement_timeout;
INSERT INTO et VALUES (1);
-- fails while planning (constant folding)
SELECT 1 / 0 AS planning_fails;
SELECT query, calls, errors, total_error_time > 0 AS error_time_counted
FROM xray.statements
WHERE (query LIKE '%et%' OR query LIKE '%planning_fails%') AND query NOT LIKE '%xray%' AND errors > 0
ORDER BY query COLLATE "C";
SELECT total_error_time >= 190 AND total_error_time < 2000 AS timeout_time_measured
FROM xray.statements WHERE query = 'SELECT pg_sleep($1)';

-- bad arguments
SELECT xray.reset_query(NULL);
SELECT xray.reset_query(0);
SELECT xray.reset_query(-1234567890123);
-- the server is fine after all of that
SELECT count(*) FROM et;
DROP TABLE et;
