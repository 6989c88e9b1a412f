#!/usr/bin/env bash
# test/bench/advisor_compare.sh - workload cost reached by pg_xray's index advice
# at K = 3, 5, 10 indexes, next to pg_qualstats' index advisor (Debian package
# postgresql-15-pg-qualstats), on one scenario workload (users, orders, events
# with joins, IN lists, ranges, ORDER BY ... LIMIT, a function of a column).
# Each configuration is evaluated the same way: the planner's estimated cost of
# every workload statement with the advised indexes as hypothetical indexes
# (xray.what_if), summed over the statements' runs, relative to no new index.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
dpkg-query -W -f='${Status}' postgresql-15-pg-qualstats 2>/dev/null | grep -q 'install ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql-15-pg-qualstats >/dev/null
trap pg_stop_all EXIT
work="$XRAY_TMP/advcmp"
mkdir -p "$work"
chown postgres: "$work"
port=$(free_port 56900)
pg_start "$work/data" "$port" "shared_preload_libraries = 'pg_qualstats,pg_xray'" "pg_qualstats.sample_rate = 1" >/dev/null
psql_at "$port" >/dev/null <<'SQL'
CREATE EXTENSION pg_xray;
CREATE EXTENSION pg_qualstats;
CREATE TABLE users (id int PRIMARY KEY, email text, country text, created timestamptz);
INSERT INTO users SELECT g, 'u' || g || '@x.org', 'c' || (g % 50), now() - g * interval '1 min' FROM generate_series(1, 50000) g;
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, status text, created timestamptz, amount numeric);
INSERT INTO orders SELECT g, 1 + g % 50000, 's' || (g % 6), now() - g * interval '10 s', g % 100 FROM generate_series(1, 200000) g;
CREATE TABLE events (id bigint PRIMARY KEY, user_id int, kind text, at timestamptz, payload jsonb);
INSERT INTO events SELECT g, g % 50000, 'k' || (g % 20), now() - g * interval '1 s', jsonb_build_object('a', g % 10) FROM generate_series(1, 200000) g;
CREATE TABLE products (id int PRIMARY KEY, sku text, category int, price numeric);
INSERT INTO products SELECT g, 'sku' || g, g % 300, g % 1000 FROM generate_series(1, 60000) g;
ANALYZE;
SELECT xray.reset();
SELECT pg_qualstats_reset();
SQL
for i in $(seq 1 20); do
	echo "SELECT o.id, o.amount FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'u$i@x.org';"
	echo "SELECT id FROM orders WHERE status IN ('s1', 's2') AND user_id = $i;"
	echo "SELECT id, at FROM events ORDER BY at DESC LIMIT 10;"
	echo "SELECT count(*) FROM events WHERE at BETWEEN now() - interval '1 hour' AND now();"
	echo "SELECT * FROM events WHERE user_id = $i AND kind = 'k3' ORDER BY at DESC LIMIT 5;"
	echo "SELECT id FROM users WHERE lower(email) = 'u$i@x.org';"
	echo "SELECT id, price FROM products WHERE category = $((i % 300)) AND price < 50;"
	echo "SELECT count(*) FROM orders WHERE created > now() - interval '2 hours' AND status = 's3';"
	echo "SELECT sku FROM products WHERE sku = 'sku$i';"
done >"$work/workload.sql"
chown postgres: "$work/workload.sql"
psql_at "$port" -f "$work/workload.sql" >/dev/null

# the statements, one per line, as a SQL array literal for the evaluation
python3 - "$work/workload.sql" >"$work/eval.sql" <<'PY'
import sys
stmts = [l.strip().rstrip(';') for l in open(sys.argv[1]) if l.strip()]
vals = ",\n".join("($q$" + s + "$q$)" for s in stmts)
print("CREATE OR REPLACE FUNCTION pg_temp.workload_cost(idx text[]) RETURNS float8 LANGUAGE sql AS $f$")
print("SELECT sum((xray.what_if(s, idx)).cost_after) FROM (VALUES " + vals + ") v(s) $f$;")
PY
chown postgres: "$work/eval.sql"

run_eval() {
	local label=$1 k=$2 indexes_sql=$3
	psql_at "$port" -At <<SQL
\i $work/eval.sql
WITH idx AS ($indexes_sql)
SELECT format('| %s | %s | %s | %s |', '$label', '$k', (SELECT count(*) FROM idx),
       round((pg_temp.workload_cost(coalesce((SELECT array_agg(s) FROM idx), '{}'))
              / pg_temp.workload_cost('{}'))::numeric, 3));
SQL
}

echo "| advisor | K | indexes | workload cost vs. no new index |"
echo "|---|---|---|---|"
for k in 3 5 10; do
	run_eval "pg_xray" "$k" "SELECT replace(create_statement, ' CONCURRENTLY', '') AS s FROM xray.index_advice($k)"
done
run_eval "pg_qualstats 2.0.4 (all it proposes)" "-" \
	"SELECT json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gin,gist,brin,spgist}')->'indexes') AS s"
psql_at "$port" -At -c "SELECT '    pg_qualstats: ' || s FROM json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gin,gist,brin,spgist}')->'indexes') s" >&2
psql_at "$port" -At -c "SELECT '    pg_xray: ' || create_statement FROM xray.index_advice(10)" >&2
