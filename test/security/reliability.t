# Reliability items of the audit (#11): each reproduces a crash, hang or wrong
# action that 3891d88 had, with the server's own behaviour as the judge.
# - pg_xray beside pg_stat_statements in both orders: statements whose jumble
#   lists a constant twice (INSERT ... SELECT of constants) keep both alive;
# - an out-of-memory error while reading the store never hangs the server;
# - a saved statistics file past 1 GB never stops the start-up (and is removed);
# - xray.index_advice honours statement_timeout and pg_cancel_backend;
# - run_maintenance acts on the table it names (not one the caller's
#   search_path finds), never repeats an action that failed, drops a failed
#   REINDEX CONCURRENTLY's leftover instead of doubling it, and measures an
#   xmin-horizon advice without an error.
source "$(dirname "$0")/../tap/tap_lib.sh"
base=$(free_port 56800)
root="$XRAY_TMP/security"
export PGCONNECT_TIMEOUT=10

# --- beside pg_stat_statements, in both orders -------------------------------------------
for order in "pg_xray,pg_stat_statements" "pg_stat_statements,pg_xray"; do
	port=$(free_port "$base")
	dir="$root/order_$port"
	pg_start "$dir" "$port" "shared_preload_libraries = '$order'" || exit 1
	out=$(psql_at "$port" -At -c "CREATE EXTENSION pg_stat_statements" -c "CREATE EXTENSION pg_xray" \
		-c "CREATE TABLE t (a int, b text, c text)" \
		-c "INSERT INTO t SELECT 1, 'a', 'x'" -c "INSERT INTO t SELECT 1, 'a', 'x' UNION ALL SELECT 2, 'a', 'x'" \
		-c "INSERT INTO t VALUES (1, 'a', 'x'), (1, 'a', 'x')" -c "SELECT a FROM t WHERE a IN (1, 1, 2) AND b = 'a'" \
		-c "SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'INSERT INTO t SELECT \$1, \$2, \$3%'" \
		-c "SELECT count(*) FROM xray.statements WHERE query LIKE 'INSERT INTO t SELECT \$1, \$2, \$3%'" 2>&1)
	is "$(echo "$out" | tail -n 2 | tr '\n' ' ')" "2 2 " "$order: INSERT ... SELECT of constants normalized by both, no crash"
	ok "$(grep -c 'terminated by signal' "$dir/server.log" | awk '{print ($1 == 0) ? "t" : "f"}')" "$order: no backend died"
	pg_stop "$dir"
	base=$((port + 1))
done

# --- an out-of-memory error while reading the store ---------------------------------------
port=$(free_port "$base")
dir="$root/oom"
pg_start "$dir" "$port" "xray.query_text_size = 1MB" "xray.max_statements = 480" "xray.max_plans = 200" \
	"max_connections = 20" "xray.flush_interval = 100ms" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
# 60 statements with texts of about 900 kB each (a long comment is part of the text; 480
# statements: a long-text pool of 60)
pad=$(head -c 900000 /dev/zero | tr '\0' 'x')
# (statements of 1..60 columns: 60 query ids)
for i in $(seq 1 60); do echo "SELECT $(seq -s, 1 "$i") /* $pad */;"; done >"$dir.big.sql"
chmod a+r "$dir.big.sql"
psql_at "$port" -f "$dir.big.sql" >/dev/null
ok "$(q "$port" "SELECT count(*) >= 60 FROM xray.statements WHERE length(query) > 800000")" "60 statements of 900 kB texts are stored"
mkfifo "$dir.fifo"
chmod a+rw "$dir.fifo"
as_pg psql -X -At -h /tmp -p "$port" -d postgres <"$dir.fifo" >"$dir.reader.out" 2>&1 &
reader=$!
exec 7>"$dir.fifo"
echo "SELECT pg_backend_pid();" >&7
for i in $(seq 1 50); do [ -s "$dir.reader.out" ] && break; sleep 0.1; done
pid=$(head -n 1 "$dir.reader.out")
vm=$(awk '/VmSize/ {print $2}' "/proc/$pid/status")
# its address space may grow by 16 MB only: the 54 MB of texts cannot be read
as_pg prlimit --pid "$pid" --as=$(((vm + 16384) * 1024))
echo "SELECT count(*) FROM xray.statements WHERE length(query) > 0;" >&7
echo "SELECT 1 AS after_oom;" >&7
sleep 2
ok "$(grep -q 'out of memory' "$dir.reader.out" && echo t)" "the reading backend gets out of memory"
# the rest of the server goes on: other backends record, flush and read
res=$(timeout 30 bash -c "source '$ROOT/scripts/lib.sh'; for i in 1 2 3; do psql_at $port -At -c 'SELECT 42' -c 'SELECT pg_sleep(0.2)' >/dev/null; done; psql_at $port -At -c 'SELECT count(*) > 0 FROM xray.info'" 2>&1)
is "$res" "t" "other backends record, flush and read after the error (no hang)"
exec 7>&-
wait "$reader"
ok "$(grep -q '^1$' "$dir.reader.out" && echo t)" "the backend that ran out of memory goes on with its next statement"
rm -f "$dir.fifo" "$dir.big.sql"

