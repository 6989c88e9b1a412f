#!/usr/bin/env bash
# test/bench/advisor_web.sh - index advice on a web-shop workload of our own design
# (issue #13, benchmark b and c), next to pg_qualstats' advisor.
#
# Schema: users, products (jsonb attributes), orders, order_items, jobs (a queue),
# events (a feed). 14 statement templates with weights (runs): login by
# lower(email), "my orders" (user_id, status, ORDER BY created DESC LIMIT), order
# lines, a product page, jsonb containment on products and on events, the queue's
# next pending job, the newest error events, a keyset page, a trigram search, a
# report by category and price, a category listing, an order by id (served).
# Every configuration is evaluated the same way: the planner's estimated cost of
# every run with the advised indexes as hypothetical indexes (xray.what_if), and
# reported as (1) the workload's cost relative to no new index and (2) the
# geometric mean over templates of each template's relative cost.
# Run 1 records only the read workload; run 2 (benchmark c) records bulk loads
# of every table first, then the same reads: the advice should be the same.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
dpkg-query -W -f='${Status}' postgresql-15-pg-qualstats 2>/dev/null | grep -q 'install ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql-15-pg-qualstats >/dev/null
trap pg_stop_all EXIT
work="$XRAY_TMP/advweb"
mkdir -p "$work"
chown postgres: "$work"
port=$(free_port 56950)
pg_start "$work/data" "$port" "shared_preload_libraries = 'pg_qualstats,pg_xray'" "pg_qualstats.sample_rate = 1" \
	"max_parallel_workers_per_gather = 0" "autovacuum = off" >/dev/null

schema() {
	psql_at "$port" >/dev/null <<'SQL'
DROP TABLE IF EXISTS users, products, orders, order_items, jobs, events CASCADE;
CREATE EXTENSION IF NOT EXISTS pg_xray;
CREATE EXTENSION IF NOT EXISTS pg_qualstats;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SET client_min_messages = warning;
CREATE TABLE users (id int PRIMARY KEY, email text, name text, country int, created timestamptz);
CREATE TABLE products (id int PRIMARY KEY, sku text, title text, category int, price int, attrs jsonb);
CREATE TABLE orders (id int PRIMARY KEY, user_id int, status text, created timestamptz, total int);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id int, product_id int, qty int);
CREATE TABLE jobs (id int PRIMARY KEY, queue int, status text, created timestamptz, payload text);
CREATE TABLE events (id bigint PRIMARY KEY, user_id int, level text, at timestamptz, data jsonb);
SQL
}
load() {
	psql_at "$port" >/dev/null <<'SQL'
INSERT INTO users SELECT g, 'User' || g || '@Example.com', 'name ' || g, g % 60, now() - g * interval '1 min' FROM generate_series(1, 100000) g;
INSERT INTO products SELECT g, 'sku-' || g, 'product ' || md5(g::text), g % 200, g % 5000,
       jsonb_build_object('color', 'c' || (g % 30), 'size', g % 7) FROM generate_series(1, 60000) g;
INSERT INTO orders SELECT g, 1 + g % 100000, (ARRAY['new','paid','shipped','done','cancelled'])[1 + g % 5],
       now() - g * interval '20 s', g % 900 FROM generate_series(1, 300000) g;
INSERT INTO order_items SELECT g, 1 + g % 300000, 1 + g % 60000, 1 + g % 4 FROM generate_series(1, 600000) g;
INSERT INTO jobs SELECT g, g % 20, CASE WHEN g % 100 = 0 THEN 'pending' ELSE 'done' END, now() - g * interval '5 s', 'p'
       FROM generate_series(1, 200000) g;
INSERT INTO events SELECT g, 1 + g % 100000, CASE WHEN g % 500 = 0 THEN 'error' ELSE 'info' END, now() - g * interval '1 s',
       jsonb_build_object('kind', 'k' || (g % 40)) FROM generate_series(1, 400000) g;
VACUUM ANALYZE;
SQL
}
# template | runs; %i is replaced by the run number
templates() { # template | runs | hand-picked candidates for it alone (";"-separated)
	cat <<'T'
SELECT id FROM users WHERE lower(email) = lower('User%i@example.com')|40|CREATE INDEX ON users ((lower(email)))
SELECT id, total FROM orders WHERE user_id = %i AND status = 'paid' ORDER BY created DESC LIMIT 10|40|CREATE INDEX ON orders (user_id, status, created DESC);CREATE INDEX ON orders (user_id)
SELECT product_id, qty FROM order_items WHERE order_id = %i|40|CREATE INDEX ON order_items (order_id)
SELECT title, price FROM products WHERE sku = 'sku-%i'|30|CREATE INDEX ON products (sku)
SELECT id FROM products WHERE attrs @> '{"color": "c7"}' LIMIT 20|20|CREATE INDEX ON products USING gin (attrs jsonb_path_ops)
SELECT id FROM events WHERE data @> '{"kind": "k3"}' AND user_id > 0 LIMIT 20|10|CREATE INDEX ON events USING gin (data jsonb_path_ops)
SELECT id FROM jobs WHERE status = 'pending' AND queue = 3 ORDER BY created LIMIT 1|40|CREATE INDEX ON jobs (queue, created) WHERE status = 'pending';CREATE INDEX ON jobs (status, queue, created)
SELECT id, at FROM events WHERE level = 'error' ORDER BY at DESC LIMIT 20|20|CREATE INDEX ON events (at) WHERE level = 'error';CREATE INDEX ON events (level, at DESC)
SELECT id, created FROM orders WHERE created < now() - interval '%i minutes' ORDER BY created DESC LIMIT 20|20|CREATE INDEX ON orders (created)
SELECT id FROM products WHERE title LIKE '%ab%i%'|10|CREATE INDEX ON products USING gin (title gin_trgm_ops)
SELECT category, count(*) FROM products WHERE price BETWEEN 100 AND 120 GROUP BY category|10|CREATE INDEX ON products (price);CREATE INDEX ON products (price, category)
SELECT id, title FROM products WHERE category = 17 ORDER BY price LIMIT 20|20|CREATE INDEX ON products (category, price)
SELECT status FROM orders WHERE id = %i|40|
SELECT u.name FROM users u JOIN orders o ON o.user_id = u.id WHERE o.id = %i|20|
T
}
reads() {
	templates | python3 -c '
import sys
for line in sys.stdin:
    t, runs, _ = line.rstrip("\n").rsplit("|", 2)
    for i in range(1, int(runs) + 1):
        print(t.replace("%i", str(i * 7 + 1)) + ";")
' >"$work/reads.sql"
	chown postgres: "$work/reads.sql"
	psql_at "$port" -f "$work/reads.sql" >/dev/null
}
# evaluation: per template, runs x cost with the indexes, relative to none
eval_sql() {
	templates | python3 -c '
import sys
rows = []
for line in sys.stdin:
    t, runs, _ = line.rstrip("\n").rsplit("|", 2)
    rows.append("($q$" + t.replace("%i", "8") + "$q$, " + runs + ")")
print("CREATE OR REPLACE FUNCTION pg_temp.costs(idx text[]) RETURNS TABLE (s text, runs int, c float8) LANGUAGE sql AS $f$")
print("SELECT s, runs, (xray.what_if(s, idx)).cost_after FROM (VALUES " + ",\n".join(rows) + ") v(s, runs) $f$;")
'
}
eval_sql >"$work/eval.sql"
chown postgres: "$work/eval.sql"
run_eval() {
	local label=$1 k=$2 indexes_sql=$3 prelude=${4:-$work/eval.sql}
	psql_at "$port" -At <<SQL
\i $work/eval.sql
\i $prelude
CREATE TEMP TABLE idx AS $indexes_sql;
CREATE TEMP TABLE base AS SELECT * FROM pg_temp.costs('{}');
CREATE TEMP TABLE withi AS SELECT * FROM pg_temp.costs(coalesce((SELECT array_agg(s) FROM idx), '{}'));
SELECT format('| %s | %s | %s | %s | %s |', '$label', '$k', (SELECT count(*) FROM idx),
       round((SELECT sum(w.runs * w.c) / sum(b.runs * b.c) FROM withi w JOIN base b USING (s))::numeric, 3),
       round((SELECT exp(avg(ln(w.c / b.c))) FROM withi w JOIN base b USING (s))::numeric, 3));
SQL
}
advice_set() { psql_at "$port" -At -c "SELECT string_agg(table_name || ' (' || columns || ')', '; ' ORDER BY rank) FROM xray.index_advice(10)"; }

