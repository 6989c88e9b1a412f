#!/usr/bin/env bash
# test/sqlsmith/run.sh - random-query smoke run: sqlsmith sends random statements
# (XRAY_SQLSMITH_QUERIES, default 2500) to a server with pg_xray recording all
# of them (xray.track = all, utility too, a small table so eviction happens).
# Pass: the server never crashed (no "terminated by signal", postmaster alive),
# and pg_xray's views still answer and count the statements.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap pg_stop_all EXIT
queries=${XRAY_SQLSMITH_QUERIES:-2500}
port=$(free_port 55900)
dir="$XRAY_TMP/sqlsmith/data"
pg_start "$dir" "$port" "xray.track = all" "xray.max_statements = 500" "xray.max_plans = 500" \
	"statement_timeout = 2s" "xray.flush_interval = 100ms" "xray.advice_sample_rate = 0.5" || exit 1
psql_at "$port" >/dev/null <<'SQL'
CREATE EXTENSION pg_xray;
CREATE TABLE smith_a (id int PRIMARY KEY, k int, t text, j jsonb, ts timestamptz);
INSERT INTO smith_a SELECT g, g % 97, md5(g::text), jsonb_build_object('g', g), now() - g * interval '1 min'
FROM generate_series(1, 5000) g;
CREATE INDEX ON smith_a (k);
CREATE TABLE smith_b (a_id int REFERENCES smith_a, v numeric, note varchar(40));
INSERT INTO smith_b SELECT g % 5000 + 1, g / 7.0, 'n' || g FROM generate_series(1, 8000) g;
CREATE VIEW smith_v AS SELECT a.k, count(*) AS n, sum(b.v) AS s FROM smith_a a JOIN smith_b b ON b.a_id = a.id GROUP BY a.k;
ANALYZE;
SQL
as_pg sqlsmith --target="host=/tmp port=$port dbname=postgres user=postgres" \
	--max-queries="$queries" --seed=20261123 >"$XRAY_TMP/sqlsmith/sqlsmith.log" 2>&1
rc=$?
tail -c 2000 "$XRAY_TMP/sqlsmith/sqlsmith.log" | tr '\r' '\n' | tail -5
fail=0
if [ $rc -ne 0 ]; then
	echo "sqlsmith exited with $rc"
	fail=1
fi
if grep -q 'terminated by signal' "$dir/server.log"; then
	echo "a backend crashed:"
	grep -B2 -A5 'terminated by signal' "$dir/server.log" | head -40
	fail=1
fi
if ! as_pg pg_ctl -D "$dir" status >/dev/null; then
	echo "the server is not running"
	fail=1
fi
info=$(psql_at "$port" -At -c "SELECT statements || ' statements, ' || plans || ' plans, ' || statement_evictions || ' evictions, ' || dropped || ' dropped' FROM xray.info" 2>&1)
echo "pg_xray after sqlsmith: $info"
# sqlsmith calls random functions as a superuser, xray.reset() among them: what it
# sent may have been forgotten since. The recorder must still count exactly.
echo "statements and errors recorded since the last reset: $(psql_at "$port" -At -c "SELECT sum(calls) || ' calls, ' || sum(errors) || ' errors, reset at ' || (SELECT stats_reset FROM xray.info) FROM xray.statements" 2>&1)"
for i in $(seq 1 100); do echo "SELECT $i AS after_sqlsmith;"; done | psql_at "$port" >/dev/null
calls=$(psql_at "$port" -At -c "SELECT sum(calls) FROM xray.statements WHERE query = 'SELECT \$1 AS after_sqlsmith'" 2>&1)
if [ "$calls" != "100" ]; then
	echo "after sqlsmith, 100 executions of a statement were recorded as '$calls'"
	fail=1
fi
psql_at "$port" -c "SELECT count(*) FROM xray.plans" >/dev/null || fail=1
# the advisors over whatever the random statements left
for view in xray.index_advice xray.index_advice_queries xray.index_health; do
	psql_at "$port" -c "SELECT count(*) FROM $view" >/dev/null || { echo "$view failed"; fail=1; }
done
[ $fail -eq 0 ] && echo "sqlsmith: $queries random statements, no crash"
exit $fail
