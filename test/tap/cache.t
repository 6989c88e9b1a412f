# Caching candidates: a hot read-only lookup and a heavy aggregate on a table
# that does not change are candidates (the aggregate as a materialized view
# with a pg_cron refresh); a lookup on a table updated as often as it is read
# is not; a quiet server has none.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56130)
dir="$XRAY_TMP/tap/cache"
pg_start "$dir" "$port" "autovacuum = off" "xray.advice_sample_rate = 0.05" "max_parallel_workers_per_gather = 0" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE products (id int PRIMARY KEY, category int, price numeric, name text)" \
	-c "INSERT INTO products SELECT g, g % 20, g % 100, 'p' || g FROM generate_series(1, 300000) g" \
	-c "CREATE TABLE hot (id int PRIMARY KEY, v int)" -c "INSERT INTO hot SELECT g, 0 FROM generate_series(1, 1000) g" >/dev/null
psql_at "$port" -c "ANALYZE products, hot" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.cache_candidates")" "0" "a quiet server: no candidate"
cat >"$XRAY_TMP/tap/cache.sql" <<'EOF2'
\set id random(1, 300000)
SELECT name FROM products WHERE id = :id;
\set h random(1, 1000)
SELECT v FROM hot WHERE id = :h;
UPDATE hot SET v = v + 1 WHERE id = :h;
EOF2
chown postgres: "$XRAY_TMP/tap/cache.sql"
as_pg pgbench -h /tmp -p "$port" -n -f "$XRAY_TMP/tap/cache.sql" -M prepared -c 2 -j 2 -t 1500 postgres >/dev/null 2>&1
for i in $(seq 1 120); do echo "SELECT category, count(*), avg(price) FROM products GROUP BY category;"; done | psql_at "$port" >/dev/null
sleep 1.2
is "$(q "$port" "SELECT string_agg(query, ' | ' ORDER BY query) FROM xray.cache_candidates")" \
	"SELECT category, count(*), avg(price) FROM products GROUP BY category | SELECT name FROM products WHERE id = \$1" \
	"candidates: the aggregate and the product lookup; not the lookup on the table updated as often as read"
ok "$(q "$port" "SELECT tables = '{products}' AND expected_hit_ratio > 0.99 AND ms_saved_per_minute > 0 AND suggestion LIKE 'cache the results in the application%invalidate them on writes to products'
                 FROM xray.cache_candidates WHERE query LIKE 'SELECT name%'")" "the lookup: its table to invalidate on, hit ratio and time saved"
ok "$(q "$port" "SELECT suggestion ~ 'CREATE MATERIALIZED VIEW xray_mv_n?[0-9]+ AS SELECT category, count\\(\\*\\), avg\\(price\\) FROM products GROUP BY category; then SELECT cron.schedule\\(.*REFRESH MATERIALIZED VIEW xray_mv_'
                 FROM xray.cache_candidates WHERE query LIKE 'SELECT category%'")" "the aggregate: a materialized view with a pg_cron refresh"
# the materialized view definition works as printed
mv=$(q "$port" "SELECT substring(suggestion FROM 'CREATE MATERIALIZED VIEW [^;]+') FROM xray.cache_candidates WHERE query LIKE 'SELECT category%'")
psql_at "$port" -c "$mv" >/dev/null
is "$(q "$port" "SELECT count(*) FROM pg_matviews WHERE matviewname LIKE 'xray_mv_%'")" "1" "the printed CREATE MATERIALIZED VIEW runs"
pg_stop "$dir"
done_testing
