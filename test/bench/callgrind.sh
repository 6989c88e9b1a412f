#!/usr/bin/env bash
# test/bench/callgrind.sh - deterministic hot-path cost: instructions per statement.
#
# Runs one single-user backend (postgres --single) under valgrind's callgrind
# for each configuration: none / pg_stat_statements / pg_xray (full capture:
# timings, histograms, plan ids and texts), on two statement mixes:
#   point: N simple point selects, N prepared executions, N/4 updates (100k-row table)
#   churn: 2 x 3,000 statements over 3,000 tables, statement limit 1,000 for both
# Each mix also runs empty (no statements) so startup and shutdown cancel out:
#   per statement = (I(mix) - I(empty)) / statements; added = config - none.
# Statistics saving is off for both extensions (the exit dump is not the hot path).
# Usage: test/bench/callgrind.sh [N]   (default N = 2000). Prints a Markdown table.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
N=${1:-2000}
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
} | psql_at "$port" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
pg_stop "$dir"
# every run starts from this same data directory: the mixes update rows, and the first
# run after a load would otherwise pay for hint bits, pruning and checksums (18's
# initdb enables data checksums) that later runs find done
rm -rf "$work/template"
mv "$dir" "$work/template"

# the mixes (single-user mode: one statement per line)
{
	echo "PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = \$1"
	for i in $(seq 1 "$N"); do
		k=$(((i * 7919) % 100000 + 1))
		echo "SELECT abalance FROM pgbench_accounts WHERE aid = $k"
		echo "EXECUTE p($k)"
		if [ $((i % 4)) -eq 0 ]; then echo "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $k"; fi
	done
} >"$work/point.sql"
point_count=$((N + N + N / 4 + 1))
{
	for r in 1 2; do for i in $(seq 1 3000); do echo "SELECT v FROM churn_$i WHERE id = $r"; done; done
} >"$work/churn.sql"
churn_count=6000
: >"$work/empty.sql"
chown postgres: "$work"/*.sql

declare -A OPTS
OPTS[none]="-c shared_preload_libraries="
OPTS[pg_stat_statements]="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=1000 -c pg_stat_statements.save=off"
OPTS[pg_xray]="-c shared_preload_libraries=pg_xray -c xray.max_statements=1000 -c xray.max_plans=1000 -c xray.save=off"

# instructions NAME MIX: total instructions of one single-user run
instructions() {
	local name=$1 mix=$2 out="$work/cg.$1.$2"
	rm -rf "$dir"
	cp -a "$work/template" "$dir"
	as_pg valgrind --tool=callgrind --callgrind-out-file="$out.out" \
		postgres --single -D "$dir" -c autovacuum=off ${OPTS[$name]} postgres \
		<"$work/$mix.sql" >"$out.log" 2>&1
	grep -oP 'Collected : \K[0-9]+' "$out.log"
}

declare -A PER
for mix in point churn; do
	count=$point_count
	[ $mix = churn ] && count=$churn_count
	for name in none pg_stat_statements pg_xray; do
		log "bench: $mix / $name"
		empty=$(instructions "$name" empty)
		full=$(instructions "$name" "$mix")
		PER[$mix.$name]=$(((full - empty) / count))
	done
done

echo "| mix | statements | none (instr/stmt) | pg_stat_statements added | pg_xray added |"
echo "|---|---|---|---|---|"
for mix in point churn; do
	count=$point_count
	[ $mix = churn ] && count=$churn_count
	base=${PER[$mix.none]}
	pgss=$((PER[$mix.pg_stat_statements] - base))
	xray=$((PER[$mix.pg_xray] - base))
	printf '| %s | %d | %d | %d (%+.1f%%) | %d (%+.1f%%) |\n' "$mix" "$count" "$base" \
		"$pgss" "$(awk -v a="$pgss" -v b="$base" 'BEGIN { print 100 * a / b }')" \
		"$xray" "$(awk -v a="$xray" -v b="$base" 'BEGIN { print 100 * a / b }')"
done
