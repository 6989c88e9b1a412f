# Lock graph with parallel queries, checked against pg_blocking_pids():
# 1. a parallel query (leader + 2 workers) holds a table lock and an ALTER
#    waits: the ALTER waits for the leader (once), the workers are detail, the
#    leader is the root blocker and the incident's root;
# 2. with parallel_leader_participation = off, the workers wait for a lock
#    while the leader waits in IPC/ExecuteGather: the leader is the waiter and
#    the root blocks one session.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56150)
dir="$XRAY_TMP/tap/parallel_locks"
pg_start "$dir" "$port" "xray.lock_sample_interval = 50ms" "deadlock_timeout = 10min" \
	"max_worker_processes = 16" "max_parallel_workers = 8" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE big (id int)" -c "INSERT INTO big SELECT generate_series(1, 30000)" \
	-c "ALTER TABLE big SET (parallel_workers = 2)" -c "VACUUM ANALYZE big" \
	-c "CREATE TABLE guarded (id int)" \
	-c "CREATE FUNCTION slow(i int) RETURNS boolean LANGUAGE plpgsql PARALLEL SAFE AS \$\$
	        BEGIN IF i % 1000 = 0 THEN PERFORM pg_sleep(0.5); END IF; RETURN true; END \$\$" \
	-c "CREATE FUNCTION reads_guarded(i int) RETURNS boolean LANGUAGE plpgsql PARALLEL SAFE AS \$\$
	        BEGIN IF i % 1000 = 0 THEN RETURN (SELECT count(*) FROM guarded) >= 0; END IF; RETURN true; END \$\$" >/dev/null

bg() { as_pg psql -X -h /tmp -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@" >/dev/null 2>&1 & }
wait_for() { # SQL returning t
	for i in $(seq 1 150); do [ "$(q "$port" "$1")" == "t" ] && return 0; sleep 0.1; done
	return 1
}
parallel="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0"

# 1. the parallel query holds big's lock in three processes; the ALTER waits
bg -c "SET application_name = 'par'" -c "$parallel" -c "SELECT count(*) FROM big WHERE slow(id)"
wait_for "SELECT count(*) = 2 FROM pg_stat_activity w JOIN pg_stat_activity l ON l.pid = w.leader_pid
          WHERE l.application_name = 'par' AND w.backend_type = 'parallel worker'" || echo "# the parallel workers did not start"
bg -c "SET application_name = 'ddl'" -c "ALTER TABLE big ADD COLUMN note text"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'ddl' AND wait_event_type = 'Lock'"
leader=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE application_name = 'par' AND backend_type = 'client backend'")
ddl=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE application_name = 'ddl'")
workers=$(q "$port" "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE leader_pid = $leader AND pid <> $leader")
ok "$(q "$port" "SELECT '$workers' ~ '^[0-9]+,[0-9]+$'")" "the query runs in a leader and two workers ($leader: $workers)"
is "$(q "$port" "SELECT array(SELECT DISTINCT unnest(pg_blocking_pids($ddl)))::text")" "{$leader}" "pg_blocking_pids: the ALTER waits for the leader (once per process of its group)"
is "$(q "$port" "SELECT string_agg(blocking_pid::text, ',') FROM xray.lock_waits WHERE waiting_pid = $ddl")" "$leader" \
	"lock_waits: one edge, to the leader, as pg_blocking_pids"
is "$(q "$port" "SELECT array_to_string(array(SELECT unnest(blocking_workers) ORDER BY 1), ',') FROM xray.lock_waits WHERE waiting_pid = $ddl")" \
	"$workers" "lock_waits: the workers holding the lock too are detail (blocking_workers)"
is "$(q "$port" "SELECT string_agg(pid::text, ',') FROM xray.blocking_tree WHERE depth = 0")" "$leader" \
	"blocking_tree: the leader is the only root blocker"
is "$(q "$port" "SELECT count(*) FROM xray.blocking_tree WHERE pid IN ($workers) OR root_pid IN ($workers)")" "0" \
	"blocking_tree: no worker appears"
is "$(q "$port" "SELECT blocked_sessions FROM xray.blocking_tree WHERE pid = $leader")" "1" "blocking_tree: the leader blocks one session"
ok "$(q "$port" "SELECT xray.lock_graph() LIKE '%$leader%' AND xray.lock_graph() !~ '\\m(${workers/,/|})\\M'")" \
	"lock_graph: drawn with the leader, without the workers"
wait_for "SELECT count(*) >= 1 FROM xray.lock_incidents WHERE ongoing"
is "$(q "$port" "SELECT string_agg(root_pid::text, ',') FROM xray.lock_incidents WHERE ongoing")" "$leader" \
	"lock_incidents: the incident is rooted at the leader"
ok "$(q "$port" "SELECT count(*) > 0 AND bool_and(blocking_pid = $leader AND root_pid = $leader) FROM xray.lock_samples WHERE waiting_pid = $ddl")" \
	"lock_samples: the sampler saw the ALTER wait for the leader"
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name IN ('par', 'ddl') AND state = 'active'"

# 2. the workers wait for a lock, the leader (not participating) waits for them
bg -c "SET application_name = 'holder'" -c "BEGIN" -c "LOCK TABLE guarded IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(6)" -c "COMMIT"
wait_for "SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'holder' AND l.relation = 'guarded'::regclass"
bg -c "SET application_name = 'par2'" -c "$parallel" -c "SET parallel_leader_participation = off" -c "SELECT count(*) FROM big WHERE reads_guarded(id)"
wait_for "SELECT count(*) >= 1 FROM pg_stat_activity w JOIN pg_stat_activity l ON l.pid = w.leader_pid
          WHERE l.application_name = 'par2' AND w.backend_type = 'parallel worker' AND w.wait_event_type = 'Lock'" \
	|| echo "# the workers do not wait"
holder=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE application_name = 'holder'")
leader=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE application_name = 'par2' AND backend_type = 'client backend'")
is "$(q "$port" "SELECT wait_event_type || '/' || wait_event FROM pg_stat_activity WHERE pid = $leader")" "IPC/ExecuteGather" \
	"the leader waits for its workers"
is "$(q "$port" "SELECT array(SELECT DISTINCT unnest(pg_blocking_pids($leader)))::text")" "{$holder}" "pg_blocking_pids: the leader is blocked by the holder"
is "$(q "$port" "SELECT string_agg(waiting_pid || '>' || blocking_pid, ',') FROM xray.lock_waits")" "$leader>$holder" \
	"lock_waits: the leader waits for the holder (one edge)"
ok "$(q "$port" "SELECT cardinality(waiting_workers) >= 1 AND NOT ($leader = ANY (waiting_workers)) FROM xray.lock_waits WHERE waiting_pid = $leader")" \
	"lock_waits: the waiting workers are detail (waiting_workers)"
is "$(q "$port" "SELECT pid || ' ' || blocked_sessions FROM xray.blocking_tree WHERE depth = 0")" "$holder 1" \
	"blocking_tree: the holder is the root and blocks one session, the leader's"
is "$(q "$port" "SELECT string_agg(pid::text, ',') FROM xray.blocking_tree WHERE depth = 1")" "$leader" \
	"blocking_tree: the leader hangs under the holder"
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name IN ('holder', 'par2') AND state = 'active'"
pg_stop "$dir"
done_testing
