# The standing adversarial suite: a hostile plain role and a hostile database
# owner attack every function and view pg_xray exposes. The objects are
# enumerated from the catalog (pg_depend on the extension), so a new function
# or view is attacked without anyone adding it here:
# - every string-bodied SQL/plpgsql function pins search_path;
# - every function is called by the plain role with NULL and hostile arguments:
#   no crash, never an internal error (XX000), 42501 for what it may not run;
# - every relation and every argument-less function the plain role may read is
#   searched for another role's query texts and query ids;
# - escalation: an IMMUTABLE function in a recorded statement (folded when
#   re-planned) and a planted operator under a database owner's search_path
#   must not run as the superuser who reads the advice or starts maintenance;
# - alerts: alert_log and the NOTIFY payload carry no other role's text;
# - what_if: what CREATE INDEX refuses, and tables the caller cannot read
#   anywhere in the statement, are refused with CREATE INDEX's SQLSTATEs.
# pg_stat_statements is loaded after pg_xray, as on many production servers.
source "$(dirname "$0")/../tap/tap_lib.sh"
port=$(free_port 56700)
dir="$XRAY_TMP/security/audit"
pg_start "$dir" "$port" "shared_preload_libraries = 'pg_xray,pg_stat_statements'" "max_worker_processes = 16" \
	"xray.advice_sample_rate = 1" "xray.lock_sample_interval = 50ms" || exit 1
export PGCONNECT_TIMEOUT=10
SECRET=s3cr3t_marker

as_role() { # ROLE DB SQL...: run as ROLE, print errors with SQLSTATE
	local role=$1 db=$2
	shift 2
	as_pg psql -X -q -At -h /tmp -p "$port" -d "$db" -U "$role" -v VERBOSITY=verbose "$@" 2>&1
}
alive() { [ "$(q "$port" "SELECT 1")" == "1" ] && echo t || echo f; }

psql_at "$port" >/dev/null <<SQL
CREATE EXTENSION pg_xray;
CREATE EXTENSION pg_stat_statements;
CREATE ROLE hostile LOGIN;
CREATE ROLE victim LOGIN;
CREATE ROLE dbowner LOGIN;
GRANT CREATE ON SCHEMA public TO hostile;
CREATE TABLE public.victim_secret (id int PRIMARY KEY, v int, secret text);
INSERT INTO public.victim_secret SELECT g, g % 100, md5(g::text) FROM generate_series(1, 20000) g;
ALTER TABLE public.victim_secret OWNER TO victim;
ANALYZE public.victim_secret;
SQL

# --- the hostile role's trap: an IMMUTABLE function that escalates when run by a superuser
as_role hostile postgres >/dev/null <<'SQL'
CREATE TABLE public.hostile_t (a int, b int, c text);
INSERT INTO public.hostile_t SELECT g, g % 50, md5(g::text) FROM generate_series(1, 30000) g;
ANALYZE public.hostile_t;
-- (an IMMUTABLE function runs its statements read-only, so it calls a VOLATILE one)
CREATE FUNCTION public.hostile_g() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE hostile SUPERUSER';
    END IF;
