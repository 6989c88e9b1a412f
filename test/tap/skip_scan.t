# Index advice and btree skip scan (PostgreSQL 18). An existing (a, b) index
# with few distinct a serves "b = $1" through a skip scan on 18: the advisor
# must not propose (b) there (on 15 and 17, which cannot skip, it must). What-if
# planning lets 18's planner skip-scan hypothetical indexes too, and one
# composite index serves the two statements that filter on (a, b) and on b.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56400)
dir="$XRAY_TMP/tap/skip_scan"
pg_start "$dir" "$port" "autovacuum = off" "max_parallel_workers_per_gather = 0" || exit 1
v=$(q "$port" "SHOW server_version_num")
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE ev (a int, b int, pad text)" \
	-c "INSERT INTO ev SELECT g % 4, g, repeat('x', 60) FROM generate_series(1, 400000) g" \
	-c "CREATE INDEX ev_a_b ON ev (a, b)" -c "VACUUM ANALYZE ev" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 100); do echo "SELECT pad FROM ev WHERE b = $((i * 37));"; done | psql_at "$port" >/dev/null
plan=$(q "$port" "EXPLAIN (COSTS OFF) SELECT pad FROM ev WHERE b = 100" | tr '\n' ' ')
cost=$(psql_at "$port" -At -c "EXPLAIN (FORMAT JSON) SELECT pad FROM ev WHERE b = 100" | jq '.[0].Plan["Total Cost"] | floor')
advice=$(q "$port" "SELECT coalesce(string_agg(columns, ' '), 'none') FROM xray.index_advice WHERE table_name = 'public.ev'")
if [ "$v" -ge 180000 ]; then
	ok "$(echo "$plan" | grep -q 'Index Scan using ev_a_b on ev .*Index Cond: (b = 100)' && [ "$cost" -lt 40 ] && echo t)" \
		"18 answers b = \$1 with a skip scan of the (a, b) index: a few descents, estimated cost $cost ($plan)"
	is "$advice" "none" "18: no index on (b) where (a, b) with 4 distinct a already serves through a skip scan"
else
	ok "$([ "$cost" -gt 1000 ] && echo t)" "before 18 the (a, b) index serves b = \$1 only by reading all of it (estimated cost $cost)"
	is "$advice" "b" "before 18 the advisor proposes (b)"
fi

# what-if: a hypothetical (a, b) index on a table that has none is skip-scanned on 18
psql_at "$port" -c "CREATE TABLE ev2 AS SELECT * FROM ev" -c "ANALYZE ev2" >/dev/null
wi=$(q "$port" "SELECT array_to_string(indexes_used, ',') || '|' || (improvement_pct > 90) || '|' || round(cost_after)
               FROM xray.what_if('SELECT pad FROM ev2 WHERE b = 100', ARRAY['CREATE INDEX ON ev2 (a, b)'])")
if [ "$v" -ge 180000 ]; then
	ok "$(echo "$wi" | grep -qE '^<hypothetical> ev2 \(a, b\)\|true\|[0-9]{1,2}$' && echo t)" \
		"18: what-if planning skip-scans a hypothetical (a, b) index for b = \$1 (used, cost below 100: $wi)"
else
	ok "$(echo "$wi" | grep -qE '\|false\|[0-9]{4,}$' && echo t)" "before 18 a hypothetical (a, b) index is read whole for b = \$1 ($wi)"
fi

# one composite index for two statements: a = \$1 AND b = \$2, and b = \$1 (18: through a skip scan)
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 100); do echo "SELECT pad FROM ev2 WHERE a = $((i % 4)) AND b = $((i * 41)); SELECT pad FROM ev2 WHERE b = $((i * 43));"; done |
	psql_at "$port" >/dev/null
is "$(q "$port" "SELECT count(*) || ':' || bool_and(cardinality(queries) = 2) FROM xray.index_advice WHERE table_name = 'public.ev2'")" "1:true" \
	"one composite index is advised, and it serves both statements ($(q "$port" "SELECT string_agg(columns, ' ') FROM xray.index_advice WHERE table_name = 'public.ev2'"))"
done_testing
