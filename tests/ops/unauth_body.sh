#!/usr/bin/env bash
# A write's body is held in memory only for a valid token: unauthenticated
# uploads to the import (32 MiB allowed) are dropped as they arrive and
# answered 401, so they cannot make the server hold gigabytes.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
start_server
head -c $((30 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/big.json"
rss_hwm() { awk '/^VmHWM/{print $2}' "/proc/$SERVER_PID/status"; }
before=$(rss_hwm)
pids=()
for i in $(seq 1 8); do
  te=()
  [ $((i % 2)) = 0 ] || te=(-H 'Transfer-Encoding: chunked') # half of them chunked
  curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' "${te[@]}" \
    -H "Authorization: Bearer rb1_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    --data-binary "@$WORK/big.json" "$URL/api/v1/import" >"$WORK/code.$i" &
  pids+=($!)
done
wait "${pids[@]}" # not the server's
for i in $(seq 1 8); do
  [ "$(cat "$WORK/code.$i")" = 401 ] || fail "upload $i answered $(cat "$WORK/code.$i"), wanted 401"
done
after=$(rss_hwm)
# 8 x 30 MiB held would be 240 MiB and more; dropped, the peak barely moves.
[ $((after - before)) -lt $((64 * 1024)) ] || fail "peak RSS grew by $(((after - before) / 1024)) MiB for refused uploads"
# A valid token's import is still read whole and answered.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $ADMIN" --data-binary "@$SRC/data/rotherham-icp-2018-19.json" "$URL/api/v1/import")
[ "$code" = 200 ] || fail "an admin's import answered $code"
stop_server
echo "unauth_body: ok (peak RSS +$(((after - before) / 1024)) MiB)"
