#!/usr/bin/env bash
# SIGTERM stops accepting, lets a request in flight finish, checkpoints the
# WAL and exits 0; the logs are JSON lines without tokens.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
start_server
# Wait (up to $1 seconds) until the server counts $2 requests under way;
# the gauge counts the /metrics request that reads it as well.
wait_in_flight() {
  local deadline=$((SECONDS + $1)) n=0
  while [ "$SECONDS" -lt "$deadline" ]; do
    n=$(curl -s "$URL/metrics" | awk '/^ragboard_http_requests_in_flight /{print $2}' || true)
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "after $1 s the server counts ${n:-no} requests under way, not $2"
}
# A slow upload (about 4 s at 16 KB/s) is in flight when SIGTERM arrives:
# the server has begun it (its head is read) and curl is still sending.
curl -sS -o "$WORK/import.out" -w '%{http_code}' --limit-rate 16K -X POST \
  -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  --data-binary @"$SRC/data/rotherham-icp-2018-19.json" "$URL/api/v1/import" >"$WORK/import.code" &
CURL_PID=$!
wait_in_flight 60 2
kill -0 "$CURL_PID" 2>/dev/null || fail "the upload ended before the SIGTERM: nothing was in flight"
stop_server
wait "$CURL_PID" || true
[ "$SERVER_STATUS" -eq 0 ] || fail "server exited $SERVER_STATUS on SIGTERM"
[ "$(cat "$WORK/import.code")" = 200 ] || fail "request in flight got $(cat "$WORK/import.code"), not 200"
# Checkpointed: the WAL is gone or empty.
if [ -s "$DB-wal" ]; then fail "WAL not checkpointed: $(stat -c %s "$DB-wal") bytes"; fi
# New connections are refused after stop.
if curl -s -o /dev/null "$URL/healthz"; then fail "still accepting after SIGTERM"; fi
# SIGTERM during a burst of keep-alive writes: every write the database
# holds was answered 2xx to its client, and every 2xx is in the database
# (before, answers to committed writes were lost when the daemon stopped
# under them, and writes arriving late ran on a worker and were cut off).
# Three rounds: the loss hit only a few writes, and not every time. The
# SIGTERM comes once 100 writes of a round were answered (however slow the
# machine: not after a fixed time), with 16 clients still writing.
for round in 1 2 3; do
  start_server
  python3 "$SRC/tests/ops/put_clients.py" "$PORT" "$ADMIN" "$WORK/clients.$round.json" 16 "$round" \
    100 &
  CLIENTS_PID=$!
  deadline=$((SECONDS + 120))
  until [ -e "$WORK/clients.$round.json.ready" ]; do
    kill -0 "$CLIENTS_PID" 2>/dev/null || fail "the PUT clients stopped before 100 writes were answered"
    [ "$SECONDS" -lt "$deadline" ] || fail "fewer than 100 writes answered in 120 s"
    sleep 0.05
  done
  stop_server
  wait "$CLIENTS_PID" || fail "the PUT clients failed"
  [ "$SERVER_STATUS" -eq 0 ] || fail "server exited $SERVER_STATUS on SIGTERM under writes"
done
sqlite3 "$DB" "SELECT json_extract(after, '$.comment') FROM audit WHERE action = 'update.put'" |
  sort >"$WORK/committed.txt"
python3 - "$WORK/committed.txt" "$WORK"/clients.?.json <<'PY' || fail "answers and commits disagree"
import json, sys
committed = set(open(sys.argv[1]).read().split())
for path in sys.argv[2:]:
    results = json.load(open(path))
    # each round's values are told apart by its round number
    tag = path.rsplit(".", 2)[-2]
    values = {f"{tag}:{v}" for v, _ in results}
    acked = {f"{tag}:{v}" for v, s in results if s in (200, 201)}
    held = {v for v in values if v in committed}
    lost = sorted(v for v in values - acked if v in committed)
    missing = sorted(acked - committed)
    print(f"shutdown under writes, round {tag}: {len(results)} requests, {len(acked)} acknowledged, {len(held)} committed")
    if len(acked) < 50:
        sys.exit("too few writes before the SIGTERM to test anything")
    if lost:
        sys.exit(f"committed but answered otherwise: {lost[:10]} ({len(lost)})")
    if missing:
        sys.exit(f"acknowledged but not in the database: {missing[:10]} ({len(missing)})")
PY

# Logs: one JSON object per line, start and stop events, never the token.
python3 - "$WORK/server.log" <<'PY' || fail "the log is not JSON lines"
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        if not isinstance(json.loads(line), dict):
            raise ValueError("not an object")
    except ValueError as e:
        sys.exit(f"line {n}: {e}: {line[:200]}")
PY
grep -q '"event":"start"' "$WORK/server.log" || fail "no start line"
grep -q '"event":"stopped"' "$WORK/server.log" || fail "no stopped line"
grep -q '"route":"/api/v1/import"' "$WORK/server.log" || fail "request line without route template"
secret=${ADMIN#rb1_*_}
if grep -qF "$secret" "$WORK/server.log"; then fail "a token leaked into the log"; fi
echo "shutdown: ok"
