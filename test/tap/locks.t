# Lock sampler scenarios: a blocking incident that is over is in the history
# (lock_history, lock_incidents, lock_samples), with the root blocker idle in
# transaction; the wait profile shows the waiters' Lock waits; long
# transactions and lock advice name the culprit; a prepared transaction blocks
# as pid 0; the sampler restarts after being killed and is bounded.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 55950)
dir="$XRAY_TMP/tap/locks"
pg_start "$dir" "$port" "max_prepared_transactions = 5" "xray.lock_sample_interval = 50ms" \
	"deadlock_timeout = 10min" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE acct (id int PRIMARY KEY, v int)" -c "INSERT INTO acct SELECT g, 0 FROM generate_series(1, 10) g" \
	-c "CREATE TABLE parent (id int PRIMARY KEY)" -c "INSERT INTO parent SELECT generate_series(1, 100)" \
	-c "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent)" >/dev/null

bg() { as_pg psql -X -h /tmp -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@" >/dev/null 2>&1 & }
wait_for() { # SQL returning t
	for i in $(seq 1 100); do [ "$(q "$port" "$1")" == "t" ] && return 0; sleep 0.1; done
	return 1
}

# 1. an incident: a transaction left idle in transaction holds a table lock,
#    an ALTER queues behind it, two readers queue behind the ALTER
bg -c "SET application_name = 'culprit'" -c "BEGIN" -c "SELECT count(*) FROM acct" -c "SELECT pg_sleep(3)" -c "COMMIT"
wait_for "SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'culprit' AND l.relation = 'acct'::regclass"
# and a second holder idle in transaction (its UPDATE done, the client sleeping in psql)
bg -c "SET application_name = 'idler'" -c "BEGIN" -c "UPDATE acct SET v = 1 WHERE id = 1" -c "SELECT pg_sleep(0)" -c "\\! sleep 3" -c "COMMIT"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'idler' AND state = 'idle in transaction'"
bg -c "SET application_name = 'ddl'" -c "ALTER TABLE acct ADD COLUMN note text"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'ddl' AND wait_event_type = 'Lock'"
bg -c "SET application_name = 'reader1'" -c "SELECT count(*) FROM acct"
bg -c "SET application_name = 'reader2'" -c "SELECT count(*) FROM acct"
wait_for "SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name LIKE 'reader_' AND wait_event_type = 'Lock'"
sleep 0.5
is "$(q "$port" "SELECT string_agg(waiting_application || '>' || blocking_application || ':' || blocking_granted, ' ' ORDER BY waiting_application, blocking_application)
                 FROM xray.lock_waits")" \
	"ddl>culprit:true ddl>idler:true reader1>ddl:false reader2>ddl:false" "live: the ALTER waits for both holders, readers queue behind it"
is "$(q "$port" "SELECT count(*) FROM xray.blocking_tree WHERE depth = 0")" "2" "live: two root blockers"
is "$(q "$port" "SELECT idle_in_transaction || ' ' || blocked_sessions || ' ' || array_length(locks_held, 1)
                 FROM xray.long_transactions('0') WHERE application_name = 'idler'")" "true 3 2" \
	"long_transactions: the idle session, 3 sessions blocked, holding its table and row locks"
is "$(q "$port" "SELECT holds_xmin_horizon FROM xray.long_transactions('0') WHERE application_name = 'idler'")" "t" \
	"long_transactions: the idle writer holds back the xmin horizon"
is "$(q "$port" "SELECT holds_xmin_horizon FROM xray.long_transactions('0') WHERE application_name = 'ddl'")" "f" \
	"long_transactions: a snapshot that only inherits the oldest xid does not hold the horizon"
is "$(q "$port" "SELECT count(*) FROM xray.long_transactions('1 hour')")" "0" "long_transactions: nothing past a 1-hour threshold"
is "$(q "$port" "SELECT count(*) FROM xray.lock_incidents WHERE ongoing")" "2" "incidents: two ongoing while it lasts"
wait # everything finishes within about 3 s
# a client that has exited may leave its backend ending for a moment (slower under load):
# wait until the server has let go of every lock and the sampler has seen it
wait_for "SELECT count(*) = 0 FROM pg_locks WHERE NOT granted"
is "$(q "$port" "SELECT count(*) FROM xray.lock_waits")" "0" "live: nothing waits once the holders finish"
wait_for "SELECT count(*) = 0 FROM xray.lock_incidents WHERE ongoing"
is "$(q "$port" "SELECT count(*) FROM xray.lock_incidents WHERE ongoing")" "0" "incidents: over"
# the worst the idle root did (one incident, or two if a loaded tick missed the root in between)
is "$(q "$port" "SELECT max(max_sessions_blocked) || ' ' || max(max_depth) || ' ' || min(root_state)
                 FROM xray.lock_incidents WHERE root_state LIKE 'idle in%'")" \
	"3 2 idle in transaction" "incidents: the idle-in-transaction root blocked 3 sessions, 2 deep"
# (a tick that misses the root under load splits it in two: their sum and the longest)
ok "$(q "$port" "SELECT max(duration) > interval '1 s' AND sum(blocked_seconds) > 1 FROM xray.lock_incidents")" \
	"incidents: duration and blocked-seconds measured"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.lock_samples WHERE waiting_mode = 'AccessShareLock' AND NOT blocking_granted
                 AND blocking_mode = 'AccessExclusiveLock' AND relation = 'acct'::regclass")" \
	"samples: readers queued behind the AccessExclusiveLock request, on acct"
ok "$(q "$port" "SELECT sum(samples) > 3 AND sum(queue_samples) = sum(samples) AND max(max_wait) > interval '1 s'
                 FROM xray.lock_history WHERE relation = 'acct'::regclass AND waiting_mode = 'AccessShareLock'")" \
	"history: the readers' waits aggregated (samples, queue, longest wait)"
ok "$(q "$port" "SELECT waiting_query LIKE 'SELECT count(*) FROM acct%' AND blocking_query LIKE 'ALTER TABLE acct%'
                 FROM xray.lock_history WHERE relation = 'acct'::regclass AND waiting_mode = 'AccessShareLock'")" \
	"history: blocking and waiting statements named"
ok "$(q "$port" "SELECT samples > 3 FROM xray.wait_profile WHERE wait_event_type = 'Lock' AND wait_event = 'relation'
                 AND query LIKE 'ALTER TABLE acct%'")" "wait profile: the ALTER's Lock/relation waits"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.wait_profile WHERE wait_event_type = 'Timeout' AND wait_event = 'PgSleep'")" \
	"wait profile: pg_sleep shows as Timeout/PgSleep"
# 17+: each wait event described from pg_wait_events; the lock sampler sleeps in its own event
if [ "$(q "$port" "SHOW server_version_num")" -ge 170000 ]; then
	is "$(q "$port" "SELECT description FROM xray.wait_profile WHERE wait_event_type = 'Timeout' AND wait_event = 'PgSleep' LIMIT 1")" \
		"$(q "$port" "SELECT description FROM pg_wait_events WHERE type = 'Timeout' AND name = 'PgSleep'")" \
		"wait profile (17+): the description pg_wait_events gives"
	is "$(q "$port" "SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'")" \
		"Extension:XrayLockSamplerSleep" "the lock sampler waits in its own wait event (17+)"
	is "$(q "$port" "SELECT count(*) FROM pg_wait_events WHERE type = 'Extension' AND name = 'XrayLockSamplerSleep'")" "1" \
		"pg_wait_events lists pg_xray's wait event"
else
	is "$(q "$port" "SELECT count(*) FROM xray.wait_profile WHERE wait_event_type <> 'CPU' AND description IS NOT NULL")" "0" \
		"wait profile (before 17): no pg_wait_events, no descriptions"
	is "$(q "$port" "SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'")" \
		"Extension:Extension" "the lock sampler waits as an extension (before 17)"
fi
is "$(q "$port" "SELECT string_agg(kind, ',' ORDER BY kind) FROM xray.lock_advice")" \
	"idle_in_transaction_session_timeout,lock_timeout" "advice: lock_timeout for the DDL, an idle-in-transaction timeout"
ok "$(q "$port" "SELECT statement = format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = ''5min'';', current_database())
                 FROM xray.lock_advice WHERE kind = 'idle_in_transaction_session_timeout'")" "advice: the exact statement"

# 2. a prepared transaction blocks as pid 0, named by its gid
psql_at "$port" -c "BEGIN" -c "UPDATE acct SET v = 5 WHERE id = 2" -c "PREPARE TRANSACTION 'gid ''x'''" >/dev/null
bg -c "SET application_name = 'after_prepared'" -c "SET lock_timeout = '20s'" -c "UPDATE acct SET v = 6 WHERE id = 2"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'after_prepared' AND wait_event_type = 'Lock'"
is "$(q "$port" "SELECT blocking_pid || ' ' || blocking_prepared_gid || ' ' || blocking_state || ' ' || locktype
                 FROM xray.lock_waits WHERE waiting_application = 'after_prepared'")" "0 gid 'x' prepared transactionid" \
	"a prepared transaction blocks as pid 0 with its gid"
is "$(q "$port" "SELECT usename || ' ' || blocked_sessions FROM xray.blocking_tree WHERE pid = 0")" "prepared transaction 1" \
	"blocking_tree: the prepared transaction is a root"
psql_at "$port" -c "COMMIT PREPARED 'gid ''x'''" >/dev/null
wait

# 3. a deadlock cycle in the history gives lock-ordering advice
bg -c "SET application_name = 'dl1'" -c "BEGIN" -c "UPDATE acct SET v = 1 WHERE id = 3" -c "SELECT pg_sleep(0.5)" \
	-c "UPDATE acct SET v = 1 WHERE id = 4" -c "COMMIT"
bg -c "SET application_name = 'dl2'" -c "SET deadlock_timeout = '1s'" -c "BEGIN" -c "UPDATE acct SET v = 2 WHERE id = 4" \
	-c "SELECT pg_sleep(0.5)" -c "UPDATE acct SET v = 2 WHERE id = 3" -c "COMMIT"
wait
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.lock_incidents WHERE deadlock_cycle")" "incidents: the deadlock cycle is marked"
is "$(q "$port" "SELECT count(*) FROM xray.lock_advice WHERE kind = 'lock_ordering'")" "1" \
	"advice: consistent lock ordering for the two statements of the cycle"

# 4. foreign-key row-lock waits: advice to index the foreign key
psql_at "$port" -c "INSERT INTO child SELECT g, g FROM generate_series(1, 50) g" >/dev/null
bg -c "BEGIN" -c "DELETE FROM child WHERE id = 7" -c "SELECT pg_sleep(1.5)" -c "COMMIT"
sleep 0.3
bg -c "DELETE FROM parent WHERE id = 7"
wait
ok "$(q "$port" "SELECT statement LIKE 'CREATE INDEX CONCURRENTLY ON public.child (parent_id);%' FROM xray.lock_advice WHERE kind = 'foreign_key_index'")" \
	"advice: index the foreign key whose check waited for row locks"

# 5. the sampler survives being killed, and stays within its memory
old=$(q "$port" "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'")
q "$port" "SELECT pg_terminate_backend($old)" >/dev/null
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler' AND pid <> $old"
ok_status "$?" "the sampler is restarted after pg_terminate_backend"
kill -9 "$(q "$port" "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'")"
sleep 1
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_xray lock sampler'"
ok_status "$?" "after SIGKILL (a crash restart of the server) the sampler runs again"
ok "$(q "$port" "SELECT ticks > 0 AND ring_size = 10000 FROM xray.lock_sampler")" "the new sampler ticks"
psql_at "$port" -c "ALTER SYSTEM SET xray.lock_sample_interval = 0" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
t1=$(q "$port" "SELECT ticks FROM xray.lock_sampler"); sleep 0.5
is "$(q "$port" "SELECT ticks FROM xray.lock_sampler")" "$t1" "xray.lock_sample_interval = 0 stops sampling"
pg_stop "$dir"
done_testing
