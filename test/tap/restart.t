# Statistics survive a clean restart; a damaged statistics file is skipped with
# a WARNING and never stops the server; xray.save = off keeps nothing.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 55600)
dir="$XRAY_TMP/tap/restart"
pg_start "$dir" "$port" || exit 1
psql_at "$port" >/dev/null <<'SQL'
CREATE EXTENSION pg_xray;
CREATE TABLE r (id int PRIMARY KEY, v text);
INSERT INTO r SELECT g, 'v' || g FROM generate_series(1, 1000) g;
SELECT v FROM r WHERE id = 1;
SELECT v FROM r WHERE id = 2;
SELECT v FROM r WHERE id = 3;
UPDATE r SET v = 'w' WHERE id < 10;
SQL
snap="SELECT calls || '|' || rows || '|' || round(p95_exec_time::numeric, 6) || '|' || query FROM xray.statements WHERE query LIKE '%FROM r WHERE%' OR query LIKE 'UPDATE r%' ORDER BY query"
plans="SELECT calls || '|' || planid || '|' || plan FROM xray.plans p WHERE plan LIKE '% on r%' ORDER BY planid"
before=$(q "$port" "$snap")
plans_before=$(q "$port" "$plans")
ok "$([ -n "$before" ] && echo t)" "statements recorded before restart"
pg_stop "$dir"
ok "$([ -f "$dir/pg_stat/pg_xray.stat" ] && echo t)" "statistics file written at shutdown"
as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
is "$(q "$port" "$snap")" "$before" "statements, rows, p95 and texts survive a clean restart"
is "$(q "$port" "$plans")" "$plans_before" "plans and plan texts survive a clean restart"
ok "$([ ! -f "$dir/pg_stat/pg_xray.stat" ] && echo t)" "the file is removed once loaded (a crash never reloads it)"

# a damaged file: flip bytes in the middle
pg_stop "$dir"
size=$(stat -c %s "$dir/pg_stat/pg_xray.stat")
printf 'garbage!' | dd of="$dir/pg_stat/pg_xray.stat" bs=1 seek=$((size / 2)) conv=notrunc status=none
as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
is "$(q "$port" "SELECT 1")" "1" "server starts with a damaged statistics file"
ok "$(grep -q 'skipping statistics file.*checksum mismatch' "$dir/server.log" && echo t)" "a WARNING names the damaged file"
is "$(q "$port" "SELECT count(*) FROM xray.statements WHERE query LIKE '%FROM r WHERE%'")" "0" "nothing is loaded from a damaged file"

# a truncated file and a foreign file
for kind in truncated foreign; do
	pg_stop "$dir"
	if [ $kind = truncated ]; then
		truncate -s 20 "$dir/pg_stat/pg_xray.stat"
	else
		head -c 4096 /dev/urandom >"$dir/pg_stat/pg_xray.stat"
	fi
	as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
	is "$(q "$port" "SELECT count(*) >= 0 FROM xray.statements")" "t" "server and views work after a $kind statistics file"
done
ok "$(grep -q 'file is too short' "$dir/server.log" && echo t)" "a truncated file is reported"
ok "$(grep -q 'not a pg_xray statistics file' "$dir/server.log" && echo t)" "a foreign file is reported"

# xray.save = off
q "$port" "SELECT v FROM r WHERE id = 7" >/dev/null
psql_at "$port" -c "ALTER SYSTEM SET xray.save = off" -c "SELECT pg_reload_conf()" >/dev/null
pg_stop "$dir"
ok "$([ ! -f "$dir/pg_stat/pg_xray.stat" ] && echo t)" "xray.save = off writes no file"
as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w start >/dev/null
is "$(q "$port" "SELECT count(*) FROM xray.statements WHERE query LIKE '%FROM r WHERE%'")" "0" "xray.save = off starts empty"
is "$(grep -c 'terminated by signal' "$dir/server.log")" "0" "no backend crashed"
done_testing
