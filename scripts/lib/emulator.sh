# Source this: start_emulator / stop_emulator for the official Firestore emulator.
# The emulator is a bash script that starts java; it runs in its own session so the whole
# group can be stopped with `kill -s KILL -- -PGID` (never a bare `kill -KILL -N`, which
# procps-ng's kill reads as "every process").
EMULATOR_BIN=${EMULATOR_BIN:-/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_emulator LOGFILE: sets EMU_HOST and EMU_PGID.
start_emulator() {
  local log=${1:-/dev/null} port pidfile
  [ -x "$EMULATOR_BIN" ] || { echo "Firestore emulator not found at $EMULATOR_BIN" >&2; return 1; }
  port=$(free_port)
  pidfile=$(mktemp)
  setsid bash -c 'echo $$ > "$1"; exec "$2" start --host=127.0.0.1 --port="$3"' _ "$pidfile" "$EMULATOR_BIN" "$port" >"$log" 2>&1 </dev/null &
  for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.05; done
  EMU_PGID=$(cat "$pidfile"); rm -f "$pidfile"
  EMU_HOST=127.0.0.1:$port
  for _ in $(seq 600); do
    curl -fsS "http://$EMU_HOST/" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the emulator did not start; see $log" >&2
  return 1
}

stop_emulator() {
  if [ -n "${EMU_PGID:-}" ] && [ "$EMU_PGID" -gt 1 ]; then
    kill -s KILL -- "-$EMU_PGID" 2>/dev/null || true
  fi
  EMU_PGID=
}
