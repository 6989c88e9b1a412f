# One pg_cron job runs the maintenance: real pg_cron 1.4.2 (it fires on the
# minute, so this test waits up to ~70 s). The job's command is a single
# SELECT xray.run_maintenance(); the VACUUM it leads to runs in pg_xray's
# workers, outside the job's transaction.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56070)
dir="$XRAY_TMP/tap/cron"
pg_start "$dir" "$port" "shared_preload_libraries = 'pg_xray,pg_cron'" "cron.database_name = 'postgres'" \
	"cron.use_background_workers = on" "max_worker_processes = 20" "autovacuum = off" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION pg_cron" \
	-c "CREATE TABLE churn (id int PRIMARY KEY, pad text)" \
	-c "INSERT INTO churn SELECT g, repeat('c', 50) FROM generate_series(1, 50000) g" -c "ANALYZE churn" >/dev/null
psql_at "$port" -c "DELETE FROM churn WHERE id % 2 = 0" >/dev/null
sleep 1.2
is "$(q "$port" "SELECT command FROM xray.maintenance_advice WHERE kind = 'vacuum'")" "VACUUM (ANALYZE) public.churn" "the advice before the job"
is "$(q "$port" "SELECT cron.schedule('xray-maintenance', '* * * * *', \$\$SELECT xray.run_maintenance(kinds => ARRAY['vacuum'])\$\$) > 0")" "t" \
	"one pg_cron job scheduled"
for i in $(seq 1 150); do
	# the run finishes in its own workers, possibly before pg_cron records its job's end
	[ "$(q "$port" "SELECT count(*) FROM xray.maintenance_runs WHERE status = 'finished'")" -ge 1 ] &&
		[ "$(q "$port" "SELECT count(*) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")" -ge 1 ] && break
	sleep 0.5
done
is "$(q "$port" "SELECT status FROM cron.job_run_details ORDER BY runid LIMIT 1")" "succeeded" "the pg_cron job succeeded"
is "$(q "$port" "SELECT kind || ':' || status FROM xray.maintenance_log WHERE run_id = (SELECT min(run_id) FROM xray.maintenance_runs)")" \
	"vacuum:done" "its run vacuumed the table"
ok "$(q "$port" "SELECT (before->>'n_dead_tup')::int = 25000 AND (after->>'n_dead_tup')::int = 0 FROM xray.maintenance_log
                 WHERE run_id = (SELECT min(run_id) FROM xray.maintenance_runs)")" "dead rows 25000 before, 0 after"
q "$port" "SELECT cron.unschedule('xray-maintenance')" >/dev/null
pg_stop "$dir"
done_testing
