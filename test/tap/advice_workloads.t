# Index advice on workloads a DBA meets on the first day (#13):
# - one-off bulk loads recorded before a read workload veto nothing: the advice
#   is the same as without them, and says what the index adds to the load;
# - a small statement next to a dominant one still gets the index that makes it
#   much faster (a DBA judges each statement, not only the total);
# - the budget argument, its errors, and the run's what-if count at DEBUG1.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56700)
dir="$XRAY_TMP/tap/advice_workloads"
pg_start "$dir" "$port" "autovacuum = off" "max_parallel_workers_per_gather = 0" "xray.advice_sample_rate = 0" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE TABLE ord (id int, cust int, status int, amount int, created timestamptz, note text)" \
	-c "CREATE TABLE evt (id int, kind int, at timestamptz, payload text)" \
	-c "CREATE TABLE usr (id int, email text, region int, pad text)" \
	-c "SELECT xray.reset()" >/dev/null
# the loads: one call each, 200k-400k rows
psql_at "$port" \
	-c "INSERT INTO ord SELECT g, g % 60000, g % 7, g % 1000, now() - g * interval '1 s', repeat('x', 40) FROM generate_series(1, 300000) g" \
	-c "INSERT INTO evt SELECT g, g % 500, now() - g * interval '1 s', repeat('y', 60) FROM generate_series(1, 400000) g" \
	-c "INSERT INTO usr SELECT g, 'user' || g || '@example.com', g % 20, repeat('z', 30) FROM generate_series(1, 200000) g" \
	-c "ANALYZE ord" -c "ANALYZE evt" -c "ANALYZE usr" >/dev/null

reads() {
	for i in $(seq 1 40); do
		echo "SELECT id, amount FROM ord WHERE cust = $((i * 977 % 60000));"
		echo "SELECT id, payload FROM evt WHERE kind = $((i % 500)) ORDER BY at DESC LIMIT 20;"
		echo "SELECT id, region FROM usr WHERE email = 'user$((i * 31))@example.com';"
	done | psql_at "$port" >/dev/null
}
advised() { # table: columns, one line per index, sorted
	q "$port" "SELECT string_agg(table_name || ' (' || columns || ')', ' ' ORDER BY table_name, columns) FROM xray.index_advice"
}
reads
is "$(q "$port" "SELECT count(*) FROM xray.statements WHERE query LIKE 'INSERT INTO%' AND rows >= 200000")" "3" \
	"the three loads are recorded (one call each, 200k-400k rows)"
with_load=$(advised)
ok "$(q "$port" "SELECT count(DISTINCT table_name) = 3 FROM xray.index_advice")" \
	"with the loads recorded, every table read by a seq scan gets its index ($with_load)"
ok "$(q "$port" "SELECT bool_and(reason LIKE '%one-off write of % rows (a load or backfill) about %slower%') FROM xray.index_advice")" \
	"reason: what each index adds to its table's one-off load ($(q "$port" "SELECT reason FROM xray.index_advice LIMIT 1"))"
ok "$(q "$port" "SELECT bool_and(reason ~ 'statement -?[0-9]+: mean [0-9.]+ m?s, p95 [0-9.]+ m?s now, about [0-9.]+ m?s') FROM xray.index_advice")" \
	"reason: the statement it helps most, its mean and p95 now and with the index"

# closing the loop: what was advised is logged; built and used -> helped; built, unused -> unused
is "$(q "$port" "SELECT count(*) || ' ' || bool_and(verdict = 'not created') FROM xray.advice_outcomes")" "3 true" \
	"advice_outcomes: the three advised indexes, none built yet"
usr_create=$(q "$port" "SELECT create_statement FROM xray.index_advice WHERE table_name = 'public.usr'")
psql_at "$port" -c "$usr_create" >/dev/null
reads
psql_at "$port" -c "SELECT xray.snapshot()" >/dev/null
is "$(q "$port" "SELECT verdict || ' ' || statements_using || ' ' || (mean_after_ms < mean_before_ms / 10) || ' '
                        || (index_scans >= 40) || ' ' || (index_size_bytes > 0) || ' ' || (created_seen_at IS NOT NULL)
                 FROM xray.advice_outcomes WHERE table_name = 'public.usr'")" "helped 1 true true true true" \
	"advice_outcomes: the usr index built, its statement's plan uses it, 10x faster: helped"
