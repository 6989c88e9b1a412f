#!/usr/bin/env bash
# test/bench/fleet.sh - the time of the fleet views with a primary and two streaming
# standbys (3 nodes) of N distinct statements each (default 5,000; issue #14's target:
# xray.fleet_statements under 1 s). Each node runs N statements of its own; then the
# views are read 5 times and the median printed.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap pg_stop_all EXIT
n=${1:-5000}
port=$(free_port 57400)
dir="$XRAY_TMP/fleetbench/primary"
pg_start "$dir" "$port" "wal_level = replica" "max_wal_senders = 6" "xray.max_statements = $((n + 1000))" >/dev/null
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION postgres_fdw" \
	-c "CREATE TABLE fb AS SELECT g AS id, g % 100 AS k FROM generate_series(1, 1000) g" >/dev/null
declare -A sport
for s in s1 s2; do
	sdir="$XRAY_TMP/fleetbench/$s"
	sport[$s]=$(free_port $((port + ${s#s} * 3)))
	rm -rf "$sdir"
	as_pg pg_basebackup -h /tmp -p "$port" -D "$sdir" -R -X stream -c fast >/dev/null 2>&1
	sed -i "s/^port = .*/port = ${sport[$s]}/" "$sdir/postgresql.conf"
	rm -f "$sdir/postmaster.pid"
	as_pg pg_ctl -D "$sdir" -l "$sdir/server.log" -w start >/dev/null
	XRAY_STARTED+=("$sdir")
	psql_at "$port" -c "CREATE SERVER $s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/tmp', port '${sport[$s]}', dbname 'postgres', connect_timeout '3', async_capable 'true')" \
		-c "CREATE USER MAPPING FOR PUBLIC SERVER $s OPTIONS (user 'postgres')" -c "SELECT xray.add_node('$s', '$s')" >/dev/null
done
# N distinct statements on every node (distinct column lists: distinct query ids)
python3 - "$n" >"$XRAY_TMP/fleetbench/stmts.sql" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    cols = ", ".join("k + %d AS c%d" % (j, j) for j in range(1 + i % 40))
    print("SELECT %s FROM fb WHERE id = %d%s;" % (cols, i, " AND k > 0" * (i // 40 % 125 + 1)))
PY
chown postgres: "$XRAY_TMP/fleetbench/stmts.sql"
for p in "$port" "${sport[s1]}" "${sport[s2]}"; do psql_at "$p" -f "$XRAY_TMP/fleetbench/stmts.sql" >/dev/null; done
echo "statements per node: $(for p in "$port" "${sport[s1]}" "${sport[s2]}"; do psql_at "$p" -At -c "SELECT count(*) FROM xray.statements"; done | tr '\n' ' ')"
timeit() { # label sql: the median of 5 runs, in ms
	local t=()
	for r in 1 2 3 4 5; do
		local s=$(date +%s%N)
		psql_at "$port" -At -c "$2" >/dev/null
		t+=($((($(date +%s%N) - s) / 1000000)))
	done
	echo "| $1 | $(printf '%s\n' "${t[@]}" | sort -n | sed -n 3p) ms | $(printf '%s ' "${t[@]}")|"
}
echo "| query (3 nodes) | median | runs (ms) |"
echo "|---|---|---|"
timeit "SELECT count(*) FROM xray.fleet_statements" "SELECT count(*) FROM xray.fleet_statements"
timeit "SELECT * FROM xray.fleet_statements (all columns)" "SELECT * FROM xray.fleet_statements"
timeit "SELECT * FROM xray.fleet_statements_merged" "SELECT * FROM xray.fleet_statements_merged"
timeit "SELECT * FROM xray.fleet_status" "SELECT * FROM xray.fleet_status"
timeit "SELECT * FROM xray.index_health" "SELECT * FROM xray.index_health"
timeit "SELECT count(*) FROM xray.index_advice (fleet workload)" "SELECT count(*) FROM xray.index_advice"
timeit "SELECT count(*) FROM xray.plan_findings (fleet statistics)" "SELECT count(*) FROM xray.plan_findings"
timeit "SELECT count(*) FROM xray.cache_candidates (fleet statistics)" "SELECT count(*) FROM xray.cache_candidates"
timeit "SELECT count(*) FROM xray.fleet_plan_regressions" "SELECT count(*) FROM xray.fleet_plan_regressions"
timeit "SELECT xray.metrics() (fleet series)" "SELECT length(xray.metrics())"
