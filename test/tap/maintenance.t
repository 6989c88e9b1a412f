# Maintenance advice and runs on real data: a table bloated by deletes, stale
# statistics, an unused index, a bloated index; the run really performs VACUUM,
# ANALYZE and REINDEX CONCURRENTLY in background workers and logs before/after;
# dry runs, budgets, windows, one runner at a time, failures that do not stop a
# run, privileges, hostile identifiers; bloat estimates against pgstattuple.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56050)
dir="$XRAY_TMP/tap/maint"
pg_start "$dir" "$port" "autovacuum = off" "max_worker_processes = 16" || exit 1
S='"My Schema"'
T="$S.\"Bloat \"\"Me\"\" ü\""
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION pgstattuple" -c "CREATE SCHEMA $S" \
	-c "CREATE TABLE $T (id int PRIMARY KEY, pad text)" \
	-c "INSERT INTO $T SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g" \
	-c "CREATE TABLE stale (id int, v int)" -c "INSERT INTO stale SELECT g, g FROM generate_series(1, 20000) g" \
	-c "CREATE TABLE idx_t (id int, v int, w text)" \
	-c "INSERT INTO idx_t SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 200000) g" \
	-c "CREATE INDEX idx_t_id ON idx_t (id)" \
	-c "CREATE TABLE unused_t (id int, w text)" -c "INSERT INTO unused_t SELECT g, md5(g::text) FROM generate_series(1, 20000) g" \
	-c "CREATE INDEX unused_w ON unused_t (w)" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE" >/dev/null
# deletes: 60% of the first table dead; 90% of idx_t removed and vacuumed (its id index stays big).
# (each step in its own session: a session's counts reach the shared statistics when it ends)
psql_at "$port" -c "DELETE FROM $T WHERE id % 5 < 3" -c "INSERT INTO stale SELECT g, g FROM generate_series(1, 50000) g" \
	-c "DELETE FROM idx_t WHERE id % 10 <> 0" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE idx_t" -c "SELECT count(*) FROM idx_t WHERE id = 10" -c "SELECT count(*) FROM unused_t" >/dev/null
sleep 1.2	# cumulative statistics reach the shared views within a second
advice() { q "$port" "SELECT string_agg(kind || ':' || object, ' ' ORDER BY kind, object) FROM xray.maintenance_advice WHERE kind IN ('vacuum', 'analyze', 'reindex', 'drop_index')"; }
is "$(advice)" "analyze:public.stale drop_index:public.unused_w reindex:public.idx_t_id vacuum:\"My Schema\".\"Bloat \"\"Me\"\" ü\"" \
	"advice: VACUUM the bloated table, ANALYZE the stale one, REINDEX the bloated index, DROP the unused one"
is "$(q "$port" "SELECT command FROM xray.maintenance_advice WHERE kind = 'vacuum'")" "VACUUM (ANALYZE) $T" \
	"advice: the command quotes the hostile names"
ok "$(q "$port" "SELECT reason LIKE '60000 dead rows%' AND (measurements->>'n_dead_tup')::int = 60000 FROM xray.maintenance_advice WHERE kind = 'vacuum'")" \
	"advice: the reason gives the measured dead rows"
ok "$(q "$port" "SELECT bool_and(priority > 0) AND count(DISTINCT priority) = count(*) FROM xray.maintenance_advice")" "advice: ranked"

# \gexec works for psql users (dry: on a copy of the advice rows, VACUUM statements alone)
ok "$(echo "SELECT command FROM xray.maintenance_advice WHERE kind = 'analyze' \\gexec" | as_pg psql -X -h /tmp -p "$port" -d postgres 2>&1 | grep -q '^ANALYZE' && echo t)" \
	"SELECT command FROM xray.maintenance_advice \\gexec runs the commands"
psql_at "$port" -c "INSERT INTO stale SELECT g, g FROM generate_series(1, 50000) g" >/dev/null	# stale again
sleep 1.2

# privileges: a plain role cannot run maintenance
psql_at "$port" -c "CREATE ROLE plain LOGIN" -c "CREATE ROLE maint LOGIN" \
	-c "GRANT EXECUTE ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) TO maint" \
	-c "GRANT pg_read_all_stats TO maint" >/dev/null
ok "$(as_pg psql -X -h /tmp -p "$port" -d postgres -U plain -c "\\set VERBOSITY verbose" -c "SELECT xray.run_maintenance()" 2>&1 | grep -q '42501' && echo t)" \
	"a role without the grant gets 42501"
ok "$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['vacuum', 'bogus'])" | grep -q 'unknown maintenance kind "bogus"' && echo t)" \
	"an unknown kind is a clear error"
