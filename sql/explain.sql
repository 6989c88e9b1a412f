-- xray.explain(query): one statement as pg_xray sees it
-- no sampled executions: their findings would depend on the dice
SET xray.advice_sample_rate = 0;
SELECT xray.reset() IS NOT NULL AS reset;
CREATE SCHEMA ex;
CREATE TABLE ex.orders (id int PRIMARY KEY, customer int, note text);
INSERT INTO ex.orders SELECT g, g % 500, 'n' || g FROM generate_series(1, 20000) g;
ANALYZE ex.orders;
SELECT xray.reset() IS NOT NULL AS reset;
SET search_path = ex, public;
SELECT count(*) FROM orders WHERE customer = 7;
SELECT count(*) FROM orders WHERE customer = 8;
SELECT count(*) FROM orders WHERE customer = 9;

-- the report's sections and what they say, ids masked
SELECT regexp_replace(regexp_replace(pg_xray, '-?[0-9]{6,}', '<id>', 'g'),
                      'mean [0-9.]+ ms, p95 [0-9.]+ ms, first seen .*, last seen [^(]*', 'mean, p95, first and last seen ') AS line
FROM xray.explain('SELECT count(*) FROM orders WHERE customer = 42')
WHERE pg_xray !~ '(Mean|P50|P95|P99|Max) Time|(First|Last) Seen';
-- its ids are the recorded ones (parsed with the caller's search_path)
SELECT e.queryid = s.queryid AS same_queryid, p.planid = e.planid AS same_planid
FROM xray._explain_ids('SELECT count(*) FROM orders WHERE customer = 1', current_setting('search_path')) e,
     xray.statements s, xray.plans p
WHERE s.query = 'SELECT count(*) FROM orders WHERE customer = $1' AND p.queryid = s.queryid;
-- percentiles come from the recorded entry
SELECT bool_and(pg_xray ~ ': [0-9]+\.[0-9]+ ms$') AS timings_in_ms
FROM xray.explain('SELECT count(*) FROM orders WHERE customer = 42') WHERE pg_xray ~ '(Mean|P50|P95|P99|Max) Time';
-- the normalized text as xray.statements shows it finds the same record
SELECT pg_xray FROM xray.explain('SELECT count(*) FROM orders WHERE customer = $1') WHERE pg_xray ~ 'Calls';
-- not recorded: said so
SELECT pg_xray FROM xray.explain('SELECT note FROM orders WHERE id = 3') WHERE pg_xray ~ 'Calls|Plan Made Now';
-- explain never runs the statement: nothing is recorded for it, no row is changed
SELECT pg_xray FROM xray.explain('DELETE FROM orders WHERE id = 3') WHERE pg_xray ~ 'Calls';
SELECT count(*) AS still_there FROM orders WHERE id = 3;
SELECT count(*) AS not_recorded FROM xray.statements WHERE query LIKE 'DELETE FROM orders%';
RESET search_path;

-- bad input: a clear error, never a crash
SELECT * FROM xray.explain(NULL);
SELECT * FROM xray.explain('');
SELECT * FROM xray.explain('SELECT 1; SELECT 2');
SELECT * FROM xray.explain('VACUUM ex.orders');
SELECT * FROM xray.explain('SELECT FROM WHERE');
SELECT * FROM xray.explain('SELECT * FROM orders');  -- not on this search_path
SELECT count(*) > 10 AS found_with_the_path_given FROM xray.explain('SELECT * FROM orders', 'ex');
SELECT * FROM xray.explain('SELECT * FROM orders', '"no such schema", also bad');

-- a role sees only what it may: no SELECT on the table, no statement of others
CREATE ROLE xray_explain_reader;
GRANT USAGE ON SCHEMA ex TO xray_explain_reader;
SET ROLE xray_explain_reader;
SELECT * FROM xray.explain('SELECT count(*) FROM ex.orders WHERE customer = 42');
RESET ROLE;
GRANT SELECT ON ex.orders TO xray_explain_reader;
SET ROLE xray_explain_reader;
SELECT pg_xray FROM xray.explain('SELECT count(*) FROM ex.orders WHERE customer = 42')
WHERE pg_xray ~ 'Calls|Plans:|Findings:';
RESET ROLE;
DROP OWNED BY xray_explain_reader;
DROP ROLE xray_explain_reader;
DROP SCHEMA ex CASCADE;
