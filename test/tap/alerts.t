# Every default alert rule provoked once and resolved once, through
# xray.check_alerts(): recorded in xray.alert_log without duplicates while
# open, NOTIFY on xray_alerts received by a listening session, a LOG line.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56090)
dir="$XRAY_TMP/tap/alerts"
pg_start "$dir" "$port" "autovacuum = off" "max_connections = 20" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
BG=()
bg() { as_pg psql -X -h /tmp -p "$port" -d postgres "$@" >/dev/null 2>&1 & BG+=($!); }
waitbg() { for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done; BG=(); }
check() { q "$port" "SELECT fired || ' ' || resolved FROM xray.check_alerts()"; }
is_open() { q "$port" "SELECT count(*) FROM xray.alert_log WHERE rule = '$1' AND resolved_at IS NULL"; }
was_resolved() { q "$port" "SELECT count(*) FROM xray.alert_log WHERE rule = '$1' AND resolved_at IS NOT NULL"; }
# a listener, collecting notifications for the whole test
# (idle between commands: a running statement would hold back VACUUM)
as_pg psql -X -h /tmp -p "$port" -d postgres -c "LISTEN xray_alerts" -c "\\! sleep 30" -c "SELECT 1" \
	>"$XRAY_TMP/tap/alerts.listen" 2>&1 &
listener=$!
sleep 0.5
is "$(check)" "0 0" "nothing fires on a quiet server"

# 1. slow_statement: p95 over 2 ms after 10 calls
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 0.002 WHERE name = 'slow_statement'" >/dev/null
for i in $(seq 1 10); do echo "SELECT pg_sleep(0.01);"; done | psql_at "$port" >/dev/null
check >/dev/null
is "$(is_open slow_statement)" "1" "slow_statement fires"
check >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.alert_log WHERE rule = 'slow_statement'")" "1" "no duplicate while it stays open"
psql_at "$port" -c "SELECT xray.reset_query(queryid) FROM xray.statements WHERE query LIKE 'SELECT pg_sleep(\$1)'" >/dev/null
check >/dev/null
is "$(was_resolved slow_statement)" "1" "slow_statement resolved once the statement is reset"

# 2. blocked_session, 3. long_transaction, 4. idle_in_transaction (thresholds of 1 s)
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 1 WHERE name IN ('blocked_session', 'long_transaction', 'idle_in_transaction')" \
	-c "CREATE TABLE lk (id int)" >/dev/null
bg -c "BEGIN" -c "LOCK TABLE lk" -c "\\! sleep 3" -c "COMMIT"
sleep 0.3
bg -c "SELECT count(*) FROM lk"
sleep 1.8
check >/dev/null
is "$(is_open blocked_session) $(is_open long_transaction) $(is_open idle_in_transaction)" "1 2 1" \
	"blocked_session, long_transaction (holder and waiter) and idle_in_transaction fire"
waitbg
check >/dev/null
is "$(was_resolved blocked_session) $(was_resolved long_transaction) $(was_resolved idle_in_transaction)" "1 2 1" \
	"... and are resolved when the transaction ends"

# 5. connections: over 20% of 20
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 0.2 WHERE name = 'connections'" >/dev/null
for i in 1 2 3 4 5; do bg -c "\\! sleep 2"; done
sleep 0.7
check >/dev/null
is "$(is_open connections)" "1" "connections fire at 7 of 20 connections over 0.2"
waitbg
check >/dev/null
is "$(was_resolved connections)" "1" "connections resolved when they close"

# 6. temp_spills: a sort that spills over 1 MB per call
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 1024 * 1024 WHERE name = 'temp_spills'" >/dev/null
psql_at "$port" -c "SET work_mem = '64kB'" -c "SELECT count(*) FROM (SELECT g FROM generate_series(1, 300000) g ORDER BY g DESC) s" >/dev/null
check >/dev/null
is "$(is_open temp_spills)" "1" "temp_spills fires"
psql_at "$port" -c "SELECT xray.reset_query(queryid) FROM xray.statements WHERE query LIKE '%ORDER BY g DESC%'" >/dev/null
check >/dev/null
is "$(was_resolved temp_spills)" "1" "temp_spills resolved"

