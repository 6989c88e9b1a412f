#!/usr/bin/env bash
# scripts/lib.sh - helpers shared by pg_xray's scripts (sourced, not run).
# Throwaway PostgreSQL instances run as the postgres OS user, on a free port,
# in a directory under $XRAY_TMP; every instance started is stopped on exit.

# XRAY_PG: the PostgreSQL major version under test (15 on this machine; 17 and
# 18 inside scripts/pgroot's roots, where scripts/test --pg runs itself)
XRAY_PG=${XRAY_PG:-15}
export XRAY_PG
PGBIN=${PGBIN:-/usr/lib/postgresql/$XRAY_PG/bin}
export PATH="$PGBIN:$PATH"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XRAY_TMP=${XRAY_TMP:-/tmp/pg_xray_run}
XRAY_STARTED=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

as_pg() { runuser -u postgres -- "$@"; }

# free_port: the first port from $1 upward nothing listens on
free_port() {
	local p=${1:-55432}
	while (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || [ -e "/tmp/.s.PGSQL.$p" ]; do p=$((p + 1)); done
	echo "$p"
}

# pg_start DIR PORT [extra postgresql.conf lines...]: initdb + start with pg_xray preloaded
pg_start() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$(dirname "$dir")"
	chown postgres: "$(dirname "$dir")"
	rm -rf "$dir"
	as_pg initdb -D "$dir" -U postgres --no-sync -A trust >"$dir.initdb.log" 2>&1 || {
		cat "$dir.initdb.log"
		return 1
	}
	{
		echo "port = $port"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '/tmp'"
		echo "fsync = off"
		echo "shared_preload_libraries = 'pg_xray'"
		for line in "$@"; do echo "$line"; done
	} >>"$dir/postgresql.conf"
	as_pg pg_ctl -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null || {
		cat "$dir/server.log"
		return 1
	}
	XRAY_STARTED+=("$dir")
}

pg_stop() {
	local dir=$1 mode=${2:-fast}
	as_pg pg_ctl -D "$dir" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
}

pg_stop_all() {
	local d
	for d in "${XRAY_STARTED[@]}"; do
		[ -f "$d/postmaster.pid" ] && pg_stop "$d" immediate
	done
}

# psql_at PORT [args...]: psql as postgres, quiet, stop on error
psql_at() {
	local port=$1
	shift
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$port" -d postgres "$@"
}

# ensure_built: install the Debian packages and build + install pg_xray
ensure_built() {
	"$ROOT/scripts/deps"
	[ -n "${XRAY_SKIP_BUILD:-}" ] && return 0	# scripts/sanitize installed its own build
	"$ROOT/scripts/build"
}
