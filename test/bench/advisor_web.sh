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
source "$(dirname "$0")/advisor_lib.sh"
[ -n "${XRAY_BENCH_KEEP:-}" ] || trap pg_stop_all EXIT # XRAY_BENCH_KEEP=1: the server stays up to look into
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
# the advised set (by table and columns: near ties may swap ranks from run to run)
advice_set() { psql_at "$port" -At -c "SELECT string_agg(table_name || ' (' || columns || ')', '; ' ORDER BY table_name, columns) FROM xray.index_advice(10)"; }

schema
load
psql_at "$port" -c "SELECT xray.reset()" -c "SELECT pg_qualstats_reset()" >/dev/null
advisor_reads
# taken at once, as in run 2 (the rates of calls per hour depend on the time since first seen)
reads_only=$(advice_set)
advisor_eval_init
advisor_table
psql_at "$port" -At -c "SELECT '    pg_qualstats: ' || s FROM json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gist,brin,spgist}')->'indexes') s" >&2
psql_at "$port" -At -f "$work/hypo.sql" -c "SELECT '    HypoPG: ' || c FROM hypo ORDER BY saving DESC" >&2
psql_at "$port" -At -c "SELECT '    pg_xray: ' || create_statement FROM xray.index_advice(10)" >&2

# benchmark c: the loads recorded before the same reads
schema
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
load
advisor_reads
with_loads=$(advice_set)
echo
if [ "$reads_only" = "$with_loads" ]; then
	echo "with the bulk loads recorded first: the same advice ($reads_only)"
else
	echo "with the bulk loads recorded first, the advice differs:"
	echo "  reads only: $reads_only"
	echo "  with loads: $with_loads"
fi
