# 18's asynchronous I/O in the settings advice: statements that spend much of
# their time reading blocks on a server with io_method = sync are advised
# io_method = worker, with the evidence (read time share, blocks, pg_aios).
# Before 18 there is no such setting: no such advice.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56420)
dir="$XRAY_TMP/tap/aio"
conf=("autovacuum = off" "shared_buffers = 16MB" "track_io_timing = on" "max_parallel_workers_per_gather = 0")
[ "$XRAY_PG" -ge 18 ] && conf+=("io_method = sync")
pg_start "$dir" "$port" "${conf[@]}" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE TABLE big (id int, pad text)" \
	-c "INSERT INTO big SELECT g, repeat('y', 200) FROM generate_series(1, 400000) g" -c "VACUUM ANALYZE big" \
	-c "SELECT xray.reset()" >/dev/null
# a read-bound workload: ~110 MB scanned through 16 MB of shared buffers, again and again
for i in $(seq 1 6); do echo "SELECT count(*) FROM big WHERE id > 0;"; done | psql_at "$port" >/dev/null
share=$(q "$port" "SELECT round((100 * sum(shared_blk_read_time) / sum(total_exec_time))::numeric, 1) || '% of ' || round(sum(total_exec_time)) || ' ms, ' || sum(shared_blks_read) || ' blocks'
                   FROM xray._statements() WHERE query LIKE 'SELECT count(*) FROM big%'")
row=$(q "$port" "SELECT current_value || '|' || recommended_value || '|' || command FROM xray.settings_advice WHERE name IN ('io_method', 'io_workers')")
if [ "$XRAY_PG" -ge 18 ]; then
	is "$row" "sync|worker|ALTER SYSTEM SET io_method = 'worker'; -- takes effect after a restart" \
		"18, io_method = sync and read-bound statements: io_method = worker advised (reads: $share)"
	ok "$(q "$port" "SELECT evidence ~ '^recorded statements spent [0-9.]+% of their execution time reading [0-9]+ blocks .* I/Os in flight now, pg_aios'
	                 FROM xray.settings_advice WHERE name = 'io_method'")" "the evidence: read time share, blocks, pg_aios"
	# with the advised method, and reads that no longer queue, no advice
	psql_at "$port" -c "ALTER SYSTEM SET io_method = 'worker'" >/dev/null
	pg_stop "$dir"
	as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null
	is "$(q "$port" "SELECT count(*) FROM xray.settings_advice WHERE name = 'io_method'")" "0" "io_method = worker: no io_method advice"
else
	is "$row" "" "before 18 (no io_method): no asynchronous I/O advice (reads: $share)"
fi
done_testing
