#!/usr/bin/env bash
# test/bench/locks.sh - cost of the lock sampler and of reading the live lock views.
#  1. sampler CPU at the default interval (100 ms) with 100 idle sessions and 20
#     sessions waiting for a table lock: the worker's utime+stime over 60 s
#     (from /proc), and its own mean tick time;
#  2. time to read xray.lock_waits, xray.blocking_tree and xray.lock_graph()
#     with 200 sessions waiting (median of 15 reads each).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap 'pkill -f "bench_locks_idle" 2>/dev/null || true; pg_stop_all' EXIT
port=$(free_port 56800)
dir="$XRAY_TMP/bench_locks/data"
pg_start "$dir" "$port" "max_connections = 400" >/dev/null
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE hot (id int)" >/dev/null
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

bg() { as_pg psql -X -h /tmp -p "$port" -d postgres "$@" >/dev/null 2>&1 & }
# a holder that keeps the table locked for the whole run
bg -c "SET application_name = 'bench_locks_holder'" -c "BEGIN" -c "LOCK TABLE hot" -c "SELECT pg_sleep(200)"
sleep 1
for i in $(seq 1 100); do bg -c "SET application_name = 'bench_locks_idle'" -c "\\! sleep 190"; done
for i in $(seq 1 20); do bg -c "SELECT count(*) FROM hot"; done
for i in $(seq 1 60); do
	[ "$(psql_at "$port" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" -ge 20 ] && break
	sleep 0.5
done
worker=$(psql_at "$port" -Atc "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'")
echo "sessions: $(psql_at "$port" -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'") clients," \
	"$(psql_at "$port" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") waiting"
t0=$(cpu_ticks "$worker"); s0=$(date +%s.%N)
k0=$(psql_at "$port" -Atc "SELECT ticks FROM xray.lock_sampler")
sleep 60
t1=$(cpu_ticks "$worker"); s1=$(date +%s.%N)
k1=$(psql_at "$port" -Atc "SELECT ticks FROM xray.lock_sampler")
awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" -v k="$((k1 - k0))" \
	'BEGIN { printf "sampler CPU over %.0f s: %.2f%% of one core (%d ticks)\n", e - s, 100 * (b - a) / hz / (e - s), k }'
psql_at "$port" -Atc "SELECT format('sampler mean tick: %s ms; samples written: %s', round(mean_tick_ms::numeric, 3), samples_written) FROM xray.lock_sampler"

# 2. 200 waiters
for i in $(seq 1 180); do bg -c "SELECT count(*) FROM hot"; done
for i in $(seq 1 120); do
	[ "$(psql_at "$port" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" -ge 200 ] && break
	sleep 0.5
done
echo "waiting now: $(psql_at "$port" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")"
for view in "SELECT count(*) FROM xray.lock_waits" "SELECT count(*) FROM xray.blocking_tree" "SELECT length(xray.lock_graph())" \
	"SELECT count(*) FROM xray.lock_edges()"; do
	times=$(for i in $(seq 1 15); do
		psql_at "$port" -At -c "\\timing on" -c "$view" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
	done | sort -n)
	echo "$view: median $(echo "$times" | sed -n 8p) ms (min $(echo "$times" | head -1), max $(echo "$times" | tail -1))"
done
psql_at "$port" -Atc "SELECT format('sampler mean tick with 200 waiters (since start): %s ms', round(mean_tick_ms::numeric, 3)) FROM xray.lock_sampler"