END $$;
CREATE FUNCTION public.hostile_f(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.hostile_g();
    RETURN $1;
END $$;
SQL
# the bulk loads above are not the workload (a one-off load weighs on index advice: #13)
q "$port" "SELECT xray.reset()" >/dev/null
# --- the victim's statements: texts with a marker no normalization removes -------------
for i in $(seq 1 15); do
	as_role victim postgres -c "SELECT id, secret AS ${SECRET}_col FROM victim_secret WHERE v = $i /* ${SECRET} */" >/dev/null
done
as_role victim postgres -c "SELECT count(*) AS ${SECRET}_count FROM victim_secret WHERE id > 10" >/dev/null
victim_qids=$(q "$port" "SELECT string_agg(DISTINCT queryid::text, ' ') FROM xray.statements WHERE query LIKE '%${SECRET}%'")
ok "$([ -n "$victim_qids" ] && echo t)" "the victim's statements are recorded (query ids: $victim_qids)"

for i in $(seq 1 20); do
	as_role hostile postgres -c "SELECT * FROM hostile_t WHERE a = hostile_f($i)" \
		-c "SELECT c FROM hostile_t WHERE b = hostile_f(7) ORDER BY a LIMIT 5" >/dev/null
done
# a superuser reads everything that re-plans recorded statements
for v in index_advice index_advice_queries plan_findings cache_candidates; do
	q "$port" "SELECT count(*) FROM xray.$v" >/dev/null
done
q "$port" "SELECT length(xray.report()), length(xray.report_html()), length(xray.metrics())" >/dev/null
is "$(q "$port" "SELECT rolsuper FROM pg_roles WHERE rolname = 'hostile'")" "f" \
	"re-planning a recorded statement never folds its IMMUTABLE function as the superuser reading the advice"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.index_advice_queries WHERE query LIKE '%hostile_f%'")" \
	"the hostile role's statements are still advised on (planned as their own role)"

# --- the database owner: a planted operator and search_path ------------------------------
psql_at "$port" -c "CREATE DATABASE ownerdb OWNER dbowner" >/dev/null
psql_at "$port" -d ownerdb -c "CREATE EXTENSION pg_xray" \
	-c "GRANT EXECUTE ON FUNCTION xray.run_maintenance(boolean, interval, integer, text[], time, time) TO dbowner" \
	-c "GRANT pg_read_all_stats TO dbowner" >/dev/null
as_role dbowner ownerdb >/dev/null <<'SQL'
CREATE FUNCTION public.gt_trap(bigint, double precision) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE dbowner SUPERUSER';
    END IF;
    RETURN $1::double precision > $2;
END $$;
CREATE OPERATOR public.> (LEFTARG = bigint, RIGHTARG = double precision, FUNCTION = public.gt_trap);
CREATE OPERATOR public.< (LEFTARG = bigint, RIGHTARG = double precision, FUNCTION = public.gt_trap);
CREATE OPERATOR public.>= (LEFTARG = bigint, RIGHTARG = double precision, FUNCTION = public.gt_trap);
CREATE TABLE public.big (id int, pad text);
INSERT INTO public.big SELECT g, repeat('x', 50) FROM generate_series(1, 30000) g;
DELETE FROM public.big WHERE id % 2 = 0;
SQL
psql_at "$port" -c "ALTER DATABASE ownerdb SET search_path = public, pg_catalog" >/dev/null
sleep 1.2
run=$(as_role dbowner ownerdb -c "SELECT xray.run_maintenance(dry_run => true, kinds => ARRAY['vacuum', 'analyze', 'freeze', 'table_bloat', 'autovacuum_settings'])")
for i in $(seq 1 300); do
	st=$(as_role dbowner ownerdb -c "SELECT status FROM xray.maintenance_runs WHERE run_id = $run")
	[ "$st" == "finished" ] || [ "$st" == "failed" ] && break
	sleep 0.1
done
is "$st" "finished" "a dry run started by the database owner finishes"
is "$(q "$port" "SELECT rolsuper FROM pg_roles WHERE rolname = 'dbowner'")" "f" \
	"the maintenance workers never resolve the owner's operators (search_path pinned, advice read as the caller)"
for v in maintenance_advice settings_advice lock_advice index_health table_bloat wraparound xmin_horizon alerts \
	connection_advice plan_findings index_advice; do
	psql_at "$port" -d ownerdb -c "SELECT count(*) FROM xray.$v" >/dev/null 2>&1
done
psql_at "$port" -d ownerdb -c "SELECT xray.check_alerts()" -c "SELECT xray.snapshot()" \
	-c "SELECT length(xray.report()), length(xray.report_html()), length(xray.metrics())" >/dev/null 2>&1
is "$(q "$port" "SELECT rolsuper FROM pg_roles WHERE rolname = 'dbowner'")" "f" \
	"a superuser reading every view and report in the owner's database runs none of the owner's objects"

# --- every string-bodied SQL and plpgsql function pins search_path -----------------------
ext_funcs="FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_xray'"
is "$(q "$port" "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') $ext_funcs
	JOIN pg_language l ON l.oid = p.prolang
	WHERE l.lanname IN ('sql', 'plpgsql') AND p.prosqlbody IS NULL
	  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)")" "" \
	"every SQL and plpgsql function with a string body has SET search_path = pg_catalog, pg_temp"
nfuncs=$(q "$port" "SELECT count(*) $ext_funcs")
ok "$([ "$nfuncs" -gt 40 ] && echo t)" "the catalog lists the extension's $nfuncs functions"

