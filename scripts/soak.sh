#!/usr/bin/env bash
# Soak test, run by hand (not in CI): `vdt serve` with its sync loop (Firestore emulator),
# alert loop (an SMTP sink) and webhook receiver, fed signed deliveries at half the receiver's
# measured maximum for N minutes while 1,000 connections sit stalled mid-headers. Prints the
# process's RSS, open file descriptors and database size every sample, the deliveries' p99 per
# interval, and a summary; fails if p99 goes over 50 ms, an acknowledged delivery is missing,
# or RSS / fds grow past a bound.
#
# Usage: scripts/soak.sh [--minutes N] [--stalled N] [--sample SECS] [--conns N]
#   defaults: 30 minutes, 1000 stalled connections, a sample every 30 s, 8 connections.
# SOAK_KEEP_LOG=FILE keeps the server's log (its level from VDT_LOG) in FILE.
# Needs: the Firestore emulator, python3 with aiosmtpd (/usr/bin/python3), sqlite3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=30 STALLED=1000 SAMPLE=30 CONNS=8
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --stalled) STALLED=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { printf '[soak] %s\n' "$*" >&2; }
. scripts/lib/emulator.sh

# Room for the stalled connections on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log "building release binaries"
cargo build --release --quiet --bin vdt --example soak_load
VDT=$PWD/target/release/vdt
LOAD=$PWD/target/release/examples/soak_load

work=$(mktemp -d /tmp/vdt-soak.XXXXXX)
serve_pid= smtp_pid= load_pid=
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  [ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null || true
  stop_emulator
  if [ -n "${SOAK_KEEP_LOG:-}" ] && [ -f "$work/serve.log" ]; then cp "$work/serve.log" "$SOAK_KEEP_LOG"; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting the Firestore emulator"
start_emulator "$work/emulator.log"
project=vertigo-soak
python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" traces 2000 --fail-every 12 >/dev/null
python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" meetings 200 >/dev/null

smtp_port=$(free_port)
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" >/dev/null 2>&1 &
smtp_pid=$!

export HOME=$work/home
mkdir -p "$HOME"
cfg=$work/config.toml db=$work/vdt.sqlite3
"$VDT" --config "$cfg" --db "$db" -q init --non-interactive --project "$project" \
  --emulator-host "$EMU_HOST" --collection vertigo_traces:traces \
  --collection meetings:documents --sync-frequency 5s
api_port=$(free_port) hook_port=$(free_port)
cat >> "$cfg" <<TOML

[api]
bind = "127.0.0.1:$api_port"

[webhooks]
bind = "127.0.0.1:$hook_port"

[[webhooks.sources]]
name = "soak"
scheme = "hmac-sha256"
header = "X-Soak-Signature"
secret_env = "VDT_SOAK_SECRET"
rate_limit = { per_second = 1000000, burst = 1000000 }

[alerts]
interval = "5s"

[alerts.smtp]
host = "127.0.0.1"
port = $smtp_port
from = "vdt@localhost"

[[alerts.channels]]
name = "mail"
type = "email"
to = ["oncall@example.com"]

[[alerts.rules]]
name = "high-error-rate"
metric = "error_rate"
window = "5m"
op = ">"
threshold = 0.05
severity = "critical"
channels = ["mail"]
repeat_interval = "1m"

[[alerts.rules]]
name = "slow-p95"
metric = "latency_p95_ms"
window = "5m"
op = ">"
threshold = 100000
severity = "warning"
TOML
export VDT_SOAK_SECRET=soak-secret-$RANDOM$RANDOM

"$VDT" --config "$cfg" --db "$db" serve >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 150); do
  curl -fsS "http://127.0.0.1:$api_port/livez" >/dev/null 2>&1 &&
    curl -fsS "http://127.0.0.1:$hook_port/livez" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
addr=127.0.0.1:$hook_port
sleep 5 # the first full sync

log "measuring the receiver's maximum (10 s, $CONNS connections)"
max_line=$("$LOAD" max "$addr" soak X-Soak-Signature "$VDT_SOAK_SECRET" 10 "$CONNS")
echo "max: $max_line"
max_rps=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rps"])' "$max_line")
rate=$(python3 -c "print(max(1.0, round($max_rps / 2, 1)))")
seconds=$((MINUTES * 60))
log "soak: $rate deliveries/s (half of $max_rps) for $MINUTES min, $STALLED stalled connections"

