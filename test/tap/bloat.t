# Table bloat against the truth: a zoo of table shapes (test/tap/data/bloat_zoo.sql:
# alignment padding, 40 mostly-NULL columns, a dropped wide column, TOASTed
# documents, fillfactor 50, numeric, char(n), arrays, wide jsonb, HOT chains,
# non-HOT updates, partitions, unlogged, varying text, big rows, a
# materialized view, a 90 %-deleted table). The truth is pgstattuple's free
# space and dead tuples less what a packed copy still has free
# (test/tap/data/bloat_truth.sql). Every estimate, from statistics and exact,
# must be within 10 points of it; the mean and max error are printed. Then the
# kinds: TOAST rows with their owner, dropped columns apart, a partitioned
# table's sum, a never-analyzed table, other sessions' temporary tables in the
# exact mode, and the VACUUM (FULL) advice built on it.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56250)
dir="$XRAY_TMP/tap/bloat"
pg_start "$dir" "$port" "autovacuum = off" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
cp "$ROOT"/test/tap/data/bloat_*.sql "$XRAY_TMP/tap/"
chown postgres: "$XRAY_TMP"/tap/bloat_*.sql
as_pg psql -X -q -h /tmp -p "$port" -d postgres -v ON_ERROR_STOP=1 -f "$XRAY_TMP/tap/bloat_zoo.sql" -f "$XRAY_TMP/tap/bloat_truth.sql" >/dev/null \
	|| { echo "Bail out! the zoo could not be built"; exit 1; }
psql_at "$port" -c "CREATE TABLE zoo.cmp AS
    SELECT b.table_name::text AS rel, b.kind, b.bloat_pct AS est, x.bloat_pct AS exact, zoo.truth(b.table_name) AS truth
    FROM xray.table_bloat b JOIN xray.table_bloat(true) x USING (table_name)
    WHERE coalesce(b.owner_table, b.table_name)::text LIKE 'zoo.%' AND b.kind <> 'partitioned table'" >/dev/null
echo "# relation, kind: estimate / exact / truth (%)"
q "$port" "SELECT format('#   %s, %s: %s / %s / %s', rel, kind, est, exact, truth) FROM zoo.cmp ORDER BY rel"
summary=$(q "$port" "SELECT format('%s relations; from statistics: mean error %s, max %s; exact: mean %s, max %s (points)', count(*),
                            round(avg(abs(est - truth)), 2), max(abs(est - truth)), round(avg(abs(exact - truth)), 2), max(abs(exact - truth)))
                     FROM zoo.cmp")
echo "# $summary"
is "$(q "$port" "SELECT count(*) FROM zoo.cmp")" "21" "every zoo relation has an estimate (20 tables and one TOAST relation)"
is "$(q "$port" "SELECT string_agg(format('%s %s/%s', rel, est, truth), ', ') FROM zoo.cmp WHERE abs(est - truth) > 10 OR est IS NULL")" "" \
	"every estimate from statistics within 10 points of the truth"
is "$(q "$port" "SELECT string_agg(format('%s %s/%s', rel, exact, truth), ', ') FROM zoo.cmp WHERE abs(exact - truth) > 10 OR exact IS NULL")" "" \
	"every exact figure within 10 points of the truth"
# the shapes an outside evaluation found wrong, one by one
ok "$(q "$port" "SELECT est < 3 FROM zoo.cmp WHERE rel = 'zoo.z_align'")" "alignment padding: a fresh (bool, int8, int2, int8, int4) table is not bloated"
ok "$(q "$port" "SELECT est > 40 FROM zoo.cmp WHERE rel = 'zoo.z_nulls40'")" "40 mostly-NULL columns after deletes: the free space is seen"
ok "$(q "$port" "SELECT est > 40 AND exact > 40 FROM zoo.cmp WHERE rel = 'zoo.z_ff50'")" "fillfactor 50, half deleted: the reserve is taken off the packed size"
is "$(q "$port" "SELECT kind || ' ' || owner_table FROM xray.table_bloat WHERE table_name = (SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'zoo.z_toast'::regclass)")" \
	"toast zoo.z_toast" "TOAST: its own row, with the owning table"
ok "$(q "$port" "SELECT bloat_pct < 3 AND dropped_column_bytes > 10000000 AND note LIKE 'reclaimable by a rewrite: dropped columns (% MB)'
                 FROM xray.table_bloat WHERE table_name = 'zoo.z_dropcol'::regclass")" \
	"dropped column: not bloat, its data reported apart as reclaimable by a rewrite"
