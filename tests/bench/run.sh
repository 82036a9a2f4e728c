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
#   1  GET /api/v1/summary (the dashboard poll), and nginx serving the same
#      bytes as a static file: the ragboard/nginx ratio is the headline
#   2  GET /api/v1/kpis?year=...&group=... on the large framework (and on 1 connection)
#   3  PUT readings from 4 submitter tokens, each on its own KPIs (durable)
#   4  mixed: 90% summary, 5% KPI list reads, 5% PUT readings
#   5  one bulk return of 5,000 rows (3 times), and the import of the framework
#   6  1,000 idle keep-alive connections: the server's memory
#   7  the summary's build cost against the plan year's size (126 to 20,000
#      items) and the cost of a repeated summary
# with the disk's own fsync rate (tests/bench/fsync.sh) for comparison.
# Results: a table on stdout, tests/bench/results/latest.{json,md}.
# The targets are informative: the script exits 0 whether or not they are met
# (it fails only when the benchmark itself cannot run).
#
# Environment:
#   BENCH_SECONDS=20       seconds per wrk scenario
#   BENCH_WARMUP=2         seconds of unmeasured load before each wrk scenario
#   BENCH_CONNECTIONS=64 BENCH_THREADS=2
#   BENCH_IDLE=1000        idle connections in scenario 6 (held BENCH_SECONDS, at most 20 s)
#   BENCH_LOG_LEVEL=info   the server's --log-level (info logs every request, as deployed)
#   BENCH_DIR=build-bench/run   where the database, logs and nginx live (its disk is the one measured)
#   BENCH_SERVER_CPUS, BENCH_CLIENT_CPUS   optional taskset CPU lists to pin the
#                          servers (ragboard, nginx) and the clients (wrk, ...); unset: no pinning
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
[ "$(id -u)" -eq 0 ] || { echo "run.sh needs root (packages, ulimit, /proc/PID/clear_refs)" >&2; exit 2; }

SERVER_PID="" NGINX_PID="" CLIENT_PID=""
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
cleanup() {
  local rc=$?
  stop_pid "$CLIENT_PID"
  stop_pid "$SERVER_PID"
  stop_pid "$NGINX_PID"
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
  say "install what is missing (.ci/install-deps wrk)"
  bash .ci/install-deps wrk
fi
for tool in wrk nginx jq curl python3 meson ninja; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
NGINX_BIN=$(command -v nginx)

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
mkdir -p "$WORK"/s "$WORK"/nginx/www/api/v1 "$RESULTS"
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
nginx_pids() { # the master and its workers
  local p line f
  echo "$NGINX_PID"
  for p in /proc/[0-9]*; do
    { read -r line <"$p/stat"; } 2>/dev/null || continue
    read -ra f <<<"${line##*) }"
    if [ "${f[1]}" = "$NGINX_PID" ]; then echo "${p#/proc/}"; fi
  done
  return 0
}

# run_wrk NAME URL SCRIPT [SCRIPT ARGS...]: warm up, then measure; the server
# measured is the one whose PIDs are in $TARGET_PIDS.
run_wrk() {
  local name=$1 url=$2 script=$3 d=$WORK/s/$1
  local threads=${WRK_THREADS:-$THREADS} conns=${WRK_CONNS:-$CONNS} secs=${WRK_SECS:-$SECS}
  shift 3
  mkdir -p "$d"
  if [ "$WARMUP" -gt 0 ]; then
    "${PIN_CLIENT[@]}" timeout $((WARMUP + 30)) \
      wrk -t"$threads" -c"$conns" -d"${WARMUP}s" -s "$script" "$url" -- "$@" >/dev/null 2>&1 || true
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
  grep '^BENCH_JSON ' "$d/wrk.txt" | sed 's/^BENCH_JSON //' | jq -r \
    '"   \(.requests / (.duration_us / 1e6) | floor) req/s, p50 \(.latency_us.percentiles["50"] / 1000) ms, p99 \(.latency_us.percentiles["99"] / 1000) ms, errors \(.errors)"'
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
  --return-out "$WORK/return.json" --return-rows 5000 2>"$WORK/gen.json"
cat "$WORK/gen.json"
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
curl -fsS --max-time 30 "$URL$SUMMARY_PATH" -o "$WORK/nginx/www/api/v1/summary"
curl -fsS --max-time 30 "$URL$LIST_PATH" -o "$WORK/list.json"
echo "   summary: $(stat -c %s "$WORK/nginx/www/api/v1/summary") bytes; list ($GROUP): $(stat -c %s "$WORK/list.json") bytes, $(jq '.items | length' "$WORK/list.json") KPIs"

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
    root $WORK/nginx/www;
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
a=$(curl -fsS --max-time 10 "$URL$SUMMARY_PATH" | sha256sum)
b=$(curl -fsS --max-time 10 "http://127.0.0.1:$NGINX_PORT$SUMMARY_PATH" | sha256sum)
[ "$a" = "$b" ] || fail "nginx does not serve the same summary bytes"

# ---- scenarios -----------------------------------------------------------------
TARGET_PIDS=$SERVER_PID
say "1  GET $SUMMARY_PATH, anonymous (${SECS}s, $CONNS connections, $THREADS threads)"
run_wrk s1_summary "$URL$SUMMARY_PATH" "$HERE/lua/get.lua"

TARGET_PIDS=$(nginx_pids | tr '\n' ' ')
say "1n nginx: the same bytes as a static file"
run_wrk s1_nginx "http://127.0.0.1:$NGINX_PORT$SUMMARY_PATH" "$HERE/lua/get.lua"
stop_pid "$NGINX_PID"
NGINX_PID=""

TARGET_PIDS=$SERVER_PID
say "2  GET $LIST_PATH"
run_wrk s2_list "$URL$LIST_PATH" "$HERE/lua/get.lua"

say "2q the same list on 1 connection: the time one request takes, without queueing"
WRK_THREADS=1 WRK_CONNS=1 WRK_SECS=$((SECS < 10 ? SECS : 10)) run_wrk s2_list_1conn "$URL$LIST_PATH" "$HERE/lua/get.lua"

say "3  PUT /api/v1/kpis/{id}/readings/$WRITE_Q, 4 submitter tokens"
run_wrk s3_put "$URL/" "$HERE/lua/put_readings.lua" "$WORK/tokens.txt" "$WRITE_Q"

say "4  mixed: 90% summary, 5% KPI list, 5% PUT reading"
run_wrk s4_mixed "$URL/" "$HERE/lua/mixed.lua" "$WORK/tokens.txt" "$WRITE_Q" "$SUMMARY_PATH" "$LIST_PATH"

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

say "stop the server (SIGTERM)"
stop_pid "$SERVER_PID"
SERVER_PID=""
grep -q '"event":"stopped"' "$WORK/server.log" && echo "   stopped cleanly"

# ---- report ------------------------------------------------------------------
python3 "$HERE/report.py" --work "$WORK" --results "$RESULTS" --seconds "$SECS" \
  --connections "$CONNS" --threads "$THREADS" --log-level "$LOG_LEVEL" --root "$ROOT"
