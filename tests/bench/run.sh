#!/usr/bin/env bash
# ragboard's benchmark, one command, on a Debian 12 machine, as root:
#
#   bash tests/bench/run.sh                    # 20 s per scenario, about 3 minutes after the build
#   BENCH_SECONDS=3 bash tests/bench/run.sh    # smoke test, under a minute after the build
#
# It installs what is missing (.ci/install-deps wrk), builds an optimised
# binary in build-bench/, makes a database with the 2018/19 demo and a
# generated 5,000 milestone + 5,000 KPI framework (tests/bench/gen_framework.py),
# starts `ragboard serve` on loopback as it runs in production (synchronous
# FULL, the default HTTP thread pool, request logs at info) plus --public-read, and
# measures with wrk (keep-alive, 64 connections, 2 threads):
#   1  GET /api/v1/summary (the dashboard poll), against nginx and h2o serving
#      the same bytes as a static file, in interleaved rounds: the
#      ragboard/nginx and ragboard/h2o ratios are the headline
#   2  GET /api/v1/kpis?year=...&group=... on the large framework (and on 1 connection)
#   3  PUT readings from 4 submitter tokens, each on its own KPIs (durable)
#   4  mixed: the reads of scenario 1's client (18 summaries : 1 KPI list) while
#      a second wrk PUTs readings at a steady pace (5% of the requests at
#      scenario 1's rate): read and write latency each measured on its own
#   5  one bulk return of 5,000 rows (3 times), and the import of the framework
#   6  1,000 idle keep-alive connections: the server's memory
#   7  the summary's build cost against the plan year's size (126 to 20,000
#      items) and the cost of a repeated summary
#   8  issue 18's trend paths: series, SPC, chart, quarter views, summary build
#   9  the board report: cached against the summary, rebuilt after a write
#  10  the dashboard in headless chromium (tests/bench/dashboard.mjs, its own
#      server on the demo): the overview's load time, bytes on a first load
#      and per unchanged poll, the server's CPU for the page's poll against a
#      summary 304
# with the disk's own fsync rate (tests/bench/fsync.sh) for comparison.
# Results: a table on stdout, tests/bench/results/latest.{json,md}.
# The targets are informative: the script exits 0 whether or not they are met
# (it fails only when the benchmark itself cannot run).
#
# Environment:
#   BENCH_SECONDS=20       seconds per wrk scenario (scenario 1: per server, split over the rounds)
#   BENCH_WARMUP=2         seconds of unmeasured load before each wrk scenario
#   BENCH_CONNECTIONS=64 BENCH_THREADS=2
#   BENCH_ROUNDS=3         scenario 1's rounds: ragboard, nginx, h2o in turn, BENCH_SECONDS/3 each
#   BENCH_H2O_THREADS=2    h2o's num-threads
#   BENCH_MIX_WRITES       scenario 4's writes per second (default: scenario 1's ragboard
#                          req/s x 5/95, so writes are 5% of the requests at that rate)
#   BENCH_MIX_WRITE_CONNECTIONS=BENCH_CONNECTIONS BENCH_MIX_WRITE_THREADS=1   scenario 4's writing wrk
#   BENCH_IDLE=1000        idle connections in scenario 6 (held BENCH_SECONDS, at most 20 s)
#   BENCH_LOG_LEVEL=info   the server's --log-level (info logs every request, as deployed)
#   BENCH_DIR=build-bench/run   where the database, logs, nginx and h2o live (its disk is the one measured)
#   BENCH_SERVER_CPUS, BENCH_CLIENT_CPUS   optional taskset CPU lists to pin the
#                          servers (ragboard, nginx, h2o) and the clients (wrk, ...); unset: no pinning
#   BENCH_RESULTS=tests/bench/results   where latest.json and latest.md go
#   BENCH_KEEP=1           keep the database and the logs afterwards
#   BENCH_SKIP_INSTALL=1 BENCH_SKIP_BUILD=1   for repeated runs
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/bench

SECS=${BENCH_SECONDS:-20}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
H2O_THREADS=${BENCH_H2O_THREADS:-2}
MIX_WRITE_CONNS=${BENCH_MIX_WRITE_CONNECTIONS:-$CONNS}
MIX_WRITE_THREADS=${BENCH_MIX_WRITE_THREADS:-1}
IDLE=${BENCH_IDLE:-1000}
LOG_LEVEL=${BENCH_LOG_LEVEL:-info}
WORK=${BENCH_DIR:-$ROOT/build-bench/run}
RESULTS=${BENCH_RESULTS:-$HERE/results}
YEAR=2030-31
DEMO_Q=2018-19-Q1
WRITE_Q=$YEAR-Q2
RETURN_Q=$YEAR-Q1
export BENCH_THREADS=$THREADS # read by the Lua scripts

