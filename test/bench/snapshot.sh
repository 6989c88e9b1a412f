#!/usr/bin/env bash
# test/bench/snapshot.sh - xray.snapshot() duration with 5,000 recorded statements
# and 2,000 tables, and the history it writes (bytes per snapshot, per day at a
# 5-minute interval).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap pg_stop_all EXIT
port=$(free_port 56900)
pg_start "$XRAY_TMP/bench_snapshot/data" "$port" "max_locks_per_transaction = 256" "autovacuum = off" >/dev/null
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
psql_at "$port" -c "DO \$\$ BEGIN FOR i IN 1..2000 LOOP
  EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v int, w int)', i);
  EXECUTE format('INSERT INTO t%s SELECT g, g, g FROM generate_series(1, 20) g', i); END LOOP; END \$\$" >/dev/null
psql_at "$port" -c "ANALYZE" >/dev/null
{
	for i in $(seq 1 2000); do
		echo "SELECT v FROM t$i WHERE id = 1;"
		echo "SELECT id FROM t$i WHERE v = 2;"
	done
	for i in $(seq 1 1000); do echo "SELECT count(*) FROM t$i WHERE w > 3;"; done
} >"$XRAY_TMP/bench_snapshot/workload.sql"
chown postgres: "$XRAY_TMP/bench_snapshot/workload.sql"
psql_at "$port" -f "$XRAY_TMP/bench_snapshot/workload.sql" >/dev/null
echo "recorded statements: $(psql_at "$port" -Atc "SELECT statements FROM xray.info")"
for args in "" "5000, 2000"; do
	for run in 1 2 3; do
		psql_at "$port" -f "$XRAY_TMP/bench_snapshot/workload.sql" >/dev/null
		psql_at "$port" -Atc "SELECT xray.snapshot($args)" >/dev/null
		psql_at "$port" -Atc "SELECT format('snapshot(%s): %s ms, %s statements, %s tables', '$args',
			round(extract(epoch FROM duration)::numeric * 1000, 1), statements, tables)
			FROM xray.snapshots ORDER BY snap_id DESC LIMIT 1"
	done
done
# history size with default snapshots only
psql_at "$port" -q -c "SET client_min_messages = warning" -c "TRUNCATE xray.snapshots CASCADE" -c "TRUNCATE xray.snapshot_texts" >/dev/null
for run in $(seq 1 10); do psql_at "$port" -Atc "SELECT xray.snapshot()" >/dev/null; done
psql_at "$port" -c "VACUUM ANALYZE xray.snapshots, xray.snapshot_statements, xray.snapshot_texts, xray.snapshot_databases,
	xray.snapshot_tables, xray.snapshot_indexes, xray.snapshot_waits, xray.snapshot_locks" >/dev/null
psql_at "$port" -Atc "SELECT format('10 default snapshots: %s in the history tables (with indexes); about %s per day at a 5-minute interval (288 snapshots)',
	pg_size_pretty(sum(pg_total_relation_size(c.oid))), pg_size_pretty(sum(pg_total_relation_size(c.oid)) * 288 / 10))
	FROM pg_class c WHERE c.relnamespace = 'xray'::regnamespace AND c.relname LIKE 'snapshot%' AND c.relkind = 'r'"
