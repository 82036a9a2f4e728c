# Shared by the operations tests. Usage: . lib.sh RAGBOARD_BINARY SOURCE_ROOT
set -euo pipefail
RAGBOARD=$(readlink -f "$1")
SRC=$2
WORK=$(mktemp -d /tmp/ragboard-ops-XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  for pidfile in "$WORK"/*.pid; do
    [ -f "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# A migrated database with the demo dataset and an admin token in $ADMIN.
make_demo_db() {
  DB=$WORK/ragboard.db
  "$RAGBOARD" migrate --db "$DB" >/dev/null
  "$RAGBOARD" import --db "$DB" "$SRC/data/rotherham-icp-2018-19.json" >/dev/null
  ADMIN=$("$RAGBOARD" token create --db "$DB" --role admin --name ops-test | tail -n 1)
}

# Start the server on a free port: sets PORT and SERVER_PID. Extra args go to serve.
start_server() {
  rm -f "$WORK/port"
  "$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$WORK/port" "$@" \
    2>>"$WORK/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; fail "server exited"; }
    sleep 0.05
  done
  [ -s "$WORK/port" ] || fail "server did not write its port"
  PORT=$(cat "$WORK/port")
  URL=http://127.0.0.1:$PORT
}

# SIGTERM the server and wait for it; sets SERVER_STATUS.
stop_server() {
  kill -TERM "$SERVER_PID"
  SERVER_STATUS=0
  wait "$SERVER_PID" || SERVER_STATUS=$?
  SERVER_PID=""
}