# 7. dead_tuples
psql_at "$port" -c "CREATE TABLE dt (id int)" -c "INSERT INTO dt SELECT generate_series(1, 20000)" >/dev/null
psql_at "$port" -c "DELETE FROM dt WHERE id % 2 = 0" >/dev/null
sleep 1.2
check >/dev/null
is "$(is_open dead_tuples)" "1" "dead_tuples fires at half the rows dead"
psql_at "$port" -c "VACUUM dt" >/dev/null
sleep 0.3
check >/dev/null
is "$(was_resolved dead_tuples)" "1" "dead_tuples resolved after VACUUM"

# 8. plan_regression: an index dropped under a lookup
psql_at "$port" -c "CREATE TABLE reg (id int PRIMARY KEY, v int)" -c "INSERT INTO reg SELECT g, g FROM generate_series(1, 200000) g" -c "ANALYZE reg" >/dev/null
for i in $(seq 1 20); do echo "SELECT v FROM reg WHERE id = $i;"; done | psql_at "$port" >/dev/null
psql_at "$port" -c "ALTER TABLE reg DROP CONSTRAINT reg_pkey" >/dev/null
for i in $(seq 1 5); do echo "SELECT v FROM reg WHERE id = $i;"; done | psql_at "$port" >/dev/null
check >/dev/null
is "$(is_open plan_regression)" "1" "plan_regression fires"
ok "$(q "$port" "SELECT evidence LIKE '%index reg_pkey used by the old plan no longer exists%' FROM xray.alert_log WHERE rule = 'plan_regression'")" \
	"plan_regression evidence names the cause"
psql_at "$port" -c "SELECT xray.reset_query(queryid) FROM xray.statements WHERE query LIKE 'SELECT v FROM reg%'" >/dev/null
check >/dev/null
is "$(was_resolved plan_regression)" "1" "plan_regression resolved"

# 9. cache_hit_ratio and 10. wraparound: thresholds a fresh server crosses, then back
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 1.01 WHERE name = 'cache_hit_ratio'" \
	-c "UPDATE xray.alert_rules SET threshold = 0 WHERE name = 'wraparound'" >/dev/null
check >/dev/null
is "$(is_open cache_hit_ratio) $(is_open wraparound)" "1 2" "cache_hit_ratio (this database) and wraparound (postgres and template1) fire past their thresholds"
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 0.5 WHERE name = 'cache_hit_ratio'" \
	-c "UPDATE xray.alert_rules SET threshold = 0.5 WHERE name = 'wraparound'" >/dev/null
check >/dev/null
is "$(was_resolved cache_hit_ratio) $(was_resolved wraparound)" "1 2" "... and resolve when the thresholds are back"

is "$(q "$port" "SELECT count(DISTINCT rule) FROM xray.alert_log WHERE resolved_at IS NOT NULL")" "10" "all ten default rules fired and resolved"
wait "$listener"
ok "$(grep -c 'Asynchronous notification "xray_alerts" with payload "{"event" : "fired"' "$XRAY_TMP/tap/alerts.listen" | awk '{print ($1 >= 10) ? "t" : "f"}')" \
	"the listening session received the fired notifications (JSON)"
ok "$(grep -Eq '"event" : "resolved", "id" : [0-9]+, "rule" : "dead_tuples"' "$XRAY_TMP/tap/alerts.listen" && echo t)" "and the resolved ones"
ok "$(grep -q 'LOG:  xray alert fired: dead_tuples (warning) on table public.dt: 10000 dead of 20000 rows' "$dir/server.log" && echo t)" "a LOG line per alert"
ok "$(as_pg psql -X -h /tmp -p "$port" -d postgres -c "CREATE ROLE plain LOGIN" -c "SET ROLE plain" -c "SELECT xray.check_alerts()" 2>&1 | grep -q 'permission denied' && echo t)" \
	"a plain role cannot run check_alerts"
pg_stop "$dir"
done_testing
