# Connection-pooling advice from observed sessions: many idle sessions and many
# short connections give a pooler recommendation with a pool size and a
# pgbouncer.ini fragment; an idle-in-transaction session gives the timeout;
# a quiet server gives neither.
source "$(dirname "$0")/tap_lib.sh"
port=$(free_port 56110)
dir="$XRAY_TMP/tap/connections"
pg_start "$dir" "$port" "max_connections = 60" "xray.lock_sample_interval = 50ms" || exit 1
psql_at "$port" -c "CREATE EXTENSION pg_xray" >/dev/null
sleep 0.5
is "$(q "$port" "SELECT string_agg(kind, ',') FROM xray.connection_advice")" "summary" "a quiet server: only the summary"
ok "$(q "$port" "SELECT evidence LIKE '%minutes observed%' FROM xray.connection_advice WHERE kind = 'summary'")" "the summary states what was observed"

# 30 idle sessions, one idle in transaction, 60 short connections
PIDS=()
for i in $(seq 1 30); do as_pg psql -X -h /tmp -p "$port" -d postgres -c "SELECT 1" -c "\\! sleep 4" >/dev/null 2>&1 & PIDS+=($!); done
as_pg psql -X -h /tmp -p "$port" -d postgres -c "BEGIN" -c "SELECT 1" -c "\\! sleep 4" -c "COMMIT" >/dev/null 2>&1 & PIDS+=($!)
for i in $(seq 1 60); do as_pg psql -X -h /tmp -p "$port" -d postgres -Atc "SELECT 1" >/dev/null; done
sleep 0.5
advice=$(q "$port" "SELECT string_agg(kind, ',' ORDER BY kind) FROM xray.connection_advice")
is "$advice" "idle_in_transaction_session_timeout,pooler,summary" "idle sessions and churn: a pooler and the idle-in-transaction timeout"
ok "$(q "$port" "SELECT evidence ~ '3[0-9] sessions for at most [0-9] active at once' AND evidence ~ 'sessions started per minute'
                 FROM xray.connection_advice WHERE kind = 'pooler'")" "pooler evidence: sessions vs active, and the churn"
cfg=$(q "$port" "SELECT config FROM xray.connection_advice WHERE kind = 'pooler'")
ok "$(echo "$cfg" | grep -q '^pool_mode = transaction$' && echo "$cfg" | grep -qE '^default_pool_size = [0-9]+$' && echo "$cfg" | grep -q "^\\* = host=127.0.0.1 port=$port$" && echo t)" \
	"a ready pgbouncer.ini fragment (transaction mode, pool size, this server's port)"
is "$(q "$port" "SELECT (regexp_match(config, 'default_pool_size = ([0-9]+)'))[1]::int
                 BETWEEN 2 AND xray.cpu_count() * 2 + 2 FROM xray.connection_advice WHERE kind = 'pooler'")" "t" \
	"the pool size is bounded by the processors"
is "$(q "$port" "SELECT command FROM xray.connection_advice WHERE kind = 'idle_in_transaction_session_timeout'")" \
	"ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();" "the exact command for the timeout"
ok "$(q "$port" "SELECT max(sessions_max) >= 31 AND max(idle_in_xact_max) = 1 FROM xray.connection_minutes()")" \
	"per-minute samples: the peak of sessions and the idle-in-transaction one"
for p in "${PIDS[@]}"; do wait "$p"; done
pg_stop "$dir"
done_testing