sample() {
  local rss fds dbsz wal
  rss=$(ps -o rss= -p "$serve_pid" | tr -d ' ')
  fds=$(ls "/proc/$serve_pid/fd" | wc -l)
  dbsz=$(stat -c %s "$db")
  wal=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss" "$fds" "$dbsz" "$wal" "$(cut -d' ' -f1 /proc/loadavg)"
}
"$LOAD" rate "$addr" soak X-Soak-Signature "$VDT_SOAK_SECRET" "$seconds" "$CONNS" "$rate" "$STALLED" "$SAMPLE" \
  >"$work/load.jsonl" 2>"$work/load.err" &
load_pid=$!
printf 't_s\trss_kib\tfds\tdb_bytes\twal_bytes\tload1\n' | tee "$work/samples.tsv"
t0=$SECONDS
sample 0 | tee -a "$work/samples.tsv"
while kill -0 "$load_pid" 2>/dev/null; do
  sleep "$SAMPLE"
  kill -0 "$serve_pid" 2>/dev/null || { log "vdt serve died"; tail -20 "$work/serve.log" >&2; exit 1; }
  sample $((SECONDS - t0)) | tee -a "$work/samples.tsv"
done
wait "$load_pid"
load_pid=
echo "deliveries per interval:"
cat "$work/load.jsonl"

# Verdict.
ok_total=$(tail -1 "$work/load.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok"])')
stored=$(sqlite3 "$db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM webhook_logs WHERE source='soak' AND status_code BETWEEN 200 AND 299;" | tail -1)
syncs=$(sqlite3 "$db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM sync_status WHERE status='success';" | tail -1)
alerts=$(sqlite3 "$db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM alert_events;" | tail -1)
python3 - "$work/samples.tsv" "$work/load.jsonl" "$ok_total" "$stored" "$syncs" "$alerts" "$STALLED" <<'PY'
import json, sys
samples = [l.split('\t') for l in open(sys.argv[1]).read().split('\n')[1:] if l]
loads = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
ok_total, stored, syncs, alerts, stalled = map(int, sys.argv[3:8])
intervals, total = loads[:-1], loads[-1]
rss = [int(s[1]) for s in samples]; fds = [int(s[2]) for s in samples]
db = [int(s[3]) + int(s[4]) for s in samples]
# Flat: after the warm-up third, the last sample is within 25 % (RSS) / 10 % + 50 (fds) of the
# warm-up's level.
warm = rss[len(rss) // 3] if len(rss) > 2 else rss[0]
fwarm = fds[len(fds) // 3] if len(fds) > 2 else fds[0]
p99s = [i["p99_ms"] for i in intervals] or [total["p99_ms"]]
print(f"summary: rate {total['target_rps']}/s, {total['ok']} ok, {total['errors']} errors, "
      f"p50 {total['p50_ms']} ms, p99 {total['p99_ms']} ms (worst interval {max(p99s)} ms), max {total['max_ms']} ms")
print(f"summary: stalled connections held {total['stalled_open']} (reopened after the server dropped them: {total['stalled_reopened']})")
print(f"summary: RSS {rss[0]} -> {rss[-1]} KiB (max {max(rss)}), fds {fds[0]} -> {fds[-1]} (max {max(fds)}), "
      f"db+wal {db[0]} -> {db[-1]} bytes")
print(f"summary: {stored} 2xx log rows for {ok_total} 2xx answers; {syncs} successful syncs; {alerts} alert events")
fail = []
if total["p99_ms"] >= 50: fail.append(f"p99 {total['p99_ms']} ms >= 50 ms")
if stored < ok_total: fail.append(f"{ok_total - stored} acknowledged deliveries missing")
if total["errors"] > 0: fail.append(f"{total['errors']} deliveries failed")
if total["stalled_open"] < stalled * 0.95: fail.append(f"only {total['stalled_open']} stalled connections held")
if rss[-1] > warm * 1.25 + 10240: fail.append(f"RSS grew {warm} -> {rss[-1]} KiB")
if fds[-1] > fwarm * 1.1 + 50: fail.append(f"fds grew {fwarm} -> {fds[-1]}")
if syncs == 0: fail.append("the sync loop never succeeded")
print("verdict: " + ("FAIL: " + "; ".join(fail) if fail else "pass"))
sys.exit(1 if fail else 0)
PY
