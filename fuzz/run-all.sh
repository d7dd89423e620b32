#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another, and prints how long
# each ran clean (or the crash it found). Needs cargo-fuzz (`cargo install cargo-fuzz`); works
# on a stable toolchain through RUSTC_BOOTSTRAP=1.
#   fuzz/run-all.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
export RUSTC_BOOTSTRAP=1
RUSTC_BOOTSTRAP=1 cargo fuzz build >/dev/null || exit 1
for t in $(cargo fuzz list); do
  mkdir -p "corpus/$t"
  start=$(date +%s)
  if out=$(cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1); then
    runs=$(printf '%s\n' "$out" | grep -o 'Done [0-9]* runs' | tail -1)
    echo "$t: clean for $(( $(date +%s) - start )) s ($runs)"
  else
    echo "$t: FAILED after $(( $(date +%s) - start )) s"
    printf '%s\n' "$out" | tail -30
  fi
done
