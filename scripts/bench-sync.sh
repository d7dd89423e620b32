#!/usr/bin/env bash
# Sync throughput against the Firestore emulator, in one run:
#   (a) a raw paginated listing of the collection with curl, same page size (the ceiling)
#   (b) vdt sync --full
#   (c) a no-change incremental run
# at N and 4N documents, with peak RSS from /usr/bin/time -v.
# Usage: scripts/bench-sync.sh [N] (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/emulator.sh
N=${1:-20000}
PAGE=${PAGE:-500}
work=$(mktemp -d)
trap 'stop_emulator; rm -rf "$work"' EXIT
cargo build --release --quiet
vdt=$PWD/target/release/vdt
start_emulator "$work/emulator.log"
echo "emulator on $EMU_HOST; page size $PAGE"

raw_listing() { # project -> prints documents listed
  local project=$1 after="" n=0 body out count
  while :; do
    if [ -z "$after" ]; then
      body="{\"structuredQuery\":{\"from\":[{\"collectionId\":\"vertigo_traces\"}],\"orderBy\":[{\"field\":{\"fieldPath\":\"__name__\"},\"direction\":\"ASCENDING\"}],\"limit\":$PAGE}}"
    else
      body="{\"structuredQuery\":{\"from\":[{\"collectionId\":\"vertigo_traces\"}],\"orderBy\":[{\"field\":{\"fieldPath\":\"__name__\"},\"direction\":\"ASCENDING\"}],\"startAt\":{\"values\":[{\"referenceValue\":\"$after\"}],\"before\":false},\"limit\":$PAGE}}"
    fi
    out=$(curl -fsS -H 'Authorization: Bearer owner' -H 'Content-Type: application/json' \
      -X POST "http://$EMU_HOST/v1/projects/$project/databases/(default)/documents:runQuery" -d "$body")
    count=$(grep -o '"name": *"projects/[^"]*"' <<<"$out" | wc -l)
    n=$((n + count))
    [ "$count" -lt "$PAGE" ] && break
    after=$(grep -o '"name": *"projects/[^"]*"' <<<"$out" | tail -n 1 | sed 's/.*"\(projects[^"]*\)"/\1/')
  done
  echo "$n"
}

secs() { python3 -c "import time; print(time.time())"; }

run_size() {
  local n=$1 project="bench-$1-$$" home="$work/home-$1"
  mkdir -p "$home"
  python3 scripts/lib/seed_emulator.py "$EMU_HOST" "$project" traces "$n"
  export HOME=$home
  "$vdt" init --non-interactive --project "$project" --emulator-host "$EMU_HOST" \
    --collection vertigo_traces:traces --skip-check -q
  export VDT_SYNC__PAGE_SIZE=$PAGE
  local t0 t1 listed a_s b_s c_s rss
  t0=$(secs); listed=$(raw_listing "$project"); t1=$(secs)
  a_s=$(python3 -c "print($t1-$t0)")
  /usr/bin/time -v -o "$work/time-b-$n" "$vdt" -q --json sync --full > "$work/b-$n.json"
  b_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,p,":"); s=0; for(i=1;i<=length(p);i++) s=s*60+p[i]; print s}' "$work/time-b-$n")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-b-$n")
  /usr/bin/time -v -o "$work/time-c-$n" "$vdt" -q --json sync > "$work/c-$n.json"
  c_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,p,":"); s=0; for(i=1;i<=length(p);i++) s=s*60+p[i]; print s}' "$work/time-c-$n")
  local synced read_c
  synced=$(jq '.collections[0].records_synced' "$work/b-$n.json")
  read_c=$(jq '.collections[0].records_read' "$work/c-$n.json")
  python3 - "$n" "$listed" "$a_s" "$synced" "$b_s" "$rss" "$c_s" "$read_c" "$PAGE" <<'PY'
import sys
n, listed, a, synced, b, rss, c, read_c, page = sys.argv[1:]
n, listed, synced, rss, read_c, page = map(int, (n, listed, synced, rss, read_c, page))
a, b, c = float(a), float(b), float(c)
print(f"N={n}: (a) curl listing {listed} docs in {a:.2f}s = {listed/a:,.0f} docs/s")
print(f"N={n}: (b) vdt sync --full {synced} docs in {b:.2f}s = {synced/b:,.0f} docs/s, peak RSS {rss/1024:.1f} MiB")
print(f"N={n}: (c) no-change incremental run {c:.2f}s, read {read_c} docs (page size {page})")
print(f"N={n}: ratio b/a (docs/s) = {(synced/b)/(listed/a):.2f}  [target >= 0.8]")
PY
}

run_size "$N"
run_size $((4 * N))
