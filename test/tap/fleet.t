# A primary and two streaming standbys as one system (#14): standbys registered
# over postgres_fdw foreign servers, their statements in the fleet views (summed,
# percentiles merged from the histograms), an index scanned on one standby only is
# not unused, a stopped standby leaves the views answering and shows unreachable,
# each node's lock graph (WAL replay waits, recovery conflicts), each standby's history in the snapshots, replica lag and unreachable-node alerts and metrics, errors with SQLSTATEs, hostile names, and what a plain role may not see or do;
# the advisor planning a standby's statement with its kept constants, plan findings, caching
# candidates and plan regressions from the standbys, and a promoted standby.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56800)
dir="$XRAY_TMP/tap/fleet_primary"
pg_start "$dir" "$port" "wal_level = replica" "max_wal_senders = 6" "max_parallel_workers_per_gather = 0" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION postgres_fdw" \
	-c "CREATE TABLE fl (id int PRIMARY KEY, k int, k2 int, pad text)" \
	-c "INSERT INTO fl SELECT g, g % 5000, g % 7000, md5(g::text) FROM generate_series(1, 200000) g" \
	-c "CREATE INDEX fl_k2_idx ON fl (k2)" -c "CREATE INDEX fl_never_idx ON fl (pad)" -c "ANALYZE fl" \
	-c "CREATE TABLE fla (id int, queue int, state text, pad text)" \
	-c "INSERT INTO fla SELECT g, g % 20, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'done' END, repeat('a', 40) FROM generate_series(1, 200000) g" \
	-c "CREATE TABLE flr (id int, v int, pad text)" -c "INSERT INTO flr SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 100000) g" \
	-c "CREATE INDEX flr_v_idx ON flr (v)" -c "ANALYZE fla" -c "ANALYZE flr" >/dev/null