ord_create=$(q "$port" "SELECT create_statement FROM xray.advice_log WHERE table_name = 'public.ord'")
psql_at "$port" -c "$ord_create" -c "SELECT xray.snapshot()" \
	-c "UPDATE xray.advice_log SET index_seen_at = now() - interval '2 days' WHERE table_name = 'public.ord'" >/dev/null
is "$(q "$port" "SELECT verdict || ' ' || statements_using || ' ' || (drop_statement LIKE 'DROP INDEX CONCURRENTLY %')
                 FROM xray.advice_outcomes WHERE table_name = 'public.ord'")" "unused 0 true" \
	"advice_outcomes: the ord index built two days ago, no plan uses it: unused, with its DROP"
is "$(q "$port" "SELECT verdict FROM xray.advice_outcomes WHERE table_name = 'public.evt'")" "not created" \
	"advice_outcomes: the evt index still not built"
is "$(psql_at "$port" -c "CREATE ROLE outcomes_plain LOGIN" -c "SET ROLE outcomes_plain" -c "SELECT count(*) FROM xray.advice_outcomes" 2>&1 |
	grep -o 'permission denied')" "permission denied" "advice_outcomes: not for a plain role"
psql_at "$port" -c "DROP INDEX $(q "$port" "SELECT index_name FROM xray.advice_outcomes WHERE table_name = 'public.usr'")" \
	-c "DROP INDEX $(q "$port" "SELECT index_name FROM xray.advice_outcomes WHERE table_name = 'public.ord'")" >/dev/null

psql_at "$port" -c "SELECT xray.reset()" >/dev/null
reads
is "$(advised)" "$with_load" "without the loads recorded: the same advice"

# a dominant statement no index helps, a small one an index makes 40x cheaper
psql_at "$port" -c "SELECT xray.reset()" \
	-c "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, 300000) g" \
	-c "CREATE TABLE small AS SELECT g AS id, g % 100 AS v FROM generate_series(1, 20000) g" \
	-c "ANALYZE big" -c "ANALYZE small" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 30); do echo "SELECT count(*) FROM big WHERE pad LIKE '%$((i % 10))z%';"; done | psql_at "$port" >/dev/null
for i in 1 2; do echo "SELECT v FROM small WHERE id = $((i * 7));"; done | psql_at "$port" >/dev/null
share=$(q "$port" "SELECT round((100 * sum(total_exec_time) FILTER (WHERE query LIKE '%FROM small%') / sum(total_exec_time))::numeric, 2)
                   FROM xray.statements WHERE query LIKE 'SELECT%FROM big%' OR query LIKE 'SELECT%FROM small%'")
ok "$(q "$port" "SELECT $share < 1")" "the small statement is $share % of the time"
is "$(q "$port" "SELECT string_agg(columns, ',') FROM xray.index_advice WHERE table_name = 'public.small'")" "id" \
	"the small statement still gets its index ($(q "$port" "SELECT reason FROM xray.index_advice WHERE table_name = 'public.small'"))"
ok "$(q "$port" "SELECT improvement_pct < 0.5 FROM xray.index_advice WHERE table_name = 'public.small'")" \
	"... although it saves under 0.5 % of the workload's cost"

# the budget argument
ok "$(q "$port" "SELECT count(*) = 0 FROM xray.index_advice(10, '1 kB')")" "a 1 kB budget: nothing fits"
ok "$(q "$port" "SELECT count(*) = 1 FROM xray.index_advice(10, '100 MB')")" "a 100 MB budget: the index"
is "$(psql_at "$port" -c "SELECT * FROM xray.index_advice(10, '-1')" 2>&1 | grep -o 'budget must not be negative')" \
	"budget must not be negative" "a negative budget: an ERROR"
ok "$(psql_at "$port" -v VERBOSITY=verbose -c "SELECT * FROM xray.index_advice(10, 'lots')" 2>&1 | grep -q '22023' && echo t)" \
	"a budget that is no size: ERROR 22023"
ok "$(psql_at "$port" -c "SET client_min_messages = debug1" -c "SELECT count(*) FROM xray.index_advice" 2>&1 |
	grep -qE 'index advice planned [0-9]+ what-if configurations for [0-9]+ statements' && echo t)" \
	"the run says at DEBUG1 how many what-if plannings it made"

