# Plan findings with their evidence, each provoked once: a sequential scan of
# a large table keeping few rows, correlated columns that fool the planner,
# lower(email) and casts against a plain index, planning time dominating, a sort and a
# hash aggregate that spill under a small work_mem, a hash join in batches, a
# nested loop over far more rows than planned, deep OFFSET pagination, a generic
# plan slower than the custom ones, N+1 loops in a transaction and back to back;
# and none on healthy workloads (interleaved lookups, pgbench's TPC-B).
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56140)
dir="$XRAY_TMP/tap/diagnostics"
pg_start "$dir" "$port" "autovacuum = off" "xray.advice_sample_rate = 1" "max_parallel_workers_per_gather = 0" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE users (id int PRIMARY KEY, email text, a int, b int)" \
	-c "INSERT INTO users SELECT g, 'u' || g || '@x.org', g % 100, g % 100 FROM generate_series(1, 100000) g" \
	-c "CREATE INDEX users_email ON users (email)" >/dev/null
psql_at "$port" -c "ANALYZE users" -c "SELECT xray.reset()" >/dev/null	# (the load itself spilled its generate_series)
# healthy: indexed lookups of different kinds, interleaved
for i in $(seq 1 20); do echo "SELECT email FROM users WHERE id = $i; SELECT id FROM users WHERE email = 'u$i@x.org';"; done | psql_at "$port" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.plan_findings")" "0" "a healthy workload (interleaved indexed lookups): no finding"
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
psql_at "$port" -c "SELECT email FROM users WHERE id::text = '5'" -c "SELECT email FROM users WHERE id = 5.0" >/dev/null
is "$(finding function_on_indexed_column 'SELECT email FROM users WHERE id::text%')" \
	"the statement compares id::text on users, while the index users_pkey covers id itself" \
	"function_on_indexed_column: an explicit cast (id::text) against the primary key"
is "$(finding function_on_indexed_column 'SELECT email FROM users WHERE id = %')" \
	"the statement compares id::numeric on users, while the index users_pkey covers id itself" \
	"function_on_indexed_column: an implicit cast (an integer compared with a numeric)"
ok "$(q "$port" "SELECT suggestion LIKE 'compare the column with a value of its own type (integer)%' FROM xray.plan_findings WHERE finding = 'function_on_indexed_column' AND query LIKE 'SELECT email FROM users WHERE id = %'")" \
	"... compare it with an integer"
psql_at "$port" -c "SET work_mem = '64kB'" -c "SELECT count(*) FROM (SELECT email FROM users ORDER BY a DESC, email) s" >/dev/null
ok "$(finding spill_to_disk 'SELECT count(*) FROM (SELECT email%' | grep -qE '^[0-9.]+ [kM]B of temporary files written per call' && echo t)" \
	"spill_to_disk: temporary bytes per call"
ok "$(q "$port" "SELECT suggestion ~ 'about [0-9]+[kM]B of work_mem' FROM xray.plan_findings WHERE finding = 'spill_to_disk'")" "with the work_mem that would suffice"
ok "$(finding spill_to_disk 'SELECT count(*) FROM (SELECT email%' | grep -qE '; a sort used [0-9]+ kB of disk in 1 of 1 sampled executions \(with work_mem 64kB\)$' && echo t)" \
	"spill_to_disk: the sort node's disk use and the work_mem it ran with"
# the work_mem advised for the sort keeps it in memory
advised=$(q "$port" "SELECT substring(suggestion from 'SET work_mem = ''([0-9]+[kMG]B)''') FROM xray.plan_findings WHERE finding = 'spill_to_disk' AND query LIKE 'SELECT count(*) FROM (SELECT email%'")
ok "$(psql_at "$port" -At -c "SET work_mem = '$advised'" -c "EXPLAIN (ANALYZE, COSTS off, TIMING off) SELECT count(*) FROM (SELECT email FROM users ORDER BY a DESC, email) s" | grep -q 'Sort Method: quicksort' && echo t)" \
	"the advised work_mem ($advised) sorts in memory"
