-- bloat_zoo.sql - table shapes for test/tap/bloat.t: every estimate of
-- xray.table_bloat is checked against pgstattuple's truth on these.
CREATE EXTENSION IF NOT EXISTS pgstattuple;
CREATE SCHEMA zoo;
SET search_path = zoo, public;
-- alignment padding between columns, freshly loaded (no bloat)
CREATE TABLE z_align (a bool, b int8, c int2, d int8, e int4);
INSERT INTO z_align SELECT g % 2 = 0, g, (g % 30000)::int2, g * 7, g FROM generate_series(1, 200000) g;
-- 40 columns, mostly NULL, then 60 % deleted and vacuumed
CREATE TABLE z_nulls40 (id int);
DO $$ BEGIN FOR i IN 1..39 LOOP
    EXECUTE format('ALTER TABLE zoo.z_nulls40 ADD COLUMN c%s %s', i, CASE i % 3 WHEN 0 THEN 'int8' WHEN 1 THEN 'text' ELSE 'int4' END);
END LOOP; END $$;
INSERT INTO z_nulls40 (id, c1, c2, c3, c10, c20) SELECT g, CASE WHEN g % 4 = 0 THEN 'x' || g END, CASE WHEN g % 5 = 0 THEN g END,
       CASE WHEN g % 7 = 0 THEN g END, 'val' || g, CASE WHEN g % 2 = 0 THEN g END FROM generate_series(1, 150000) g;
