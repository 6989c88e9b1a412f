#!/usr/bin/env bash
# test/bench/advisor_tpch.sh - index advice on a TPC-H-like workload (issue #13,
# benchmark a): the TPC-H schema with primary keys only, data from our own SQL
# generator (test/bench/tpch_gen.sql, scale factor XRAY_TPCH_SF, default 0.05:
# 300,000 lineitem rows), and the 22 query templates (test/bench/tpch_queries.txt,
# each run twice with different parameters, as qgen varies them). pg_xray, the
# per-query hand-picked best, HypoPG's per-query advice and pg_qualstats are
# evaluated the same way (test/bench/advisor_lib.sh): the planner's cost of every
# template with the advised indexes as hypothetical indexes, relative to none, as
# the workload's sum and as the geometric mean of per-template cost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
source "$here/advisor_lib.sh"
[ -n "${XRAY_BENCH_KEEP:-}" ] || trap pg_stop_all EXIT # XRAY_BENCH_KEEP=1: the server stays up to look into
work="$XRAY_TMP/advtpch"
mkdir -p "$work"
chown postgres: "$work"
port=$(free_port 57000)
pg_start "$work/data" "$port" "shared_preload_libraries = 'pg_qualstats,pg_xray'" "pg_qualstats.sample_rate = 1" \
	"max_parallel_workers_per_gather = 0" "autovacuum = off" "work_mem = '16MB'" >/dev/null
templates() { cat "$here/tpch_queries.txt"; }

install -m 644 "$here/tpch_gen.sql" "$work/gen.sql"
psql_at "$port" -c "CREATE EXTENSION pg_xray" -c "CREATE EXTENSION pg_qualstats" >/dev/null
start=$(date +%s)
psql_at "$port" -v sf="${XRAY_TPCH_SF:-0.05}" -f "$work/gen.sql" >/dev/null
echo "generated scale factor ${XRAY_TPCH_SF:-0.05} in $(($(date +%s) - start)) s:" \
	"$(psql_at "$port" -At -c "SELECT string_agg(relname || ' ' || reltuples::bigint, ', ' ORDER BY reltuples DESC) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")"
psql_at "$port" -c "SELECT xray.reset()" -c "SELECT pg_qualstats_reset()" >/dev/null
start=$(date +%s)
advisor_reads
echo "ran the 22 templates x 2 in $(($(date +%s) - start)) s"
start=$(date +%s%N)
psql_at "$port" -At -c "SELECT count(*) FROM xray.index_advice(10)" >/dev/null
echo "xray.index_advice(10): $((($(date +%s%N) - start) / 1000000)) ms"
echo
advisor_eval_init
advisor_table
psql_at "$port" -At -c "SELECT '    pg_qualstats: ' || s FROM json_array_elements_text(pg_qualstats_index_advisor(forbidden_am => '{hash,gist,brin,spgist}')->'indexes') s" >&2
psql_at "$port" -At -f "$work/hypo.sql" -c "SELECT '    HypoPG: ' || c FROM hypo ORDER BY saving DESC" >&2
psql_at "$port" -At -c "SELECT '    pg_xray: ' || create_statement FROM xray.index_advice(10)" >&2