# --- a saved statistics file past 1 GB ---------------------------------------------------
pg_stop "$dir"
stat="$dir/pg_stat/pg_xray.stat"
printf 'XRAY' >"$stat"
truncate -s 1100M "$stat"
chown postgres: "$stat"
as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w -t 120 start >/dev/null 2>&1
is "$(q "$port" "SELECT 1")" "1" "the server starts with a 1.1 GB damaged statistics file"
ok "$([ ! -e "$stat" ] && echo t)" "the file is removed (it is never read twice)"
ok "$(grep -q 'skipping statistics file' "$dir/server.log" && echo t)" "a WARNING says why it was skipped"
pg_stop "$dir"

# --- index advice can be cancelled ---------------------------------------------------------
port=$(free_port "$base")
dir="$root/cancel"
pg_start "$dir" "$port" "xray.index_advice_statements = 500" "max_worker_processes = 16" "autovacuum = off" || exit 1
psql_at "$port" >/dev/null <<'SQL'
CREATE EXTENSION pg_xray;
CREATE TABLE c1 (id int PRIMARY KEY, a int, b int, c int, d int);
CREATE TABLE c2 (id int PRIMARY KEY, a int, b int, c int, d int);
CREATE TABLE c3 (id int PRIMARY KEY, a int, b int, c int, d int);
INSERT INTO c1 SELECT g, g % 97, g % 89, g % 83, g % 79 FROM generate_series(1, 20000) g;
INSERT INTO c2 SELECT g, g % 97, g % 89, g % 83, g % 79 FROM generate_series(1, 20000) g;
INSERT INTO c3 SELECT g, g % 97, g % 89, g % 83, g % 79 FROM generate_series(1, 20000) g;
ANALYZE;
SELECT xray.reset();
SQL
# 300 distinct join shapes
for x in a b c d; do for y in a b c d; do for z in a b c d; do for w in 1 2 3 4 5; do
	echo "SELECT count(*) FROM c1 JOIN c2 ON c2.$x = c1.$y JOIN c3 ON c3.$z = c2.$x WHERE c1.$z = $w AND c3.$y < $((w * 10)) AND c2.id > $w;"
done; done; done; done | head -n 300 >"$dir.joins.sql"
chmod a+r "$dir.joins.sql"
psql_at "$port" -f "$dir.joins.sql" >/dev/null
start=$(date +%s%N)
q "$port" "SELECT count(*) FROM xray.index_advice" >/dev/null
full_ms=$((($(date +%s%N) - start) / 1000000))
ok "$([ "$full_ms" -gt 60 ] && echo t)" "index advice over 300 join shapes takes a while ($full_ms ms)"
timeout_ms=$((full_ms / 8 > 5 ? full_ms / 8 : 5))
start=$(date +%s%N)
out=$(psql_at "$port" -At -v VERBOSITY=verbose -c "SET statement_timeout = ${timeout_ms}" -c "SELECT count(*) FROM xray.index_advice" 2>&1)
took=$((($(date +%s%N) - start) / 1000000))
ok "$(echo "$out" | grep -q '57014' && echo t)" "statement_timeout = ${timeout_ms}ms cancels it with 57014"
ok "$([ "$took" -lt $((full_ms / 2 + 500)) ] && echo t)" "and it stops soon ($took ms of $full_ms)"
psql_at "$port" -At -c "SELECT count(*) FROM xray.index_advice" >"$dir.cancel.out" 2>&1 &
bg=$!
sleep $(awk "BEGIN {print $full_ms / 5000}")
q "$port" "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT count(*) FROM xray.index_advice' AND pid <> pg_backend_pid()" >/dev/null
wait $bg
ok "$(grep -q 'canceling statement due to user request' "$dir.cancel.out" && echo t)" "pg_cancel_backend stops it"
is "$(psql_at "$port" -v VERBOSITY=verbose -c "SELECT xray.what_if('SELECT 1 FROM c1 WHERE x = 1', '{}')" 2>&1 | grep -o '42703')" "42703" \
	"a user's error keeps its SQLSTATE (42703, not XX000)"

