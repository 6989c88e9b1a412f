# Lifecycle scenarios: not preloaded (clear ERROR, no crash), single-user mode
# (records, and its statistics persist), a crashed backend (the server recovers
# and pg_xray keeps working), a hot standby, and a full statement table
# (bounded, evicting).
source "$(dirname "$0")/tap_lib.sh"

# 1. installed but not preloaded
port=$(free_port 55800)
dir="$XRAY_TMP/tap/nopreload"
pg_start "$dir" "$port" "shared_preload_libraries = ''" || exit 1
is "$(q "$port" "CREATE EXTENSION pg_xray")" "" "CREATE EXTENSION works without preloading"
out=$(as_pg psql -X -h /tmp -p "$port" -d postgres -c "\\set VERBOSITY verbose" -c "SELECT * FROM xray.statements" 2>&1)
ok "$(echo "$out" | grep -q 'ERROR:  55000: pg_xray must be loaded via shared_preload_libraries' && echo t)" \
	"querying without preloading: ERROR 55000 (object_not_in_prerequisite_state)"
ok "$(echo "$out" | grep -q 'HINT:  Add pg_xray to shared_preload_libraries' && echo t)" "the ERROR has a hint"
for f in "xray.plans" "xray.info" "xray.long_transactions" ; do
	ok "$(q "$port" "SELECT * FROM $f" | grep -q 'shared_preload_libraries' && echo t)" "$f without preloading: clear ERROR"
done
ok "$(q "$port" "SELECT xray.reset()" | grep -q 'shared_preload_libraries' && echo t)" "xray.reset() without preloading: clear ERROR"
is "$(q "$port" "LOAD 'pg_xray'; SELECT 1")" "1" "LOAD in a session does nothing harmful"
pg_stop "$dir"

# 2. single-user mode
dir="$XRAY_TMP/tap/single"
port=$(free_port 55810)
pg_start "$dir" "$port" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE su (id int PRIMARY KEY)" >/dev/null
pg_stop "$dir"
printf 'INSERT INTO su SELECT generate_series(1, 100)\nSELECT count(*) FROM su WHERE id > 50\nSELECT count(*) FROM su WHERE id > 60\n' |
	as_pg postgres --single -D "$dir" postgres >"$XRAY_TMP/tap/single.out" 2>&1
ok "$([ $? -eq 0 ] && echo t)" "single-user session with pg_xray preloaded runs"
as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
is "$(q "$port" "SELECT calls FROM xray.statements WHERE query = 'SELECT count(*) FROM su WHERE id > \$1'")" "2" \
	"statements run in single-user mode are recorded and saved"
pg_stop "$dir"

# 3. a backend killed with SIGKILL: the postmaster restarts, pg_xray works after
dir="$XRAY_TMP/tap/crash"
port=$(free_port 55820)
pg_start "$dir" "$port" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
as_pg psql -X -h /tmp -p "$port" -d postgres -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
sleep 1
victim=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()")
kill -9 "$victim"
# wait for the crash restart to finish: the server logs "ready" a second time
for i in $(seq 1 60); do
	[ "$(grep -c 'database system is ready to accept connections' "$dir/server.log")" -ge 2 ] && break
	sleep 0.5
done
ok "$(grep -q 'terminated by signal 9' "$dir/server.log" && echo t)" "the backend was killed (crash restart)"
is "$(q "$port" "SELECT 1")" "1" "the server is back after a backend crash"
q "$port" "SELECT count(*) FROM pg_class WHERE relname = 'after_crash'" >/dev/null
is "$(q "$port" "SELECT calls FROM xray.statements WHERE query = 'SELECT count(*) FROM pg_class WHERE relname = \$1'")" "1" \
	"recording works after crash recovery"
wait 2>/dev/null
pg_stop "$dir"

# 4. a hot standby records its read-only statements
dir="$XRAY_TMP/tap/primary"
port=$(free_port 55840)
pg_start "$dir" "$port" "wal_level = replica" "max_wal_senders = 4" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE sb (id int PRIMARY KEY)" \
	-c "INSERT INTO sb SELECT generate_series(1, 100)" >/dev/null
