-- hostile identifiers are quoted in plan texts; long texts are cut on a character boundary
SELECT xray.reset() IS NOT NULL AS reset;
CREATE TABLE "Ünïcödé ""tbl""" ("select" int PRIMARY KEY, "two words" text, "Mixed" int);
INSERT INTO "Ünïcödé ""tbl""" SELECT g, 'ä' || g, g % 3 FROM generate_series(1, 500) g;
CREATE INDEX "idx ""quoted""" ON "Ünïcödé ""tbl""" ("Mixed");
ANALYZE "Ünïcödé ""tbl""";
SELECT count(*) FROM "Ünïcödé ""tbl""" t WHERE "two words" = 'ä1' AND "select" > 0;
SELECT "select" FROM "Ünïcödé ""tbl""" WHERE "Mixed" = 1 ORDER BY "select" DESC LIMIT 2;
SELECT s.query, p.plan
FROM xray.plans p JOIN xray.statements s USING (dbid, queryid)
WHERE s.query LIKE '%Ünïcödé%' AND s.query NOT LIKE '%xray%'
ORDER BY s.query COLLATE "C";

-- a statement longer than xray.query_text_size (1kB in this suite) full of
-- two-byte characters is cut to valid text that fits
SELECT length(repeat('é', 20)) AS long_statement, 1 AS "éééééééééé_1", 2 AS "éééééééééé_2", 3 AS "éééééééééé_3", 4 AS "éééééééééé_4", 5 AS "éééééééééé_5", 6 AS "éééééééééé_6", 7 AS "éééééééééé_7", 8 AS "éééééééééé_8", 9 AS "éééééééééé_9", 10 AS "éééééééééé_10", 11 AS "éééééééééé_11", 12 AS "éééééééééé_12", 13 AS "éééééééééé_13", 14 AS "éééééééééé_14", 15 AS "éééééééééé_15", 16 AS "éééééééééé_16", 17 AS "éééééééééé_17", 18 AS "éééééééééé_18", 19 AS "éééééééééé_19", 20 AS "éééééééééé_20", 21 AS "éééééééééé_21", 22 AS "éééééééééé_22", 23 AS "éééééééééé_23", 24 AS "éééééééééé_24", 25 AS "éééééééééé_25", 26 AS "éééééééééé_26", 27 AS "éééééééééé_27", 28 AS "éééééééééé_28", 29 AS "éééééééééé_29", 30 AS "éééééééééé_30", 31 AS "éééééééééé_31", 32 AS "éééééééééé_32", 33 AS "éééééééééé_33", 34 AS "éééééééééé_34", 35 AS "éééééééééé_35", 36 AS "éééééééééé_36", 37 AS "éééééééééé_37", 38 AS "éééééééééé_38", 39 AS "éééééééééé_39", 40 AS "éééééééééé_40", 41 AS "éééééééééé_41", 42 AS "éééééééééé_42", 43 AS "éééééééééé_43", 44 AS "éééééééééé_44", 45 AS "éééééééééé_45", 46 AS "éééééééééé_46", 47 AS "éééééééééé_47", 48 AS "éééééééééé_48", 49 AS "éééééééééé_49", 50 AS "éééééééééé_50", 51 AS "éééééééééé_51", 52 AS "éééééééééé_52", 53 AS "éééééééééé_53", 54 AS "éééééééééé_54", 55 AS "éééééééééé_55", 56 AS "éééééééééé_56", 57 AS "éééééééééé_57", 58 AS "éééééééééé_58", 59 AS "éééééééééé_59", 60 AS "éééééééééé_60" \gset
SELECT octet_length(query) <= 1023 AS fits, octet_length(query) > 1000 AS nearly_full,
       query LIKE 'SELECT length(repeat($1, $2)) AS long_statement, $3 AS "éééééééééé_1"%' AS normalized_prefix,
       convert_from(convert_to(query, 'UTF8'), 'UTF8') = query AS valid_text
FROM xray.statements WHERE query LIKE 'SELECT length(repeat(%';
DROP TABLE "Ünïcödé ""tbl""";
