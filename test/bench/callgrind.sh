#!/usr/bin/env bash
# test/bench/callgrind.sh - deterministic hot-path cost: instructions per statement, several mixes.
#
# Each configuration runs each mix in one backend under valgrind's callgrind,
# from the same data directory every time. Single-user backends (postgres
# --single, one statement per line) for the simple-protocol mixes; a real
# server (the postmaster under callgrind, whose forked backends are followed)
# with one pgbench client for the extended-protocol mix and for a session's
# start and exit. An empty run of the same kind is subtracted, so start-up and
# shutdown cancel out: per statement = (I(mix) - I(empty)) / statements;
# added = config - none.
#
# Configurations, every setting at its default except statistics saving (off
# for both: the exit dump is not the hot path):
#   none, pg_stat_statements, pg_stat_statements with track_planning = on
#   (like-for-like with pg_xray's planning times), pg_xray (full capture).
# Mixes (N from the command line):
#   blocks   N simple point selects, then N prepared executions, then N/4 updates
#   point    the same statements interleaved
#   tpcb     N/4 tpcb-like transactions (BEGIN, 3 updates, a select, an insert, END)
#   churn    2 x 2,000 distinct statements over 2,000 tables
#   evict    2 x 3,000 distinct statements, both extensions limited to 1,000
#   consts   N/4 selects with 50 constants each
#   join12   N/40 12-way joins
#   extended N point selects through the extended protocol (pgbench -M extended)
#   connect  a session that connects, runs one statement and exits (per session:
#            PostgresMain inclusive, from InitPostgres to the exit callbacks)
# Then the functions that pg_xray's instructions go to on the blocks mix
# (exclusive instructions per statement, config minus none).
# Usage: test/bench/callgrind.sh [N] [MIX...]   (default N = 1000, every mix). Prints Markdown.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
N=${1:-1000}
shift || true
MIXES=("$@")
[ ${#MIXES[@]} -gt 0 ] || MIXES=(blocks point tpcb churn evict consts join12 extended connect)
work="$XRAY_TMP/bench"
dir="$work/data"
mkdir -p "$work"
chown postgres: "$work"
trap pg_stop_all EXIT

port=$(free_port 56100)
log "bench: preparing a cluster"
pg_start "$dir" "$port" "shared_preload_libraries = ''" "autovacuum = off" >/dev/null
as_pg pgbench -h /tmp -p "$port" -i -s 1 -q postgres >/dev/null 2>&1
{
	for i in $(seq 1 3000); do echo "CREATE TABLE churn_$i (id int PRIMARY KEY, v int);"; done
	for i in $(seq 1 12); do
		echo "CREATE TABLE j$i (id int PRIMARY KEY, v int);"
		echo "INSERT INTO j$i SELECT g, g FROM generate_series(1, 100) g;"
	done
} | psql_at "$port" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
pg_stop "$dir"
# every run starts from this same data directory: the mixes update rows, and the first
# run after a load would otherwise pay for hint bits, pruning and checksums (18's
# initdb enables data checksums) that later runs find done
rm -rf "$work/template"
mv "$dir" "$work/template"

# the mixes: one statement per line (pgbench reads the same lines, ended by ';')
key() { echo $((($1 * 7919) % 100000 + 1)); }
declare -A COUNT
{
	echo "PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = \$1"
	for i in $(seq 1 "$N"); do echo "SELECT abalance FROM pgbench_accounts WHERE aid = $(key "$i")"; done
	for i in $(seq 1 "$N"); do echo "EXECUTE p($(key "$i"))"; done
	for i in $(seq 1 $((N / 4))); do echo "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $(key "$i")"; done
} >"$work/blocks.sql"
COUNT[blocks]=$((N + N + N / 4 + 1))
{
	echo "PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = \$1"
	for i in $(seq 1 "$N"); do
		k=$(key "$i")
		echo "SELECT abalance FROM pgbench_accounts WHERE aid = $k"
		echo "EXECUTE p($k)"
		if [ $((i % 4)) -eq 0 ]; then echo "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $k"; fi
	done
} >"$work/point.sql"
COUNT[point]=$((N + N + N / 4 + 1))
{
	for i in $(seq 1 $((N / 4))); do
		k=$(key "$i")
		echo "BEGIN"
		echo "UPDATE pgbench_accounts SET abalance = abalance + $i WHERE aid = $k"
		echo "SELECT abalance FROM pgbench_accounts WHERE aid = $k"
		echo "UPDATE pgbench_tellers SET tbalance = tbalance + $i WHERE tid = $((i % 10 + 1))"
		echo "UPDATE pgbench_branches SET bbalance = bbalance + $i WHERE bid = 1"
		echo "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($((i % 10 + 1)), 1, $k, $i, CURRENT_TIMESTAMP)"
		echo "END"
	done
} >"$work/tpcb.sql"
COUNT[tpcb]=$((N / 4 * 7))
{
	for r in 1 2; do for i in $(seq 1 2000); do echo "SELECT v FROM churn_$i WHERE id = $r"; done; done
} >"$work/churn.sql"
COUNT[churn]=4000
{
	for r in 1 2; do for i in $(seq 1 3000); do echo "SELECT v FROM churn_$i WHERE id = $r"; done; done
} >"$work/evict.sql"
COUNT[evict]=6000
{
	for i in $(seq 1 $((N / 4))); do
		list=$(seq -s, "$i" 7 $((i + 7 * 49)))
		echo "SELECT count(*) FROM pgbench_accounts WHERE aid IN ($list) AND bid = 1 AND abalance > -$i"
	done
} >"$work/consts.sql"
COUNT[consts]=$((N / 4))
{
	from="j1"
	for t in $(seq 2 12); do from="$from JOIN j$t ON j$t.id = j$((t - 1)).v"; done
	for i in $(seq 1 $((N / 40))); do echo "SELECT count(*) FROM $from WHERE j1.id = $((i % 100 + 1))"; done
} >"$work/join12.sql"
COUNT[join12]=$((N / 40))
for i in $(seq 1 "$N"); do echo "SELECT abalance FROM pgbench_accounts WHERE aid = $(key "$i");"; done >"$work/extended.pgb"
COUNT[extended]=$((N - 1)) # minus the one statement of the empty session
echo "SELECT 1;" >"$work/one.pgb"
COUNT[connect]=1
: >"$work/empty.sql"
: >"$work/empty_evict.sql"
chown postgres: "$work"/*.sql "$work"/*.pgb

CONFIGS=(none pg_stat_statements pgss_track_planning pg_xray)
declare -A OPTS
OPTS[none]="-c shared_preload_libraries="
OPTS[pg_stat_statements]="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.save=off"
OPTS[pgss_track_planning]="${OPTS[pg_stat_statements]} -c pg_stat_statements.track_planning=on"
OPTS[pg_xray]="-c shared_preload_libraries=pg_xray -c xray.save=off"
# the eviction mix: equal limits
EVICT_OPTS="-c pg_stat_statements.max=1000 -c xray.max_statements=1000 -c xray.max_plans=1000"

fresh_data() {
	rm -rf "$dir"
	cp -a "$work/template" "$dir"
}

# single NAME MIX: total instructions of one single-user run
single() {
	local name=$1 mix=$2 out="$work/cg.$1.$2" extra=""
	case $mix in evict | empty_evict) extra=$EVICT_OPTS ;; esac
	[ "$name" = none ] && extra=""
	fresh_data
	# shellcheck disable=SC2086
	as_pg valgrind --tool=callgrind --callgrind-out-file="$out.out" \
		postgres --single -D "$dir" -c autovacuum=off ${OPTS[$name]} $extra postgres \
		<"$work/$mix.sql" >"$out.log" 2>&1
	grep -oP 'Collected : \K[0-9]+' "$out.log"
}

# served NAME SCRIPT MODE: total instructions of the backend that served one
# pgbench session (one transaction of SCRIPT, protocol MODE), postmaster under callgrind
served() {
	local name=$1 script=$2 mode=$3 out="$work/srv.$1.$2"
	fresh_data
	rm -f "$out".*.out
	# shellcheck disable=SC2086
	# a forked backend inherits the postmaster's counts: collect inside PostgresMain
	# only (the session from authentication to the exit callbacks)
	as_pg valgrind --tool=callgrind --collect-atstart=no --toggle-collect=PostgresMain \
		--callgrind-out-file="$out.%p.out" postgres -D "$dir" -c port="$port" -c listen_addresses= -c unix_socket_directories=/tmp \
		-c autovacuum=off -c fsync=off ${OPTS[$name]} >"$out.log" 2>&1 &
	local pm=$!
	for _ in $(seq 1 240); do
		as_pg pg_isready -q -h /tmp -p "$port" && break
		sleep 0.5
	done
	sleep 3 # pg_isready's own backend writes its profile as it exits
	mkdir -p "$out.old"
	mv "$out".*.out "$out.old/" 2>/dev/null || true
	as_pg pgbench -h /tmp -p "$port" -n -M "$mode" -c 1 -t 1 -f "$work/$script.pgb" postgres >"$out.pgbench" 2>&1
	# the backends write their profiles as they exit: pgbench's session is the
	# one that ran the script (pgbench may open another connection first)
	local n=0 stable=0
	while [ $stable -lt 6 ]; do
		sleep 0.5
		local now
		now=$(ls "$out".*.out 2>/dev/null | wc -l)
		if [ "$now" -gt 0 ] && [ "$now" -eq "$n" ]; then stable=$((stable + 1)); else stable=0; fi
		n=$now
	done
	as_pg pg_ctl -D "$dir" -m fast -w -t 120 stop >/dev/null 2>&1 || true
	wait "$pm" 2>/dev/null || true
	local best=0 f total
	for f in "$out".*.out; do
		total=$(grep -oP '^summary: \K[0-9]+' "$f")
		[ "$total" -gt "$best" ] && best=$total && cp "$f" "$out.backend.out"
	done
	rm -rf "$out.old"
	echo "$best"
}

declare -A PER EMPTY
for mix in "${MIXES[@]}"; do
	for name in "${CONFIGS[@]}"; do
		log "bench: $mix / $name"
		case $mix in
		extended)
			empty=$(served "$name" one extended)
			full=$(served "$name" extended extended)
			;;
		connect)
			# a whole session, minus nothing: added = config - none
			empty=0
			full=$(served "$name" one simple)
			;;
		*)
			ekey=$name.normal
			[ "$mix" = evict ] && ekey=$name.evict
			if [ -z "${EMPTY[$ekey]:-}" ]; then
				EMPTY[$ekey]=$(single "$name" "empty$([ "$mix" = evict ] && echo _evict || true)")
			fi
			empty=${EMPTY[$ekey]}
			full=$(single "$name" "$mix")
			;;
		esac
		PER[$mix.$name]=$(((full - empty) / COUNT[$mix]))
	done
done

echo "| mix | statements | none (instr/stmt) | pg_stat_statements | pgss track_planning | pg_xray | pg_xray / pgss |"
echo "|---|---|---|---|---|---|---|"
for mix in "${MIXES[@]}"; do
	base=${PER[$mix.none]}
	pgss=$((PER[$mix.pg_stat_statements] - base))
	pgtp=$((PER[$mix.pgss_track_planning] - base))
	xray=$((PER[$mix.pg_xray] - base))
	printf '| %s | %d | %d | %+d | %+d | %+d | %s |\n' "$mix" "${COUNT[$mix]}" "$base" "$pgss" "$pgtp" "$xray" \
		"$(awk -v a="$xray" -v b="$pgss" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
done

# where the instructions go: exclusive cost per statement by function, config minus none
attribute() {
	local mix=$1
	python3 - "$work" "$mix" "${COUNT[$mix]}" <<'EOF'
import collections, re, subprocess, sys
work, mix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def load(path):
    out = subprocess.run(['callgrind_annotate', '--auto=no', '--threshold=100', path],
                         capture_output=True, text=True).stdout
    d = collections.Counter()
    for line in out.splitlines():
        m = re.match(r'^\s*([0-9,]+) \([^)]*\)\s+(.*?)(\s*\[([^]]*)\])?$', line)
        if m and 'PROGRAM TOTALS' not in line:
            lib = (m.group(4) or '').rsplit('/', 1)[-1]
            fn = m.group(2).split(':', 1)[-1]
            d[fn + (' [' + lib + ']' if lib else '')] += int(m.group(1).replace(',', ''))
    return d
def per(cfg):
    d = load(f'{work}/cg.{cfg}.{mix}.out')
    d.subtract(load(f'{work}/cg.{cfg}.empty.out'))
    return d
none = per('none')
for cfg in ('pg_stat_statements', 'pg_xray'):
    d = per(cfg)
    d.subtract(none)
    print(f'\n{cfg} on the {mix} mix: instructions per statement by function (exclusive, minus none)\n')
    print('| instr/stmt | function |\n|---|---|')
    for fn, v in sorted(d.items(), key=lambda kv: -abs(kv[1]))[:30]:
        if abs(v) >= n * 5:
            print(f'| {v / n:+.0f} | `{fn[:110]}` |')
EOF
}
for mix in "${MIXES[@]}"; do
	[ "$mix" = blocks ] && attribute blocks
done
exit 0
