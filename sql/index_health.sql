-- xray.index_health: each kind of problem, hostile names quoted, constraints never dropped
CREATE SCHEMA "health ""schema""";
SET search_path = "health ""schema""", public;
CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE, name text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, status text, created date);
CREATE TABLE "Odd ""Table""" (id int PRIMARY KEY, "Ref" int REFERENCES customers, "select" int);
CREATE TABLE indexed_fk (id int PRIMARY KEY, customer_id int REFERENCES customers);
CREATE INDEX ON indexed_fk (customer_id, id);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_status_dup ON orders (status);
CREATE INDEX orders_status_created ON orders (status, created);
CREATE INDEX orders_lower_status ON orders (lower(status));
CREATE INDEX customers_email_dup ON customers (email);
CREATE INDEX "idx ""odd""" ON "Odd ""Table""" ("select");
INSERT INTO customers SELECT g, 'e' || g, 'n' FROM generate_series(1, 1000) g;
INSERT INTO orders SELECT g, 1 + g % 1000, 's' || (g % 5), '2024-01-01' FROM generate_series(1, 100000) g;
DELETE FROM orders WHERE id % 10 <> 0;
ANALYZE;
-- an index is used once: it is not reported as unused
SET enable_seqscan = off;
SELECT count(*) FROM orders WHERE lower(status) = 's1';
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT pg_sleep(0.1);

SELECT kind, table_name, index_name, fix
FROM xray.index_health WHERE schema_name = 'health "schema"'
ORDER BY kind, table_name, index_name COLLATE "C";

-- the evidence says why, with numbers
SELECT kind, evidence ~ '^(0 scans since .*; [0-9]+ (bytes|kB|MB)|same definition as .*|its columns are a leading part of .*|about [0-9]+% of .* is free space .*|foreign key .* has no index starting with its columns.*)$' AS evidence_ok
FROM xray.index_health WHERE schema_name = 'health "schema"'
GROUP BY 1, 2 ORDER BY 1;

-- never a constraint's index
SELECT count(*) AS constraint_indexes_proposed_for_drop
FROM xray.index_health h
JOIN pg_constraint k ON k.conindid = to_regclass(format('%I.%I', h.schema_name, h.index_name))
WHERE h.fix LIKE 'DROP%';

-- every fix runs (outside a transaction block, as CONCURRENTLY requires)
SELECT fix FROM (SELECT DISTINCT fix FROM xray.index_health WHERE schema_name = 'health "schema"' AND kind <> 'bloated') f
ORDER BY fix COLLATE "C" \gexec
-- nothing is left but bloat: the new foreign-key indexes are not called unused
SELECT kind, table_name, index_name FROM xray.index_health
WHERE schema_name = 'health "schema"' AND kind <> 'bloated' ORDER BY kind, table_name COLLATE "C";
-- and the bloat goes away with its fix
SELECT fix FROM xray.index_health WHERE schema_name = 'health "schema"' AND kind = 'bloated' \gexec
SELECT count(*) AS bloated_after_reindex FROM xray.index_health WHERE schema_name = 'health "schema"';
RESET search_path;
DROP SCHEMA "health ""schema""" CASCADE;
