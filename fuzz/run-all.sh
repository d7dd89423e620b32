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
    # libFuzzer's own count and time: a rebuild of the target is not fuzzing time.
    done_line=$(printf '%s\n' "$out" | grep -o 'Done [0-9]* runs in [0-9]* second(s)' | tail -1)
    echo "$t: clean, ${done_line:-no summary} ($(( $(date +%s) - start )) s with the build)"
  else
    echo "$t: FAILED after $(( $(date +%s) - start )) s"
    printf '%s\n' "$out" | tail -30
  fi
done
