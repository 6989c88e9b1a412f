#!/usr/bin/env bash
# test/bench/advisor.sh - run time of xray.index_advice for 100 and 1,000 recorded statements.
# 10 tables of 30,000 rows and 8 integer columns; 1,000 distinct statements
# (equality and range filters on column pairs, some with ORDER BY), each run once.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap pg_stop_all EXIT
port=$(free_port 56700)
pg_start "$XRAY_TMP/advisor/data" "$port" >/dev/null
{
	echo "CREATE EXTENSION pg_xray;"
	for t in $(seq 1 10); do
		echo "CREATE TABLE b$t (id int PRIMARY KEY, c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int, c8 int);"
		echo "INSERT INTO b$t SELECT g, g % 10, g % 100, g % 1000, g % 5000, g % 7, g % 70, g % 700, g % 30000 FROM generate_series(1, 30000) g;"
	done
	echo "ANALYZE;"
	echo "SELECT xray.reset();"
} | psql_at "$port" >/dev/null
n=0
{
	for t in $(seq 1 10); do for a in 1 2 3 4 5 6 7 8; do for b in 1 2 3 4 5 6 7 8; do
		[ $a -eq $b ] && continue
		echo "SELECT id FROM b$t WHERE c$a = 3 AND c$b > 5;"
		echo "SELECT c$b FROM b$t WHERE c$a = 3 AND c$b = 4;"
		[ $((a + b)) -lt 8 ] && echo "SELECT id FROM b$t WHERE c$a = 3 ORDER BY c$b LIMIT 10;"
	done; done; done
} >"$XRAY_TMP/advisor/all.sql"
head -1000 "$XRAY_TMP/advisor/all.sql" >"$XRAY_TMP/advisor/workload.sql"
chown postgres: "$XRAY_TMP/advisor/workload.sql"
psql_at "$port" -f "$XRAY_TMP/advisor/workload.sql" >/dev/null
echo "recorded statements: $(psql_at "$port" -At -c "SELECT count(*) FROM xray.statements WHERE query ~ '^SELECT [a-z0-9]+ FROM b[0-9]+ '")"
echo "| statements considered | advice rows | what-if plannings | run time (s) |"
echo "|---|---|---|---|"
for k in 100 1000; do
	start=$(date +%s.%N)
	out=$(psql_at "$port" -At -c "SET xray.index_advice_statements = $k" -c "SET client_min_messages = debug1" \
		-c "SELECT count(*) FROM xray.index_advice" 2>&1)
	end=$(date +%s.%N)
	rows=$(echo "$out" | grep -E '^[0-9]+$' | tail -1)
	planned=$(echo "$out" | grep -oE 'planned [0-9]+ what-if' | grep -oE '[0-9]+')
	printf '| %d | %s | %s | %.2f |\n' "$k" "$rows" "$planned" "$(echo "$end - $start" | bc -l)"
done
