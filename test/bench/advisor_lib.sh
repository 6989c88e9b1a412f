# test/bench/advisor_lib.sh - what the index-advice benchmarks share (sourced).
#
# A benchmark defines templates(): one line per statement template,
#   template | runs | hand-picked candidates for it alone (";"-separated)
# In a template, %i is replaced by 7 x the run number + 1, and %{a/b/c} by the
# (run - 1) mod 3 -th choice (the same choice for every %{...} of one run).
# It sets $port and $work, and calls, in order:
#   advisor_reads        run every template runs times (what the advisors see)
#   advisor_eval_init    the evaluation: per template, the planner's cost of its
#                        first run with a set of indexes as hypothetical indexes
#                        (xray.what_if), relative to none
#   advisor_row LABEL K SQL [PRELUDE]   one table row: SQL lists CREATE INDEX
#                        statements (column s); workload cost (runs x cost) and
#                        the geometric mean of per-template cost, vs. no new index
#   advisor_handpicked_init / advisor_hypopg_init, then rows over picks(c, saving)
#                        or hypo(c, saving): per template the best of its
#                        hand-picked candidates, or HypoPG's per-query advice
#                        (single-column btree on every column it names, the ones
#                        its plan then uses, as Supabase's index_advisor does),
#                        ranked by runs x cost saved.
# Needs postgresql-15-pg-qualstats and postgresql-15-hypopg (installed here).
for pkg in postgresql-15-pg-qualstats postgresql-15-hypopg; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "$pkg" >/dev/null
done

# expand: templates on stdin -> python lines "text<TAB>runs<TAB>run<TAB>cands" for every run (or run 1 only: $1 = first)
advisor_expand() {
	python3 -c '
import re, sys
first = len(sys.argv) > 1 and sys.argv[1] == "first"
for line in sys.stdin:
    if not line.strip():
        continue
    t, runs, cands = line.rstrip("\n").rsplit("|", 2)
    for i in range(1, (1 if first else int(runs)) + 1):
        s = t.replace("%i", str(i * 7 + 1))
        s = re.sub(r"%\{([^}]*)\}", lambda m: m.group(1).split("/")[(i - 1) % len(m.group(1).split("/"))], s)
        print(s + "\t" + runs + "\t" + cands)
' "$@"
}

advisor_reads() {
	templates | advisor_expand | cut -f1 | sed 's/$/;/' >"$work/reads.sql"
	chown postgres: "$work/reads.sql"
	psql_at "$port" -v ON_ERROR_STOP=0 -f "$work/reads.sql" >/dev/null
}

# values_of: the first run of each template as SQL VALUES rows ($q$text$q$, runs[, $c$cand$c$])
advisor_values() {
	templates | advisor_expand first | python3 -c '
import sys
with_cands = len(sys.argv) > 1
rows = []
for line in sys.stdin:
    t, runs, cands = line.rstrip("\n").split("\t")
    if not with_cands:
        rows.append("($q$" + t + "$q$, " + runs + ")")
        continue
    for c in filter(None, cands.split(";")):
        rows.append("($q$" + t + "$q$, " + runs + ", $c$" + c + "$c$)")
print(",\n".join(rows))
' "$@"
}

advisor_eval_init() {
	{
		echo "CREATE OR REPLACE FUNCTION pg_temp.costs(idx text[]) RETURNS TABLE (s text, runs int, c float8) LANGUAGE sql AS \$f\$"
		echo "SELECT s, runs, (xray.what_if(s, idx)).cost_after FROM (VALUES $(advisor_values)) v(s, runs) \$f\$;"
	} >"$work/eval.sql"
	chown postgres: "$work/eval.sql"
}

advisor_row() {
	local label=$1 k=$2 indexes_sql=$3 prelude=${4:-$work/eval.sql}
	psql_at "$port" -At <<SQL
\i $work/eval.sql
\i $prelude
CREATE TEMP TABLE idx AS $indexes_sql;
CREATE TEMP TABLE base AS SELECT * FROM pg_temp.costs('{}');
CREATE TEMP TABLE withi AS SELECT * FROM pg_temp.costs(coalesce((SELECT array_agg(s) FROM idx), '{}'));
SELECT format('| %s | %s | %s | %s | %s |', '$label', '$k', (SELECT count(*) FROM idx),
       round((SELECT sum(w.runs * w.c) / sum(b.runs * b.c) FROM withi w JOIN base b USING (s))::numeric, 3),
       round((SELECT exp(avg(ln(greatest(w.c, 1e-9) / b.c))) FROM withi w JOIN base b USING (s))::numeric, 3));
SQL
}

