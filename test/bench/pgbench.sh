#!/usr/bin/env bash
# test/bench/pgbench.sh - throughput and server CPU next to the callgrind figures.
#
# One instance, restarted with each configuration in interleaved rounds.
# Server CPU per transaction is the CPU time of the backends that exited during
# the run: the postmaster's reaped children (cutime + cstime from /proc), read
# after pgbench has disconnected.
#
# Default mode (concurrency context): 4 clients, 2 threads, T seconds each:
#   select: pgbench -S -M prepared
#   tpcb:   pgbench's tpcb-like script
#   churn:  3,000 small tables, one statement shape per table (-M simple),
#           statement limit 1,000 for both extensions
#   configs none / pg_stat_statements / pg_xray; median TPS and CPU ratios.
# Pinned mode (issue #16's method): the server on CPU 0, one pgbench client on
# CPU 1, every extension at its defaults, T seconds per run:
#   select:  -S -M prepared
#   tpcb:    tpcb-like, -M prepared
#   churn:   one transaction = 2,000 distinct statements (-M simple)
#   connect: -S -C (a new connection, backend start and exit, per transaction)
#   configs none / pg_stat_statements / pg_xray; median and spread (min..max)
#   of server CPU µs per transaction and its ratio to none.
# Usage: test/bench/pgbench.sh [ROUNDS] [SECONDS]          (default 5 rounds, 8 s)
#        test/bench/pgbench.sh pinned [ROUNDS] [SECONDS]   (default 5 rounds, 10 s)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
MODE=default
if [ "${1:-}" = pinned ]; then
	MODE=pinned
	shift
fi
ROUNDS=${1:-5}
T=${2:-8}
[ $MODE = pinned ] && T=${2:-10}
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
{
	echo "BEGIN;"
	for i in $(seq 1 2000); do echo "SELECT v FROM churn_$i WHERE id = 1;"; done
	echo "END;"
} >"$work/churn2000.sql"
chown postgres: "$work/churn.sql" "$work/churn2000.sql"
pg_stop "$dir"

# reaped_ticks: CPU ticks of the postmaster's children that have exited
reaped_ticks() {
	local pid
	pid=$(head -1 "$dir/postmaster.pid")
	awk '{print $16 + $17}' "/proc/$pid/stat"
}

# start_with SETTINGS [CMD...]: start the instance with SETTINGS (lines of
# postgresql.conf) included, through CMD (e.g. taskset -c 0)
start_with() {
	local settings=$1
	shift
	echo "$settings" >"$dir/conf.d.xray.conf"
	grep -q "include_if_exists = 'conf.d.xray.conf'" "$dir/postgresql.conf" ||
		echo "include_if_exists = 'conf.d.xray.conf'" >>"$dir/postgresql.conf"
	chown postgres: "$dir/conf.d.xray.conf"
	as_pg "$@" pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
}

if [ $MODE = pinned ]; then
	results="$work/pinned.tsv"
	: >"$results"
	for round in $(seq 1 "$ROUNDS"); do
		for conf in none pg_stat_statements pg_xray; do
			start_with "shared_preload_libraries = '${conf/none/}'" taskset -c 0
			for wl in select tpcb churn connect; do
				case $wl in
				select) args=(-S -M prepared) ;;
				tpcb) args=(-M prepared) ;;
				churn) args=(-f "$work/churn2000.sql" -M simple) ;;
				connect) args=(-S -C -M simple) ;;
				esac
				before=$(reaped_ticks)
				out=$(as_pg taskset -c 1 pgbench -h /tmp -p "$port" -n -c 1 -j 1 -T "$T" "${args[@]}" postgres 2>/dev/null)
				txns=$(grep -oP 'number of transactions actually processed: \K[0-9]+' <<<"$out")
				# the session's backend is reaped once it has exited
				sleep 1
				after=$(reaped_ticks)
				printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$conf" "$wl" "$txns" "$((after - before))" >>"$results"
				log "round $round $conf $wl: $txns transactions, $((after - before)) ticks"
			done
			pg_stop "$dir"
		done
	done
	python3 - "$results" <<'PY'
import sys, statistics, os
hz = os.sysconf('SC_CLK_TCK')
data = {}
for line in open(sys.argv[1]):
    r, conf, wl, txns, ticks = line.rstrip('\n').split('\t')
    data.setdefault((wl, conf), []).append(int(ticks) / hz / int(txns) * 1e6)
print('| workload | config | server CPU µs/txn (median) | min..max | vs none (median) |')
print('|---|---|---|---|---|')
for wl in ['select', 'tpcb', 'churn', 'connect']:
    base = statistics.median(data[(wl, 'none')])
    for conf in ['none', 'pg_stat_statements', 'pg_xray']:
        v = data[(wl, conf)]
        m = statistics.median(v)
        print(f'| {wl} | {conf} | {m:.1f} | {min(v):.1f}..{max(v):.1f} | {m / base:.3f} |')
PY
	exit 0
fi

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
		start_with "${CONF[$conf]}"
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