ok "$(q "$port" "SELECT xray.run_maintenance(max_actions => -1)" | grep -q 'must not be negative' && echo t)" "negative max_actions is an error"

wait_run() { # run id -> waits until finished
	for i in $(seq 1 600); do [ "$(q "$port" "SELECT status FROM xray.maintenance_runs WHERE run_id = $1")" == "finished" ] && return 0; sleep 0.1; done
	return 1
}

# dry run: logged, nothing done
run=$(q "$port" "SELECT xray.run_maintenance(dry_run => true, kinds => ARRAY['vacuum', 'analyze', 'reindex'])")
wait_run "$run"; ok_status "$?" "a dry run finishes"
is "$(q "$port" "SELECT string_agg(kind || ':' || status, ' ' ORDER BY kind) FROM xray.maintenance_log WHERE run_id = $run")" \
	"analyze:dry run reindex:dry run vacuum:dry run" "dry run: every action logged as such"
is "$(q "$port" "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'Bloat \"Me\" ü'")" "60000" "dry run: nothing vacuumed"

# a window that is not now, and a spent budget: skipped, logged
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['vacuum'], window_start => (localtime + interval '2 hours')::time, window_end => (localtime + interval '3 hours')::time)")
wait_run "$run"
is "$(q "$port" "SELECT status || ': ' || error FROM xray.maintenance_log WHERE run_id = $run")" "skipped: outside the maintenance window" \
	"outside the maintenance window nothing runs"

# one runner at a time: hold VACUUM back with a lock, try a second run
bg() { as_pg psql -X -h /tmp -p "$port" -d postgres "$@" >/dev/null 2>&1 & }
bg -c "BEGIN" -c "LOCK TABLE $T IN SHARE UPDATE EXCLUSIVE MODE" -c "SELECT pg_sleep(3)" -c "COMMIT"
sleep 0.5
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['vacuum', 'analyze', 'reindex'])")
sleep 0.5
ok "$(as_pg psql -X -h /tmp -p "$port" -d postgres -c "\\set VERBOSITY verbose" -c "SELECT xray.run_maintenance()" 2>&1 | grep -q '55006.*a maintenance run is already in progress' && echo t)" \
	"a second run while one is in progress: 55006"
wait
wait_run "$run"; ok_status "$?" "the run finishes"
is "$(q "$port" "SELECT string_agg(kind || ':' || status, ' ' ORDER BY kind) FROM xray.maintenance_log WHERE run_id = $run")" \
	"analyze:done reindex:done vacuum:done" "the run performed VACUUM, ANALYZE and REINDEX CONCURRENTLY"
ok "$(q "$port" "SELECT (before->>'n_dead_tup')::int = 60000 AND (after->>'n_dead_tup')::int = 0 FROM xray.maintenance_log WHERE run_id = $run AND kind = 'vacuum'")" \
	"the log shows dead rows before (60000) and after (0)"
ok "$(q "$port" "SELECT (after->>'valid')::boolean AND (after->>'index_bytes')::bigint < (before->>'index_bytes')::bigint FROM xray.maintenance_log WHERE run_id = $run AND kind = 'reindex'")" \
	"REINDEX CONCURRENTLY ran: the index is valid and smaller"
ok "$(q "$port" "SELECT (after->>'n_mod_since_analyze')::int = 0 FROM xray.maintenance_log WHERE run_id = $run AND kind = 'analyze'")" "ANALYZE ran"
ok "$(q "$port" "SELECT duration > interval '0' AND duration < interval '1 min' FROM xray.maintenance_log WHERE run_id = $run AND kind = 'vacuum'")" "durations logged"
is "$(q "$port" "SELECT actions_done || '/' || actions_failed || ' ' || requested_by FROM xray.maintenance_runs WHERE run_id = $run")" "3/0 postgres" "the run's summary"
is "$(q "$port" "SELECT coalesce(string_agg(a.kind || ':' || a.object, ' '), 'none') FROM xray.maintenance_advice a
                 JOIN xray.maintenance_log l ON l.kind = a.kind AND l.object = a.object WHERE l.run_id = $run")" "none" \
	"the advice the run acted on is gone"
# vacuuming 60% dead rows leaves the primary key index mostly empty: that is advised next
is "$(q "$port" "SELECT kind || ':' || object FROM xray.maintenance_advice WHERE kind = 'reindex'")" \
	"reindex:\"My Schema\".\"Bloat \"\"Me\"\" ü_pkey\"" "after the VACUUM, its emptied primary key index is advised for REINDEX"