# per-query hand-picked best: for each template alone, the best of its candidates
advisor_handpicked_init() {
	{
		echo "CREATE TEMP TABLE picks AS SELECT DISTINCT ON (s) s, c, runs * (b.cost_before - b.cost_after) AS saving"
		echo "FROM (VALUES $(advisor_values cands)) v(s, runs, c), LATERAL xray.what_if(s, ARRAY[c]) b"
		echo "ORDER BY s, b.cost_after;"
	} >"$work/picks.sql"
	chown postgres: "$work/picks.sql"
}

# HypoPG per-query advice: hypothetical btree on every column of the tables its
# plan reads that the statement names; the ones the plan then uses are its
# advice; each index ranked by the runs x saving of the statement it serves best
advisor_hypopg_init() {
	cat >"$work/hypo.sql" <<SQL
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE OR REPLACE FUNCTION pg_temp.hypo_advice(q text) RETURNS TABLE (c text, cost_before float8, cost_after float8)
LANGUAGE plpgsql AS \$f\$
DECLARE
	plan json;
	r record;
BEGIN
	PERFORM hypopg_reset();
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
	cost_before := (plan->0->'Plan'->>'Total Cost')::float8;
	FOR r IN SELECT DISTINCT cl.relname, a.attname
	         FROM pg_class cl JOIN pg_attribute a ON a.attrelid = cl.oid
	         WHERE cl.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
	           AND cl.relname IN (SELECT m[1] FROM regexp_matches(plan::text, '"Relation Name": "([^"]+)"', 'g') m)
	           AND q ~* ('\\m' || a.attname || '\\M')
	LOOP
		PERFORM hypopg_create_index(format('CREATE INDEX ON public.%I (%I)', r.relname, r.attname));
	END LOOP;
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
	cost_after := (plan->0->'Plan'->>'Total Cost')::float8;
	FOR c IN SELECT format('CREATE INDEX ON %I.%I (%s)', h.schema_name, h.table_name,
	                       substring(hypopg_get_indexdef(h.indexrelid) FROM '\((.*)\)\$'))
	         FROM hypopg_list_indexes h WHERE strpos(plan::text, h.index_name) > 0
	LOOP
		RETURN NEXT;
	END LOOP;
	PERFORM hypopg_reset();
END \$f\$;
CREATE TEMP TABLE hypo AS SELECT c, max(runs * (a.cost_before - a.cost_after)) AS saving
FROM (VALUES $(advisor_values)) v(s, runs), LATERAL pg_temp.hypo_advice(s) a GROUP BY c;
SQL
	chown postgres: "$work/hypo.sql"
}

# the per-query table of pg_xray, hand-picked best, HypoPG and pg_qualstats at K = 3, 5, 10
advisor_table() {
	echo "| advisor | K | indexes | workload cost vs. no new index | geometric mean of per-statement cost |"
	echo "|---|---|---|---|---|"
	for k in 3 5 10; do
		advisor_row "pg_xray" "$k" "SELECT replace(create_statement, ' CONCURRENTLY', '') AS s FROM xray.index_advice($k)"
	done
	advisor_handpicked_init
	for k in 3 5 10; do
		advisor_row "per-query hand-picked best" "$k" "SELECT c AS s FROM picks ORDER BY saving DESC LIMIT $k" "$work/picks.sql"
	done
	advisor_hypopg_init
	for k in 3 5 10; do
		advisor_row "HypoPG per-query advice" "$k" "SELECT c AS s FROM hypo ORDER BY saving DESC LIMIT $k" "$work/hypo.sql"
	done
	# (pg_qualstats 2.0.4 writes gist_trgm_ops in a gin index: taken as gin_trgm_ops, in its favour)
	advisor_row "pg_qualstats (all it proposes)" "-" \
		"SELECT replace(json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gist,brin,spgist}')->'indexes'), 'gist_trgm_ops', 'gin_trgm_ops') AS s"
}