case $SECS in '' | *[!0-9]* | 0) echo "BENCH_SECONDS must be a positive integer" >&2; exit 2 ;; esac
case $WARMUP in '' | *[!0-9]*) echo "BENCH_WARMUP must be a whole number of seconds" >&2; exit 2 ;; esac
for v in ROUNDS H2O_THREADS MIX_WRITE_CONNS MIX_WRITE_THREADS; do
  case ${!v} in '' | *[!0-9]* | 0) echo "$v must be a positive integer" >&2; exit 2 ;; esac
done
case ${BENCH_MIX_WRITES:-1} in '' | *[!0-9]* | 0) echo "BENCH_MIX_WRITES must be a positive integer (writes/s)" >&2; exit 2 ;; esac
[ "$MIX_WRITE_CONNS" -ge "$MIX_WRITE_THREADS" ] || { echo "BENCH_MIX_WRITE_CONNECTIONS must be >= BENCH_MIX_WRITE_THREADS" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run.sh needs root (packages, ulimit, /proc/PID/clear_refs)" >&2; exit 2; }

SERVER_PID="" NGINX_PID="" H2O_PID="" CLIENT_PID="" MIX_PIDS="" OUR_POLICY=""
POLICY_RC=/usr/sbin/policy-rc.d
POLICY_MARK="# ragboard bench: no service starts while it installs packages"
stop_pid() { # stop_pid PID: TERM, then KILL after 15 s
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
child_pids() { # child_pids PID: the process and its children (nginx's workers, h2o's helper)
  local p line f
  echo "$1"
  for p in /proc/[0-9]*; do
    { read -r line <"$p/stat"; } 2>/dev/null || continue
    read -ra f <<<"${line##*) }"
    if [ "${f[1]}" = "$1" ]; then echo "${p#/proc/}"; fi
  done
  return 0
}
drop_policy() { # remove the policy-rc.d this script wrote, and only that one
  if [ -n "$OUR_POLICY" ] && grep -qxF "$POLICY_MARK" "$POLICY_RC" 2>/dev/null; then rm -f "$POLICY_RC"; fi
  OUR_POLICY=""
}
cleanup() {
  local rc=$? p c
  drop_policy
  stop_pid "$CLIENT_PID"
  for p in $MIX_PIDS; do # the subshells running scenario 4's clients: their children first
    for c in $(child_pids "$p" | tail -n +2); do stop_pid "$c"; done
    stop_pid "$p"
  done
  stop_pid "$SERVER_PID"
  stop_pid "$NGINX_PID"
  stop_pid "$H2O_PID"
  if [ "${BENCH_KEEP:-0}" != 1 ] && [ -d "$WORK" ]; then
    rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm "$WORK"/*.db.audit-key "$WORK"/server.log \
      "$WORK"/nginx/access.log \
      "$WORK"/large.json
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
fail() { echo "bench: $*" >&2; exit 1; }
# Optional pinning: command prefixes (taskset execs, so $! stays the process's own PID).
PIN_SERVER=() PIN_CLIENT=()
[ -z "${BENCH_SERVER_CPUS:-}" ] || PIN_SERVER=(taskset -c "$BENCH_SERVER_CPUS")
[ -z "${BENCH_CLIENT_CPUS:-}" ] || PIN_CLIENT=(taskset -c "$BENCH_CLIENT_CPUS")

# ---- install and build -------------------------------------------------------
if [ "${BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  say "install what is missing (.ci/install-deps wrk h2o)"
  # Debian's nginx and h2o packages start their service (on port 80) when
  # installed, unless /usr/sbin/policy-rc.d says no. The benchmark runs both
  # from its own configuration, only while it measures them: where no policy
  # exists, one that refuses every start is in place for the install only.
  if [ ! -e "$POLICY_RC" ]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    OUR_POLICY=1
  fi
  bash .ci/install-deps wrk h2o
  drop_policy
fi
for tool in wrk nginx h2o jq curl python3 meson ninja; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
NGINX_BIN=$(command -v nginx)
H2O_BIN=$(command -v h2o)

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -x build-bench/ragboard ]; then
  say "build (meson setup build-bench --buildtype=release -Dtests=false)"
  if [ -f build-bench/build.ninja ]; then
    meson setup --reconfigure build-bench --buildtype=release -Dtests=false >/dev/null
  else
    meson setup build-bench --buildtype=release -Dtests=false >/dev/null
  fi
  ninja -C build-bench ragboard >/dev/null
fi
RB=$ROOT/build-bench/ragboard

# Many sockets: 1,000 idle connections plus wrk's; the unit file sets LimitNOFILE=65536.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The work directory is emptied first: only one this script made.
if [ -d "$WORK" ] && [ -n "$(ls -A "$WORK")" ] && [ ! -f "$WORK/.ragboard-bench" ]; then
  fail "$WORK exists and was not made by this script: choose another BENCH_DIR"
fi
rm -rf "$WORK"
mkdir -p "$WORK"/s "$WORK"/www/api/v1 "$WORK"/nginx "$WORK"/h2o "$RESULTS"
touch "$WORK/.ragboard-bench"
DB=$WORK/ragboard.db

snap() { # snap PID...: the processes' CPU ticks and memory, and the machine's CPU, as JSON
  local ticks=0 rss=0 hwm=0 p line f k v _ u n s i w irq sirq st
  for p in "$@"; do
    read -r line <"/proc/$p/stat"
    read -ra f <<<"${line##*) }"
    ticks=$((ticks + f[11] + f[12]))
    while read -r k v _; do
      case $k in VmRSS:) rss=$((rss + v)) ;; VmHWM:) hwm=$((hwm + v)) ;; esac
    done <"/proc/$p/status"
  done
  read -r _ u n s i w irq sirq st _ </proc/stat
  printf '{"t_ns":%s,"ticks":%s,"rss_kib":%s,"hwm_kib":%s,"cpu_busy":%s,"cpu_total":%s,"loadavg":"%s"}\n' \
    "$(date +%s%N)" "$ticks" "$rss" "$hwm" $((u + n + s + irq + sirq + st)) \
    $((u + n + s + i + w + irq + sirq + st)) "$(cut -d' ' -f1-3 /proc/loadavg)"
}
reset_hwm() { # the peak RSS is measured per scenario
  local p
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
}

# run_wrk NAME URL SCRIPT [SCRIPT ARGS...]: warm up, then measure; the server
# measured is the one whose PIDs are in $TARGET_PIDS.
run_wrk() {
  local name=$1 url=$2 script=$3 d=$WORK/s/$1
  local threads=${WRK_THREADS:-$THREADS} conns=${WRK_CONNS:-$CONNS} secs=${WRK_SECS:-$SECS}
  local warmup=${WRK_WARMUP:-$WARMUP}
  shift 3
  mkdir -p "$d"
  if [ "$warmup" -gt 0 ]; then
    "${PIN_CLIENT[@]}" timeout $((warmup + 30)) \
      wrk -t"$threads" -c"$conns" -d"${warmup}s" -s "$script" "$url" -- "$@" >/dev/null 2>&1 || true
  fi
  # shellcheck disable=SC2086
  reset_hwm $TARGET_PIDS
  # shellcheck disable=SC2086
  snap $TARGET_PIDS >"$d/before.json"
  # ragboard's own counters (the writer's batches) around the measured run
  if [ "$TARGET_PIDS" = "$SERVER_PID" ]; then curl -fsS --max-time 5 "$URL/metrics" >"$d/metrics_before.txt" || true; fi
  local TIMEFORMAT='%R %U %S' rc=0
  { time "${PIN_CLIENT[@]}" timeout $((secs + 60)) \
      wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$script" "$url" -- "$@" \
      >"$d/wrk.txt" 2>&1 || rc=$?; } 2>"$d/client_time.txt"
  # shellcheck disable=SC2086
  snap $TARGET_PIDS >"$d/after.json"
  if [ "$TARGET_PIDS" = "$SERVER_PID" ]; then curl -fsS --max-time 5 "$URL/metrics" >"$d/metrics_after.txt" || true; fi
  [ "$rc" -eq 0 ] || { cat "$d/wrk.txt" >&2; fail "wrk failed in scenario $name (exit $rc)"; }
  grep -q '^BENCH_JSON ' "$d/wrk.txt" || { cat "$d/wrk.txt" >&2; fail "no result from wrk in $name"; }
  say_wrk "" "$d/wrk.txt"
}
say_wrk() { # say_wrk LABEL WRK_OUTPUT: one line from the BENCH_JSON line
  grep '^BENCH_JSON ' "$2" | sed 's/^BENCH_JSON //' | jq -r --arg lead "$1" \
    '"   \($lead)\(.requests / (.duration_us / 1e6) | floor) req/s, p50 \(.latency_us.percentiles["50"] / 1000) ms, p99 \(.latency_us.percentiles["99"] / 1000) ms, max \(.latency_us.max / 1000) ms, errors \(.errors)"'
}

# Scenario 4's two clients, run side by side: the reads exactly as scenario
# 1's client (same connections and threads), and the writes paced by
# lua/mixed_writes.lua on connections of their own.
mixed_reads() { # mixed_reads SECONDS
  "${PIN_CLIENT[@]}" timeout $(($1 + 60)) wrk -t"$THREADS" -c"$CONNS" -d"$1s" --timeout 5s \
    -s "$HERE/lua/mixed_reads.lua" "$URL/" -- "$SUMMARY_PATH" "$LIST_PATH"
}
mixed_writes() { # mixed_writes SECONDS WRITES_PER_S
  BENCH_THREADS=$MIX_WRITE_THREADS "${PIN_CLIENT[@]}" timeout $(($1 + 60)) \
    wrk -t"$MIX_WRITE_THREADS" -c"$MIX_WRITE_CONNS" -d"$1s" --timeout 5s \
    -s "$HERE/lua/mixed_writes.lua" "$URL/" -- "$WORK/tokens.txt" "$WRITE_Q" "$2"
}
run_mixed() { # run_mixed WRITES_PER_S
  local rate=$1 d=$WORK/s/s4_mixed a b rc rc_r=0 rc_w=0 part
  mkdir -p "$d/reads" "$d/writes"
  if [ "$WARMUP" -gt 0 ]; then
    mixed_reads "$WARMUP" >/dev/null 2>&1 &
    a=$!
    mixed_writes "$WARMUP" "$rate" >/dev/null 2>&1 &
    b=$!
    MIX_PIDS="$a $b"
    wait "$a" || true
    wait "$b" || true
  fi
  reset_hwm "$SERVER_PID"
  snap "$SERVER_PID" >"$d/before.json"
  curl -fsS --max-time 5 "$URL/metrics" >"$d/metrics_before.txt" || true
  (
    TIMEFORMAT='%R %U %S'
    time mixed_reads "$SECS" >"$d/reads/wrk.txt" 2>&1
  ) 2>"$d/reads/client_time.txt" &
  a=$!
  (
    TIMEFORMAT='%R %U %S'
    time mixed_writes "$SECS" "$rate" >"$d/writes/wrk.txt" 2>&1
  ) 2>"$d/writes/client_time.txt" &
  b=$!
  MIX_PIDS="$a $b"
  wait "$a" || rc_r=$?
  wait "$b" || rc_w=$?
  MIX_PIDS=""
  snap "$SERVER_PID" >"$d/after.json"
  curl -fsS --max-time 5 "$URL/metrics" >"$d/metrics_after.txt" || true
  jq -n --argjson rate "$rate" --argjson conns "$MIX_WRITE_CONNS" --argjson threads "$MIX_WRITE_THREADS" \
    --argjson rconns "$CONNS" --argjson rthreads "$THREADS" \
    '{writes_per_s_target: $rate, write_connections: $conns, write_threads: $threads,
      read_connections: $rconns, read_threads: $rthreads}' >"$d/settings.json"
  for part in reads writes; do
    [ "$part" = reads ] && rc=$rc_r || rc=$rc_w
    [ "$rc" -eq 0 ] || { cat "$d/$part/wrk.txt" >&2; fail "wrk ($part) failed in scenario 4 (exit $rc)"; }
    grep -q '^BENCH_JSON ' "$d/$part/wrk.txt" || { cat "$d/$part/wrk.txt" >&2; fail "no result from wrk ($part) in scenario 4"; }
  done
  say_wrk "reads:  " "$d/reads/wrk.txt"
  say_wrk "writes: " "$d/writes/wrk.txt"
}

say "machine: $(nproc) x $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(awk '/^MemTotal/{printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the disk ----------------------------------------------------------------
say "the disk under $WORK: write + fsync of 4 KiB, 5 s per pattern"
bash "$HERE/fsync.sh" "$WORK" 5 | tee "$WORK/fsync.json"

# ---- data --------------------------------------------------------------------
say "database: the demo and a generated framework ($YEAR)"
"$RB" migrate --db "$DB" >/dev/null 2>&1 # also makes the audit key, $DB.audit-key
"$RB" import --db "$DB" data/rotherham-icp-2018-19.json >/dev/null
python3 "$HERE/gen_framework.py" --year "$YEAR" --out "$WORK/large.json" \
  --return-out "$WORK/return.json" --return-rows 5000 \
  --chains 20 --history-out "$WORK/history" 2>"$WORK/gen.json"
cat "$WORK/gen.json"
# The chains' earlier plan years (issue 18: multi-year KPI series, monthly
# and quarterly, for scenario 8), oldest first, before the plan year that
# continues them; not part of the timed import.
"$RB" import --db "$DB" $(jq -r '.history_files[]' "$WORK/gen.json") >/dev/null
{
  TIMEFORMAT='%R %U %S'
  start=$(date +%s%N)
  { time "$RB" import --db "$DB" "$WORK/large.json" >"$WORK/import.out"; } 2>"$WORK/import_time.txt"
  end=$(date +%s%N)
}
jq -n --argjson t0 "$start" --argjson t1 "$end" --rawfile time "$WORK/import_time.txt" \
  --rawfile out "$WORK/import.out" --argjson bytes "$(stat -c %s "$WORK/large.json")" \
  '{wall_s: (($t1 - $t0) / 1e9), cpu: ($time | gsub("\\s+$"; "") | split(" ") | map(tonumber)),
    counts: ($out | sub("^[^{]*"; "") | fromjson), file_bytes: $bytes}' >"$WORK/import.json"
jq -r '"   import: \(.wall_s) s, \((.counts.milestones + .counts.kpis + .counts.updates + .counts.readings) / .wall_s | floor) rows/s"' \
  "$WORK/import.json"
echo "   database: $(stat -c %s "$DB") bytes"

ADMIN=$("$RB" token create --db "$DB" --role admin --name bench-admin | tail -n 1)
ORGS=(BORG-ACUTE BORG-COUNCIL BORG-MH BORG-ICB)
SUBMITTERS=()
for org in "${ORGS[@]}"; do
  SUBMITTERS+=("$("$RB" token create --db "$DB" --role submitter --org "$org" --name "bench-$org" | tail -n 1)")
done
# The largest group of the framework: its first page of KPIs (the default 100).
GROUP=$(jq -r '[.kpis[].group] | group_by(.) | max_by(length) | .[0]' "$WORK/large.json")

# ---- the server --------------------------------------------------------------
say "start ragboard serve (synchronous full, --public-read, log level $LOG_LEVEL)"
SERVE_ARGS=(--db "$DB" --listen 127.0.0.1:0 --port-file "$WORK/port" --public-read
  --threads "${BENCH_SERVER_THREADS:-0}"
  --synchronous full --log-level "$LOG_LEVEL"
  --max-connections 4096 --max-connections-per-ip 2048 --connection-timeout 120 --request-timeout 120)
"${PIN_SERVER[@]}" "$RB" serve "${SERVE_ARGS[@]}" >"$WORK/server.stdout" 2>>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 200); do
  [ -s "$WORK/port" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; fail "the server exited"; }
  sleep 0.05
done
[ -s "$WORK/port" ] || fail "the server did not write its port"
URL=http://127.0.0.1:$(cat "$WORK/port")
echo "   $URL (pid $SERVER_PID, $(awk '/^Threads/{print $2}' /proc/$SERVER_PID/status) threads)"
jq -n --arg bin "$RB" --argjson args "$(printf '%s\n' "${SERVE_ARGS[@]}" | jq -R . | jq -s .)" \
  --arg version "$("$RB" version)" --arg group "$GROUP" \
  '{binary: $bin, version: $version, args: $args, group: $group}' >"$WORK/server.json"

# Token files for the writers: "TOKEN ID ID ..." per submitter, their own KPIs.
: >"$WORK/tokens.txt"
for i in "${!ORGS[@]}"; do
  ids=$(curl -fsS --max-time 30 -H "Authorization: Bearer $ADMIN" \
    "$URL/api/v1/kpis?year=$YEAR&owner=${ORGS[$i]}&limit=500" | jq -r '[.items[].id] | join(" ")')
  [ -n "$ids" ] || fail "no KPIs owned by ${ORGS[$i]}"
  echo "${SUBMITTERS[$i]} $ids" >>"$WORK/tokens.txt"
done
# Every writer may write: one PUT per token.
while read -r token id _; do
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"value": 1, "rating": "G"}' \
    "$URL/api/v1/kpis/$id/readings/$WRITE_Q")
  [ "$code" = 200 ] || [ "$code" = 201 ] || fail "a submitter's PUT answered $code"
done <"$WORK/tokens.txt"

SUMMARY_PATH="/api/v1/summary?quarter=$DEMO_Q"
LIST_PATH="/api/v1/kpis?year=$YEAR&group=$GROUP"
# The summary's bytes as a static file, served by nginx and h2o from $WORK/www.
curl -fsS --max-time 30 "$URL$SUMMARY_PATH" -o "$WORK/www/api/v1/summary"
curl -fsS --max-time 30 "$URL$LIST_PATH" -o "$WORK/list.json"
echo "   summary: $(stat -c %s "$WORK/www/api/v1/summary") bytes; list ($GROUP): $(stat -c %s "$WORK/list.json") bytes, $(jq '.items | length' "$WORK/list.json") KPIs"

# ---- nginx, serving the same summary bytes -----------------------------------
NGINX_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NGINX_LOG="access_log $WORK/nginx/access.log;"
[ "$LOG_LEVEL" = info ] || [ "$LOG_LEVEL" = debug ] || NGINX_LOG="access_log off;"
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Debian's nginx for comparison: the summary as a static file, one worker
# process per core (nginx's own recommendation), logging like ragboard does.
user root;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  $NGINX_LOG
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    default_type application/json;
  }
}
EOF
say "start nginx ($("$NGINX_BIN" -v 2>&1 | sed 's/.*: //')) on 127.0.0.1:$NGINX_PORT"
"${PIN_SERVER[@]}" "$NGINX_BIN" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
  -g 'daemon off;' >"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
for _ in $(seq 1 100); do
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$NGINX_PORT$SUMMARY_PATH" 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/error.log" >&2; fail "nginx exited"; }
  sleep 0.1
done

# ---- h2o, serving the same summary bytes ---------------------------------------
H2O_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/h2o/h2o.conf" <<EOF
# Debian's h2o for comparison: the summary as a static file, $H2O_THREADS threads
# (one event loop each), no compression (as nginx above) and no access log
# (unlike nginx above, which logs at info as ragboard does). As root, like
# nginx's workers, so that the work directory need not be readable by nobody.
user: root
num-threads: $H2O_THREADS
pid-file: $WORK/h2o/h2o.pid
error-log: $WORK/h2o/error.log
compress: OFF
file.send-compressed: OFF
file.mime.setdefaulttype: "application/json"
listen:
  host: 127.0.0.1
  port: $H2O_PORT
hosts:
  default:
    paths:
      /:
        file.dir: $WORK/www
EOF
say "start h2o ($("$H2O_BIN" --version 2>&1 | head -n 1 | sed 's/.*version //'), $H2O_THREADS threads) on 127.0.0.1:$H2O_PORT"
"$H2O_BIN" -t -c "$WORK/h2o/h2o.conf" >"$WORK/h2o/check.log" 2>&1 || { cat "$WORK/h2o/check.log" >&2; fail "h2o rejects its configuration"; }
"${PIN_SERVER[@]}" "$H2O_BIN" -c "$WORK/h2o/h2o.conf" >"$WORK/h2o/stdout.log" 2>&1 &
H2O_PID=$!
for _ in $(seq 1 100); do
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$H2O_PORT$SUMMARY_PATH" 2>/dev/null && break
  kill -0 "$H2O_PID" 2>/dev/null || { cat "$WORK/h2o/stdout.log" "$WORK/h2o/error.log" >&2; fail "h2o exited"; }
  sleep 0.1
done

# The three serve the same bytes, as JSON.
a=$(curl -fsS --max-time 10 "$URL$SUMMARY_PATH" | sha256sum)
for peer in nginx:$NGINX_PORT h2o:$H2O_PORT; do
  b=$(curl -fsS --max-time 10 "http://127.0.0.1:${peer#*:}$SUMMARY_PATH" | sha256sum)
  [ "$a" = "$b" ] || fail "${peer%%:*} does not serve the same summary bytes"
  type=$(curl -fsS --max-time 10 -o /dev/null -w '%{content_type}' "http://127.0.0.1:${peer#*:}$SUMMARY_PATH")
  [ "$type" = application/json ] || fail "${peer%%:*} serves the summary as $type, not application/json"
done

# ---- scenarios -----------------------------------------------------------------
# Scenario 1 in rounds: ragboard, nginx and h2o take turns (the order rotating
# from round to round), BENCH_SECONDS/BENCH_ROUNDS each, so that other load on
# the machine falls on all three alike; each warms up in its first round only.
# The report takes each server's median over the rounds.
RSECS=$((SECS / ROUNDS))
[ "$RSECS" -ge 1 ] || RSECS=1
PEERS=(summary nginx h2o)
NGINX_PIDS=$(child_pids "$NGINX_PID" | tr '\n' ' ')
H2O_PIDS=$(child_pids "$H2O_PID" | tr '\n' ' ')
say "1  GET $SUMMARY_PATH, anonymous, against nginx (1n) and h2o (1h) serving the same bytes: $ROUNDS rounds of ${RSECS}s each ($CONNS connections, $THREADS threads)"
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2; do
    peer=${PEERS[$(((r - 1 + k) % 3))]}
    case $peer in
      summary) TARGET_PIDS=$SERVER_PID label="1  ragboard" url=$URL$SUMMARY_PATH ;;
      nginx) TARGET_PIDS=$NGINX_PIDS label="1n nginx" url=http://127.0.0.1:$NGINX_PORT$SUMMARY_PATH ;;
      h2o) TARGET_PIDS=$H2O_PIDS label="1h h2o" url=http://127.0.0.1:$H2O_PORT$SUMMARY_PATH ;;
    esac
    echo "   $label, round $r/$ROUNDS"
    warm=0
    [ "$r" -gt 1 ] || warm=$WARMUP
    WRK_WARMUP=$warm WRK_SECS=$RSECS run_wrk "s1_$peer.r$r" "$url" "$HERE/lua/get.lua"
  done
done
stop_pid "$NGINX_PID"
NGINX_PID=""
stop_pid "$H2O_PID"
H2O_PID=""

TARGET_PIDS=$SERVER_PID
say "2  GET $LIST_PATH"
run_wrk s2_list "$URL$LIST_PATH" "$HERE/lua/get.lua"

say "2q the same list on 1 connection: the time one request takes, without queueing"
WRK_THREADS=1 WRK_CONNS=1 WRK_SECS=$((SECS < 10 ? SECS : 10)) run_wrk s2_list_1conn "$URL$LIST_PATH" "$HERE/lua/get.lua"

say "3  PUT /api/v1/kpis/{id}/readings/$WRITE_Q, 4 submitter tokens"
run_wrk s3_put "$URL/" "$HERE/lua/put_readings.lua" "$WORK/tokens.txt" "$WRITE_Q"

# Scenario 4's write pace: 5% of the requests if the reads kept scenario 1's
# rate (the median of ragboard's rounds), unless BENCH_MIX_WRITES says otherwise.
S1_RPS=$(for f in "$WORK"/s/s1_summary.r*/wrk.txt; do sed -n 's/^BENCH_JSON //p' "$f"; done |
  jq -s 'map(.requests / (.duration_us / 1e6)) | sort
    | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end')
MIX_RATE=${BENCH_MIX_WRITES:-$(jq -n --argjson r "$S1_RPS" '[($r * 5 / 95 | round), 1] | max')}
say "4  mixed: scenario 1's reads (18 summaries : 1 KPI list, $CONNS connections) and PUT readings at $MIX_RATE/s ($MIX_WRITE_CONNS connections), side by side"
run_mixed "$MIX_RATE"

say "6  $IDLE idle keep-alive connections"
mkdir -p "$WORK/s/s6_idle"
HOLD=$((SECS < 20 ? SECS : 20))
reset_hwm "$SERVER_PID"
snap "$SERVER_PID" >"$WORK/s/s6_idle/before.json"
"${PIN_CLIENT[@]}" timeout $((HOLD + 120)) python3 "$HERE/idle_conns.py" \
  --port "${URL##*:}" --pid "$SERVER_PID" --count "$IDLE" --hold "$HOLD" --path "$SUMMARY_PATH" \
  >"$WORK/s/s6_idle/idle.json" &
CLIENT_PID=$!
wait "$CLIENT_PID" || echo "   (not every connection was answered and kept: see the table)"
CLIENT_PID=""
snap "$SERVER_PID" >"$WORK/s/s6_idle/after.json"
jq -r '"   \(.answered)/\(.count) answered, \(.still_open_after_hold) still open after \(.hold_s) s; RSS \(.rss_before_kib) KiB before, \(.rss_held_max_kib) KiB held"' \
  "$WORK/s/s6_idle/idle.json"

say "5  bulk return: POST /api/v1/quarters/$RETURN_Q/submissions, 5,000 rows, as admin (3 times)"
mkdir -p "$WORK/s/s5_bulk"
reset_hwm "$SERVER_PID"
snap "$SERVER_PID" >"$WORK/s/s5_bulk/before.json"
for i in 1 2 3; do
  # Each run changes every row (its comment): a return identical to the
  # stored one is not rewritten, and would measure only the comparison.
  jq -c --arg c "bulk return, run $i" '(.milestones, .kpis) |= map(.comment = $c)' \
    "$WORK/return.json" >"$WORK/return$i.json"
  curl -sS --max-time 120 -o "$WORK/s/s5_bulk/answer$i.json" \
    -w '{"status": %{http_code}, "time_total": %{time_total}, "size_upload": %{size_upload}}\n' \
    -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/return$i.json" "$URL/api/v1/quarters/$RETURN_Q/submissions" \
    >>"$WORK/s/s5_bulk/runs.jsonl"
  tail -n 1 "$WORK/s/s5_bulk/runs.jsonl" | jq -r --slurpfile a "$WORK/s/s5_bulk/answer$i.json" --arg i "$i" \
    '"   run \($i): HTTP \(.status), \(.time_total) s, \(.size_upload) bytes, written \(($a[0].milestones.written // 0) + ($a[0].kpis.written // 0)), unchanged \(($a[0].milestones.unchanged // 0) + ($a[0].kpis.unchanged // 0))"'
done
snap "$SERVER_PID" >"$WORK/s/s5_bulk/after.json"

say "7  summary cost against the plan year's size: two more generated years, imported while serving"
mkdir -p "$WORK/s/s7_scale"
python3 "$HERE/gen_framework.py" --year 2040-41 --milestones 1000 --kpis 1000 \
  --out "$WORK/s/s7_scale/y2040.json" 2>/dev/null
python3 "$HERE/gen_framework.py" --year 2044-45 --milestones 10000 --kpis 10000 \
  --out "$WORK/s/s7_scale/y2044.json" 2>/dev/null
"$RB" import --db "$DB" "$WORK/s/s7_scale/y2040.json" >/dev/null
"$RB" import --db "$DB" "$WORK/s/s7_scale/y2044.json" >/dev/null
sleep 1.5 # the server sees another process's writes within a second
"${PIN_CLIENT[@]}" python3 "$HERE/summary_scale.py" --port "${URL##*:}" --token "$ADMIN" \
  "2018-19:2018-19-Q2" "2040-41:2040-41-Q2" "$YEAR:$YEAR-Q2" "2044-45:2044-45-Q2" \
  >"$WORK/s/s7_scale/scale.json"

say "8  trends: series, SPC and chart of the longest chains; quarter views against lists; the summary build"
mkdir -p "$WORK/s/s8_trends"
"${PIN_CLIENT[@]}" python3 "$HERE/trends.py" --port "${URL##*:}" --token "$ADMIN" --year "$YEAR" \
  --quarter "$YEAR-Q2" --group "$GROUP" --pid "$SERVER_PID" --baseline "$RESULTS/latest.json" \
  >"$WORK/s/s8_trends/trends.json"
jq -r '.series[] | "   \(.frequency) \(.code), \(.points) points: series/spc/chart repeated \(.series.warm_ms.median)/\(.spc.warm_ms.median)/\(."chart.svg".warm_ms.median) ms, rebuilt \(.series.cold_ms.median)/\(.spc.cold_ms.median)/\(."chart.svg".cold_ms.median) ms"' \
  "$WORK/s/s8_trends/trends.json"
jq -r '.quarter_views | to_entries[] | "   \(.key) quarter view against the list, per item: built \(.value.quarter_view.cold_us_per_item) vs \(.value.list.cold_us_per_item) us (x\(.value.cold_ratio_view_to_list); server CPU x\(.value.cold_server_cpu_ratio_view_to_list // "?"), by blocks x\(.value.blocks.ratio_view_to_list // "?")), cached \(.value.quarter_view.warm_us_per_item) vs \(.value.list.warm_us_per_item) us"' \
  "$WORK/s/s8_trends/trends.json"
say "9  board report cost: cached against the cached summary, rebuilt after a write (demo, 20,000 items)"
mkdir -p "$WORK/s/s9_report"
"${PIN_CLIENT[@]}" python3 "$HERE/report_scale.py" --port "${URL##*:}" --token "$ADMIN" \
  --pid "$SERVER_PID" "2018-19:2018-19-Q1" "2044-45:2044-45-Q2" >"$WORK/s/s9_report/report.json"

say "stop the server (SIGTERM)"
stop_pid "$SERVER_PID"
SERVER_PID=""
grep -q '"event":"stopped"' "$WORK/server.log" && echo "   stopped cleanly"

say "10 the dashboard in headless chromium (tests/bench/dashboard.mjs: its own server on the demo)"
mkdir -p "$WORK/s/s10_dashboard"
DASH=""
if command -v node >/dev/null && command -v npm >/dev/null && [ -x /usr/bin/chromium ]; then
  if [ ! -f tests/browser/node_modules/.package-lock.json ] ||
     [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
    npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts >/dev/null
  fi
  if "${PIN_CLIENT[@]}" node "$HERE/dashboard.mjs" "$RB" "$WORK/s/s10_dashboard/result.json"; then
    DASH=$WORK/s/s10_dashboard/result
  else
    echo "   (the dashboard step failed; the other results stand)"
  fi
else
  echo "   (skipped: node, npm or /usr/bin/chromium missing; .ci/install-deps installs them)"
fi

# ---- report ------------------------------------------------------------------
python3 "$HERE/report.py" --work "$WORK" --results "$RESULTS" --seconds "$SECS" \
  --connections "$CONNS" --threads "$THREADS" --log-level "$LOG_LEVEL" --root "$ROOT" \
  --rounds "$ROUNDS" --round-seconds "$RSECS" --h2o-threads "$H2O_THREADS"
if [ -n "$DASH" ]; then
  cat "$DASH.md" >>"$RESULTS/latest.md"
  jq --slurpfile d "$DASH.json" '. + {dashboard: $d[0]}' "$RESULTS/latest.json" >"$RESULTS/latest.json.tmp"
  mv "$RESULTS/latest.json.tmp" "$RESULTS/latest.json"
fi
