# Settings advice with its evidence: work_mem for the one role whose statements
# spill (and gone once set), shared_buffers from memory and a low hit ratio,
# max_wal_size from requested checkpoints, track_io_timing when I/O happens
# unmeasured; and a tuned, quiet server gets nothing.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56120)
dir="$XRAY_TMP/tap/settings"
pg_start "$dir" "$port" "shared_buffers = 16MB" "max_wal_size = 32MB" "min_wal_size = 32MB" \
	"autovacuum = off" "effective_cache_size = 16GB" "random_page_cost = 1.1" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE ROLE reporter LOGIN" -c "GRANT pg_read_all_data TO reporter" \
	-c "ALTER ROLE reporter SET work_mem = '64kB'" \
	-c "CREATE TABLE big (id int, pad text)" >/dev/null
# about 190 MB of WAL with max_wal_size 32MB: requested checkpoints (chunks small enough not to spill)
for i in $(seq 1 16); do psql_at "$port" -c "INSERT INTO big SELECT g, repeat('w', 200) FROM generate_series(1, 50000) g" >/dev/null; done
# reads beyond 16 MB of shared buffers (a ring buffer for the scans: few hits)
for i in 1 2; do psql_at "$port" -c "SELECT count(*) FROM big" >/dev/null; done
# the reporter's sort spills with its work_mem = 64kB
as_pg psql -X -h /tmp -p "$port" -d postgres -U reporter -c "SELECT count(*) FROM (SELECT id FROM big ORDER BY id DESC LIMIT 100000 OFFSET 1) s" >/dev/null
sleep 1.2
advice() { q "$port" "SELECT string_agg(name, ',' ORDER BY name) FROM xray.settings_advice"; }
is "$(advice)" "max_wal_size,shared_buffers,track_io_timing,work_mem" "advice: max_wal_size, shared_buffers, track_io_timing, work_mem"
# one read of the advice (later reads of the views are statements too, and may spill)
advised=$(q "$port" "SELECT recommended_value || '|' || command || '|' || (evidence ~ 'of role reporter spilled up to [0-9.]+ MB per call')
                     FROM xray.settings_advice WHERE name = 'work_mem' AND command LIKE '%reporter%'")
echo "# work_mem advice: $advised"
ok "$(echo "$advised" | grep -Eq "^[0-9]+MB\|ALTER ROLE reporter SET work_mem = '[0-9]+MB';\|true\$" && echo t)" "work_mem: per role (few statements spill), with the bytes spilled"
value=${advised%%|*}; cmd=${advised#*|}; cmd=${cmd%|*}
# twice what the sort wrote, rounded up to a power of two (the sort writes about 30 MB: 64MB, or 128MB when
# a parallel plan's workers together write a little more than 32 MB)
ok "$(q "$port" "SELECT '$value' IN ('64MB', '128MB')")" "work_mem: the advised value covers twice the spill ($value)"
ok "$(q "$port" "SELECT evidence ~ '^[0-9]+ checkpoints were requested' AND recommended_value = '128MB' FROM xray.settings_advice WHERE name = 'max_wal_size'")" \
	"max_wal_size: requested checkpoints counted, 4 x 32MB recommended"
# 17 moved the checkpoint counters to pg_stat_checkpointer: the evidence names where it read them
ok "$(q "$port" "SELECT evidence LIKE '%(' || CASE WHEN current_setting('server_version_num')::int >= 170000
                 THEN 'pg_stat_checkpointer' ELSE 'pg_stat_bgwriter' END || '):%' FROM xray.settings_advice WHERE name = 'max_wal_size'")" \
	"max_wal_size: the checkpoint counters come from this server's view of them"
ok "$(q "$port" "SELECT evidence ~ 'cache hit ratio of this database is [0-9.]+% over [0-9]+ block reads' AND command LIKE 'ALTER SYSTEM SET shared_buffers%restart'
                 FROM xray.settings_advice WHERE name = 'shared_buffers'")" "shared_buffers: memory share and hit ratio as evidence"
ok "$(q "$port" "SELECT evidence ~ 'read [0-9]+ blocks' FROM xray.settings_advice WHERE name = 'track_io_timing'")" "track_io_timing: the reads it cannot time"
# apply the work_mem advice for the role: the statement no longer spills, the advice goes
psql_at "$port" -c "$cmd" -c "SELECT xray.reset_query(queryid) FROM xray.statements WHERE temp_blks_written > 0" >/dev/null
is "$(q "$port" "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setrole = 'reporter'::regrole")" "work_mem=$value" \
	"the advised statement sets work_mem for the reporter role to the advised value"
as_pg psql -X -h /tmp -p "$port" -d postgres -U reporter -c "SELECT count(*) FROM (SELECT id FROM big ORDER BY id DESC LIMIT 100000 OFFSET 1) s" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.settings_advice WHERE name = 'work_mem' AND command LIKE '%reporter%'")" "0" \
	"with the advised work_mem the reporter's sort fits in memory"
psql_at "$port" -c "ALTER SYSTEM SET track_io_timing = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
is "$(q "$port" "SELECT count(*) FROM xray.settings_advice WHERE name = 'track_io_timing'")" "0" "track_io_timing on: no advice"
pg_stop "$dir"

# a tuned, quiet server: nothing
port=$(free_port 56125)
dir="$XRAY_TMP/tap/settings_ok"
pg_start "$dir" "$port" "effective_cache_size = 16GB" "random_page_cost = 1.1" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE t (id int)" -c "INSERT INTO t SELECT generate_series(1, 1000)" \
	-c "SELECT count(*) FROM t" >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.settings_advice")" "0" "a tuned, quiet server gets no settings advice"
pg_stop "$dir"

# autovacuum falling behind (more tables past their trigger than workers), and the default
# effective_cache_size on a machine with more than 16 GB of memory
port=$(free_port 56128)
dir="$XRAY_TMP/tap/settings_autovacuum"
pg_start "$dir" "$port" "autovacuum_naptime = '1d'" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
for t in 1 2 3 4; do
	psql_at "$port" -c "CREATE TABLE d$t (id int, pad text) WITH (autovacuum_enabled = false)" \
		-c "INSERT INTO d$t SELECT g, 'x' FROM generate_series(1, 10000) g" >/dev/null
	psql_at "$port" -c "DELETE FROM d$t WHERE id % 2 = 0" >/dev/null
done
sleep 1.2
is "$(q "$port" "SELECT evidence || ' | ' || command FROM xray.settings_advice WHERE name = 'autovacuum_vacuum_cost_limit'")" \
	"4 tables are past their autovacuum trigger with 3 autovacuum workers at a cost limit of 200: autovacuum falls behind | ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 2000; SELECT pg_reload_conf();" \
	"autovacuum_vacuum_cost_limit: 4 tables past their trigger, 3 workers at the default cost limit"
mem=$(q "$port" "SELECT xray.memory_bytes()")
if [ "$mem" -gt $((16 * 1024 * 1024 * 1024)) ]; then
	ok "$(q "$port" "SELECT current_value = '4GB' AND recommended_value = xray.size_setting(round(xray.memory_bytes() * 0.5 / 1024 ^ 2) * 1024 ^ 2)
	                 AND evidence ~ '^effective_cache_size is 4096 MB while the server has [0-9]+ GB of memory'
	                 FROM xray.settings_advice WHERE name = 'effective_cache_size'")" "effective_cache_size: half of the server's memory"
else
	ok "$(q "$port" "SELECT count(*) = 0 FROM xray.settings_advice WHERE name = 'effective_cache_size'")" "effective_cache_size: 4GB is a quarter or more of this machine's memory: no advice"
fi
# the machine facts the advice rests on, against what the OS says
is "$mem" "$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))" "memory_bytes is the machine's MemTotal"
devno=$(stat -c '%Hd:%Ld' "$dir")
rot=$(cat "/sys/dev/block/$devno/queue/rotational" 2>/dev/null || cat "/sys/dev/block/$devno/../queue/rotational" 2>/dev/null || echo unknown)
is "$(q "$port" "SELECT coalesce(xray.data_on_ssd()::text, 'unknown')")" "$(case $rot in 0) echo true ;; 1) echo false ;; *) echo unknown ;; esac)" \
	"data_on_ssd reads the data directory's device ($devno, rotational = $rot)"
is "$(q "$port" "SELECT count(*) FROM xray.settings_advice WHERE name = 'random_page_cost'")" "$([ "$rot" = 0 ] && echo 1 || echo 0)" \
	"random_page_cost advice exactly when the data directory is on a non-rotational device"
psql_at "$port" -c "ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 2000" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
is "$(q "$port" "SELECT count(*) FROM xray.settings_advice WHERE name = 'autovacuum_vacuum_cost_limit'")" "0" "with the advised cost limit the advice goes"
pg_stop "$dir"

# max_connections far above what was used, once the samples cover xray.connection_observation
# (2 minutes here: wait until the sampler has counted sessions in two wall-clock minutes)
port=$(free_port 56131)
dir="$XRAY_TMP/tap/settings_connections"
pg_start "$dir" "$port" "max_connections = 300" "xray.connection_observation = 2" "effective_cache_size = 16GB" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
sec=$((10#$(date +%S)))
# (near the end of a minute the sampler may not have ticked in it yet: wait one minute more)
sleep $((62 - sec + (sec >= 55 ? 60 : 0)))
is "$(q "$port" "SELECT recommended_value || ' | ' || command FROM xray.settings_advice WHERE name = 'max_connections'")" \
	"100 | ALTER SYSTEM SET max_connections = 100; -- takes effect after a restart" \
	"max_connections 300 with a handful of sessions seen over 2 minutes: 100"
ok "$(q "$port" "SELECT evidence ~ '^at most [0-9] sessions in [0-9]+ minutes observed, against max_connections 300' FROM xray.settings_advice WHERE name = 'max_connections'")" \
	"... with the peak and the minutes observed as evidence"
is "$(q "$port" "SET xray.connection_observation = '1h'; SELECT count(*) FROM xray.settings_advice WHERE name = 'max_connections'")" "0" \
	"with the default hour of observation, two minutes are not enough"
pg_stop "$dir"
done_testing