# a hash aggregate that spills
psql_at "$port" -c "SET work_mem = '64kB'" -c "SET enable_sort = off" -c "SELECT a * 100000 + id, count(*) FROM users GROUP BY 1 HAVING count(*) > 1" >/dev/null
ok "$(finding spill_to_disk 'SELECT a * % GROUP BY%' | grep -qE '; a hash aggregate spilled [0-9]+ kB to disk past [0-9]+ kB of memory in 1 of 1 sampled executions' && echo t)" \
	"spill_to_disk: a hash aggregate's spill and memory peak"
# a hash join in batches
psql_at "$port" -c "SET work_mem = '256kB'" -c "SELECT count(*) FROM users u JOIN users v ON v.email = u.email" >/dev/null
ok "$(finding hash_join_batches 'SELECT count(*) FROM users u JOIN users v ON v.email%' | grep -qE '^a hash join ran in [0-9]+ batches \(the planner expected [0-9]+\) in 1 of 1 sampled executions: its hash table needed about [0-9.]+ [kM]B, more than the work_mem 256kB x hash_mem_multiplier 2 it ran with$' && echo t)" \
	"hash_join_batches: batches, memory needed, the settings it ran with"
is "$(q "$port" "SELECT count(*) FROM xray.plan_findings WHERE finding = 'spill_to_disk' AND query LIKE 'SELECT count(*) FROM users u JOIN users v ON v.email%'")" "0" \
	"a hash join's batches are not reported again as a spill"
advised=$(q "$port" "SELECT substring(suggestion from 'SET work_mem = ''([0-9]+[kMG]B)''') FROM xray.plan_findings WHERE finding = 'hash_join_batches'")
ok "$(psql_at "$port" -At -c "SET work_mem = '$advised'" -c "EXPLAIN (ANALYZE, COSTS off, TIMING off) SELECT count(*) FROM users u JOIN users v ON v.email = u.email" | grep -q 'Batches: 1 ' && echo t)" \
	"the advised work_mem ($advised) builds the hash table in one batch"
# correlated columns: a nested loop planned for 10 rows reads 1000
psql_at "$port" -c "SELECT count(*) FROM users u JOIN users v ON v.id = u.id + 1 WHERE u.a = 5 AND u.b = 5" >/dev/null
ok "$(finding nested_loop_large_outer 'SELECT count(*) FROM users u JOIN users v ON v.id%' | grep -qE '^a nested loop read 1000 rows from its outer input \(the planner expected [0-9]{1,2}\) and ran its inner side \(index scan of users\) once per row, in 1 of 1 sampled executions$' && echo t)" \
	"nested_loop_large_outer: 1000 outer rows where about 10 were expected"
ok "$(q "$port" "SELECT suggestion ~ 'extended statistics' FROM xray.plan_findings WHERE finding = 'nested_loop_large_outer' AND query LIKE '%u.a = %'")" "... with statistics as the fix"
# deep OFFSET, through an index and through a sort
psql_at "$port" -c "SELECT id, email FROM users ORDER BY id LIMIT 20 OFFSET 50000" -c "SELECT id FROM users ORDER BY a DESC, id DESC LIMIT 10 OFFSET 5000" >/dev/null
is "$(finding deep_offset 'SELECT id, email FROM users ORDER BY id%')" \
	"OFFSET skipped 50000 rows per execution on average (at most 50000) to return 20, over 1 sampled executions" "deep_offset: rows skipped and returned"
is "$(q "$port" "SELECT suggestion FROM xray.plan_findings WHERE finding = 'deep_offset' AND query LIKE 'SELECT id, email FROM users ORDER BY id%'")" \
	"page by the last row seen instead of OFFSET (keyset pagination): SELECT ... FROM users WHERE (id) > (values of the last row of the previous page) ORDER BY id LIMIT 20, served by an index on (id)" \
	"deep_offset: the keyset query on the index's order"
ok "$(q "$port" "SELECT suggestion LIKE '%WHERE (a, id) < (values of the last row of the previous page) ORDER BY a DESC, id DESC LIMIT 10, served by an index on (a DESC, id DESC)' FROM xray.plan_findings WHERE finding = 'deep_offset' AND query LIKE 'SELECT id FROM users ORDER BY a DESC%'")" \
	"deep_offset: the keyset query on a sort's keys, descending"
