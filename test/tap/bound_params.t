# Statements sent with parameters (extended protocol, as drivers and pgbench -M
# extended/prepared send them) are advised with the values they were run with:
# a parameter bound to the same value on every call is a partial-index
# predicate, exactly as a repeated literal in a simple-protocol statement.
# xray.store_sample_values = off keeps no values (and so gives no predicate).
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 55900)
dir="$XRAY_TMP/tap/bound"
pg_start "$dir" "$port" "xray.advice_sample_rate = 1" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE jobs (id int PRIMARY KEY, status smallint, queue int, created timestamptz)" \
	-c "INSERT INTO jobs SELECT g, CASE WHEN g % 50 = 0 THEN 3 ELSE 1 END, g % 20,
	       timestamptz '2024-01-01' + g * interval '1 s' FROM generate_series(1, 40000) g" \
	-c "ANALYZE jobs" >/dev/null

cat >"$XRAY_TMP/tap/jobs.sql" <<'EOF2'
\set st 3
\set q random(0, 19)
SELECT id FROM jobs WHERE status = :st AND queue = :q ORDER BY created LIMIT 5;
EOF2
chown postgres: "$XRAY_TMP/tap/jobs.sql"

advice() {
	q "$port" "SELECT string_agg(create_statement, ' | ') FROM xray.index_advice WHERE table_name = 'public.jobs'"
}

for mode in extended prepared; do
	psql_at "$port" -c "SELECT xray.reset()" >/dev/null
	as_pg pgbench -h /tmp -p "$port" -n -f "$XRAY_TMP/tap/jobs.sql" -M "$mode" -c 2 -j 2 -t 20 postgres >/dev/null 2>&1
	is "$(q "$port" "SELECT calls FROM xray.statements WHERE query LIKE 'SELECT id FROM jobs WHERE status = \$1%'")" "40" \
		"-M $mode: the statement is recorded with its parameters (40 calls)"
	is "$(advice)" \
		"CREATE INDEX CONCURRENTLY jobs_queue_created_idx ON public.jobs (queue, created) WHERE status = '3';" \
		"-M $mode: the parameter bound to 3 every time becomes the partial index predicate"
done

# the advice works once built: the planner uses it for the statement
psql_at "$port" -c "CREATE INDEX jobs_queue_created_idx ON public.jobs (queue, created) WHERE status = '3'" >/dev/null
ok "$(q "$port" "EXPLAIN (COSTS OFF) SELECT id FROM jobs WHERE status = 3 AND queue = 7 ORDER BY created LIMIT 5" |
	grep -q 'Index Scan using jobs_queue_created_idx' && echo t)" "the planner uses the advised partial index"
psql_at "$port" -c "DROP INDEX jobs_queue_created_idx" >/dev/null

# values are private when xray.store_sample_values is off: no predicate from them
psql_at "$port" -c "ALTER SYSTEM SET xray.store_sample_values = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
as_pg pgbench -h /tmp -p "$port" -n -f "$XRAY_TMP/tap/jobs.sql" -M extended -c 2 -j 2 -t 20 postgres >/dev/null 2>&1
ok "$(advice | grep -vq "WHERE status" && echo t)" "store_sample_values = off: no value kept, no predicate advised ($(advice))"

# hostile values: quotes, NULLs and text parameters never break the sampling
psql_at "$port" -c "ALTER SYSTEM RESET xray.store_sample_values" -c "SELECT pg_reload_conf()" >/dev/null
cat >"$XRAY_TMP/tap/odd.sql" <<'EOF2'
\set n random(1, 100)
SELECT count(*) FROM jobs WHERE id = :n AND coalesce(NULL::text, 'it''s $1') <> 'x';
EOF2
chown postgres: "$XRAY_TMP/tap/odd.sql"
as_pg pgbench -h /tmp -p "$port" -n -f "$XRAY_TMP/tap/odd.sql" -M extended -c 1 -t 10 postgres >/dev/null 2>&1
is "$(q "$port" "SELECT calls FROM xray.statements WHERE query LIKE 'SELECT count(*) FROM jobs WHERE id = \$1%'")" "10" \
	"a statement with quotes and \$1 inside a string runs and is recorded"
ok "$(q "$port" "SELECT count(*) >= 0 FROM xray.index_advice")" "the advisor reads the kept samples without error"
pg_stop "$dir"
done_testing
