#!/usr/bin/env bash
# The request log never holds a request: with its reader stalled (stderr a
# pipe nobody reads, so every write to it blocks once the pipe is full),
# requests are still answered at once; the lines that find the log's buffer
# full are dropped and counted in /metrics, and once the reader drains the
# pipe, a warning line says how many.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
mkfifo "$WORK/stderr.fifo"
# Hold the read end open without reading (the server's writes must block,
# not fail with EPIPE): a reader that has stalled.
exec 3<>"$WORK/stderr.fifo"
rm -f "$WORK/port"
"$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$WORK/port" --threads 2 \
  --log-level info 2>"$WORK/stderr.fifo" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  [ -s "$WORK/port" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited"
  sleep 0.05
done
[ -s "$WORK/port" ] || fail "server did not write its port"
PORT=$(cat "$WORK/port")
# Enough requests to fill the pipe (64 KiB) and the log's buffer (512 KiB
# of lines of a few hundred bytes) several times over, each with a long
# target so that every line is large.
out=$(python3 - "$PORT" <<'PY'
import http.client, json, sys, time
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
pad = "x" * 200
slowest, t_all = 0.0, time.monotonic()
for i in range(12000):
    t0 = time.monotonic()
    c.request("GET", "/healthz?pad=%s%d" % (pad, i))
    r = c.getresponse()
    r.read()
    slowest = max(slowest, time.monotonic() - t0)
c.request("GET", "/metrics")
m = c.getresponse().read().decode()
dropped = [l for l in m.splitlines() if l.startswith("ragboard_log_lines_dropped_total ")]
print(json.dumps({"slowest_s": slowest, "total_s": time.monotonic() - t_all,
                  "dropped": float(dropped[0].split()[1]) if dropped else -1}))
PY
) || fail "requests stalled behind the stalled log reader"
echo "$out"
jq -e '.slowest_s < 2' <<<"$out" >/dev/null || fail "a request waited for the log: $out"
jq -e '.dropped > 0' <<<"$out" >/dev/null || fail "no dropped lines counted: $out"
# The reader catches up: the rest of the log arrives, with the warning.
timeout 60 sed '/"event":"stopped"/q' <&3 >"$WORK/server.log" &
READER_PID=$!
echo "$READER_PID" >"$WORK/reader.pid"
stop_server
[ "$SERVER_STATUS" = 0 ] || fail "the server exited with $SERVER_STATUS"
wait "$READER_PID" || fail "the log did not reach its end"
exec 3<&-
grep -q '"event":"log_dropped"' "$WORK/server.log" || fail "no log_dropped warning in the log"
grep -q '"event":"stopped"' "$WORK/server.log" || fail "the log did not reach the end"
echo "log_full: ok"
