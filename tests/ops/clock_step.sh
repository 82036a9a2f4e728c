#!/usr/bin/env bash
# Deadlines run on the monotonic clock: with the wall clock an hour out
# (an LD_PRELOAD shim, clockstep.c, makes every wall-clock read an hour
# ahead of the one the kernel waits on, as a wait in progress sees a step
# back of an hour), slow clients are still cut off within the request
# timeout, and the request log is still flushed within a second.
. "$(dirname "$0")/lib.sh" "$@"
cc -shared -fPIC -o "$WORK/clockstep.so" "$SRC/tests/ops/clockstep.c" -ldl || fail "cannot build clockstep.so"
make_demo_db
PRELOAD=$WORK/clockstep.so
ASAN_RT=$(ldd "$RAGBOARD" | awk '/libasan/ {print $3}')
[ -z "$ASAN_RT" ] || PRELOAD="$ASAN_RT $PRELOAD"
LD_PRELOAD=$PRELOAD CLOCKSTEP_AFTER=1 start_server --request-timeout 2
sleep 1.5 # past the step
# The request log line of a request reaches the file within a second.
curl -s -o /dev/null "$URL/healthz"
sleep 1
grep -q '"target":"/healthz"' "$WORK/server.log" || fail "the request log was not flushed within 1 s"
# The shim works: the server's wall clock reads an hour ahead.
now=$(date -u +%s)
at=$(curl -s -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  --data '{"value": 5}' "$URL/api/v1/kpis/1/readings/2018-19-Q2" | jq -r .updated_at)
[ $(($(date -u -d "$at" +%s) - now)) -ge 3500 ] || fail "the shim did not move the server's wall clock ($at)"
# 20 slow clients: cut off within the 2 s request timeout (plus the reaper's
# 250 ms tick and some slack), not an hour later.
out=$(python3 "$SRC/tests/ops/conns.py" slow --port "$PORT" --count 20 --interval 0.2 --give-up 8)
echo "$out"
[ "$(jq .never_cut <<<"$out")" = 0 ] || fail "slow clients were not cut off: $out"
jq -e '.max_cut_s < 4' <<<"$out" >/dev/null || fail "slow clients cut off too late: $out"
stop_server
[ "$SERVER_STATUS" = 0 ] || fail "the server exited with $SERVER_STATUS"
echo "clock_step: ok"
