#!/usr/bin/env bash
# SIGTERM stops accepting, lets a request in flight finish, checkpoints the
# WAL and exits 0; the logs are JSON lines without tokens.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
start_server
# A slow upload (about 2 s at 16 KB/s) is in flight when SIGTERM arrives.
curl -sS -o "$WORK/import.out" -w '%{http_code}' --limit-rate 16K -X POST \
  -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  --data-binary @"$SRC/data/rotherham-icp-2018-19.json" "$URL/api/v1/import" >"$WORK/import.code" &
CURL_PID=$!
sleep 0.7
stop_server
wait "$CURL_PID" || true
[ "$SERVER_STATUS" -eq 0 ] || fail "server exited $SERVER_STATUS on SIGTERM"
[ "$(cat "$WORK/import.code")" = 200 ] || fail "request in flight got $(cat "$WORK/import.code"), not 200"
# Checkpointed: the WAL is gone or empty.
if [ -s "$DB-wal" ]; then fail "WAL not checkpointed: $(stat -c %s "$DB-wal") bytes"; fi
# New connections are refused after stop.
if curl -s -o /dev/null "$URL/healthz"; then fail "still accepting after SIGTERM"; fi
# Logs: one JSON object per line, start and stop events, never the token.
while IFS= read -r line; do
  jq -e . >/dev/null <<<"$line" || fail "log line is not JSON: $line"
done <"$WORK/server.log"
grep -q '"event":"start"' "$WORK/server.log" || fail "no start line"
grep -q '"event":"stopped"' "$WORK/server.log" || fail "no stopped line"
grep -q '"route":"/api/v1/import"' "$WORK/server.log" || fail "request line without route template"
secret=${ADMIN#rb1_*_}
if grep -qF "$secret" "$WORK/server.log"; then fail "a token leaked into the log"; fi
echo "shutdown: ok"