sdir="$XRAY_TMP/tap/standby"
sport=$(free_port $((port + 1)))
rm -rf "$sdir"
as_pg pg_basebackup -h /tmp -p "$port" -D "$sdir" -R -X stream >/dev/null 2>&1
sed -i "s/^port = .*/port = $sport/" "$sdir/postgresql.conf"
rm -f "$sdir/postmaster.pid"
as_pg pg_ctl -D "$sdir" -l "$sdir/server.log" -w start >/dev/null
XRAY_STARTED+=("$sdir")
is "$(q "$sport" "SELECT pg_is_in_recovery()")" "t" "the standby is in recovery"
q "$sport" "SELECT count(*) FROM sb WHERE id < 10" >/dev/null
q "$sport" "SELECT count(*) FROM sb WHERE id < 20" >/dev/null
is "$(q "$sport" "SELECT calls FROM xray.statements WHERE query = 'SELECT count(*) FROM sb WHERE id < \$1'")" "2" \
	"statements on a hot standby are recorded"
is "$(q "$sport" "SELECT count(*) >= 0 FROM xray.index_advice")" "t" "index advice runs on a hot standby (read-only)"
is "$(as_pg psql -X -h /tmp -p "$sport" -d postgres -At -c "SELECT xray.snapshot() IS NULL" 2>&1 | tr '\n' ' ')" \
	"NOTICE:  xray.snapshot: the server is a standby; nothing recorded t " "a snapshot on a hot standby records nothing (NOTICE, NULL)"
ok "$(q "$sport" "SELECT length(xray.metrics()) > 0 AND length(xray.report()) > 0")" "metrics and the report work on a hot standby"
ok "$(psql_at "$sport" -v VERBOSITY=verbose -c "SELECT xray.run_maintenance(dry_run => true)" 2>&1 | grep -q '25006.*maintenance cannot run on a standby' && echo t)" \
	"run_maintenance on a standby: a clear 25006, not a nextval() error"
ok "$(psql_at "$sport" -v VERBOSITY=verbose -c "SELECT xray.check_alerts()" 2>&1 | grep -q '25006.*cannot run on a standby' && echo t)" \
	"check_alerts on a standby: a clear 25006, not a temporary-table error"

is "$(q "$sport" "SELECT cost_after <= cost_before FROM xray.what_if('SELECT * FROM sb WHERE id < 5', ARRAY['CREATE INDEX ON sb (id)'])")" \
	"t" "what-if planning runs on a hot standby"
pg_stop "$sdir"
as_pg pg_ctl -D "$sdir" -l "$sdir/server.log" -w start >/dev/null
is "$(q "$sport" "SELECT calls FROM xray.statements WHERE query = 'SELECT count(*) FROM sb WHERE id < \$1'")" "2" \
	"a standby keeps its statistics across a restart"
pg_stop "$sdir"
pg_stop "$dir"

# 5. a full statement table evicts, stays bounded, and keeps counting
dir="$XRAY_TMP/tap/evict"
port=$(free_port 55830)
pg_start "$dir" "$port" "xray.max_statements = 100" "xray.max_plans = 100" "xray.flush_interval = 10ms" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
mem_before=$(q "$port" "SELECT shared_memory_bytes FROM xray.info")
{
	for i in $(seq 1 300); do echo "CREATE TABLE ev$i (a int);"; done
	for r in 1 2; do for i in $(seq 1 300); do echo "SELECT count(*) FROM ev$i;"; done; done
} >"$XRAY_TMP/tap/evict.sql"
chown postgres: "$XRAY_TMP/tap/evict.sql"
psql_at "$port" -f "$XRAY_TMP/tap/evict.sql" >/dev/null
ok "$(q "$port" "SELECT statements <= 100 AND plans <= 100 FROM xray.info")" "tables stay within xray.max_statements / max_plans"
ok "$(q "$port" "SELECT statement_evictions > 0 AND plan_evictions > 0 FROM xray.info")" "evictions are counted"
is "$(q "$port" "SELECT shared_memory_bytes FROM xray.info")" "$mem_before" "shared memory does not grow"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.statements WHERE query LIKE 'SELECT count(*) FROM ev%' AND calls >= 1")" \
	"recent statements are kept"
for i in $(seq 1 20); do echo "SELECT count(*) FROM ev1;"; done | psql_at "$port" >/dev/null
ok "$(q "$port" "SELECT calls >= 20 FROM xray.statements WHERE query = 'SELECT count(*) FROM ev1'")" \
	"a statement re-entering the table counts again"
ok "$(q "$port" "SELECT count(*) = count(query) FROM xray.statements")" "every kept statement has its text"
is "$(grep -c 'terminated by signal' "$dir/server.log")" "0" "no backend crashed while evicting"
done_testing
