#!/usr/bin/env bash
# Benchmark: 100 alert rules over 1M traces. Compares the wall time of `vdt alerts check`
# with one full scan of the traces table by the sqlite3 shell (`SELECT sum(duration_ms) FROM
# traces`) in the same run, and prints the ratio (target: ≤ 2).
#
# Usage: scripts/bench-alerts.sh [TRACES]   (default 1000000; needs sqlite3, hyperfine optional)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v sqlite3 >/dev/null || { echo "bench-alerts: needs sqlite3" >&2; exit 1; }

cargo build --release --quiet
vdt=$PWD/target/release/vdt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/vdt.sqlite3
cfg=$work/config.toml
export VDT_DB=$db VDT_CONFIG=$cfg HOME=$work XDG_CONFIG_HOME=$work XDG_DATA_HOME=$work

# 100 rules: every trace metric, windows of 5m, 15m and 1h, filters by model, project and
# source, some grouped by model, plus sync and webhook rules. No channels: this measures
# evaluation, not delivery.
{
  echo '[alerts]'
  echo 'interval = "15s"'
  metrics=(traces_total error_rate success_rate latency_p50_ms latency_p95_ms latency_p99_ms cost_usd tokens_total)
  windows=(5m 15m 1h)
  filters=('{}' '{ model = "gemini-1.5-pro" }' '{ model = "gemini-1.5-flash" }' '{ project = "vertigo" }' '{ source = "langwatch" }' '{ collection = "vertigo_traces" }')
  for i in $(seq 0 93); do
    m=${metrics[$((i % 8))]}
    w=${windows[$((i / 8 % 3))]}
    f=${filters[$((i % 6))]}
    g='[]'
    [ $((i % 5)) -eq 0 ] && g='["model"]'
    cat <<RULE
[[alerts.rules]]
name = "rule-$i"
metric = "$m"
window = "$w"
op = ">"
threshold = 1e12
labels = $f
group_by = $g
RULE
  done
  for m in sync_lag_seconds sync_failures sync_success_rate webhook_rejected_rate webhook_p99_ms sync_lag_seconds; do
    i=$((i + 1))
    printf '[[alerts.rules]]\nname = "rule-%s"\nmetric = "%s"\nwindow = "1h"\nop = ">"\nthreshold = 1e12\n' "$i" "$m"
  done
} > "$cfg"
rules=$(grep -c '^\[\[alerts.rules\]\]' "$cfg")

"$vdt" db migrate >/dev/null
now_ms=$(($(date +%s) * 1000))
echo "generating $n traces in the last hour…" >&2
start=$(date +%s)
sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $n - 1)
INSERT INTO traces (trace_id, name, status, model, start_time, end_time, duration_ms,
    input_tokens, output_tokens, cost_usd, user_id, session_id, project, tags, metadata,
    source, updated_at, ts_ms)
SELECT printf('tr_%08d', i), 'meeting_processing',
       CASE WHEN i % 20 = 0 THEN 'error' ELSE 'success' END,
       CASE i % 4 WHEN 0 THEN 'gemini-1.5-pro' WHEN 1 THEN 'gemini-1.5-flash'
                  WHEN 2 THEN 'gemini-2.0-flash' ELSE 'gemini-1.5-pro-002' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', ($now_ms - (i * 3600000 / $n)) / 1000.0, 'unixepoch'),
       NULL, 200 + abs(random() % 5000), 800 + i % 700, 100 + i % 300, 0.0001 * (i % 50),
       'u_' || (i % 1000), 's_' || (i % 5000),
       CASE i % 3 WHEN 0 THEN 'vertigo' WHEN 1 THEN 'meetings' ELSE NULL END,
       '["vertigo","zoom"]', '{"variant":"detailed_extraction"}',
       CASE WHEN i % 2 = 0 THEN 'firestore:vertigo_traces' ELSE 'webhook:langwatch' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), $now_ms - (i * 3600000 / $n)
FROM seq;
SQL
echo "generated in $(($(date +%s) - start)) s; $(du -h "$db" | cut -f1) on disk" >&2
echo "query plan of the baseline: $(sqlite3 "$db" 'EXPLAIN QUERY PLAN SELECT sum(duration_ms) FROM traces' | tr '\n' ' ')" >&2

# Warm the state tables (the first check creates alert rows) and the page cache.
"$vdt" alerts check >/dev/null
scan="sqlite3 $db 'SELECT sum(duration_ms) FROM traces'"
check="$vdt alerts check"
echo "rules: $rules, traces: $n" >&2
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 10 --export-json "$work/h.json" -N "$scan" "$check" >&2
  read -r t_scan t_check < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["median"], r[1]["median"])' "$work/h.json")
else
  time_it() { local s e; s=$(date +%s%N); for _ in 1 2 3 4 5; do eval "$1" >/dev/null; done; e=$(date +%s%N); echo "scale=4; ($e - $s) / 5 / 1000000000" | bc; }
  t_scan=$(time_it "$scan")
  t_check=$(time_it "$check")
fi
python3 -c "
import sys
s, c = float(sys.argv[1]), float(sys.argv[2])
print(f'full scan (sqlite3): {s*1000:.1f} ms   alerts check ({sys.argv[3]} rules): {c*1000:.1f} ms   ratio: {c/s:.2f}x (target <= 2x)')
" "$t_scan" "$t_check" "$rules"
