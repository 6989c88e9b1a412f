# Upgrades: an install upgraded from every earlier version (ALTER EXTENSION
# pg_xray UPDATE) has the same objects, definitions, columns, privileges,
# comments and dump configuration as a fresh install of the current version.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56600)
dir="$XRAY_TMP/tap/upgrade"
pg_start "$dir" "$port" || exit 1
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ROOT/pg_xray.control")

# every object of the extension, described by what a user or pg_dump sees of it
describe() {
	psql_at "$port" -d "$1" -At <<'SQL'
WITH members AS (
    SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE e.extname = 'pg_xray' AND d.deptype = 'e'
)
SELECT 'function ' || p.oid::regprocedure::text || E'\n' || pg_get_functiondef(p.oid) || E'\nacl ' ||
       coalesce(p.proacl::text, 'default') || E'\ncomment ' || coalesce(obj_description(p.oid, 'pg_proc'), '')
FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT 'relation ' || c.relkind::text || ' ' || c.oid::regclass::text || E'\nacl ' || coalesce(c.relacl::text, 'default') ||
       E'\ncomment ' || coalesce(obj_description(c.oid, 'pg_class'), '') ||
       E'\ncolumns ' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
                                         CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||
                                         coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '') ||
                                         coalesce(' acl ' || a.attacl::text, ''), ', ' ORDER BY a.attnum)
                                  FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') ||
       CASE WHEN c.relkind = 'v' THEN E'\n' || pg_get_viewdef(c.oid) ELSE '' END ||
       coalesce(E'\nindexes ' || (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY pg_get_indexdef(i.indexrelid))
                                 FROM pg_index i WHERE i.indrelid = c.oid), '') ||
       coalesce(E'\nconstraints ' || (SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), '; ' ORDER BY k.conname)
                                     FROM pg_constraint k WHERE k.conrelid = c.oid), '')
FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'dump config ' || coalesce((SELECT string_agg(x::regclass::text, ', ' ORDER BY x::regclass::text) FROM unnest(e.extconfig) x), '')
FROM pg_extension e WHERE e.extname = 'pg_xray'
ORDER BY 1;
SQL
}

psql_at "$port" -c "CREATE DATABASE fresh" >/dev/null
psql_at "$port" -d fresh -c "CREATE EXTENSION pg_xray" >/dev/null
describe fresh >"$dir.fresh"
ok "$([ "$(grep -c '^function ' "$dir.fresh")" -gt 40 ] && echo t)" "the fresh $current install describes $(grep -c '^function ' "$dir.fresh") functions"

for from in $(ls "$(pg_config --sharedir)/extension/" | sed -n 's/^pg_xray--\([0-9.]*\)\.sql$/\1/p' | sort -V); do
	[ "$from" == "$current" ] && continue
	db="from_${from//./_}"
	psql_at "$port" -c "CREATE DATABASE $db" >/dev/null
	psql_at "$port" -d "$db" -c "CREATE EXTENSION pg_xray VERSION '$from'" >/dev/null
	is "$(psql_at "$port" -d "$db" -At -c "ALTER EXTENSION pg_xray UPDATE" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_xray'" 2>&1 | tail -n 1)" \
		"$current" "ALTER EXTENSION pg_xray UPDATE from $from reaches $current"
	describe "$db" >"$dir.$from"
	d=$(diff "$dir.fresh" "$dir.$from" | head -40)
	is "$d" "" "an install upgraded from $from equals a fresh $current install (objects, definitions, privileges, comments)"
	# the upgraded install works
	ok "$(psql_at "$port" -d "$db" -At -c "SELECT count(*) >= 0 FROM xray.maintenance_advice" -c "SELECT count(*) >= 0 FROM xray.index_health" \
		-c "SELECT count(*) >= 0 FROM xray.alerts" 2>&1 | grep -vc '^t$' | awk '{print ($1 == 0) ? "t" : "f"}')" "the views answer after the upgrade from $from"
done

# a fleet node registered under 0.6.0 gains the foreign table of its samples on the
# upgrade (without the node having to answer), the same as add_node imports now
psql_at "$port" -c "CREATE DATABASE fleet_up" >/dev/null
psql_at "$port" -d fleet_up -c "CREATE EXTENSION pg_xray VERSION '0.6.0'" -c "CREATE EXTENSION postgres_fdw" \
	-c "CREATE SERVER self_node FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/tmp', port '$port', dbname 'fleet_up')" \
	-c "CREATE USER MAPPING FOR PUBLIC SERVER self_node OPTIONS (user 'postgres', password_required 'false')" \
	-c "SELECT xray.add_node('n1', 'self_node')" -c "ALTER EXTENSION pg_xray UPDATE" >/dev/null
sch=$(psql_at "$port" -d fleet_up -At -c "SELECT xray._node_schema('n1')")
cols="SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = '$sch.node_samples'::regclass AND a.attnum > 0"
upgraded=$(psql_at "$port" -d fleet_up -At -c "$cols")
is "$(psql_at "$port" -d fleet_up -At -c "SELECT count(*) FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
                                          WHERE d.deptype = 'e' AND c.relnamespace = '$sch'::regnamespace")" "0" \
	"... and it is the node's, not the extension's (remove_node's DROP SCHEMA CASCADE must not drop pg_xray)"
psql_at "$port" -d fleet_up -c "SET client_min_messages = warning" -c "SELECT xray.remove_node('n1')" -c "SELECT xray.add_node('n1', 'self_node')" >/dev/null
is "$upgraded" "$(psql_at "$port" -d fleet_up -At -c "$cols")" "a node registered before 0.7.0: its node_samples foreign table as add_node imports it"
is "$(psql_at "$port" -d fleet_up -At -c "SELECT has_table_privilege('pg_read_all_stats', '$sch.node_samples', 'SELECT')")" "t" \
	"... readable by pg_read_all_stats"
done_testing
