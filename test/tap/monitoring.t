# History snapshots, compare and plan regressions on a workload that changes
# between snapshots: a lookup that becomes slow when its index is dropped
# (detected with both plans and the cause).
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56080)
dir="$XRAY_TMP/tap/monitoring"
pg_start "$dir" "$port" "autovacuum = off" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE reg (id int PRIMARY KEY, v int)" \
	-c "INSERT INTO reg SELECT g, g FROM generate_series(1, 300000) g" -c "ANALYZE reg" >/dev/null
run_lookups() { for i in $(seq 1 "$1"); do echo "SELECT v FROM reg WHERE id = $i;"; done | psql_at "$port" >/dev/null; }
s1=$(q "$port" "SELECT xray.snapshot()")
run_lookups 50
s2=$(q "$port" "SELECT xray.snapshot()")
psql_at "$port" -c "ALTER TABLE reg DROP CONSTRAINT reg_pkey" >/dev/null
run_lookups 20
psql_at "$port" -c "CREATE TABLE newcomer (x int)" -c "SELECT count(*) FROM newcomer" >/dev/null
s3=$(q "$port" "SELECT xray.snapshot()")
is "$(q "$port" "SELECT count(*) FROM xray.snapshots")" "3" "three snapshots"
is "$(q "$port" "SELECT calls FROM xray.snapshot_statements s JOIN xray.snapshot_texts t USING (dbid, queryid)
                 WHERE s.snap_id = $s2 AND t.query = 'SELECT v FROM reg WHERE id = \$1'")" "50" \
	"snapshot 2 holds the 50 lookups of its interval (a delta)"
is "$(q "$port" "SELECT calls || ' ' || calls_total FROM xray.snapshot_statements s JOIN xray.snapshot_texts t USING (dbid, queryid)
                 WHERE s.snap_id = $s3 AND t.query = 'SELECT v FROM reg WHERE id = \$1'")" "20 70" \
	"snapshot 3: 20 in its interval, 70 in all (the live statistics are not reset)"
is "$(q "$port" "SELECT string_agg(p.calls::text, ',' ORDER BY p.calls) FROM xray.snapshot_plans p JOIN xray.snapshot_texts t USING (dbid, queryid)
                 WHERE p.snap_id = $s3 AND t.query = 'SELECT v FROM reg WHERE id = \$1'")" "0,20" \
	"snapshot 3 keeps both plans of the lookup: the old one unused in its interval, the new one 20 times"
is "$(q "$port" "SELECT change FROM xray.compare($s2, $s3) WHERE query = 'SELECT v FROM reg WHERE id = \$1'")" "slower" \
	"compare: the lookup got slower"
is "$(q "$port" "SELECT change FROM xray.compare($s2, $s3) WHERE query = 'SELECT count(*) FROM newcomer'")" "new" "compare: a new statement"
is "$(q "$port" "SELECT change FROM xray.compare($s3, $s2) WHERE query = 'SELECT count(*) FROM newcomer'")" "gone" "compare: gone, the other way round"
ok "$(q "$port" "SELECT cache_hit_ratio > 0 AND xact_commit > 0 FROM xray.snapshot_databases WHERE snap_id = $s3 AND datname = 'postgres'")" \
	"database activity per interval"
ok "$(q "$port" "SELECT seq_scan > 0 FROM xray.snapshot_tables WHERE snap_id = $s3 AND table_name = 'public.reg'")" "table activity per interval"

# the plan regression, with both plans and its cause
is "$(q "$port" "SELECT old_calls || ' ' || new_calls || ' ' || (slowdown > 10) FROM xray.plan_regressions WHERE query = 'SELECT v FROM reg WHERE id = \$1'")" \
	"50 20 true" "plan regression: the statement, both plans' calls, a large slowdown"
ok "$(q "$port" "SELECT old_plan LIKE '%Index Scan using reg_pkey on reg%' AND new_plan LIKE '%Seq Scan on reg%' FROM xray.plan_regressions")" \
	"plan regression: both plan texts"
is "$(q "$port" "SELECT likely_cause FROM xray.plan_regressions")" "index reg_pkey used by the old plan no longer exists" \
	"plan regression: the cause (the dropped index)"

# Prometheus metrics: valid for promtool, with a hostile database name in labels
psql_at "$port" -c 'CREATE DATABASE "odd ""db"" \ name"' >/dev/null
as_pg psql -X -h /tmp -p "$port" -d 'odd "db" \ name' -c "SELECT 1" >/dev/null
q "$port" "SELECT xray.metrics()" >"$XRAY_TMP/tap/metrics.prom"
ok "$(promtool check metrics <"$XRAY_TMP/tap/metrics.prom" >"$XRAY_TMP/tap/promtool.out" 2>&1 && echo t)" \
	"xray.metrics() passes promtool check metrics $(head -c 300 "$XRAY_TMP/tap/promtool.out")"
ok "$(grep -q '^pg_xray_statement_calls_total{datname="postgres",queryid="[-0-9]*",toplevel="true"} [0-9]' "$XRAY_TMP/tap/metrics.prom" && echo t)" \
	"statement counters with their labels"
ok "$(grep -qF 'pg_xray_database_xid_age{datname="odd \"db\" \\ name"}' "$XRAY_TMP/tap/metrics.prom" && echo t)" \
	"label values escaped (quotes, backslashes)"
ok "$(grep -q '^pg_xray_database_cache_hit_ratio{datname="postgres"} 0\.[0-9]' "$XRAY_TMP/tap/metrics.prom" && echo t)" "cache hit ratio"
is "$(q "$port" "SELECT count(*) FROM regexp_matches(xray.metrics(2), 'pg_xray_statement_calls_total\{', 'g')")" "2" \
	"top_statements bounds the statement series"

