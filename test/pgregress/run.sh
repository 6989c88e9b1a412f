#!/usr/bin/env bash
# test/pgregress/run.sh - PostgreSQL's own regression suite with pg_xray loaded.
#
# Fetches the source package of the PostgreSQL under test ($XRAY_PG) from Debian's archive (deb-src), builds
# the suite's regress.so, and runs the parallel schedule on throwaway
# instances: without pg_xray, with pg_xray preloaded recording everything
# (xray.track = all, utility statements too), and with pg_stat_statements,
# auto_explain and pg_qualstats preloaded, without pg_xray and with pg_xray
# first, between and last among them (every hook chained in each order).
# Pass: each run with pg_xray produces the same results as its baseline, file for file (pg_xray changes nothing a user sees; the source
# package may be a minor release older than the server, so the baseline run,
# not the expected files, is the reference), no backend crashed, and pg_xray
# recorded the suite's statements.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
work="$XRAY_TMP/pgregress"
cache=${XRAY_CACHE:-/var/cache/pg_xray}
mkdir -p "$work" "$cache"

# 1. the source package (cached across runs)
src=$(ls -d "$cache"/postgresql-"$XRAY_PG".*/src/test/regress 2>/dev/null | head -1 || true)
if [ -z "$src" ]; then
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
				>/etc/apt/sources.list.d/pg-xray-deb-src.sources
		else	# a debootstrap root (scripts/pgroot): one-line sources
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/pg-xray-deb-src.list
		fi
		apt-get update -q >/dev/null
	fi
	command -v dpkg-source >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev bzip2 xz-utils >/dev/null
	got=""
	for v in $(apt-cache showsrc "postgresql-$XRAY_PG" | grep -oP '^Version: \K.*' | sort -rV); do
		if (cd "$cache" && apt-get source --download-only "postgresql-$XRAY_PG=$v" >/dev/null 2>&1); then
			got=$v
			break
		fi
	done
	[ -n "$got" ] || { echo "could not download the postgresql-$XRAY_PG source package"; exit 1; }
	tarball=$(ls "$cache"/postgresql-"$XRAY_PG"_*.orig.tar.* | head -1)
	ver=${tarball##*_}
	top=postgresql-${ver%.orig.tar.*}
	tar -C "$cache" -xf "$tarball" "$top/src/test/regress"
	src="$cache/$top/src/test/regress"
	log "pgregress: PostgreSQL source $got"
fi

# 2. a private copy of the suite and its C library
rm -rf "$work"/*
cp -r "$src" "$work/src"
mkdir -p "$work/lib" "$work/build"
cp "$src/regress.c" "$work/build/"
cat >"$work/build/Makefile" <<'MK'
MODULES = regress
PGXS := $(shell pg_config --pgxs)
override with_llvm = no
include $(PGXS)
MK
make -s -C "$work/build" >/dev/null
cp "$work/build/regress.so" "$work/lib/"
ln -sf "$(pg_config --pkglibdir)/autoinc.so" "$(pg_config --pkglibdir)/refint.so" "$work/lib/"
# one extra test for the pg_xray run: the suite's statements were recorded
cat >"$work/src/sql/xray_recorded.sql" <<'SQL'
CREATE EXTENSION pg_xray;
SELECT count(*) > 1000 AS statements_recorded, sum(calls) > 10000 AS calls_recorded,
       sum(errors) > 100 AS errors_recorded FROM xray.statements;
SELECT count(*) > 1000 AS plans_recorded FROM xray.plans;
-- the advisors over everything the suite left behind
SELECT count(*) >= 0 AS advice_runs FROM xray.index_advice;
SELECT count(*) >= 0 AS advice_queries_run FROM xray.index_advice_queries;
SELECT count(*) >= 0 AS health_runs FROM xray.index_health;
-- the diagnostics over the same: the suite's own plans, sampled at every execution
SELECT count(*) > 0 AS plan_nodes_sampled FROM xray.plan_nodes();
SELECT count(*) >= 0 AS findings_run FROM xray.plan_findings;
SELECT count(*) >= 0 AS repeats_run FROM xray.repeats();
SQL
cat >"$work/src/expected/xray_recorded.out" <<'OUT'
CREATE EXTENSION pg_xray;
SELECT count(*) > 1000 AS statements_recorded, sum(calls) > 10000 AS calls_recorded,
       sum(errors) > 100 AS errors_recorded FROM xray.statements;
 statements_recorded | calls_recorded | errors_recorded 
---------------------+----------------+-----------------
 t                   | t              | t
(1 row)

SELECT count(*) > 1000 AS plans_recorded FROM xray.plans;
 plans_recorded 
----------------
 t
(1 row)

-- the advisors over everything the suite left behind
SELECT count(*) >= 0 AS advice_runs FROM xray.index_advice;
 advice_runs 
-------------
 t
(1 row)

SELECT count(*) >= 0 AS advice_queries_run FROM xray.index_advice_queries;
 advice_queries_run 
--------------------
 t
(1 row)

SELECT count(*) >= 0 AS health_runs FROM xray.index_health;
 health_runs 
-------------
 t
(1 row)

-- the diagnostics over the same: the suite's own plans, sampled at every execution
SELECT count(*) > 0 AS plan_nodes_sampled FROM xray.plan_nodes();
 plan_nodes_sampled 
--------------------
 t
(1 row)

SELECT count(*) >= 0 AS findings_run FROM xray.plan_findings;
 findings_run 
--------------
 t
(1 row)

SELECT count(*) >= 0 AS repeats_run FROM xray.repeats();
 repeats_run 
-------------
 t
(1 row)

OUT
printf 'compute_query_id = regress\n' >"$work/none.conf"
xray_conf="compute_query_id = regress\nxray.track = all\nxray.track_utility = on\nxray.advice_sample_rate = 1\nxray.max_statements = 20000\nxray.max_plans = 20000\n"
printf "shared_preload_libraries = 'pg_xray'\n$xray_conf" >"$work/xray.conf"
# the hook users pg_xray meets on production servers, each at full capture:
# pg_stat_statements (post_parse_analyze, planner, executor, utility),
# auto_explain (executor, instrumentation of every plan it samples) and
# pg_qualstats (post_parse_analyze, executor); pg_xray first, between and last
peers_conf="compute_query_id = regress\npg_stat_statements.track = all\npg_stat_statements.track_planning = on\nauto_explain.log_min_duration = 0\nauto_explain.log_analyze = on\nauto_explain.log_buffers = on\nauto_explain.sample_rate = 0.2\nauto_explain.log_nested_statements = on\npg_qualstats.sample_rate = 1\n"
printf "shared_preload_libraries = 'pg_stat_statements,auto_explain,pg_qualstats'\n$peers_conf" >"$work/peers.conf"
printf "shared_preload_libraries = 'pg_xray,pg_stat_statements,auto_explain,pg_qualstats'\n$peers_conf$xray_conf" >"$work/xray_first.conf"
printf "shared_preload_libraries = 'pg_stat_statements,pg_xray,pg_qualstats,auto_explain'\n$peers_conf$xray_conf" >"$work/xray_between.conf"
printf "shared_preload_libraries = 'pg_qualstats,auto_explain,pg_stat_statements,pg_xray'\n$peers_conf$xray_conf" >"$work/xray_last.conf"
chown -R postgres: "$work"

run() {
	local name=$1 port
	shift
	port=$(free_port 57000)
	mkdir -p "$work/$name"
	chown postgres: "$work/$name"
	as_pg "$(pg_config --pgxs | xargs dirname)/../test/regress/pg_regress" \
		--inputdir="$work/src" --outputdir="$work/$name" --bindir="$PGBIN" --dlpath="$work/lib" \
		--temp-instance="$work/$name/tmp" --temp-config="$work/$name.conf" --port="$port" \
		--max-concurrent-tests=20 "$@" >"$work/$name.log" 2>&1 || true
	grep -E 'tests (passed|failed)' "$work/$name.log" | sed "s/^/  $name: /"
}

# 3. the same schedule without and with pg_xray, alone and beside the other hook users
run none --schedule="$work/src/parallel_schedule"
run xray --schedule="$work/src/parallel_schedule" xray_recorded
run peers --schedule="$work/src/parallel_schedule"
# on the newer servers (same hooks, same chaining code) pg_xray last among the peers only
orders=(xray_first xray_between xray_last)
[ "$XRAY_PG" = 15 ] || orders=(xray_last)
for order in "${orders[@]}"; do
	run "$order" --schedule="$work/src/parallel_schedule" xray_recorded
done

fail=0
compare() { # baseline run, run with pg_xray
	if ! diff -r -q -x xray_recorded.out "$work/$1/results" "$work/$2/results"; then
		echo "results differ with pg_xray loaded ($2 against $1):"
		diff -r -x xray_recorded.out "$work/$1/results" "$work/$2/results" | head -60
		fail=1
	fi
	if ! grep -qE '(xray_recorded +\.\.\. ok|^ok +[0-9]+ +[-+] +xray_recorded )' "$work/$2.log"; then
		echo "pg_xray did not record the suite ($2):"
		diff "$work/src/expected/xray_recorded.out" "$work/$2/results/xray_recorded.out" || true
		fail=1
	fi
}
compare none xray
for order in "${orders[@]}"; do compare peers "$order"; done
for name in none xray peers "${orders[@]}"; do
	if grep -q 'terminated by signal' "$work/$name/log/postmaster.log" 2>/dev/null; then
		echo "a backend crashed ($name)"
		fail=1
	fi
done
n=$(ls "$work/none/results" | wc -l)
[ $fail -eq 0 ] && echo "PostgreSQL $XRAY_PG regression suite: $n result files, identical with and without pg_xray, alone and ${orders[*]} beside pg_stat_statements, auto_explain and pg_qualstats"
exit $fail