# two standbys, named by cluster_name (their walreceivers' application_name)
declare -A sport
for s in s1 s2; do
	sdir="$XRAY_TMP/tap/fleet_$s"
	sport[$s]=$(free_port $((port + ${s#s} * 3)))
	rm -rf "$sdir"
	as_pg pg_basebackup -h /tmp -p "$port" -D "$sdir" -R -X stream -c fast >/dev/null 2>&1
	sed -i "s/^port = .*/port = ${sport[$s]}/" "$sdir/postgresql.conf"
	echo "cluster_name = '$s'" >>"$sdir/postgresql.conf"
	echo "max_standby_streaming_delay = 4s" >>"$sdir/postgresql.conf"
	rm -f "$sdir/postmaster.pid"
	as_pg pg_ctl -D "$sdir" -l "$sdir/server.log" -w start >/dev/null
	XRAY_STARTED+=("$sdir")
done
for i in $(seq 1 50); do
	[ "$(q "$port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 2 ] && break
	sleep 0.2
done
is "$(q "$port" "SELECT string_agg(name || ' ' || registered, ', ' ORDER BY name) FROM xray.discover_nodes()")" "s1 false, s2 false" \
	"discover_nodes: the two streaming standbys, not registered yet"
ok "$(q "$port" "SELECT bool_and(suggested_sql LIKE 'CREATE SERVER%postgres_fdw%SELECT xray.add_node(%') FROM xray.discover_nodes()")" \
	"discover_nodes: the SQL that registers each"

for s in s1 s2; do
	psql_at "$port" -c "CREATE SERVER $s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/tmp', port '${sport[$s]}', dbname 'postgres', connect_timeout '3', async_capable 'true')" \
		-c "CREATE USER MAPPING FOR PUBLIC SERVER $s OPTIONS (user 'postgres', password_required 'false')" \
		-c "SELECT xray.add_node('$s', '$s')" >/dev/null
done
is "$(q "$port" "SELECT string_agg(node || ' ' || reachable || ' ' || role, ', ' ORDER BY node) FROM xray.fleet_status")" \
	"local true primary, s1 true standby, s2 true standby" "fleet_status: the primary and two reachable standbys"

# reads on the standbys only: a seq scan on s1, an index scan of fl_k2_idx on s2
for i in $(seq 1 30); do echo "SELECT pad FROM fl WHERE k = $i;"; done | psql_at "${sport[s1]}" >/dev/null
for i in $(seq 1 20); do echo "SELECT count(*) FROM fl WHERE k2 = $i;"; done | psql_at "${sport[s2]}" >/dev/null
is "$(q "$port" "SELECT string_agg(node || ' ' || calls, ', ' ORDER BY node) FROM xray.fleet_statements WHERE query LIKE 'SELECT pad FROM fl WHERE k = %'")" \
	"s1 30" "fleet_statements: the standby's statement, with the node that ran it"
is "$(q "$port" "SELECT calls || ' ' || array_to_string(nodes, ',') || ' ' || (p95_exec_time > 0) || ' ' || (p99_exec_time >= p95_exec_time)
                 FROM xray.fleet_statements_merged WHERE query LIKE 'SELECT pad FROM fl WHERE k = %'")" "30 s1 true true" \
	"fleet_statements_merged: calls summed, p95 and p99 from the merged histograms"
# the same statement on both standbys: one merged row
for i in $(seq 1 10); do echo "SELECT pad FROM fl WHERE k = $i;"; done | psql_at "${sport[s2]}" >/dev/null
is "$(q "$port" "SELECT calls || ' ' || array_to_string(nodes, ',') FROM xray.fleet_statements_merged WHERE query LIKE 'SELECT pad FROM fl WHERE k = %'")" \
	"40 s1,s2" "the same statement on two standbys: one row, calls summed"
ok "$(q "$port" "SELECT abs(m.p95_exec_time - xray.histogram_quantile(
                        (SELECT array_agg(b ORDER BY b) FROM (SELECT u.b, sum(u.c)::bigint c FROM xray._fleet_histograms() h, ROWS FROM (unnest(h.buckets), unnest(h.counts)) u(b, c)
                                                              WHERE h.queryid = m.queryid GROUP BY u.b) x),
                        (SELECT array_agg(c ORDER BY b) FROM (SELECT u.b, sum(u.c)::bigint c FROM xray._fleet_histograms() h, ROWS FROM (unnest(h.buckets), unnest(h.counts)) u(b, c)
                                                              WHERE h.queryid = m.queryid GROUP BY u.b) x), 0.95)) < 1e-9
                 FROM xray.fleet_statements_merged m WHERE m.query LIKE 'SELECT pad FROM fl WHERE k = %'")" \
	"the merged p95 is the quantile of the summed buckets (not an average of the nodes' p95)"

# merged advice: the primary plans the statements only the standbys ran
ok "$(q "$port" "SELECT count(*) = 1 FROM xray.index_advice WHERE table_name = 'public.fl' AND columns LIKE 'k%' AND columns NOT LIKE 'k2%'")" \
	"index_advice on the primary: the index of a statement only the standbys ran ($(q "$port" "SELECT string_agg(columns, '; ') FROM xray.index_advice WHERE table_name = 'public.fl'"))"
is "$(q "$port" "SELECT count(*) FROM xray.index_advice WHERE table_name = 'public.fl' AND reason LIKE '%(40 calls)%'")" "1" \
	"... weighed by its calls on both standbys (40)"

# ... planned as it ran there: with the constants of the standby's kept sample ('pending'
# in 38 of 40 runs: a partial index), which the normalized text ($2) cannot give
for i in $(seq 1 40); do
	echo "SELECT id FROM fla WHERE queue = $((i % 20)) AND state = '$([ $((i % 20)) = 5 ] && echo failed || echo pending)' ORDER BY id LIMIT 5;"
done | psql_at "${sport[s1]}" >/dev/null
ok "$(q "$port" "SELECT count(*) = 1 FROM xray.index_advice WHERE table_name = 'public.fla' AND columns LIKE '%WHERE state = ''pending'''")" \
	"index_advice: a standby's statement planned with its sample's constants: the partial index ($(q "$port" "SELECT string_agg(columns, '; ') FROM xray.index_advice WHERE table_name = 'public.fla'"); $(q "$port" "SELECT string_agg(array_to_string(differed, ' ') || ' of ' || runs, ',') FROM xray._fleet_samples() WHERE sample LIKE '%fla%'"))"
is "$(q "$port" "SELECT count(*) > 0 FROM xray._fleet_samples() WHERE node = 's1' AND sample LIKE 'SELECT id FROM fla WHERE queue = % AND state = ''pending''%'")" "t" \
	"the standby's sample, with its constants, read over its foreign server"

# plan findings and caching candidates from the standbys' statistics
for i in $(seq 1 150); do echo "SELECT sum(k2) FROM fl WHERE k = $i;"; done | psql_at "${sport[s1]}" >/dev/null
psql_at "${sport[s1]}" -c "SET work_mem = '64kB'" -c "SELECT count(DISTINCT pad || k) FROM fl" -c "SELECT count(DISTINCT pad || k) FROM fl" >/dev/null
ok "$(q "$port" "SELECT tables = '{fl}' AND nodes = '{s1}' AND calls_per_minute >= 150 FROM xray.cache_candidates WHERE query = 'SELECT sum(k2) FROM fl WHERE k = \$1'")" \
	"cache_candidates: a read-only statement only a standby runs, on a table that does not change ($(q "$port" "SELECT array_to_string(tables, ',') || ' ' || array_to_string(nodes, ',') || ' ' || calls_per_minute FROM xray.cache_candidates WHERE query LIKE 'SELECT sum(k2) FROM fl%'"))"
ok "$(q "$port" "SELECT nodes = '{s1}' AND evidence LIKE '% of temporary files written per call over 2 calls%' FROM xray.plan_findings WHERE finding = 'spill_to_disk' AND query LIKE 'SELECT count(DISTINCT pad || k) FROM fl'")" \
	"plan_findings: a standby's spill to disk, with the node ($(q "$port" "SELECT string_agg(array_to_string(nodes, ',') || ' ' || evidence, '; ') FROM xray.plan_findings WHERE finding = 'spill_to_disk'"))"

# a plan regression on a standby: its index dropped on the primary, the standby's next plan is a seq scan
for i in $(seq 1 10); do echo "SELECT count(pad) FROM flr WHERE v = $i;"; done | psql_at "${sport[s1]}" >/dev/null
psql_at "$port" -c "DROP INDEX flr_v_idx" >/dev/null
for i in $(seq 1 50); do
	[ "$(q "${sport[s1]}" "SELECT to_regclass('flr_v_idx') IS NULL")" = t ] && break
	sleep 0.2
done
for i in $(seq 1 10); do echo "SELECT count(pad) FROM flr WHERE v = $i;"; done | psql_at "${sport[s1]}" >/dev/null
is "$(q "$port" "SELECT node || ' ' || (slowdown >= 2) || ' ' || likely_cause FROM xray.fleet_plan_regressions WHERE query LIKE 'SELECT count(pad) FROM flr%'")" \
	"s1 true index flr_v_idx used by the old plan no longer exists" "fleet_plan_regressions: the standby's slower plan and its cause"
is "$(q "$port" "SELECT count(*) FROM xray.plan_regressions WHERE query LIKE 'SELECT count(pad) FROM flr%'")" "0" \
	"plan_regressions stays this server's"
ok "$(q "$port" "SELECT count(*) = 1 FROM xray.alerts WHERE rule = 'plan_regression' AND subject LIKE 'queryid % on s1'")" \
	"alerts: plan_regression names the standby"

# index usage: fl_k2_idx is scanned on s2 only, fl_never_idx nowhere
is "$(q "$port" "SELECT string_agg(node || ' ' || (scans > 0), ', ' ORDER BY node) FROM xray.fleet_index_usage WHERE index_name = 'fl_k2_idx'")" \
	"local false, s1 false, s2 true" "fleet_index_usage: the scans of each index on every node"
is "$(q "$port" "SELECT count(*) FROM xray.index_health WHERE kind = 'unused' AND index_name = 'fl_k2_idx'")" "0" \
	"index_health: an index scanned on one standby only is not unused"
ok "$(q "$port" "SELECT evidence LIKE '0 scans since %; 0 scans on s1 (since %), s2 (since %)' AND fix LIKE 'DROP INDEX CONCURRENTLY %'
                 FROM xray.index_health WHERE kind = 'unused' AND index_name = 'fl_never_idx'")" \
	"index_health: an index no node scanned is unused, and the evidence names the nodes checked"

# history: a snapshot on the primary records each standby too, as a snapshot of its own
local1=$(q "$port" "SELECT xray.snapshot()")
is "$(q "$port" "SELECT string_agg(node, ',' ORDER BY node) FROM xray.snapshots")" "local,s1,s2" \
	"snapshot: one snapshot of this server and one of each standby"
is "$(q "$port" "SELECT (SELECT node FROM xray.snapshots WHERE snap_id = $local1)")" "local" "snapshot() returns this server's snapshot id"
s1a=$(q "$port" "SELECT snap_id FROM xray.snapshots WHERE node = 's1'")
is "$(q "$port" "SELECT sum(st.calls) FROM xray.snapshot_statements st JOIN xray.snapshot_texts t USING (dbid, queryid)
                 WHERE st.snap_id = $s1a AND t.query LIKE 'SELECT pad FROM fl WHERE k = %'")" "30" \
	"the standby's snapshot holds the statement it ran, with its calls"
is "$(q "$port" "SELECT count(*) FROM xray.snapshot_statements st JOIN xray.snapshot_texts t USING (dbid, queryid)
                 WHERE st.snap_id = $local1 AND t.query LIKE 'SELECT pad FROM fl WHERE k = %'")" "0" \
	"... and the primary's snapshot does not (it never ran it)"
ok "$(q "$port" "SELECT seq_scan >= 30 FROM xray.snapshot_tables WHERE snap_id = $s1a AND table_name = 'public.fl'")" \
	"the standby's table statistics: the seq scans it ran ($(q "$port" "SELECT seq_scan FROM xray.snapshot_tables WHERE snap_id = $s1a AND table_name = 'public.fl'"))"
ok "$(q "$port" "SELECT idx_scan > 0 FROM xray.snapshot_indexes WHERE snap_id = (SELECT snap_id FROM xray.snapshots WHERE node = 's2') AND index_name = 'public.fl_k2_idx'")" \
	"the other standby's index scans"
for i in $(seq 1 5); do echo "SELECT pad FROM fl WHERE k = $i;"; done | psql_at "${sport[s1]}" >/dev/null
q "$port" "SELECT xray.snapshot()" >/dev/null
s1b=$(q "$port" "SELECT max(snap_id) FROM xray.snapshots WHERE node = 's1'")
is "$(q "$port" "SELECT prev_snap_id FROM xray.snapshots WHERE snap_id = $s1b")" "$s1a" "a standby's next snapshot follows its own previous one"
is "$(q "$port" "SELECT calls_before || ' ' || calls_after FROM xray.compare($s1a, $s1b) WHERE query LIKE 'SELECT pad FROM fl WHERE k = %'")" "30 5" \
	"compare over a standby's snapshots: the calls of each interval (deltas)"
is "$(q "$port" "SELECT string_agg(node || ':' || (calls IS NOT NULL), ',' ORDER BY snap_id) FROM xray.snapshots_summary")" \
	"local:true,s1:true,s2:true,local:true,s1:true,s2:true" "snapshots_summary: each node's snapshots"
# pg_xray's own schedule (xray.snapshot_interval) snapshots the standbys too (its worker
# reads them through the FOR PUBLIC user mapping)
before=$(q "$port" "SELECT max(snap_id) FROM xray.snapshots")
psql_at "$port" -c "ALTER SYSTEM SET xray.snapshot_interval = 1" -c "ALTER SYSTEM SET xray.monitoring_database = 'postgres'" -c "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 1 60); do
	[ "$(q "$port" "SELECT count(DISTINCT node) FROM xray.snapshots WHERE snap_id > $before")" = 3 ] && break
	sleep 0.25
done
psql_at "$port" -c "ALTER SYSTEM RESET xray.snapshot_interval" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1.5 # the worker's last round ends
is "$(q "$port" "SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM xray.snapshots WHERE snap_id > $before")" "local,s1,s2" \
	"xray.snapshot_interval: the worker's snapshots include each standby"

# alerts: a standby's replay lag over the threshold (0 here: any lag while WAL flows)
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 0 WHERE name = 'replica_lag'" -c "CREATE TABLE lagging (i int)" >/dev/null
lag=""
for i in $(seq 1 50); do
	lag=$(psql_at "$port" -At -c "INSERT INTO lagging SELECT generate_series(1, 1000)" -c "SELECT pg_sleep(0.02)" \
		-c "SELECT string_agg(subject || ': ' || evidence, '; ') FROM xray.alerts WHERE rule = 'replica_lag'" | tail -1)
	[ -n "$lag" ] && break
done
re='^standby s[12]: replays .* behind \(.* of WAL not replayed yet\)'
ok "$([[ $lag =~ $re ]] && echo t)" "alerts: replica_lag names the standby and its lag ($lag)"
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 300 WHERE name = 'replica_lag'" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.alerts WHERE rule IN ('replica_lag', 'node_unreachable')")" "0" \
	"alerts: no fleet alert while the standbys answer and keep up"
is "$(q "$port" "SELECT string_agg(l, ',' ORDER BY l) FROM regexp_split_to_table(xray.metrics(0), E'\n') l WHERE l LIKE 'pg_xray_fleet_node_up{%'")" \
	'pg_xray_fleet_node_up{node="s1"} 1,pg_xray_fleet_node_up{node="s2"} 1' "metrics: each node up"
ok "$(q "$port" "SELECT count(*) = 2 FROM regexp_split_to_table(xray.metrics(0), E'\n') l WHERE l LIKE 'pg_xray_replica_replay_lag_seconds{standby=%,state=\"streaming\"} %'")" \
	"metrics: the replay lag of each streaming standby"
ok "$(q "$port" "SELECT count(*) = 2 AND bool_and(split_part(l, ' ', 2)::float8 >= 30) FROM regexp_split_to_table(xray.metrics(0), E'\n') l WHERE l LIKE 'pg_xray_fleet_node_calls_total{node=%'")" \
	"metrics: each standby's statement calls, with a node label ($(q "$port" "SELECT string_agg(l, ', ') FROM regexp_split_to_table(xray.metrics(0), E'\n') l WHERE l LIKE 'pg_xray_fleet_node_%{%'"))"

# locks per node: on s1 a reader holds fl, the primary takes an ACCESS EXCLUSIVE lock on
# it; WAL replay on s1 waits for the reader (then cancels it after 4 s), a second reader
# waits behind replay
psql_at "${sport[s1]}" -c "BEGIN" -c "SELECT count(*) FROM fl WHERE id = 1" -c "SELECT pg_sleep(10)" -c "COMMIT" >/dev/null 2>&1 &
reader=$!
sleep 0.5
psql_at "$port" -c "BEGIN" -c "LOCK TABLE fl IN ACCESS EXCLUSIVE MODE" -c "COMMIT" >/dev/null
psql_at "${sport[s1]}" -c "SELECT count(*) FROM fl WHERE id = 2" >/dev/null 2>&1 &
second=$!
graph=""
for i in $(seq 1 30); do
	graph=$(q "$port" "SELECT string_agg(format('%s %s %s -> %s (%s)', node, kind, waiting_query, blocking_query, waiting_mode), '; ' ORDER BY waiting_query)
	                   FROM xray.fleet_lock_graph() WHERE node = 's1' AND kind = 'lock'")
	[[ $graph == *"SELECT count(*) FROM fl WHERE id = 2 -> WAL replay"* ]] && break
	sleep 0.1
done
is "$graph" "s1 lock SELECT count(*) FROM fl WHERE id = 2 -> WAL replay (startup process) (AccessShareLock); s1 lock WAL replay (startup process) -> SELECT pg_sleep(10) (AccessExclusiveLock)" \
	"fleet_lock_graph: on the standby, WAL replay waits for a reader and a second reader waits for replay"
is "$(q "$port" "SELECT count(*) FROM xray.fleet_lock_graph() WHERE node IN ('local', 's2') AND kind = 'lock'")" "0" \
	"... and the other nodes have no waits"
wait $reader $second
conflicts=$(q "$port" "SELECT detail FROM xray.fleet_lock_graph() WHERE node = 's1' AND kind = 'recovery_conflicts'")
ok "$([[ $conflicts == "queries cancelled by recovery conflicts in database postgres: lock 1,"* ]] && echo t)" \
	"fleet_lock_graph: the reader cancelled by the recovery conflict ($conflicts)"
psql_at "$port" -c "CREATE ROLE fleet_locks LOGIN" >/dev/null
is "$(psql_at "$port" -c "SET ROLE fleet_locks" -c "SELECT * FROM xray.fleet_lock_graph()" 2>&1 | grep -o 'permission denied' | head -1)" "permission denied" \
	"a plain role: fleet_lock_graph is denied"

# a standby stops: the views answer without it, fleet_status says why
pg_stop "$XRAY_TMP/tap/fleet_s2" immediate
start=$(date +%s%N)
is "$(q "$port" "SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM xray.fleet_statements")" "local,s1" \
	"a stopped standby: fleet_statements answers with the others"
ok "$([ $((($(date +%s%N) - start) / 1000000)) -lt 5000 ] && echo t)" "... within 5 s (connect_timeout 3 s)"
ok "$(q "$port" "SELECT NOT reachable AND last_error <> '' FROM xray.fleet_status WHERE node = 's2'")" \
	"fleet_status: the stopped standby unreachable, with the error ($(q "$port" "SELECT left(last_error, 80) FROM xray.fleet_status WHERE node = 's2'"))"
ok "$(q "$port" "SELECT evidence LIKE '%not checked on s2 (not answering)%' AND fix LIKE '-- once s2 answers: DROP INDEX%'
                 FROM xray.index_health WHERE kind = 'unused' AND index_name = 'fl_never_idx'")" \
	"index_health: with a node down, unused says it was not checked there and the DROP waits"
last=$(q "$port" "SELECT max(snap_id) FROM xray.snapshots")
is "$(q "$port" "SELECT xray.snapshot() IS NOT NULL") $(q "$port" "SELECT string_agg(node, ',' ORDER BY node) FROM xray.snapshots WHERE snap_id > $last")" "t local,s1" \
	"a stopped standby: the snapshot records this server and the others"
is "$(q "$port" "SELECT subject || ' ' || severity || ' ' || (evidence LIKE 'does not answer: %') FROM xray.alerts WHERE rule = 'node_unreachable'")" \
	"node s2 critical true" "alerts: node_unreachable for the stopped standby, with its error"
is "$(q "$port" "SELECT fired >= 1 FROM xray.check_alerts()") $(q "$port" "SELECT count(*) FROM xray.alert_log WHERE rule = 'node_unreachable' AND subject = 'node s2' AND resolved_at IS NULL")" \
	"t 1" "check_alerts logs it"
is "$(q "$port" "SELECT string_agg(l, ',' ORDER BY l) FROM regexp_split_to_table(xray.metrics(0), E'\n') l WHERE l LIKE 'pg_xray_fleet_node_up{%'")" \
	'pg_xray_fleet_node_up{node="s1"} 1,pg_xray_fleet_node_up{node="s2"} 0' "metrics: the stopped node down"

# errors, and a hostile node name quoted everywhere
err() { psql_at "$port" -v VERBOSITY=verbose -c "$1" 2>&1 | grep -oE 'ERROR:  [0-9A-Z]{5}' | head -1; }
is "$(err "SELECT xray.add_node(NULL, 's1')")" "ERROR:  22004" "add_node(NULL): 22004"
is "$(err "SELECT xray.add_node('x', 'no_such_server')")" "ERROR:  42704" "add_node on an unknown server: 42704"
is "$(err "SELECT xray.add_node('local', 's1')")" "ERROR:  22023" "add_node('local'): 22023 (the name of this server)"
is "$(err "SELECT xray.add_node('s1', 's1')")" "ERROR:  42710" "add_node twice: 42710"
is "$(err "SELECT xray.remove_node('nobody')")" "ERROR:  42704" "remove_node of an unknown node: 42704"
psql_at "$port" -c "SELECT xray.add_node(\$n\$my \"node\"; DROP TABLE fl; --\$n\$, 's1')" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.fleet_statements WHERE node = \$n\$my \"node\"; DROP TABLE fl; --\$n\$ AND query LIKE 'SELECT pad FROM fl WHERE k = %'")" "1" \
	"a node name with quotes and a semicolon: registered and read"
psql_at "$port" -c "SET client_min_messages = warning" -c "SELECT xray.remove_node(\$n\$my \"node\"; DROP TABLE fl; --\$n\$)" >/dev/null
is "$(q "$port" "SELECT count(*) FROM fl")" "200000" "... and removed, nothing else dropped"

# a plain role: no node list, no fleet statistics, no registering
psql_at "$port" -c "CREATE ROLE fleet_plain LOGIN" >/dev/null
for what in "SELECT * FROM xray.nodes" "SELECT * FROM xray.fleet_statements" "SELECT * FROM xray.fleet_status" \
	"SELECT * FROM xray.fleet_index_usage" "SELECT xray.add_node('x', 's1')" "SELECT xray.remove_node('s1')" \
	"SELECT * FROM xray.discover_nodes()"; do
	is "$(psql_at "$port" -c "SET ROLE fleet_plain" -c "$what" 2>&1 | grep -o 'permission denied' | head -1)" "permission denied" \
		"a plain role: $what is denied"
done
# a pg_read_all_stats member sees every role's texts; a role that owns statements
# on a standby but has no pg_read_all_stats sees its own text only, by this server's rule
psql_at "$port" -c "CREATE ROLE fleet_reader LOGIN IN ROLE pg_read_all_stats" -c "CREATE ROLE fleet_app LOGIN" \
	-c "GRANT SELECT ON fl TO fleet_app" -c "GRANT SELECT ON xray.fleet_statements, xray.nodes TO fleet_app" -c "GRANT USAGE ON SCHEMA $(q "$port" "SELECT xray._node_schema('s1')") TO fleet_app" \
	-c "GRANT SELECT ON ALL TABLES IN SCHEMA $(q "$port" "SELECT xray._node_schema('s1')") TO fleet_app" >/dev/null
sleep 1 # the roles reach the standby
psql_at "${sport[s1]}" -c "SET ROLE fleet_app" -c "SELECT count(*) FROM fl WHERE k = 1 AND id > 0" >/dev/null
is "$(psql_at "$port" -At -c "SET ROLE fleet_reader" -c "SELECT count(*) FROM xray.fleet_statements WHERE node = 's1' AND query LIKE 'SELECT count(*) FROM fl WHERE k = % AND id > %'")" "1" \
	"a pg_read_all_stats member reads another role's text from a standby"
is "$(psql_at "$port" -At -c "SET ROLE fleet_app" -c "SELECT count(*) FILTER (WHERE query LIKE 'SELECT pad FROM fl%') || ' ' || count(*) FILTER (WHERE query LIKE 'SELECT count(*) FROM fl WHERE k = % AND id > %') FROM xray.fleet_statements WHERE node = 's1'")" "0 1" \
	"a role without pg_read_all_stats: its own text from the standby, not another role's (the mapping's remote user could read them)"

# failover: s1 is promoted; the nodes registered on the old primary (replicated) keep
# working from it: itself read once, as local; s2 (restarted, still a standby) read over its server
as_pg pg_ctl -D "$XRAY_TMP/tap/fleet_s1" -w promote >/dev/null
for i in $(seq 1 50); do
	[ "$(q "${sport[s1]}" "SELECT pg_is_in_recovery()")" = f ] && break
	sleep 0.2
done
as_pg pg_ctl -D "$XRAY_TMP/tap/fleet_s2" -l "$XRAY_TMP/tap/fleet_s2/server.log" -w start >/dev/null
is "$(q "${sport[s1]}" "SELECT string_agg(node || ' ' || reachable || ' ' || coalesce(role, '-'), ', ' ORDER BY node) FROM xray.fleet_status")" \
	"local true primary, s1 true primary, s2 true standby" "promoted s1: fleet_status from the new primary"
ok "$(q "${sport[s1]}" "SELECT last_error LIKE 'this server itself%' FROM xray.fleet_status WHERE node = 's1'")" \
	"... which knows itself among the registered nodes"
is "$(q "${sport[s1]}" "SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM xray.fleet_statements")" "local,s2" \
	"fleet_statements on the new primary: itself once (local), and the other standby"
newsnap=$(q "${sport[s1]}" "SELECT xray.snapshot()")
is "$(q "${sport[s1]}" "SELECT string_agg(node, ',' ORDER BY node) FROM xray.snapshots WHERE snap_id >= $newsnap")" "local,s2" \
	"snapshot() on the new primary: this server and the other standby"
ok "$(q "${sport[s1]}" "SELECT count(*) > 0 FROM xray.snapshots WHERE snap_id < $newsnap")" \
	"... after the history replicated from the old primary"

psql_at "$port" -c "SET client_min_messages = warning" -c "SELECT xray.remove_node('s1')" >/dev/null
is "$(q "$port" "SELECT count(*) FROM pg_namespace WHERE nspname = xray._node_schema('s1')")" "0" "remove_node drops the node's foreign tables"
done_testing