DELETE FROM z_nulls40 WHERE id % 5 < 3;
-- a wide column dropped: its data stays in the rows until a rewrite
CREATE TABLE z_dropcol (id int, wide text, v int);
INSERT INTO z_dropcol SELECT g, repeat(md5(g::text), 12), g FROM generate_series(1, 40000) g;
ALTER TABLE z_dropcol DROP COLUMN wide;
-- TOASTed documents (incompressible, ~4 kB), 55 % deleted and vacuumed
CREATE TABLE z_toast (id int, doc text);
ALTER TABLE z_toast ALTER COLUMN doc SET STORAGE EXTERNAL;
INSERT INTO z_toast SELECT g, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 120) i) FROM generate_series(1, 8000) g;
DELETE FROM z_toast WHERE id % 20 < 11;
-- fillfactor 50, half the rows deleted
CREATE TABLE z_ff50 (id int, v int, pad text) WITH (fillfactor = 50);
INSERT INTO z_ff50 SELECT g, g, repeat('f', 30) FROM generate_series(1, 120000) g;
DELETE FROM z_ff50 WHERE id % 2 = 0;
-- numeric of varying precision
CREATE TABLE z_numeric (id int, amount numeric(12, 2), ratio numeric, created date);
INSERT INTO z_numeric SELECT g, (g * 1.37)::numeric(12, 2), g / 7.0, date '2020-01-01' + g % 1000 FROM generate_series(1, 150000) g;
-- char(n): fixed stored length
CREATE TABLE z_char (id int, code char(20), flag char(1), n int8);
INSERT INTO z_char SELECT g, 'C' || g, 'Y', g FROM generate_series(1, 150000) g;
-- arrays, some short, some long (4-byte headers, double-aligned float8[])
CREATE TABLE z_array (id int, tags int[], weights float8[]);
INSERT INTO z_array SELECT g, array(SELECT generate_series(1, 1 + g % 40)), array(SELECT random() FROM generate_series(1, 1 + g % 25))
FROM generate_series(1, 60000) g;
-- wide jsonb, inline (some values compressed), a third deleted
CREATE TABLE z_jsonb (id int, doc jsonb);
INSERT INTO z_jsonb SELECT g, jsonb_build_object('id', g, 'name', 'item ' || g, 'tags', array(SELECT md5((g * i)::text) FROM generate_series(1, 2 + g % 20) i))
FROM generate_series(1, 50000) g;
DELETE FROM z_jsonb WHERE id % 3 = 0;
-- HOT chains: every row updated twice, not vacuumed (pruned on access)
CREATE TABLE z_hot (id int PRIMARY KEY, counter int, note text) WITH (fillfactor = 90);
INSERT INTO z_hot SELECT g, 0, 'n' || g FROM generate_series(1, 100000) g;
UPDATE z_hot SET counter = counter + 1;
UPDATE z_hot SET counter = counter + 1;
-- non-HOT updates of an indexed column, then vacuumed
CREATE TABLE z_nonhot (id int, k int, pad text);
CREATE INDEX ON z_nonhot (k);
INSERT INTO z_nonhot SELECT g, g, repeat('q', 50) FROM generate_series(1, 100000) g;
UPDATE z_nonhot SET k = k + 1 WHERE id % 2 = 0;
-- partitions: one clean, one with deletes, one with updates
CREATE TABLE z_part (id int, region int, payload text) PARTITION BY RANGE (id);
CREATE TABLE z_part_1 PARTITION OF z_part FOR VALUES FROM (0) TO (100000);
CREATE TABLE z_part_2 PARTITION OF z_part FOR VALUES FROM (100000) TO (200000);
CREATE TABLE z_part_3 PARTITION OF z_part FOR VALUES FROM (200000) TO (300000);
INSERT INTO z_part SELECT g, g % 10, 'p' || repeat('x', g % 60) FROM generate_series(0, 299999) g;
DELETE FROM z_part WHERE id >= 100000 AND id < 200000 AND id % 3 <> 0;
UPDATE z_part SET region = region + 1 WHERE id >= 200000 AND id % 2 = 0;
-- unlogged, 40 % deleted
CREATE UNLOGGED TABLE z_unlogged (id int8, ts timestamptz, v float8);
INSERT INTO z_unlogged SELECT g, timestamptz '2024-01-01' + g * interval '1 s', g FROM generate_series(1, 150000) g;
DELETE FROM z_unlogged WHERE id % 5 < 2;
-- text of varying length, 30 % deleted
CREATE TABLE z_textvar (id int, t text);
INSERT INTO z_textvar SELECT g, repeat('t', 10 + (g * 7919) % 190) FROM generate_series(1, 100000) g;
DELETE FROM z_textvar WHERE id % 10 < 3;
-- mixed types with NULLs
CREATE TABLE z_mixed (id int8, u uuid, ts timestamptz, s int2, name text, b bool, price numeric);
INSERT INTO z_mixed SELECT g, md5(g::text)::uuid, CASE WHEN g % 3 <> 0 THEN now() END, CASE WHEN g % 4 <> 0 THEN (g % 1000)::int2 END,
       CASE WHEN g % 5 <> 0 THEN 'name ' || g END, g % 2 = 0, CASE WHEN g % 2 = 0 THEN g * 0.01 END FROM generate_series(1, 120000) g;
-- big inline rows (~1,500 bytes, five a page)
CREATE TABLE z_bigrow (id int, body text);
ALTER TABLE z_bigrow ALTER COLUMN body SET STORAGE MAIN;
INSERT INTO z_bigrow SELECT g, (SELECT string_agg(md5((g + i)::text), '') FROM generate_series(1, 40 + g % 10) i) FROM generate_series(1, 20000) g;
DELETE FROM z_bigrow WHERE id % 4 = 0;
-- a materialized view
CREATE MATERIALIZED VIEW z_matview AS SELECT g AS id, g % 100 AS grp, 'row ' || g AS label FROM generate_series(1, 150000) g;
-- a plain pair of integers, 90 % deleted
CREATE TABLE z_sparse (a int, b int);
INSERT INTO z_sparse SELECT g, g FROM generate_series(1, 300000) g;
DELETE FROM z_sparse WHERE a % 10 <> 0;
VACUUM z_nulls40, z_toast, z_ff50, z_jsonb, z_nonhot, z_part, z_unlogged, z_textvar, z_bigrow, z_sparse;
ANALYZE;
SELECT pg_stat_force_next_flush();