# a failing command is logged, the run goes on: maint owns nothing, REINDEX fails, DROP INDEX fails
psql_at "$port" -c "CREATE TABLE ro (id int)" -c "INSERT INTO ro SELECT generate_series(1, 5000)" -c "ANALYZE ro" \
	>/dev/null
psql_at "$port" -c "INSERT INTO ro SELECT generate_series(1, 5000)" >/dev/null
sleep 1.2
run=$(as_pg psql -X -h /tmp -p "$port" -d postgres -U maint -At -c "SELECT xray.run_maintenance(kinds => ARRAY['drop_index', 'analyze'])")
wait_run "$run"
is "$(q "$port" "SELECT string_agg(kind || ':' || status || ':' || coalesce(sqlstate, ''), ' ' ORDER BY kind) FROM xray.maintenance_log WHERE run_id = $run")" \
	"analyze:done: drop_index:failed:42501" "a failed command (not the owner) is logged with its SQLSTATE and the run continues"
ok "$(q "$port" "SELECT error LIKE 'must be owner%' FROM xray.maintenance_log WHERE run_id = $run AND kind = 'drop_index'")" "the error message is logged"

# the unused index: DROP INDEX CONCURRENTLY runs when asked for (opt-in kind)
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['drop_index'])")
wait_run "$run" || q "$port" "SELECT '# ' || pid || ' ' || backend_type || ' ' || coalesce(state, '') || ' ' ||
	coalesce(wait_event_type || ':' || wait_event, '') || ' xmin=' || coalesce(backend_xmin::text, '') || ' ' || left(query, 60)
	FROM pg_stat_activity UNION ALL SELECT '# lock ' || locktype || ' ' || coalesce(relation::regclass::text, '') || ' ' || mode || ' ' ||
	granted || ' ' || pid FROM pg_locks WHERE relation = 'unused_t'::regclass OR NOT granted"
is "$(q "$port" "SELECT string_agg(object || ':' || status, ' ') FROM xray.maintenance_log WHERE run_id = $run")" "public.unused_w:done" \
	"DROP INDEX CONCURRENTLY of the unused index ran"
is "$(q "$port" "SELECT count(*) FROM pg_class WHERE relname = 'unused_w'")" "0" "the unused index is gone"

# a large, busy table: per-table autovacuum settings
psql_at "$port" -c "CREATE TABLE big (id int, v int)" -c "INSERT INTO big SELECT g, 0 FROM generate_series(1, 1000000) g" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE big" >/dev/null
psql_at "$port" -c "UPDATE big SET v = 1 WHERE id <= 150000" >/dev/null
psql_at "$port" -c "VACUUM big" >/dev/null
sleep 1.2
is "$(q "$port" "SELECT command FROM xray.maintenance_advice WHERE kind = 'autovacuum_settings'")" \
	"ALTER TABLE public.big SET (autovacuum_vacuum_scale_factor = 0.0190, autovacuum_analyze_scale_factor = 0.0095)" \
	"autovacuum settings: a 1M-row busy table gets a scale factor that fires near 20,000 dead rows instead of 200,050"
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['autovacuum_settings'])")
wait_run "$run"
is "$(q "$port" "SELECT reloptions FROM pg_class WHERE relname = 'big'")" \
	"{autovacuum_vacuum_scale_factor=0.0190,autovacuum_analyze_scale_factor=0.0095}" "autovacuum settings applied by the run"

# row misestimates on fresh statistics: correlated columns get extended statistics
psql_at "$port" -c "CREATE TABLE corr (a int, b int)" -c "INSERT INTO corr SELECT g % 100, g % 100 FROM generate_series(1, 100000) g" >/dev/null
psql_at "$port" -c "VACUUM ANALYZE corr" >/dev/null
psql_at "$port" -c "SET xray.advice_sample_rate = 1" -c "SELECT count(*) FROM corr WHERE a = 5 AND b = 5" \
	-c "SELECT count(*) FROM corr WHERE a = 6 AND b = 6" >/dev/null
is "$(q "$port" "SELECT command FROM xray.maintenance_advice WHERE kind = 'statistics'")" \
	"CREATE STATISTICS IF NOT EXISTS public.corr_a_b_stx (dependencies, ndistinct, mcv) ON a, b FROM public.corr; ANALYZE public.corr" \
	"statistics: 1000 rows where the planner expects 10, on fresh statistics: extended statistics on the two columns"
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['statistics'])")
wait_run "$run"
is "$(q "$port" "SELECT status FROM xray.maintenance_log WHERE run_id = $run")" "done" "statistics: the run created them"
ok "$(q "$port" "EXPLAIN SELECT count(*) FROM corr WHERE a = 5 AND b = 5" | grep -oP 'Seq Scan.*rows=\K[0-9]+' | awk '{ print ($1 >= 500 && $1 <= 2000) ? "t" : "f" }')" \
	"statistics: the planner now expects 1000 rows"