# a generic plan: skewed values; after five custom plans the plan cache settles on a generic one
psql_at "$port" -c "CREATE TABLE dims (id int PRIMARY KEY, name text)" -c "INSERT INTO dims SELECT g, 'd' || g FROM generate_series(1, 200000) g" \
	-c "CREATE TABLE events (id int, kind int, dim_id int)" \
	-c "INSERT INTO events SELECT g, CASE WHEN g % 100 = 0 THEN 2 + g / 100 ELSE 1 END, g FROM generate_series(1, 200000) g" \
	-c "CREATE INDEX ON events (kind)" \
	-c "ALTER TABLE events ALTER COLUMN kind SET STATISTICS 10000" -c "ANALYZE dims, events" >/dev/null
# (statistics from every row: a sample's count of distinct kinds, and so the generic plan, would vary)
prep='PREPARE q(int) AS SELECT count(*) FROM events e JOIN dims d ON d.id = e.dim_id WHERE e.kind = $1'
execs=(); for v in 1 2 3 1 4 1 1 5 1 1; do execs+=(-c "EXECUTE q($v)"); done
psql_at "$port" -c "$prep" "${execs[@]}" >/dev/null
ok "$(finding generic_plan_slower '%SELECT count(*) FROM events%' | grep -qE '^the generic plan ran 5 times at [0-9.]+ ms on average \(p95 [0-9.]+ ms\); custom plans, made for the values, ran 5 times at [0-9.]+ ms$' && echo t)" \
	"generic_plan_slower: the generic plan's executions against the custom plans' ($(finding generic_plan_slower '%SELECT count(*) FROM events%'))"
ok "$(q "$port" "SELECT suggestion ~ 'plan_cache_mode = force_custom_plan' AND planid IN (SELECT planid FROM xray.plans WHERE plan LIKE '%kind = \$1%') FROM xray.plan_findings WHERE finding = 'generic_plan_slower'")" \
	"... pointing at the generic plan (its text shows \$1), with plan_cache_mode as the fix"
ok "$(psql_at "$port" -At -c "SET plan_cache_mode = force_custom_plan" -c "$prep" -c "EXPLAIN (COSTS off) EXECUTE q(1)" | grep -q 'Hash Join' && echo t)" \
	"with the advised plan_cache_mode, the common value gets its hash join"
# N+1: a loop of lookups in one transaction, and a loop of single-statement transactions
(echo "BEGIN;"; for i in $(seq 1 30); do echo "SELECT b FROM users WHERE id = $i;"; done; echo "COMMIT;") | psql_at "$port" >/dev/null
for i in $(seq 1 40); do echo "SELECT a FROM users WHERE email = 'u$i@x.org';"; done | psql_at "$port" >/dev/null
(echo "BEGIN;"; for i in $(seq 1 30); do echo "SELECT a, b FROM users WHERE id = 7;"; done; echo "COMMIT;") | psql_at "$port" >/dev/null
ok "$(finding n_plus_one 'SELECT b FROM users WHERE id%' | grep -qE '^1 transaction\(s\) ran it 10 times or more, one of them 30 times with (29|30) different parameter values \(last by role postgres, pid [0-9]+\)$' && echo t)" \
	"n_plus_one: 30 lookups with different ids in one transaction"
ok "$(finding n_plus_one 'SELECT a FROM users WHERE email%' | grep -qE '^1 run\(s\) of 20 or more back-to-back executions \(each its own transaction, less than 100 ms apart\), the longest 40 with (39|40) different values' && echo t)" \
	"n_plus_one: 40 back-to-back single-statement transactions"
ok "$(q "$port" "SELECT suggestion LIKE '%= ANY(\$1)%' FROM xray.plan_findings WHERE finding = 'n_plus_one' AND query LIKE 'SELECT b FROM users%'")" "... fetch them with = ANY(\$1)"
is "$(q "$port" "SELECT count(*) FROM xray.plan_findings WHERE finding = 'n_plus_one' AND query LIKE 'SELECT a, b FROM users%'")" "0" \
	"the same value 30 times is not N+1 (one parameter value)"
