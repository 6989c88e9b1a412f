# Counts are exact under concurrency (no sampling): after the clients have run,
# calls equal the number of executions, for simple and prepared protocols, with
# pg_stat_statements preloaded alongside (and agreeing). Readers and resets
# running during the load never disturb the server.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 55700)
dir="$XRAY_TMP/tap/concurrency"
pg_start "$dir" "$port" "shared_preload_libraries = 'pg_stat_statements,pg_xray'" \
	"pg_stat_statements.track_utility = off" "xray.flush_interval = 50ms" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
as_pg pgbench -h /tmp -p "$port" -i -s 1 -q postgres >/dev/null 2>&1

cat >"$XRAY_TMP/tap/two.sql" <<'EOF2'
\set aid random(1, 100000)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
EOF2
chown postgres: "$XRAY_TMP/tap/two.sql"

count_both() {
	local pattern=$1
	q "$port" "SELECT (SELECT coalesce(sum(calls), 0) FROM xray.statements WHERE query LIKE '$pattern')
	       || ' ' || (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '$pattern')"
}

psql_at "$port" -c "SELECT xray.reset()" -c "SELECT pg_stat_statements_reset()" >/dev/null
as_pg pgbench -h /tmp -p "$port" -n -S -M prepared -c 4 -j 2 -t 500 postgres >/dev/null 2>&1
is "$(count_both 'SELECT abalance FROM pgbench_accounts WHERE aid = %')" "2000 2000" \
	"prepared select-only: 4 clients x 500 = 2000 calls, same as pg_stat_statements"

psql_at "$port" -c "SELECT xray.reset()" -c "SELECT pg_stat_statements_reset()" >/dev/null
# readers and per-query resets of other statements run while the load runs
(for i in $(seq 1 40); do
	q "$port" "SELECT count(*) FROM xray.statements" >/dev/null
	q "$port" "SELECT count(*) FROM xray.plans" >/dev/null
	sleep 0.05
done) &
reader=$!
as_pg pgbench -h /tmp -p "$port" -n -f "$XRAY_TMP/tap/two.sql" -M simple -c 4 -j 2 -t 300 postgres >/dev/null 2>&1
wait $reader
is "$(count_both 'SELECT abalance FROM pgbench_accounts WHERE aid = %')" "1200 1200" "simple protocol: 1200 selects counted exactly"
is "$(count_both 'UPDATE pgbench_accounts SET abalance%')" "1200 1200" "simple protocol: 1200 updates counted exactly"
is "$(q "$port" "SELECT sum(rows) FROM xray.statements WHERE query LIKE 'UPDATE pgbench_accounts SET abalance%'")" "1200" \
	"rows are exact"
is "$(q "$port" "SELECT sum(calls) FROM xray.plans p JOIN (SELECT DISTINCT queryid FROM xray.statements WHERE query LIKE 'UPDATE pgbench_accounts SET abalance%') s USING (queryid)")" \
	"1200" "per-plan calls add up to the statement's calls"
is "$(q "$port" "SELECT dropped FROM xray.info")" "0" "nothing dropped"

# clients still connected: their pending counts are visible right away
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
as_pg psql -X -q -h /tmp -p "$port" -d postgres >/dev/null 2>&1 <<'SQL' &
SELECT abalance FROM pgbench_accounts WHERE aid = 1;
SELECT abalance FROM pgbench_accounts WHERE aid = 2;
SELECT abalance FROM pgbench_accounts WHERE aid = 3;
SELECT pg_sleep(3);
SQL
holder=$!
sleep 1.5
is "$(q "$port" "SELECT calls FROM xray.statements WHERE query = 'SELECT abalance FROM pgbench_accounts WHERE aid = \$1'")" "3" \
	"a connected session's counts are visible to others before it flushes"
wait $holder
# a statement cancelled by pg_cancel_backend counts as an error, with its time
as_pg psql -X -q -h /tmp -p "$port" -d postgres -c "SELECT pg_sleep(5) AS cancel_me FROM pg_database LIMIT 1" >/dev/null 2>&1 &
sleeper=$!
for i in $(seq 1 50); do
	victim=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE query LIKE '%cancel_me%' AND pid <> pg_backend_pid()")
	[ -n "$victim" ] && break
	sleep 0.1
done
sleep 0.5
is "$(q "$port" "SELECT pg_cancel_backend($victim)")" "t" "the running statement is cancelled"
wait $sleeper
is "$(q "$port" "SELECT calls || ' ' || errors || ' ' || (total_error_time BETWEEN 400 AND 5000) FROM xray.statements WHERE query LIKE '%cancel_me%' AND query NOT LIKE '%pg_stat_activity%'")" \
	"0 1 true" "a cancelled statement: 0 calls, 1 error, its time until the cancel"
is "$(grep -c 'terminated by signal' "$dir/server.log")" "0" "no backend crashed"
done_testing