# bloat estimates against pgstattuple: several shapes of table
psql_at "$port" -c "CREATE TABLE b_plain AS SELECT g AS id, g % 100 AS v FROM generate_series(1, 100000) g" \
	-c "CREATE TABLE b_text AS SELECT g AS id, md5(g::text) || repeat('y', g % 50) AS t FROM generate_series(1, 50000) g" \
	-c "CREATE TABLE b_nulls AS SELECT g AS id, CASE WHEN g % 3 = 0 THEN NULL ELSE g END AS a, CASE WHEN g % 2 = 0 THEN 'z' END AS b FROM generate_series(1, 80000) g" \
	-c "CREATE TABLE b_ff (id int, pad text) WITH (fillfactor = 70)" -c "INSERT INTO b_ff SELECT g, repeat('p', 40) FROM generate_series(1, 60000) g" \
	-c "CREATE TABLE b_half AS SELECT g AS id, repeat('h', 60) AS pad FROM generate_series(1, 100000) g" \
	-c "DELETE FROM b_half WHERE id % 2 = 0" -c "VACUUM ANALYZE b_plain, b_text, b_nulls, b_ff, b_half" >/dev/null
cmp=$(q "$port" "SELECT string_agg(format('%s %s/%s', e.table_name, e.bloat_pct, x.bloat_pct), ', ' ORDER BY e.table_name::text)
                 || ' | max error ' || max(abs(e.bloat_pct - x.bloat_pct))
                 FROM xray.table_bloat(false) e JOIN xray.table_bloat(true) x USING (table_name)
                 WHERE e.table_name::text LIKE 'b\\_%'")
echo "# bloat estimate vs pgstattuple (estimate/exact %): $cmp"
ok "$(q "$port" "SELECT count(*) = 5 AND max(abs(e.bloat_pct - x.bloat_pct)) <= 10 FROM xray.table_bloat(false) e JOIN xray.table_bloat(true) x USING (table_name) WHERE e.table_name::text LIKE 'b\\_%'")" \
	"table bloat estimated from statistics within 10 points of pgstattuple on 5 tables"
ok "$(q "$port" "SELECT bloat_pct >= 40 FROM xray.table_bloat WHERE table_name = 'b_half'::regclass")" "half-deleted table: about half is free space"
pg_stop "$dir"

# wraparound: a server whose forced autovacuum age is low, after 60,000 transaction ids
port=$(free_port 56060)
dir="$XRAY_TMP/tap/maint_wrap"
pg_start "$dir" "$port" "autovacuum = off" "autovacuum_freeze_max_age = 100000" "max_worker_processes = 16" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE old_rows (id int)" -c "INSERT INTO old_rows SELECT generate_series(1, 1000)" \
	-c "CREATE TABLE sink (id int)" >/dev/null
sleep 1
psql_at "$port" -c "DO \$\$ BEGIN FOR i IN 1..60000 LOOP BEGIN INSERT INTO sink VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END; END LOOP; END \$\$" >/dev/null
sleep 10.5	# the sampler notes the next ids every 10 s: two observations give a rate
ok "$(q "$port" "SELECT age > 60000 AND pct_to_forced_autovacuum >= 60 AND consumed_per_day > 0 AND days_to_forced_autovacuum >= 0
                 FROM xray.wraparound WHERE datname = 'postgres' AND id_kind = 'transaction id'")" \
	"wraparound: age, percent to the forced autovacuum and a forecast from the observed rate"
ok "$(q "$port" "SELECT reason LIKE 'transaction-id age % of autovacuum_freeze_max_age%' AND command = 'VACUUM (FREEZE) public.old_rows'
                 FROM xray.maintenance_advice WHERE kind = 'freeze' AND object = 'public.old_rows'")" "freeze advised for the old table"
run=$(q "$port" "SELECT xray.run_maintenance(kinds => ARRAY['freeze'], max_actions => 2)")
wait_run "$run"
ok "$(q "$port" "SELECT bool_and(status = 'done' AND (after->>'xid_age')::int < (before->>'xid_age')::int) AND count(*) = 2
                 FROM xray.maintenance_log WHERE run_id = $run")" "VACUUM (FREEZE) ran on two tables (max_actions) and their age fell"
pg_stop "$dir"
done_testing
