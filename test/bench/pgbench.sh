#!/usr/bin/env bash
# test/bench/pgbench.sh - throughput under concurrency (context for the callgrind figures).
#
# One instance, restarted with each configuration in interleaved rounds:
#   none / pg_stat_statements / pg_xray (full capture)
# Workloads (each T seconds, 4 clients, 2 pgbench threads):
#   select: pgbench -S -M prepared
#   tpcb:   pgbench's tpcb-like script
#   churn:  3,000 small tables, one statement shape per table (-M simple: pgbench
#           substitutes :t textually), statement limit 1,000 for both extensions
# Reports the median TPS ratio to 'none' and the server's CPU time per transaction
# (postmaster's own + reaped children's utime+stime, from /proc).
# Usage: test/bench/pgbench.sh [ROUNDS] [SECONDS]   (default 5 rounds, 8 s)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
ROUNDS=${1:-5}
T=${2:-8}
work="$XRAY_TMP/pgbench"
dir="$work/data"
mkdir -p "$work"
chown postgres: "$work"
trap pg_stop_all EXIT
port=$(free_port 56200)

pg_start "$dir" "$port" "shared_preload_libraries = ''" "autovacuum = off" "max_connections = 50" \
	"shared_buffers = 256MB" "synchronous_commit = off" >/dev/null
as_pg pgbench -h /tmp -p "$port" -i -s 10 -q postgres >/dev/null 2>&1
for i in $(seq 1 3000); do echo "CREATE TABLE churn_$i (id int PRIMARY KEY, v int); INSERT INTO churn_$i VALUES (1, $i);"; done |
	psql_at "$port" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE" >/dev/null
cat >"$work/churn.sql" <<'EOS'
\set t random(1, 3000)
SELECT v FROM churn_:t WHERE id = 1;
EOS
chown postgres: "$work/churn.sql"
pg_stop "$dir"

declare -A CONF
CONF[none]="shared_preload_libraries = ''"
CONF[pg_stat_statements]="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 1000"
CONF[pg_xray]="shared_preload_libraries = 'pg_xray'
xray.max_statements = 1000
xray.max_plans = 1000"

server_cpu_ticks() {
	local pid
	pid=$(head -1 "$dir/postmaster.pid")
	awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat"
}

results="$work/results.tsv"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
	for conf in none pg_stat_statements pg_xray; do
		echo "${CONF[$conf]}" >"$dir/conf.d.xray.conf"
		grep -q "include_if_exists = 'conf.d.xray.conf'" "$dir/postgresql.conf" ||
			echo "include_if_exists = 'conf.d.xray.conf'" >>"$dir/postgresql.conf"
		chown postgres: "$dir/conf.d.xray.conf"
		as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
		for wl in select tpcb churn; do
			case $wl in
			select) args=(-S -M prepared) ;;
			tpcb) args=() ;;
			churn) args=(-f "$work/churn.sql" -M simple) ;;
			esac
			before=$(server_cpu_ticks)
			tps=$(as_pg pgbench -h /tmp -p "$port" -n -c 4 -j 2 -T "$T" "${args[@]}" postgres 2>/dev/null |
				grep -oP 'tps = \K[0-9.]+' | head -1)
			sleep 0.5
			after=$(server_cpu_ticks)
			printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$conf" "$wl" "$tps" "$((after - before))" >>"$results"
			log "round $round $conf $wl: $tps tps"
		done
		pg_stop "$dir"
	done
done

# median TPS and median CPU microseconds per transaction, ratio to none
python3 - "$results" "$T" <<'PY'
import sys, statistics, os
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
T = float(sys.argv[2])
hz = os.sysconf('SC_CLK_TCK')
data = {}
for r, conf, wl, tps, ticks in rows:
    d = data.setdefault((wl, conf), {'tps': [], 'cpu': []})
    d['tps'].append(float(tps))
    d['cpu'].append(int(ticks) / hz / (float(tps) * T) * 1e6)
print('| workload | config | median TPS | TPS vs none | server CPU µs/txn | CPU vs none |')
print('|---|---|---|---|---|---|')
for wl in ['select', 'tpcb', 'churn']:
    base = statistics.median(data[(wl, 'none')]['tps'])
    base_cpu = statistics.median(data[(wl, 'none')]['cpu'])
    for conf in ['none', 'pg_stat_statements', 'pg_xray']:
        tps = statistics.median(data[(wl, conf)]['tps'])
        cpu = statistics.median(data[(wl, conf)]['cpu'])
        print(f'| {wl} | {conf} | {tps:.0f} | {tps / base:.3f} | {cpu:.1f} | {cpu / base_cpu:.3f} |')
PY