# xray.reset_query forgets a statement's repeats and plan-node evidence with its statistics
qn=$(q "$port" "SELECT queryid FROM xray.statements WHERE query LIKE 'SELECT b FROM users WHERE id%'")
qo=$(q "$port" "SELECT queryid FROM xray.statements WHERE query LIKE 'SELECT id, email FROM users ORDER BY id%'")
psql_at "$port" -c "SELECT xray.reset_query($qn)" -c "SELECT xray.reset_query($qo)" >/dev/null
is "$(q "$port" "SELECT (SELECT count(*) FROM xray.repeats() WHERE queryid = $qn) || '/' || (SELECT count(*) FROM xray.plan_nodes() WHERE queryid = $qo)")" "0/0" \
	"reset_query: the statement's repeats and plan-node evidence go with its statistics"
is "$(q "$port" "SELECT count(*) FROM xray.plan_findings WHERE finding = 'n_plus_one' AND query LIKE 'SELECT a FROM users WHERE email%'")" "1" \
	"... and only its own"
# planning dominates: a 30-way join of tiny tables planned every time, executed in no time
psql_at "$port" -c "DO \$\$ BEGIN FOR i IN 1..12 LOOP EXECUTE format('CREATE TABLE j%s (id int)', i); END LOOP; END \$\$" >/dev/null
jq="SELECT count(*) FROM j1 $(for i in $(seq 2 12); do printf 'JOIN j%s ON j%s.id = j1.id ' $i $i; done)"
psql_at "$port" -c "VACUUM ANALYZE $(for i in $(seq 1 12); do printf 'j%s%s' $i "$([ $i -lt 12 ] && echo ,)"; done)" >/dev/null
for i in $(seq 1 110); do echo "$jq;"; done | psql_at "$port" >/dev/null
ok "$(q "$port" "SELECT evidence ~ '^mean planning time [0-9.]+ ms against [0-9.]+ ms of execution over 1[0-9]{2} plans' FROM xray.plan_findings WHERE finding = 'planning_dominates'")" \
	"planning_dominates: a 12-way join of empty tables, planned 110 times"
# an index build that spills sorts with maintenance_work_mem: the advice names that setting
psql_at "$port" -c "SET maintenance_work_mem = '1MB'" -c "SET max_parallel_maintenance_workers = 0" -c "CREATE INDEX users_email_a ON users (email, a)" >/dev/null
ok "$(q "$port" "SELECT suggestion ~ '^about [0-9]+MB of maintenance_work_mem would keep it in memory: SET maintenance_work_mem = ''[0-9]+MB'''
                 FROM xray.plan_findings WHERE finding = 'spill_to_disk' AND query LIKE 'CREATE INDEX users_email_a%'")" \
	"spill_to_disk of an index build: maintenance_work_mem, not work_mem"
spills=$(q "$port" "SELECT count(*) FILTER (WHERE query NOT LIKE 'CREATE INDEX%') || '/' || count(*) FILTER (WHERE query LIKE 'CREATE INDEX users_email_a%')
                   FROM xray.statements WHERE temp_blks_written > 0 AND userid = 'postgres'::regrole")
ok "$(q "$port" "SELECT evidence ~ ('^' || split_part('$spills', '/', 1) || ' statement\(s\) of role postgres spilled')
                 AND split_part('$spills', '/', 2)::int = 1
                 FROM xray.settings_advice WHERE name = 'work_mem'")" \
	"settings_advice counts the spilling queries, not the index build that spilled too ($spills)"
pg_stop "$dir"

# a healthy OLTP workload: pgbench's TPC-B, every execution sampled
port=$(free_port 56145)
dir="$XRAY_TMP/tap/diagnostics_pgbench"
pg_start "$dir" "$port" "xray.advice_sample_rate = 1" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
as_pg pgbench -h /tmp -p "$port" -i -s 2 -q postgres >/dev/null 2>&1
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
as_pg pgbench -h /tmp -p "$port" -c 2 -T 4 postgres >/dev/null 2>&1
is "$(q "$port" "SELECT coalesce(string_agg(finding || ': ' || left(query, 40), '; '), 'none') FROM xray.plan_findings")" "none" \
	"pgbench TPC-B (2 clients, 4 s): no plan finding"
ok "$(q "$port" "SELECT sum(calls) > 1000 FROM xray.statements WHERE query LIKE 'UPDATE pgbench_accounts%'")" "... over more than 1000 transactions"
pg_stop "$dir"
done_testing
