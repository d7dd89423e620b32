#!/usr/bin/env bash
# Cache benchmark: the API's 24-hour metrics read (the metrics engine's summary) over 1M
# generated traces, directly vs through the cache's entry point with Redis only vs both tiers,
# with a write (a new trace through the store and a generation bump) every second. Starts a private redis-server on a free port (never touches other servers'
# keys) and stops it by its pid. Figures go to BENCHMARKS.md ("Cache").
#
#   scripts/bench-cache.sh [--rows N] [--seconds S] [--direct-seconds S] [--threads T] [--keys 1-4] [--db PATH]
set -euo pipefail
cd "$(dirname "$0")/.."

command -v redis-server >/dev/null || { echo "redis-server missing (scripts/test.sh installs it)" >&2; exit 69; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

cargo build --release --example bench_cache >&2
# The generated rows are kept between runs (delete the file to regenerate).
mkdir -p target/bench
target/release/examples/bench_cache --redis "redis://127.0.0.1:$port/0" --db target/bench/cache-traces.sqlite3 "$@"
