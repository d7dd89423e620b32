#!/usr/bin/env bash
# Side-by-side measurement of `vdt serve-webhooks` builds or settings, for a machine too noisy
# for one bench run to tell two builds apart. Each round runs every variant once, in turn,
# with `wrk -t2 -c50` and the signed ~1 KB body of scripts/bench-webhooks.sh (made by
# scripts/lib/webhook_bench_body.py), and reads per delivery (rows of webhook_logs written):
#   cpu_us   CPU time of the whole process (/proc/PID/task/*/stat)
#   cs       context switches of the whole process (/proc/PID/task/*/status)
#   wal_b    bytes the writer thread wrote (its log frames; /proc/PID/task/*/io wchar)
#   ckpt_b   bytes the checkpoint thread wrote (pages copied back)
# and the machine's idle share over the wrk run (/proc/stat). Prints one line per run, then
# the median of each figure per variant.
#
# Usage: scripts/ab-webhooks.sh [-r ROUNDS] [-d DURATION] VARIANT...
#   VARIANT is a path to a vdt binary, optionally followed by `::` and settings:
#     target/release/vdt                      the build as is
#     /tmp/vdt-old                            another build (e.g. `git worktree` + cargo build)
#     target/release/vdt::workers=2           a [webhooks] setting for this variant
#   Defaults: 5 rounds of 6s. TRACES=N rotates over N traces, as in scripts/bench-webhooks.sh.
# Example: scripts/ab-webhooks.sh -r 6 /tmp/vdt-before target/release/vdt
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5
DURATION=6s
while getopts "r:d:h" opt; do
  case $opt in
    r) ROUNDS=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
for v in "$@"; do
  bin=${v%%::*}
  [ -x "$bin" ] || { echo "ab-webhooks: $bin is not an executable" >&2; exit 2; }
done
for tool in wrk sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "ab-webhooks: needs $tool (apt-get install wrk sqlite3)" >&2; exit 2; }
done

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

SECRET="ab-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
python3 scripts/lib/webhook_bench_body.py "$work" "$SECRET" "${TRACES:-1}"

idle_now() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# "name cpu_ticks ctxt_switches wchar" per thread of $1.
threads() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s\t%s\t%s\t%s\n' "$(cat "$t/comm")" \
      "$(awk '{print $14 + $15}' "$t/stat")" \
      "$(awk '/ctxt_switches/{s += $2} END{print s}' "$t/status")" \
      "$(awk '/^wchar/{print $2}' "$t/io" 2>/dev/null || echo 0)"
  done
}

run_one() { # variant index → one result line
  local v=$1 i=$2 bin settings db port line
  bin=${v%%::*}
  settings=
  [[ $v == *::* ]] && settings=${v#*::}
  db=$work/run.sqlite3
  rm -f "$db" "$db-wal" "$db-shm"
  {
    echo "[webhooks]"
    [ -n "$settings" ] && tr ',' '\n' <<<"$settings"
    cat <<EOF
[[webhooks.sources]]
name = "langwatch"
scheme = "hmac-sha256"
header = "X-LangWatch-Signature"
secret_env = "AB_SECRET"
rate_limit = { per_second = 1000000, burst = 1000000 }
EOF
  } > "$work/config.toml"
  rm -f "$work/out"
  mkfifo "$work/out"
  env -i PATH="$PATH" HOME="$work" AB_SECRET="$SECRET" \
    "$bin" --config "$work/config.toml" --db "$db" --json serve-webhooks --bind 127.0.0.1:0 \
    > "$work/out" 2> "$work/server.log" &
  server=$!
  read -r line < "$work/out" || { cat "$work/server.log" >&2; exit 1; }
  port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["listening"].rsplit(":",1)[1])' "$line")
  threads "$server" > "$work/t0"
  read -r i0 t0 < <(idle_now)
  wrk -t2 -c50 -d"$DURATION" --latency -s "$work/post.lua" "http://127.0.0.1:$port/hooks/langwatch" > "$work/wrk"
  read -r i1 t1 < <(idle_now)
  threads "$server" > "$work/t1"
  kill -TERM "$server"
  wait "$server" || true
  server=
  python3 - "$work" "$i" "$(sqlite3 "$db" 'SELECT count(*) FROM webhook_logs')" \
    "$((i1 - i0))" "$((t1 - t0))" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
work, variant, rows, idle, total, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:])
def load(name):
    out = {}
    for line in open(f"{work}/{name}"):
        comm, cpu, cs, wchar = line.rstrip("\n").split("\t")
        out.setdefault(comm, []).append((int(cpu), int(cs), int(wchar)))
    return out
a, b = load("t0"), load("t1")
def total_of(d, k, match=lambda c: True):
    return sum(x[k] for c, xs in d.items() if match(c) for x in xs)
cpu = total_of(b, 0) - total_of(a, 0)
cs = total_of(b, 1) - total_of(a, 1)
writer = lambda c: c.startswith("vdt-webhooks-wr")
ckpt = lambda c: c.startswith("vdt-db-checkpoi")
wal = total_of(b, 2, writer) - total_of(a, 2, writer)
ck = total_of(b, 2, ckpt) - total_of(a, 2, ckpt)
t = open(f"{work}/wrk").read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def ms(v):
    n, u = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
p99 = ms(re.search(r"^\s*99%\s+(\S+)", t, re.M).group(1))
rows = max(rows, 1)
print(f"{variant}\t{rps:.0f}\t{p99:.2f}\t{cpu * 1e6 / hz / rows:.1f}\t{cs / rows:.2f}\t"
      f"{wal / rows:.0f}\t{ck / rows:.0f}\t{idle / max(total, 1):.3f}")
EOF
}

printf 'variant\treq/s\tp99_ms\tcpu_us\tcs\twal_b\tckpt_b\tidle\n' | tee "$work/results"
for _ in $(seq "$ROUNDS"); do
  i=0
  for v in "$@"; do
    run_one "$v" "$i" | tee -a "$work/results"
    i=$((i + 1))
  done
done
python3 - "$work/results" "$@" <<'EOF'
import statistics, sys
lines = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
names = sys.argv[2:]
print("\nmedians over the rounds:")
print(f"{'variant':40} {'req/s':>8} {'p99_ms':>7} {'cpu_us':>7} {'cs':>5} {'wal_b':>6} {'ckpt_b':>6} {'idle':>6}")
for i, name in enumerate(names):
    rows = [l for l in lines if l[0] == str(i)]
    med = [statistics.median(float(r[k]) for r in rows) for k in range(1, 8)]
    print(f"{name[-40:]:40} {med[0]:8.0f} {med[1]:7.2f} {med[2]:7.1f} {med[3]:5.2f} {med[4]:6.0f} {med[5]:6.0f} {med[6]:6.3f}")
EOF