ok "$(q "$port" "SELECT p.pages = s.pages AND p.expected_pages = s.expected AND p.note = 'sum of 3 partitions'
                 FROM xray.table_bloat p, (SELECT sum(pages) AS pages, sum(expected_pages) AS expected FROM xray.table_bloat
                                           WHERE table_name::text LIKE 'zoo.z\\_part\\__') s
                 WHERE p.table_name = 'zoo.z_part'::regclass AND p.kind = 'partitioned table'")" \
	"partitioned table: a row with the sum of its partitions"
psql_at "$port" -c "CREATE TABLE zoo.fresh (id int, t text)" -c "INSERT INTO zoo.fresh SELECT g, 'x' FROM generate_series(1, 5000) g" \
	-c "SELECT pg_stat_force_next_flush()" >/dev/null
is "$(q "$port" "SELECT coalesce(bloat_pct::text, 'null') || ' ' || note FROM xray.table_bloat WHERE table_name = 'zoo.fresh'::regclass")" \
	"null no statistics, ANALYZE first" "never analyzed: a row that says so"
# another session's analyzed temporary table: listed by the estimate, skipped by the exact mode
as_pg psql -X -h /tmp -p "$port" -d postgres -c "CREATE TEMP TABLE other_temp AS SELECT generate_series(1, 5000) g" -c "ANALYZE other_temp" \
	-c "SELECT pg_sleep(4)" >/dev/null 2>&1 &
for i in $(seq 1 50); do [ "$(q "$port" "SELECT count(*) FROM pg_class WHERE relname = 'other_temp'")" = 1 ] && break; sleep 0.1; done
is "$(q "$port" "SELECT count(*) FROM xray.table_bloat WHERE table_name::text LIKE 'pg_temp_%.other_temp'")" "1" \
	"another session's temporary table: estimated from its statistics"
ok "$(q "$port" "SELECT count(*) > 0 AND count(*) FILTER (WHERE table_name::text LIKE '%other_temp') = 0 FROM xray.table_bloat(true)")" \
	"exact mode: runs, and skips other sessions' temporary tables"
wait
# a plain role sees the tables it may read
psql_at "$port" -c "CREATE ROLE bloat_reader LOGIN" -c "GRANT USAGE ON SCHEMA zoo TO bloat_reader" -c "GRANT SELECT ON zoo.z_toast TO bloat_reader" >/dev/null
is "$(as_pg psql -X -At -h /tmp -p "$port" -d postgres -U bloat_reader -c "SELECT string_agg(kind || ':' || coalesce(owner_table, table_name), ',' ORDER BY kind)
        FROM xray.table_bloat WHERE coalesce(owner_table, table_name)::text LIKE 'zoo.%'")" "table:zoo.z_toast,toast:zoo.z_toast" \
	"a plain role: the table it may read and its TOAST, nothing else"
# the advice: one rewrite of the owner for a bloated TOAST table, dropped columns named
is "$(q "$port" "SELECT string_agg(command, ' | ' ORDER BY object) FROM xray.maintenance_advice WHERE kind = 'table_bloat' AND object LIKE 'zoo.z\\_toast' OR object = 'zoo.z_dropcol' AND kind = 'table_bloat'")" \
	"VACUUM (FULL, ANALYZE) zoo.z_dropcol | VACUUM (FULL, ANALYZE) zoo.z_toast" "advice: VACUUM (FULL) of the owner for TOAST bloat and for dropped columns"
ok "$(q "$port" "SELECT reason LIKE '%its TOAST table pg_toast.pg_toast_% is about %%% free or dead space%' FROM xray.maintenance_advice WHERE object = 'zoo.z_toast' AND kind = 'table_bloat'")" \
	"advice: the reason names the TOAST table"
ok "$(q "$port" "SELECT reason LIKE '%is data of dropped columns (reclaimable by a rewrite)%' AND reason NOT LIKE '%free or dead space (%' FROM xray.maintenance_advice WHERE object = 'zoo.z_dropcol' AND kind = 'table_bloat'")" \
	"advice: the dropped columns' reason is not called free or dead space"
psql_at "$port" -c "VACUUM (FULL, ANALYZE) zoo.z_toast" -c "VACUUM (FULL, ANALYZE) zoo.z_dropcol" -c "SELECT pg_stat_force_next_flush()" >/dev/null
ok "$(q "$port" "SELECT count(*) = 3 AND bool_and(bloat_pct < 3 AND dropped_column_bytes < 1000000) FROM xray.table_bloat
                 WHERE coalesce(owner_table, table_name) IN ('zoo.z_toast'::regclass, 'zoo.z_dropcol'::regclass)")" \
	"after the advised commands: nothing left to reclaim in either table or the TOAST"
pg_stop "$dir"
done_testing
