-- pg_read_all_stats semantics and gated functions
SELECT xray.reset() IS NOT NULL AS reset;
CREATE ROLE xray_alice;
CREATE ROLE xray_bob;
CREATE ROLE xray_monitor IN ROLE pg_read_all_stats;

SET ROLE xray_alice;
SELECT 1 AS alice_private_column;
RESET ROLE;
SET ROLE xray_bob;
SELECT 2 AS bob_own_column;
-- bob sees his own text and query ids, not alice's
SELECT r.rolname, count(*) FILTER (WHERE query = '<insufficient privilege>') AS hidden_texts,
       count(*) FILTER (WHERE query LIKE '%_column') AS visible_texts,
       count(*) FILTER (WHERE queryid IS NOT NULL) AS visible_queryids
FROM xray.statements s JOIN pg_roles r ON r.oid = s.userid
WHERE r.rolname IN ('xray_alice', 'xray_bob') GROUP BY r.rolname ORDER BY r.rolname;
-- bob cannot reset or read plans
SELECT xray.reset();
SELECT xray.reset_query(1);
SELECT count(*) FROM xray.plans;
RESET ROLE;

-- a pg_read_all_stats member sees everything
SET ROLE xray_monitor;
SELECT query, queryid IS NULL AS queryid_hidden FROM xray.statements
WHERE userid IN ('xray_alice'::regrole, 'xray_bob'::regrole) AND query LIKE 'SELECT $1 AS%'
ORDER BY query COLLATE "C";
SELECT count(*) >= 0 AS can_read_plans FROM xray.plans;
SELECT xray.reset();
RESET ROLE;

DROP ROLE xray_alice;
DROP ROLE xray_bob;
DROP ROLE xray_monitor;