# the text report
q "$port" "SELECT xray.report()" >"$XRAY_TMP/tap/report.txt"
for section in "Top statements by total time" "Top statements by p95 latency" "Plan regressions" "Alerts firing" \
	"Index advice" "Lock incidents" "Maintenance advice"; do
	ok "$(grep -q "^== $section" "$XRAY_TMP/tap/report.txt" && echo t)" "report: section $section"
done
ok "$(grep -A1 '^== Plan regressions' "$XRAY_TMP/tap/report.txt" | grep -q 'slower since .*SELECT v FROM reg WHERE id = \$1' && echo t)" \
	"report: the plan regression is listed"
ok "$(grep -q 'cause: index reg_pkey used by the old plan no longer exists' "$XRAY_TMP/tap/report.txt" && echo t)" "report: with its cause"

# the HTML report, rendered for real by headless Chromium while a lock wait is going on
psql_at "$port" -c "CREATE TABLE lkh (id int)" >/dev/null
as_pg psql -X -h /tmp -p "$port" -d postgres -c "BEGIN" -c "LOCK TABLE lkh" -c "\\! sleep 3" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 0.3
as_pg psql -X -h /tmp -p "$port" -d postgres -c "SELECT count(*) FROM lkh" >/dev/null 2>&1 &
waiter=$!
sleep 0.7
html="$XRAY_TMP/tap/chromium/report.html"
mkdir -p "$(dirname "$html")"
q "$port" "SELECT xray.report_html()" >"$html"
wait $holder $waiter
chrome() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$XRAY_TMP/tap/chromium/profile" "$@" 2>/dev/null
}
chrome --dump-dom "file://$html" >"$XRAY_TMP/tap/chromium/dom.html"
dom="$XRAY_TMP/tap/chromium/dom.html"
ok "$(grep -q '<svg id="latency-chart"' "$dom" && [ "$(grep -o '<rect class="box"' "$dom" | wc -l)" -ge 3 ] && echo t)" \
	"Chromium's DOM: the latency chart with a box per top statement"
ok "$(grep -q '<svg id="series-calls"' "$dom" && grep -q '<polyline class="series" points="[0-9]' "$dom" && echo t)" \
	"Chromium's DOM: the time series from the snapshots"
ok "$(grep -q '<svg id="lock-graph"' "$dom" && grep -q 'class="node root"' "$dom" && grep -q '<line class="edge"' "$dom" && echo t)" \
	"Chromium's DOM: the lock graph with the root blocker and the edge"
ok "$(grep -q 'SELECT count(\*) FROM lkh' "$dom" && echo t)" "the lock graph names the waiting statement"
chrome --screenshot="$XRAY_TMP/tap/chromium/report.png" --window-size=1100,2000 "file://$html" >/dev/null
ok "$([ "$(stat -c %s "$XRAY_TMP/tap/chromium/report.png" 2>/dev/null || echo 0)" -gt 30000 ] && echo t)" \
	"Chromium renders a screenshot of the page ($(stat -c %s "$XRAY_TMP/tap/chromium/report.png" 2>/dev/null) bytes)"
is "$(grep -oE 'https?://[^"]*' "$html" | grep -vc '^http://www.w3.org/2000/svg$')" "0" "no network resource in the page (only the SVG namespace)"

# retention and privileges
psql_at "$port" -c "UPDATE xray.snapshots SET taken_at = taken_at - interval '30 days' WHERE snap_id = $s1" >/dev/null
q "$port" "SELECT xray.snapshot()" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.snapshots WHERE snap_id = $s1")" "0" "snapshots older than xray.history_retention are pruned"
psql_at "$port" -c "CREATE ROLE plain LOGIN" >/dev/null
ok "$(as_pg psql -X -h /tmp -p "$port" -d postgres -U plain -c "SELECT xray.snapshot()" 2>&1 | grep -q 'permission denied' && echo t)" \
	"a plain role cannot take snapshots"
ok "$(q "$port" "SELECT xray.compare($s2, 99999)" | grep -q 'snapshot 99999 does not exist' && echo t)" "compare with an unknown snapshot: clear error"
ok "$(q "$port" "SELECT duration < interval '1 s' FROM xray.snapshots ORDER BY snap_id DESC LIMIT 1")" "a snapshot takes well under a second here"
pg_stop "$dir"

# pg_xray's own schedule: xray.snapshot_interval takes snapshots and checks alerts
port=$(free_port 56085)
dir="$XRAY_TMP/tap/monitoring_worker"
pg_start "$dir" "$port" "xray.snapshot_interval = 2s" "xray.monitoring_database = 'postgres'" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "UPDATE xray.alert_rules SET threshold = 0 WHERE name = 'wraparound'" >/dev/null
sleep 5.5
n=$(q "$port" "SELECT count(*) FROM xray.snapshots")
ok "$([ "$n" -ge 2 ] && [ "$n" -le 4 ] && echo t)" "xray.snapshot_interval = 2s: $n snapshots in 5.5 s, taken by pg_xray's worker"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.alert_log WHERE rule = 'wraparound' AND subject = 'database postgres'")" \
	"the worker checks alerts too (a rule set to fire was recorded without anyone calling check_alerts)"
psql_at "$port" -c "ALTER SYSTEM SET xray.snapshot_interval = 0" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
n1=$(q "$port" "SELECT count(*) FROM xray.snapshots"); sleep 2.5
is "$(q "$port" "SELECT count(*) FROM xray.snapshots")" "$n1" "xray.snapshot_interval = 0 stops it"
pg_stop "$dir"
done_testing
