#!/usr/bin/env bash
# test/pgtap/run.sh - pgTAP contract tests on a throwaway instance (pg_prove).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
trap pg_stop_all EXIT
port=$(free_port 55500)
dir="$XRAY_TMP/pgtap/data"
pg_start "$dir" "$port"
psql_at "$port" -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pg_xray" \
	-c "CREATE SCHEMA pgss" -c "CREATE EXTENSION pg_stat_statements SCHEMA pgss"
# some history, with two users, so the privilege tests have others' rows to hide
psql_at "$port" -c "CREATE ROLE xray_other" -c "SET ROLE xray_other" -c "SELECT 1 AS other_users_query" >/dev/null
cp "$ROOT"/test/pgtap/*.sql "$XRAY_TMP/pgtap/"
chown postgres: "$XRAY_TMP"/pgtap/*.sql
cd "$XRAY_TMP/pgtap"
as_pg pg_prove -h /tmp -p "$port" -d postgres -U postgres ./*.sql
