#!/usr/bin/env bash
# GET /metrics answers Prometheus text that promtool accepts, with the
# series the operations issue asks for.
. "$(dirname "$0")/lib.sh" "$@"
command -v promtool >/dev/null || { echo "promtool not installed"; exit 77; }
make_demo_db
start_server --public-read
curl -fsS "$URL/api/v1/groups" >/dev/null
curl -sS -o /dev/null "$URL/api/v1/nope"
curl -fsS -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"status":"G"}' "$URL/api/v1/milestones/1/updates/2018-19-Q2" >/dev/null
# Made-up methods (a quote among them) are counted as OTHER, one series.
curl -sS -o /dev/null -X 'X"}a' "$URL/healthz" || true
for m in ZAA ZAB ZAC; do curl -sS -o /dev/null -X "$m" "$URL/healthz" || true; done
curl -fsS "$URL/metrics" >"$WORK/metrics.txt"
! grep -q 'method="Z' "$WORK/metrics.txt" || fail "a made-up method became a label"
[ "$(grep -c 'method="OTHER"' "$WORK/metrics.txt")" = 1 ] || fail "made-up methods not counted as OTHER: $(grep OTHER "$WORK/metrics.txt")"
promtool check metrics <"$WORK/metrics.txt" || fail "promtool rejected /metrics"
grep -q 'ragboard_http_requests_total{route="/api/v1/groups",method="GET",status="200"} 1' "$WORK/metrics.txt" \
  || fail "request counter by route template missing"
grep -q 'ragboard_http_requests_total{route="none",method="GET",status="404"} 1' "$WORK/metrics.txt" \
  || fail "unknown routes not counted under route=none"
grep -q '^ragboard_http_request_duration_seconds_bucket{le="+Inf"}' "$WORK/metrics.txt" || fail "histogram missing"
grep -q '^ragboard_http_requests_in_flight 1$' "$WORK/metrics.txt" || fail "in-flight gauge should count the /metrics request itself"
awk '/^ragboard_database_size_bytes /{ if ($2 > 0) ok=1 } END { exit !ok }' "$WORK/metrics.txt" || fail "database size missing"
awk '/^ragboard_last_write_timestamp_seconds /{ if ($2 > 1600000000) ok=1 } END { exit !ok }' "$WORK/metrics.txt" \
  || fail "last write time not recorded"
# The PUT ran in the writer thread: one batch of one request, timed.
grep -q '^ragboard_write_batches_total 1$' "$WORK/metrics.txt" || fail "writer batch not counted"
grep -q '^ragboard_write_batch_requests_total 1$' "$WORK/metrics.txt" || fail "batch requests not counted"
awk '/^ragboard_write_commit_seconds_total /{ if ($2 > 0) ok=1 } END { exit !ok }' "$WORK/metrics.txt" \
  || fail "commit time not recorded"
awk '/^ragboard_write_work_seconds_total /{ if ($2 > 0) ok=1 } END { exit !ok }' "$WORK/metrics.txt" \
  || fail "work time not recorded"
stop_server
[ "$SERVER_STATUS" -eq 0 ] || fail "server exited $SERVER_STATUS"
echo "metrics: ok"