# --- smaller items: advised names on a 63-byte table name, index health of our own tables -----
long=$(printf 't%.0s' $(seq 1 63))
psql_at "$port" -c "CREATE TABLE $long (id int, a int, b int, c text)" \
	-c "INSERT INTO $long SELECT g, g % 5000, g % 7000, md5(g::text) FROM generate_series(1, 50000) g" -c "ANALYZE $long" \
	-c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 30); do
	psql_at "$port" -c "SELECT c FROM $long WHERE a = $i" -c "SELECT c FROM $long WHERE b = $i" >/dev/null
done
names=$(q "$port" "SELECT count(*) || ' ' || count(DISTINCT create_statement) FROM xray.index_advice WHERE table_name LIKE '%$long%'")
is "$names" "2 2" "two indexes advised on a table with a 63-byte name"
psql_at "$port" -At -c "SELECT create_statement FROM xray.index_advice WHERE table_name LIKE '%$long%'" >"$dir.create.sql"
chmod a+r "$dir.create.sql"
ok "$(psql_at "$port" -f "$dir.create.sql" 2>&1 | grep -c ERROR | awk '{print ($1 == 0) ? "t" : "f"}')" "both create_statements run (their names do not collide)"
is "$(q "$port" "SELECT count(*) FROM pg_index WHERE indrelid = '$long'::regclass")" "2" "and both indexes exist"
is "$(q "$port" "SELECT count(*) FROM xray.index_health WHERE schema_name = 'xray'")" "0" "index health never advises on pg_xray's own tables"
# an index that is both unused and a duplicate is dropped once
psql_at "$port" -c "CREATE TABLE twin (id int, a int)" -c "INSERT INTO twin SELECT g, g FROM generate_series(1, 20000) g" \
	-c "CREATE INDEX twin_a1 ON twin (a)" -c "CREATE INDEX twin_a2 ON twin (a)" -c "ANALYZE twin" -c "SELECT count(*) FROM twin" >/dev/null
sleep 1.2
ok "$(q "$port" "SELECT count(*) >= 2 FROM xray.index_health WHERE index_name = 'twin_a2'")" "twin_a2 is both unused and a duplicate"
is "$(q "$port" "SELECT count(*) FROM xray.maintenance_advice WHERE object = 'public.twin_a2'")" "1" "maintenance advice drops it once"

# --- maintenance: the right target, no repeats, leftovers, xmin advice -------------------------
psql_at "$port" >/dev/null <<'SQL'
CREATE ROLE maint LOGIN;
CREATE SCHEMA maint AUTHORIZATION maint;
GRANT EXECUTE ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) TO maint;
GRANT pg_read_all_stats TO maint;
CREATE TABLE public.big (id int, pad text);
INSERT INTO public.big SELECT g, repeat('x', 50) FROM generate_series(1, 40000) g;
DELETE FROM public.big WHERE id % 2 = 0;
ALTER TABLE public.big OWNER TO maint;
SQL
psql_at "$port" -c "SET ROLE maint" -c "CREATE TABLE maint.big (id int)" -c "INSERT INTO maint.big VALUES (1)" >/dev/null
sleep 1.2
wait_run() {
	local st
	for i in $(seq 1 600); do
		st=$(q "$port" "SELECT status FROM xray.maintenance_runs WHERE run_id = $1")
		[ "$st" == "finished" ] || [ "$st" == "failed" ] && { echo "$st"; return; }
		sleep 0.1
	done
	echo timeout
}
run=$(as_pg psql -X -At -h /tmp -p "$port" -d postgres -U maint -c "SELECT xray.run_maintenance(kinds => ARRAY['vacuum'])")
is "$(wait_run "$run")" "finished" "a maintenance run as a role whose own schema has a table of the same name"
is "$(q "$port" "SELECT string_agg(command || ' ' || status, '; ') FROM xray.maintenance_log WHERE run_id = $run")" \
	"VACUUM (ANALYZE) public.big done" "the command names public.big, qualified"