# candidate kinds where each is the right answer: a four-column composite with
# ORDER BY ... DESC (a "my orders" page per user, tenant and status), a merge of
# two statements' keys into one index (K = 1: the index that serves both), and a
# partial index from the same literal in most of many runs of one session
psql_at "$port" -c "SELECT xray.reset()" \
	-c "CREATE TABLE page (id int, user_id int, tenant int, status int, created timestamptz, pad text)" \
	-c "INSERT INTO page SELECT g, g % 500, g % 10, (g / 7) % 5, now() - g * interval '1 s', repeat('p', 40) FROM generate_series(1, 300000) g" \
	-c "CREATE TABLE acct (id int, region int, domain int, queue int, state text, pad text)" \
	-c "INSERT INTO acct SELECT g, (g * 13) % 500, (g * 7) % 20000, g % 20, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'done' END, repeat('a', 40) FROM generate_series(1, 200000) g" \
	-c "ANALYZE page" -c "ANALYZE acct" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 40); do
	echo "SELECT id FROM page WHERE user_id = $((i * 37 % 500)) AND tenant = $((i % 10)) AND status = $((i % 5)) ORDER BY created DESC LIMIT 10;"
done | psql_at "$port" >/dev/null
is "$(q "$port" "SELECT columns FROM xray.index_advice WHERE table_name = 'public.page'")" "user_id, tenant, status, created DESC" \
	"four keys: the equality columns by selectivity, then ORDER BY created DESC"
psql_at "$port" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 40); do
	echo "SELECT count(*) FROM acct WHERE region = $((i * 7 % 500));"
	echo "SELECT id FROM acct WHERE region = $((i * 7 % 500)) AND domain = $((i * 11 % 20000));"
	# 'pending' in 38 of 40 runs
	echo "SELECT id FROM acct WHERE queue = $((i % 20)) AND state = '$([ $((i % 20)) = 5 ] && echo failed || echo pending)' ORDER BY id LIMIT 5;"
done | psql_at "$port" >/dev/null
is "$(q "$port" "SELECT columns FROM xray.index_advice(1) WHERE table_name = 'public.acct'")" "region, domain" \
	"the merge of (region) and (domain, region): the one index that serves both statements"
ok "$(q "$port" "SELECT count(*) = 1 FROM xray.index_advice WHERE table_name = 'public.acct' AND columns LIKE '%WHERE state = ''pending''' AND rank <= 5")" \
	"a partial index for the literal of 38 of 40 runs ($(q "$port" "SELECT string_agg(columns, '; ') FROM xray.index_advice WHERE table_name = 'public.acct'"))"

# weights are rates in the recent window (the history snapshots): a statement
# busy before the last snapshot and idle since weighs nothing now
psql_at "$port" -c "SELECT xray.reset()" \
	-c "CREATE TABLE hist_a AS SELECT g AS id, g % 5000 AS k, md5(g::text) AS pad FROM generate_series(1, 200000) g" \
	-c "CREATE TABLE hist_b AS SELECT g AS id, g % 5000 AS k, md5(g::text) AS pad FROM generate_series(1, 200000) g" \
	-c "ANALYZE hist_a" -c "ANALYZE hist_b" -c "DELETE FROM xray.snapshots" -c "SELECT xray.reset()" >/dev/null
for i in $(seq 1 60); do echo "SELECT pad FROM hist_a WHERE k = $i;"; done | psql_at "$port" >/dev/null
psql_at "$port" -c "SELECT xray.snapshot()" >/dev/null
for i in $(seq 1 20); do echo "SELECT pad FROM hist_b WHERE k = $i;"; done | psql_at "$port" >/dev/null
is "$(q "$port" "SELECT string_agg(table_name, ' ') FROM xray.index_advice WHERE table_name LIKE 'public.hist%'")" "public.hist_b" \
	"60 calls before the snapshot and none since: no index; 20 calls since: its index"
psql_at "$port" -c "DELETE FROM xray.snapshots" >/dev/null
is "$(q "$port" "SELECT table_name FROM xray.index_advice(1)")" "public.hist_a" \
	"without the snapshot, calls since first recorded: the 60-call statement first"
done_testing
