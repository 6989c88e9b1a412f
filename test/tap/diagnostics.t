# Plan findings with their evidence, each provoked once: a sequential scan of
# a large table keeping few rows, correlated columns that fool the planner,
# lower(email) against a plain index, planning time dominating, a sort that
# spills under a small work_mem; and none on a healthy workload.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56140)
dir="$XRAY_TMP/tap/diagnostics"
pg_start "$dir" "$port" "autovacuum = off" "xray.advice_sample_rate = 1" "max_parallel_workers_per_gather = 0" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE users (id int PRIMARY KEY, email text, a int, b int)" \
	-c "INSERT INTO users SELECT g, 'u' || g || '@x.org', g % 100, g % 100 FROM generate_series(1, 100000) g" \
	-c "CREATE INDEX users_email ON users (email)" >/dev/null
psql_at "$port" -c "ANALYZE users" -c "SELECT xray.reset()" >/dev/null	# (the load itself spilled its generate_series)
# healthy: indexed lookups only
for i in $(seq 1 20); do echo "SELECT email FROM users WHERE id = $i;"; done | psql_at "$port" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.plan_findings")" "0" "a healthy workload (indexed lookups): no finding"
finding() { q "$port" "SELECT evidence FROM xray.plan_findings WHERE finding = '$1' AND query LIKE '$2'"; }

psql_at "$port" -c "SELECT count(*) FROM users WHERE b = 7 AND id > 10" >/dev/null
ok "$(finding seq_scan_few_rows 'SELECT count(*) FROM users WHERE b = %' | grep -qE '^sequential scans of users \(100000 rows\) returned 999 rows per run and discarded 99001 \(99% of what they read\)' && echo t)" \
	"seq_scan_few_rows: rows returned and discarded per run"
psql_at "$port" -c "SELECT count(*) FROM users WHERE a = 5 AND b = 5" >/dev/null
ok "$(finding row_misestimate 'SELECT count(*) FROM users WHERE a = %' | grep -qE '^scans of users returned 1000 rows per run where the planner expected [0-9]{1,2} \([0-9]{2,}x off\)' && echo t)" \
	"row_misestimate: correlated columns, 1000 rows where about 10 were expected ($(finding row_misestimate 'SELECT count(*) FROM users WHERE a = %'))"
psql_at "$port" -c "SELECT id FROM users WHERE lower(email) = 'u5@x.org'" >/dev/null
is "$(finding function_on_indexed_column 'SELECT id FROM users WHERE lower%')" \
	"the statement compares lower(email) on users, while the index users_email covers email itself" \
	"function_on_indexed_column: lower(email) against the plain index"
psql_at "$port" -c "SET work_mem = '64kB'" -c "SELECT count(*) FROM (SELECT email FROM users ORDER BY a DESC, email) s" >/dev/null
ok "$(finding spill_to_disk 'SELECT count(*) FROM (SELECT email%' | grep -qE '^[0-9.]+ [kM]B of temporary files written per call' && echo t)" \
	"spill_to_disk: temporary bytes per call"
ok "$(q "$port" "SELECT suggestion ~ 'about [0-9]+[kM]B of work_mem' FROM xray.plan_findings WHERE finding = 'spill_to_disk'")" "with the work_mem that would suffice"
# planning dominates: a 30-way join of tiny tables planned every time, executed in no time
psql_at "$port" -c "DO \$\$ BEGIN FOR i IN 1..12 LOOP EXECUTE format('CREATE TABLE j%s (id int)', i); END LOOP; END \$\$" >/dev/null
jq="SELECT count(*) FROM j1 $(for i in $(seq 2 12); do printf 'JOIN j%s ON j%s.id = j1.id ' $i $i; done)"
psql_at "$port" -c "VACUUM ANALYZE $(for i in $(seq 1 12); do printf 'j%s%s' $i "$([ $i -lt 12 ] && echo ,)"; done)" >/dev/null
for i in $(seq 1 110); do echo "$jq;"; done | psql_at "$port" >/dev/null
ok "$(q "$port" "SELECT evidence ~ '^mean planning time [0-9.]+ ms against [0-9.]+ ms of execution over 1[0-9]{2} plans' FROM xray.plan_findings WHERE finding = 'planning_dominates'")" \
	"planning_dominates: a 12-way join of empty tables, planned 110 times"
pg_stop "$dir"
done_testing