schema
load
psql_at "$port" -c "SELECT xray.reset()" -c "SELECT pg_qualstats_reset()" >/dev/null
reads
echo "| advisor | K | indexes | workload cost vs. no new index | geometric mean of per-statement cost |"
echo "|---|---|---|---|---|"
for k in 3 5 10; do
	run_eval "pg_xray" "$k" "SELECT replace(create_statement, ' CONCURRENTLY', '') AS s FROM xray.index_advice($k)"
done
# (pg_qualstats 2.0.4 writes gist_trgm_ops in a gin index: taken as gin_trgm_ops, in its favour)
# per-query hand-picked best: for each template alone, the best of its hand-picked
# candidates by what-if planning; the picks ranked by runs x saving, the top K kept
templates | python3 -c '
import sys
rows = []
for line in sys.stdin:
    t, runs, cands = line.rstrip("\n").rsplit("|", 2)
    for c in filter(None, cands.split(";")):
        rows.append("($q$" + t.replace("%i", "8") + "$q$, " + runs + ", $c$" + c + "$c$)")
print("CREATE TEMP TABLE picks AS SELECT DISTINCT ON (s) s, c, runs * (b.cost_before - b.cost_after) AS saving")
print("FROM (VALUES " + ",\n".join(rows) + ") v(s, runs, c), LATERAL xray.what_if(s, ARRAY[c]) b")
print("ORDER BY s, b.cost_after;")
' >"$work/picks.sql"
chown postgres: "$work/picks.sql"
for k in 3 5 10; do
	run_eval "per-query hand-picked best" "$k" "SELECT c AS s FROM picks ORDER BY saving DESC LIMIT $k" "$work/picks.sql"
done
run_eval "pg_qualstats (all it proposes)" "-" \
	"SELECT replace(json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gist,brin,spgist}')->'indexes'), 'gist_trgm_ops', 'gin_trgm_ops') AS s"
reads_only=$(advice_set)
psql_at "$port" -At -c "SELECT '    pg_qualstats: ' || s FROM json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gist,brin,spgist}')->'indexes') s" >&2
psql_at "$port" -At -c "SELECT '    pg_xray: ' || create_statement FROM xray.index_advice(10)" >&2

# benchmark c: the loads recorded before the same reads
schema
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
load
reads
with_loads=$(advice_set)
echo
if [ "$reads_only" = "$with_loads" ]; then
	echo "with the bulk loads recorded first: the same advice ($reads_only)"
else
	echo "with the bulk loads recorded first, the advice differs:"
	echo "  reads only: $reads_only"
	echo "  with loads: $with_loads"
fi
