#!/usr/bin/env bash
# What the V5 rollups cost at ingest: server CPU per webhook delivery of `vdt serve-webhooks`
# (release build) with the rollup triggers and the `traces_latency` index, and with them
# dropped (the V4 write path), N distinct traces each, twice, alternating. CPU is the server's
# utime + stime from /proc/PID/stat around the run; the client is Python (8 keep-alive
# connections, each body signed), so client work is not counted. Figures: BENCHMARKS.md
# ("Alerts").
#
#   scripts/bench-rollup-ingest.sh [N]   (default 8000; needs sqlite3, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8000}
cargo build --release --quiet --bin vdt
VDT=$PWD/target/release/vdt
client=$(mktemp)
trap 'rm -f "$client"' EXIT
cat > "$client" <<'PY'
import hashlib, hmac, http.client, json, random, sys, threading, time
port, n, pid, variant = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0  # utime + stime, clock ticks
now = int(time.time() * 1000)
def body(i):
    r = random.Random(i)
    t = {"id": f"tr_{i:07d}", "name": "meeting_processing", "status": "completed" if i % 20 else "failed",
         "model": ["gemini-1.5-pro", "gemini-1.5-flash", "gemini-2.0-flash"][i % 3],
         "startTime": now - r.randrange(3600000), "duration": 200 + r.randrange(5000),
         "input": "Summarize the meeting notes " * 20, "output": {"text": "Action items."},
         "inputTokens": 1200, "outputTokens": 300, "cost": 0.0042, "userId": "u_17",
         "metadata": {"project": "vertigo"}}
    b = json.dumps({"type": "trace.updated", "timestamp": now, "data": {"trace": t}}).encode()
    return b, "sha256=" + hmac.new(b"s3cret", b, hashlib.sha256).hexdigest()
bodies = [body(i) for i in range(n)]
ok = [0]
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(k, n, 8):
        b, sig = bodies[i]
        c.request("POST", "/hooks/langwatch", b, {"Content-Type": "application/json", "X-LangWatch-Signature": sig})
        r = c.getresponse(); r.read()
        if r.status < 300: ok[0] += 1
c0, t0 = cpu(), time.perf_counter()
ths = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
[t.start() for t in ths]; [t.join() for t in ths]
c1, t1 = cpu(), time.perf_counter()
print(f"{variant}: {ok[0]}/{n} 2xx, server CPU {c1-c0:.2f} s = {(c1-c0)/n*1e6:.0f} us/delivery, wall {t1-t0:.1f} s")
PY
for variant in with-rollup without-rollup with-rollup without-rollup; do
  work=$(mktemp -d)
  cat > "$work/config.toml" <<CFG
[webhooks]
[[webhooks.sources]]
name = "langwatch"
scheme = "hmac-sha256"
header = "X-LangWatch-Signature"
secret_env = "BENCH_SECRET"
rate_limit = { per_second = 1000000, burst = 1000000 }
CFG
  env -i PATH="$PATH" HOME="$work" "$VDT" --config "$work/config.toml" --db "$work/vdt.sqlite3" db migrate >/dev/null
  if [ "$variant" = without-rollup ]; then
    sqlite3 "$work/vdt.sqlite3" "DROP TRIGGER traces_rollup_insert; DROP TRIGGER traces_rollup_delete;
      DROP TRIGGER traces_rollup_update; DROP INDEX traces_latency; CREATE INDEX traces_ts ON traces(ts_ms);"
  fi
  mkfifo "$work/out"
  env -i PATH="$PATH" HOME="$work" BENCH_SECRET=s3cret "$VDT" --config "$work/config.toml" \
    --db "$work/vdt.sqlite3" --json serve-webhooks --bind 127.0.0.1:0 > "$work/out" 2> "$work/log" &
  pid=$!
  read -r line < "$work/out"
  port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["listening"].rsplit(":",1)[1])' "$line")
  python3 "$client" "$port" "$N" "$pid" "$variant"
  kill -TERM "$pid"; wait "$pid" || true
  rm -rf "$work"
done
