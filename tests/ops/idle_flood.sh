#!/usr/bin/env bash
# Idle or slow sockets cannot lock out clients: 2,000 sockets from one
# address that send nothing (or a byte of a head now and then), with the
# default limits and with the per-address limit raised past them: healthy
# requests from the same address, each on a new connection, are all
# answered, within 200 ms (95th percentile of 20 or more; the slowest within
# a second), the server's memory stays under 256 MiB, and the idle sockets
# are shed (oldest first) rather than the healthy client refused.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
# The client needs 2,000+ descriptors; the server raises its own limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 2300 ] || {
  echo "idle_flood: the hard limit on open files ($(ulimit -Hn)) is below 2,300; skipped"
  rm -rf "$WORK"
  exit 77
}
check() { # NAME JSON
  echo "idle_flood: $1: $2"
  jq -e '.healthy_statuses == {"200": .healthy}' <<<"$2" >/dev/null || fail "$1: a healthy request was not answered 200: $2"
  # The target is 200 ms; a machine shared with other work may stall one
  # request now and then, never most of them, and never for a second.
  jq -e '.healthy_p95_ms < 200 and .healthy_max_ms < 1000' <<<"$2" >/dev/null ||
    fail "$1: healthy requests took 200 ms or more: $2"
  jq -e '.rss_peak_kib < 256 * 1024' <<<"$2" >/dev/null || fail "$1: the server's memory reached 256 MiB: $2"
  jq -e '.shed > 0' <<<"$2" >/dev/null || fail "$1: no idle socket was shed: $2"
  kill -0 "$SERVER_PID" || fail "$1: the server died"
}
for limits in "" "--max-connections-per-ip 4096"; do
  # shellcheck disable=SC2086 # word splitting intended
  start_server $limits
  for mode in idle slow; do
    out=$(python3 "$SRC/tests/ops/conns.py" flood --port "$PORT" --pid "$SERVER_PID" --count 2000 \
      --mode "$mode" --hold 3 --healthy 20)
    check "$mode, ${limits:-default limits}" "$out"
  done
  stop_server
  [ "$SERVER_STATUS" = 0 ] || fail "the server exited with $SERVER_STATUS"
done
echo "idle_flood: ok"
