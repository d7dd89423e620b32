#!/usr/bin/env bash
# The README's main job: a local demo of vdt against the official Firestore emulator, in its
# own temporary directory (its own --config and --db; your config is never touched).
# Seeds Vertigo-shaped traces and meetings, runs `vdt init` and `vdt serve`, prints the
# dashboard URL, and keeps writing new traces (some failures, now and then a latency spike) so
# the dashboard and an alert move. Ctrl-C stops everything it started.
#   scripts/demo.sh [--duration SECONDS] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/emulator.sh

duration=0
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  echo "building vdt (release)…" >&2
  cargo build --release --quiet
fi
vdt=${VDT_BIN:-$PWD/target/release/vdt}
[ -x "$vdt" ] || { echo "no $vdt; run without --no-build" >&2; exit 1; }

work=$(mktemp -d -t vdt-demo.XXXXXX)
serve_pid=
cleanup() {
  trap - INT TERM EXIT
  if [ -n "$serve_pid" ]; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  stop_emulator
  rm -rf "$work"
  echo "demo stopped; removed $work" >&2
}
trap cleanup EXIT
trap 'exit 0' INT TERM

echo "starting the Firestore emulator…" >&2
start_emulator "$work/emulator.log"
project=vertigo-demo
python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" traces 300 --fail-every 12
python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" meetings 25

export HOME=$work/home  # nothing of the user's is read or written
mkdir -p "$HOME"
cfg=$work/config.toml
db=$work/vdt.sqlite3
"$vdt" --config "$cfg" --db "$db" -q init --non-interactive --project "$project" \
  --emulator-host "$EMU_HOST" --collection vertigo_traces:traces \
  --collection meetings:documents --sync-frequency 5s
api_port=$(free_port)
hook_port=$(free_port)
cat >> "$cfg" <<TOML

[api]
bind = "127.0.0.1:$api_port"

[webhooks]
bind = "127.0.0.1:$hook_port"

[[webhooks.sources]]
name = "vertigo"
scheme = "hmac-sha256"
header = "X-Vertigo-Signature"
secret_env = "VDT_DEMO_WEBHOOK_SECRET"

[alerts]
interval = "5s"

[[alerts.rules]]
name = "high-error-rate"
metric = "error_rate"
window = "5m"
op = ">"
threshold = 0.15
severity = "critical"

[[alerts.rules]]
name = "slow-p95"
metric = "latency_p95_ms"
window = "5m"
op = ">"
threshold = 6000
severity = "warning"
TOML
export VDT_DEMO_WEBHOOK_SECRET=demo-secret-$RANDOM$RANDOM

"$vdt" --config "$cfg" --db "$db" serve > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$api_port/livez" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
echo "Dashboard: http://127.0.0.1:$api_port/"
echo "Webhooks:  http://127.0.0.1:$hook_port/hooks/vertigo (secret in VDT_DEMO_WEBHOOK_SECRET)" >&2
echo "API:       curl http://127.0.0.1:$api_port/api/v1/status" >&2
echo "writing new traces every 3 s; Ctrl-C stops the demo" >&2

start=$SECONDS
n=1000
while :; do
  # A burst of failures now and then, so the error-rate alert fires and resolves.
  if [ $(( (n / 40) % 3 )) = 2 ]; then fail=2; else fail=10; fi
  python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" traces 8 --start "$n" \
    --fail-every "$fail" --spike-every 23
  n=$((n + 8))
  kill -0 "$serve_pid" 2>/dev/null || { echo "vdt serve stopped:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
  if [ "$duration" -gt 0 ] && [ $((SECONDS - start)) -ge "$duration" ]; then
    break
  fi
  sleep 3
done
