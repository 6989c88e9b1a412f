-- EXPLAIN (XRAY): PostgreSQL 18's extension EXPLAIN options; earlier servers refuse the option
-- (expected/explain_option_1.out)
CREATE TABLE exo (id int PRIMARY KEY, v text);
INSERT INTO exo SELECT g, 'v' || g FROM generate_series(1, 1000) g;
ANALYZE exo;
SELECT xray.reset() IS NOT NULL AS reset;
SELECT v FROM exo WHERE id = 1;
SELECT v FROM exo WHERE id = 2;
CREATE FUNCTION exo_explain(stmt text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN EXECUTE stmt LOOP
    CONTINUE WHEN r."QUERY PLAN" ~ '(First|Last) Seen:';
    RETURN NEXT regexp_replace(regexp_replace(regexp_replace(r."QUERY PLAN"::text, ', first seen .*, last seen [^(]*', ' '),
                                              '-?[0-9]{6,}', '<id>', 'g'), '[0-9]+\.[0-9]+ ms', '<v>', 'g');
  END LOOP;
END $$;
-- text: the plan, then pg_xray's sections
SELECT * FROM exo_explain('EXPLAIN (XRAY, COSTS OFF) SELECT v FROM exo WHERE id = 5');
-- off: EXPLAIN as usual
SELECT * FROM exo_explain('EXPLAIN (XRAY false, COSTS OFF) SELECT v FROM exo WHERE id = 5');
-- JSON, YAML and XML carry the same, as properties of the plan
CREATE TEMP TABLE exo_json AS SELECT (x."QUERY PLAN")::jsonb AS j FROM (SELECT 1) s,
  LATERAL (SELECT * FROM (VALUES (NULL::json)) v("QUERY PLAN")) x WHERE false;
-- (xray.track = all: the statement EXPLAIN plans is recorded, so the planner hook fills planId)
SET xray.track = 'all';
DO $$ DECLARE j json; BEGIN
  EXECUTE 'EXPLAIN (XRAY, FORMAT JSON) SELECT v FROM exo WHERE id = 5' INTO j;
  INSERT INTO exo_json VALUES (j::jsonb);
END $$;
RESET xray.track;
SELECT jsonb_object_keys(j->0->'pg_xray') AS json_sections FROM exo_json ORDER BY 1;
SELECT (j->0->'pg_xray'->'Recorded'->>'Calls')::int AS json_calls,
       (j->0->'pg_xray'->>'PlannedStmt planId') = (j->0->'pg_xray'->'Statement'->>'Plan Id') AS planned_stmt_carries_plan_id,
       j->0->'pg_xray'->'Statement'->>'Plan Id' = (SELECT planid::text FROM xray._explain_ids('SELECT v FROM exo WHERE id = 5', NULL)) AS json_plan_id
FROM exo_json;
DO $$ DECLARE x xml; BEGIN
  EXECUTE 'EXPLAIN (XRAY, FORMAT XML) SELECT v FROM exo WHERE id = 5' INTO x;
  RAISE NOTICE 'xml calls: %', (xpath('//e:pg_xray/e:Recorded/e:Calls/text()', x, ARRAY[ARRAY['e', 'http://www.postgresql.org/2009/explain']]))[1];
END $$;
DO $$ DECLARE y text; BEGIN
  EXECUTE 'EXPLAIN (XRAY, FORMAT YAML) SELECT v FROM exo WHERE id = 5' INTO y;
  RAISE NOTICE 'yaml: pg_xray % calls %', y ~ E'\n +pg_xray: *\n +Statement: *\n +Query Id: ', (regexp_match(y, E'\n +Calls: "?([0-9]+)'))[1];
END $$;
DROP FUNCTION exo_explain(text);
DROP TABLE exo;
