#!/usr/bin/env bash
# The test command of the README: installs and starts, idempotently, what the tests need,
# then runs the whole suite. Safe to run again and again; needs root (or sudo) only to
# install packages that are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test.sh] %s\n' "$*" >&2; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

# Debian packages the suite uses, by the command or file that shows they are there.
need_pkgs=()
need() { # need PACKAGE TEST-COMMAND...
  local pkg=$1; shift
  if ! "$@" >/dev/null 2>&1; then need_pkgs+=("$pkg"); fi
}
need redis-server command -v redis-server
need redis-tools command -v redis-cli
need sqlite3 command -v sqlite3
need procps command -v pkill   # the health tests stop the emulator's process group
need python3 command -v python3   # tests/webhooks.rs signs deliveries with python3's hmac
need python3-aiosmtpd /usr/bin/python3 -c 'import aiosmtpd'
need npm command -v npm        # axe-core for the dashboard's accessibility audit
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing: ${need_pkgs[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# Browsers for the dashboard tests (tests/dashboard.rs). Installed on their own: if one cannot
# be installed, its test says so and skips while the rest of the suite runs.
browser_pkgs=()
command -v chromium >/dev/null 2>&1 || browser_pkgs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || browser_pkgs+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || browser_pkgs+=(firefox-esr)
if [ ${#browser_pkgs[@]} -gt 0 ]; then
  log "installing browsers: ${browser_pkgs[*]}"
  { sudo_if_needed apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${browser_pkgs[@]}" >/dev/null; } ||
    log "warning: could not install ${browser_pkgs[*]}; the dashboard tests for them will skip"
fi
# geckodriver is not packaged in Debian; crates.io has it.
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v geckodriver >/dev/null 2>&1; then
  log "installing geckodriver (cargo install geckodriver --locked)"
  cargo install geckodriver --locked -q ||
    log "warning: could not install geckodriver; the Firefox dashboard test will skip"
fi
# axe-core, injected by the dashboard tests; kept under target/, never committed.
axe_js=target/axe/node_modules/axe-core/axe.min.js
if [ ! -f "$axe_js" ]; then
  log "installing axe-core into target/axe"
  mkdir -p target/axe
  npm install --prefix target/axe --no-audit --no-fund --silent axe-core@4 >/dev/null
fi
export VDT_TEST_AXE="$PWD/$axe_js"

# The machine's Redis on 6379: tests use unique key prefixes on it.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

emu=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator
[ -x "$emu" ] || log "warning: Firestore emulator not found at $emu; tests that need it will skip"

export VDT_TEST_REDIS_URL=${VDT_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
log "running cargo test"
cargo test --all-targets --no-fail-fast "$@"