# --- every function, as the plain role, with NULL and with hostile arguments --------------
attack_sql=$(cat <<SQL
CREATE TEMP TABLE attack_result (fn text, args text, sqlstate text, message text);
DO \$do\$
DECLARE
    r record;
    call text;
    st text;
    msg text;
    variant int;
BEGIN
    FOR r IN SELECT p.oid, format('%I.%I', n.nspname, p.proname) AS fname, p.proargtypes::oid[] AS types
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_xray'
             WHERE p.prokind = 'f' ORDER BY 2
    LOOP
        FOR variant IN 1..2 LOOP
            SELECT format('SELECT * FROM %s(%s) LIMIT 3', r.fname, coalesce(string_agg(
                CASE WHEN variant = 1 THEN 'NULL::' || format_type(t, NULL)
                     ELSE CASE format_type(t, NULL)
                          WHEN 'text' THEN quote_literal(E'x\\"''); DROP TABLE public.victim_secret; --')
                          WHEN 'integer' THEN '(-2147483648)::integer'
                          WHEN 'bigint' THEN '(-1)::bigint'
                          WHEN 'double precision' THEN '''NaN''::double precision'
                          WHEN 'interval' THEN '''-1 year''::interval'
                          WHEN 'boolean' THEN 'true'
                          WHEN 'text[]' THEN 'ARRAY[NULL, ''CREATE INDEX ON public.victim_secret (secret)'']::text[]'
                          ELSE 'NULL::' || format_type(t, NULL) END END, ', ' ORDER BY o), ''))
            INTO call FROM unnest(r.types) WITH ORDINALITY AS a(t, o);
            BEGIN
                EXECUTE call;
                INSERT INTO attack_result VALUES (r.fname, call, '00000', NULL);
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                INSERT INTO attack_result VALUES (r.fname, call, st, msg);
            END;
        END LOOP;
    END LOOP;
END
\$do\$;
SQL
)
out=$(as_role hostile postgres -c "SET statement_timeout = '20s'" -c "$attack_sql" \
	-c "SELECT count(*) FROM attack_result" \
	-c "SELECT coalesce(string_agg(fn || ' [' || sqlstate || '] ' || message, '; '), 'none') FROM attack_result WHERE sqlstate LIKE 'XX%'" \
	-c "SELECT count(DISTINCT fn) FROM attack_result WHERE sqlstate = '42501'")
ncalls=$(echo "$out" | sed -n 1p)
is "$ncalls" "$((nfuncs * 2))" "the plain role called every function twice (NULL and hostile arguments)"
is "$(echo "$out" | sed -n 2p)" "none" "no call raised an internal error (XX000) or crashed"
ok "$([ "$(echo "$out" | sed -n 3p)" -gt 10 ] && echo t)" "privileged functions refuse the plain role with 42501 ($(echo "$out" | sed -n 3p) functions)"
is "$(alive)" "t" "the server is up after the attack"
is "$(q "$port" "SELECT count(*) FROM public.victim_secret")" "20000" "the injection in text arguments dropped nothing"
# the same functions refused to PUBLIC stay refused
is "$(q "$port" "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') $ext_funcs
	WHERE p.proname IN ('reset', 'reset_query', 'run_maintenance', 'snapshot', 'check_alerts')
	  AND has_function_privilege('hostile', p.oid, 'EXECUTE')")" "" "reset, run_maintenance, snapshot and check_alerts are not the plain role's"

# --- an idle transaction with a literal password, locks held and waited for ---------------
( echo "BEGIN; SELECT 'PASSWORD ${SECRET}_pw' AS x; LOCK public.victim_secret IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4);"; sleep 8; echo "COMMIT;" ) |
	as_pg psql -X -q -h /tmp -p "$port" -d postgres -U victim >/dev/null 2>&1 &
sleep 1
as_role victim postgres -c "SELECT count(*) AS ${SECRET}_waiter FROM victim_secret" >/dev/null &
sleep 2
# a hostile listener; a superuser checks alerts with every threshold at zero
( echo "LISTEN xray_alerts;"; sleep 4; echo "SELECT 1;" ) | as_pg psql -X -h /tmp -p "$port" -d postgres -U hostile >"$dir.listen" 2>&1 &
listener=$!
sleep 1
psql_at "$port" -c "UPDATE xray.alert_rules SET threshold = 0 WHERE metric IN ('idle_in_transaction_seconds', 'transaction_age_seconds', 'lock_wait_seconds', 'statement_p95_seconds')" \
	-c "SELECT xray.check_alerts()" >/dev/null
wait $listener
wait
ok "$(grep -q 'Asynchronous notification "xray_alerts"' "$dir.listen" && echo t)" "the hostile listener received the alerts' NOTIFY"
ok "$(grep -qi "$SECRET" "$dir.listen" && echo f || echo t)" "no NOTIFY payload carries the victim's text"
leak=f
for qid in $victim_qids; do grep -q -- "$qid" "$dir.listen" && leak=t; done
is "$leak" "f" "no NOTIFY payload carries the victim's query ids"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.alert_log")" "alerts were recorded"
ok "$(q "$port" "SELECT count(*) = 0 FROM xray.alert_log WHERE evidence LIKE '%${SECRET}%'")" "alert evidence holds no query text, even for the superuser"
ok "$(q "$port" "SELECT count(*) > 0 FROM xray.lock_samples WHERE waiting_user = 'victim'")" "the sampler saw the victim's lock wait"

