#!/usr/bin/env bash
# Benchmark of the REST API (issue 8): 1M traces over the last 24 h, then
# `wrk -t2 -c50 -d10s` against, in one run:
#   - a bare tiny_http endpoint (examples/bare_http.rs: the ceiling of the HTTP layer),
#   - GET /api/v1/status and GET /api/v1/metrics?window=24h with the cache on,
#   - the same two with the cache off (ADVANCED_CACHING=false, no Redis).
# Prints req/s, p50 and p99 per case and the ratios the issue sets as targets:
#   cached >= 0.5x the ceiling's req/s; cached >= 20x uncached; cached p99 <= 3x the ceiling's.
# Usage: scripts/bench-api.sh [TRACES] [DURATION]   (defaults 1000000, 10s)
# Everything lives in a temporary directory; servers are stopped on exit.
set -euo pipefail

TRACES=${1:-1000000}
DURATION=${2:-10s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null || { apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }; }; }
need wrk wrk
need sqlite3 sqlite3

echo "building (release)..." >&2
(cd "$ROOT" && cargo build --release -q --bin vdt --example bare_http)
VDT="$ROOT/target/release/vdt"
BARE="$ROOT/target/release/examples/bare_http"

export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
mkdir -p "$HOME"
DB="$XDG_DATA_HOME/vdt/vdt.sqlite3"
TOKEN=bench-token
export VDT_API_TOKEN=$TOKEN
"$VDT" db migrate >/dev/null

echo "seeding $TRACES traces over the last 24 h..." >&2
NOW_MS=$(($(date +%s) * 1000))
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
INSERT INTO live_data_config (firestore_collection, sync_frequency, enabled, kind, cursor_field)
  VALUES ('vertigo_traces', 30, 1, 'traces', 'updated_at'), ('meetings', 60, 1, 'documents', NULL);
INSERT INTO sync_status (collection_name, last_sync, status, records_synced, duration_ms)
  VALUES ('vertigo_traces', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'success', 500, 1200),
         ('meetings', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'success', 20, 300);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $TRACES - 1)
INSERT INTO traces (trace_id, name, status, model, start_time, duration_ms, input_tokens,
    output_tokens, cost_usd, project, source, updated_at, ts_ms)
SELECT 'tr_' || i, 'meeting_processing',
       CASE WHEN i % 20 = 0 THEN 'error' ELSE 'success' END,
       CASE i % 3 WHEN 0 THEN 'gemini-1.5-pro' WHEN 1 THEN 'gemini-1.5-flash' ELSE 'gemini-2.0-flash' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', ($NOW_MS - i * 86400000 / $TRACES) / 1000.0, 'unixepoch'),
       100 + (i * 37) % 4900, 100 + i % 900, 20 + i % 300, 0.0001 * (i % 50),
       'p' || (i % 5), 'firestore:vertigo_traces',
       strftime('%Y-%m-%dT%H:%M:%fZ','now'), $NOW_MS - i * 86400000 / $TRACES
FROM n;
SQL
echo "traces: $(sqlite3 "$DB" 'SELECT count(*) FROM traces')" >&2

listen_addr() { # $1 = file with the {"listening":"ADDR"} line
    for _ in $(seq 1 100); do
        if [ -s "$1" ]; then sed -n 's/.*"listening":"\([^"]*\)".*/\1/p' "$1" | head -1; return; fi
        sleep 0.1
    done
    echo "server did not start" >&2; exit 1
}

# wrk with --latency; prints "req/s p50_ms p99_ms"
measure() { # $1 = url, rest = extra wrk args
    local url=$1; shift
    wrk -t2 -c50 -d"$DURATION" --latency "$@" "$url" >"$WORK/wrk.out" 2>&1 || true
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Socket errors/ { gsub(/^ +/, ""); gsub(/ /, "_"); errs = $0 }
        /Non-2xx/ { non2xx = $NF }
        END { printf "%.0f %.3f %.3f %s%s\n", rps, p50, p99, (non2xx != "" ? "non2xx=" non2xx " " : ""), errs }
    ' "$WORK/wrk.out"
}

start_api() { # $1 = label; environment decides the cache; sets ADDR
    : >"$WORK/$1.addr"
    "$VDT" api --bind 127.0.0.1:0 --json >"$WORK/$1.addr" 2>"$WORK/$1.log" &
    PIDS+=($!)
    ADDR=$(listen_addr "$WORK/$1.addr")
}

stop_last() {
    local i=$((${#PIDS[@]} - 1))
    kill "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
    unset "PIDS[$i]"
}

declare -A RPS P50 P99 NOTE

: >"$WORK/bare.addr"
"$BARE" 127.0.0.1:0 >"$WORK/bare.addr" &
PIDS+=($!)
ADDR=$(listen_addr "$WORK/bare.addr")
read -r RPS[ceiling] P50[ceiling] P99[ceiling] NOTE[ceiling] < <(measure "http://$ADDR/")
stop_last

AUTH=(-H "Authorization: Bearer $TOKEN")
for mode in on off; do
    if [ "$mode" = off ]; then
        export ADVANCED_CACHING=false
        unset VDT_REDIS__URL || true
    else
        export ADVANCED_CACHING=true
        if command -v redis-server >/dev/null; then
            RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
            redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
            PIDS+=($!)
            export VDT_REDIS__URL="redis://127.0.0.1:$RPORT/0"
            sleep 0.3
        fi
    fi
    start_api "api-$mode"
    # One request first, so the cached run measures the steady state.
    curl -s -o /dev/null "${AUTH[@]}" "http://$ADDR/api/v1/metrics?window=24h" || true
    read -r RPS[status-$mode] P50[status-$mode] P99[status-$mode] NOTE[status-$mode] < <(measure "http://$ADDR/api/v1/status" "${AUTH[@]}")
    read -r RPS[metrics-$mode] P50[metrics-$mode] P99[metrics-$mode] NOTE[metrics-$mode] < <(measure "http://$ADDR/api/v1/metrics?window=24h" "${AUTH[@]}")
    stop_last
done

printf '\n%-16s %10s %10s %10s\n' case req/s p50_ms p99_ms
for c in ceiling status-on metrics-on status-off metrics-off; do
    printf '%-16s %10s %10s %10s %s\n' "$c" "${RPS[$c]}" "${P50[$c]}" "${P99[$c]}" "${NOTE[$c]:-}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }
echo
for r in status metrics; do
    echo "$r: cached/ceiling req/s = $(ratio "${RPS[$r-on]}" "${RPS[ceiling]}") (target >= 0.5)," \
        "cached/uncached req/s = $(ratio "${RPS[$r-on]}" "${RPS[$r-off]}") (target >= 20)," \
        "cached p99/ceiling p99 = $(ratio "${P99[$r-on]}" "${P99[ceiling]}") (target <= 3)"
done