ok "$(q "$port" "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'public.big'::regclass")" "public.big was vacuumed"
ok "$(q "$port" "SELECT last_vacuum IS NULL FROM pg_stat_user_tables WHERE relid = 'maint.big'::regclass")" "maint.big was not"

# a REINDEX CONCURRENTLY that fails leaves an invalid _ccnew index: the next runs drop it, never double it
psql_at "$port" -c "CREATE TABLE dup (v int)" -c "INSERT INTO dup SELECT g FROM generate_series(1, 1000) g" \
	-c "CREATE UNIQUE INDEX dup_v ON dup (v)" >/dev/null
# make the rebuild fail: a duplicate slips in while the index is not maintained (as after a corruption)
psql_at "$port" -c "UPDATE pg_index SET indisready = false WHERE indexrelid = 'dup_v'::regclass" >/dev/null
psql_at "$port" -c "INSERT INTO dup VALUES (1)" >/dev/null
psql_at "$port" -c "UPDATE pg_index SET indisready = true WHERE indexrelid = 'dup_v'::regclass" >/dev/null
psql_at "$port" -c "REINDEX INDEX CONCURRENTLY dup_v" >/dev/null 2>&1
invalid() { q "$port" "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND i.indrelid = 'dup'::regclass"; }
before=$(invalid)
ok "$([ "$before" -ge 1 ] && echo t)" "a failed REINDEX CONCURRENTLY left $before invalid indexes"
ok "$(q "$port" "SELECT bool_and(action = 'DROP INDEX CONCURRENTLY' AND command LIKE 'DROP INDEX CONCURRENTLY IF EXISTS public.%') FROM xray.maintenance_advice WHERE object LIKE 'public.dup_v%'")" \
	"invalid indexes are advised for dropping, not for a rebuild that fails again"
for k in 1 2; do
	run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['reindex', 'drop_index'])")
	wait_run "$run" >/dev/null
done
after=$(invalid)
ok "$([ "$after" -le "$before" ] && echo t)" "two runs later: $after invalid indexes (was $before), never doubled"
ok "$(q "$port" "SELECT count(*) = 0 FROM pg_class WHERE relname LIKE 'dup_v_ccnew%'")" "the _ccnew leftover is gone"

# an action that failed is not repeated by the next run: the first run's DROP
# INDEX fails (maint does not own the table); the second run would succeed
psql_at "$port" -c "CREATE TABLE unused_t (id int, w text)" -c "INSERT INTO unused_t SELECT g, md5(g::text) FROM generate_series(1, 20000) g" \
	-c "CREATE INDEX unused_w ON unused_t (w)" -c "ANALYZE unused_t" -c "SELECT count(*) FROM unused_t" >/dev/null
sleep 1.2
run=$(as_pg psql -X -At -h /tmp -p "$port" -d postgres -U maint -c "SELECT xray.run_maintenance(kinds => ARRAY['drop_index'])")
wait_run "$run" >/dev/null
first=$(q "$port" "SELECT status || ':' || sqlstate FROM xray.maintenance_log WHERE run_id = $run AND object = 'public.unused_w'")
psql_at "$port" -c "ALTER TABLE unused_t OWNER TO maint" >/dev/null
run2=$(as_pg psql -X -At -h /tmp -p "$port" -d postgres -U maint -c "SELECT xray.run_maintenance(kinds => ARRAY['drop_index'])")
wait_run "$run2" >/dev/null
second=$(q "$port" "SELECT status || ': ' || left(error, 14) FROM xray.maintenance_log WHERE run_id = $run2 AND object = 'public.unused_w'")
is "$first / $second" "failed:42501 / skipped: failed in run " "an action that failed is skipped by the next run, with the reason"
ok "$(q "$port" "SELECT to_regclass('public.unused_w') IS NOT NULL")" "the index it failed to drop is still there (nothing retried)"

# an xmin-horizon advice names a session, not a relation: measuring it is NULL, not an error
is "$(q "$port" "SELECT coalesce(xray.maintenance_measure('xmin_horizon', 'session pid 42 (x, idle in transaction)')::text, 'null')")" "null" \
	"maintenance_measure on an xmin_horizon object gives NULL (to_regclass never sees a non-name)"
ok "$(q "$port" "SELECT xray.maintenance_measure('vacuum', 'public.big') ? 'n_dead_tup'")" "and measures a qualified table"
done_testing