# a snapshot keeps all of it in the history tables, which the scan below reads too
q "$port" "SELECT xray.snapshot() IS NOT NULL" >/dev/null
# --- every relation and argument-less function the plain role can read --------------------
qid_list=$(echo "$victim_qids" | tr ' ' ',')
scan_sql=$(cat <<SQL
CREATE TEMP TABLE leak (obj text, kind text);
DO \$do\$
DECLARE
    r record;
    n bigint;
BEGIN
    FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS obj FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'xray' AND c.relkind IN ('r', 'v', 'm') AND has_table_privilege(c.oid, 'SELECT')
    LOOP
        EXECUTE format('SELECT count(*) FROM %s t WHERE t::text LIKE %L', r.obj, '%${SECRET}%') INTO n;
        IF n > 0 THEN INSERT INTO leak VALUES (r.obj, 'text'); END IF;
        EXECUTE format('SELECT count(*) FROM %s t WHERE t::text ~ %L', r.obj, '(^|[^0-9])(' || replace('${qid_list}', ',', '|') || ')([^0-9]|$)') INTO n;
        IF n > 0 THEN INSERT INTO leak VALUES (r.obj, 'queryid'); END IF;
    END LOOP;
    FOR r IN SELECT format('%I.%I', n.nspname, p.proname) AS obj FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'xray' AND p.prokind = 'f' AND p.pronargs - p.pronargdefaults = 0
               AND has_function_privilege(p.oid, 'EXECUTE') AND p.provolatile <> 'i'
               AND p.proname NOT IN ('run_maintenance')
    LOOP
        BEGIN
            EXECUTE format('SELECT count(*) FROM %s() t WHERE t::text LIKE %L', r.obj, '%${SECRET}%') INTO n;
            IF n > 0 THEN INSERT INTO leak VALUES (r.obj || '()', 'text'); END IF;
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
    END LOOP;
END
\$do\$;
SELECT coalesce(string_agg(obj || ':' || kind, ' ' ORDER BY obj), 'none') FROM leak;
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'xray' AND c.relkind IN ('r', 'v', 'm') AND has_table_privilege(c.oid, 'SELECT');
SQL
)
out=$(as_role hostile postgres -c "$scan_sql")
is "$(echo "$out" | sed -n 1p)" "none" "no relation or function the plain role reads shows another role's text or query id"
ok "$([ "$(echo "$out" | sed -n 2p)" -gt 20 ] && echo t)" "the plain role read $(echo "$out" | sed -n 2p) relations of the extension"
ok "$(as_role hostile postgres -c "SELECT count(*) FROM xray.alert_log" | grep -q 42501 && echo t)" "xray.alert_log is not the plain role's"

# --- what_if: what CREATE INDEX refuses, and tables the caller cannot read -----------------
wi() { as_role hostile postgres -c "SELECT cost_before FROM xray.what_if(\$q\$$1\$q\$, ARRAY[\$i\$$2\$i\$])"; }
cols33=$(yes a | head -n 33 | paste -sd, -)
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t ($cols33)" | grep -q '54011' && echo t)" \
	"what_if: 33 columns refused with 54011 (the server survives)"
is "$(alive)" "t" "the server is up after the 33-column index"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t ((a + random()::int))" | grep -q '42P17' && echo t)" \
	"what_if: a volatile index expression refused with 42P17"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t (a) WHERE random() > 0.5" | grep -q '42P17' && echo t)" \
	"what_if: a volatile predicate refused with 42P17"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t (a) WITH (fillfactor = 5)" | grep -q '22023' && echo t)" \
	"what_if: an out-of-range reloption refused with 22023"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t (a) WITH (no_such_option = 1)" | grep -q '22023' && echo t)" \
	"what_if: an unknown reloption refused with 22023"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t (a) TABLESPACE no_such_space" | grep -q '42704' && echo t)" \
	"what_if: an unknown tablespace refused with 42704"
for stmt in 'SELECT * FROM hostile_t WHERE a IN (SELECT v FROM public.victim_secret)' \
	'WITH s AS (SELECT v FROM public.victim_secret) SELECT * FROM hostile_t JOIN s ON s.v = hostile_t.b' \
	'SELECT * FROM hostile_t h WHERE EXISTS (SELECT 1 FROM public.victim_secret s WHERE s.v = h.b)' \
	'SELECT (SELECT max(secret) FROM public.victim_secret) FROM hostile_t'; do
	ok "$(wi "$stmt" "CREATE INDEX ON hostile_t (b)" | grep -q '42501' && echo t)" "what_if refuses a table read in a subquery: ${stmt:0:60}"
done
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON public.victim_secret (secret)" | grep -q '42501' && echo t)" \
	"what_if refuses a hypothetical index on a table the caller cannot read"
ok "$(wi 'SELECT * FROM hostile_t WHERE a = 1' "CREATE INDEX ON hostile_t (a, b)" | grep -Eq '^[0-9.]+$' && echo t)" \
	"what_if still works on the caller's own table"
is "$(alive)" "t" "the server is up at the end"
done_testing
