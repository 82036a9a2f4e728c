#!/usr/bin/env bash
# Storage faults while serving: a full disk (507 storage-full), a read-only
# file system or immutable database files (503 read-only: EROFS, EPERM from
# chattr +i, EACCES), a failing device (500 io) and a database locked by
# another process (503 busy, Retry-After). Each is a problem+json answer, the
# server stays up and keeps reading, nothing acknowledged is lost, a failed
# write leaves nothing behind, and writing resumes once the condition clears.
# /readyz says not ready (503 not-ready, naming the fault) from a write that
# met a storage fault until a write succeeds again; a lock is no such fault.
. "$(dirname "$0")/lib.sh" "$@"
MNT=$WORK/mnt
CTL=$WORK/faultctl
LOCK_PID=""
mkdir -p "$MNT" "$CTL"
if ! mount -t tmpfs -o size=8m ragboard-faults "$MNT" 2>/dev/null; then
  echo "faults: cannot mount a tmpfs here (needs root); skipped"
  rm -rf "$WORK"
  exit 77
fi
faults_cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
  if [ -n "$LOCK_PID" ]; then kill -KILL "$LOCK_PID" 2>/dev/null || true; wait "$LOCK_PID" 2>/dev/null || true; fi
  umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
  if [ -n "${FS_DIR:-}" ]; then
    chattr -i "$FS_DIR"/* 2>/dev/null || true
    rm -rf "$FS_DIR"
  fi
  cleanup
}
trap faults_cleanup EXIT

# A read-only or failing file system cannot be had with `mount -o remount,ro`
# while the server holds the database open for writing (EBUSY), so a small
# LD_PRELOAD shim fails the server's writes under $MNT with the errno the
# kernel would give (see faultfs.c).
cc -shared -fPIC -o "$WORK/faultfs.so" "$SRC/tests/ops/faultfs.c" -ldl || fail "cannot build faultfs.so"

make_demo_db
cp "$DB" "$MNT/ragboard.db"
KEY=$DB.audit-key # the audit key stays outside the faulty file system
DB=$MNT/ragboard.db
# Under AddressSanitizer (tests/run.sh runs the suite again with it) the ASan
# runtime must come first in the preload list.
PRELOAD=$WORK/faultfs.so
ASAN_RT=$(ldd "$RAGBOARD" | awk '/libasan/ {print $3}')
[ -z "$ASAN_RT" ] || PRELOAD="$ASAN_RT $PRELOAD"
LD_PRELOAD=$PRELOAD FAULTFS_DIR=$MNT FAULTFS_CTL=$CTL start_server --busy-timeout-ms 300 --audit-key "$KEY"

# call METHOD PATH [BODY|@FILE]: sets CODE; the answer is in $WORK/body and $WORK/headers.
call() {
  local args=(-s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 30
    -X "$1" -H "Authorization: Bearer $ADMIN")
  [ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
  CODE=$(curl "${args[@]}" "$URL$2" || true)
}
alive() {
  kill -0 "$SERVER_PID" 2>/dev/null || fail "$1: the server died: $(grep -v '^{' "$WORK/server.log" | tail -n 3)"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] || fail "$1: /healthz does not answer"
}
expect_ok() {
  case $CODE in 2??) ;; *) fail "$1: expected success, got $CODE: $(head -c 300 "$WORK/body")" ;; esac
}
expect_problem() { # STATUS TYPE WHAT
  [ "$CODE" = "$1" ] || fail "$3: expected $1 ${2##*:}, got $CODE: $(head -c 300 "$WORK/body")"
  grep -qi '^content-type: application/problem+json' "$WORK/headers" || fail "$3: not application/problem+json"
  jq -e --arg t "$2" --argjson s "$1" '.type == $t and .status == $s and (.detail | length > 0)' \
    "$WORK/body" >/dev/null || fail "$3: wrong problem: $(head -c 300 "$WORK/body")"
  alive "$3"
}
expect_reads() {
  local p
  for p in /api/v1/kpis/1/readings '/api/v1/summary?quarter=2018-19-Q1' /api/v1/milestones/1; do
    call GET "$p"
    [ "$CODE" = 200 ] || fail "$1: GET $p answered $CODE: $(head -c 300 "$WORK/body")"
  done
}
expect_ready() {
  call GET /readyz
  [ "$CODE" = 200 ] || fail "$1: /readyz answered $CODE: $(head -c 300 "$WORK/body")"
}
expect_not_ready() { # FAULT_TYPE WHAT: 503 not-ready, naming the fault
  call GET /readyz
  expect_problem 503 urn:ragboard:problem:not-ready "$2: /readyz"
  jq -e --arg t "$1" '.detail | contains($t)' "$WORK/body" >/dev/null ||
    fail "$2: /readyz does not name $1: $(head -c 300 "$WORK/body")"
}
put_update() { # MILESTONE COMMENT
  call PUT "/api/v1/milestones/$1/updates/2018-19-Q2" "{\"status\": \"A\", \"comment\": \"$2\"}"
}
has_update() { # MILESTONE COMMENT: is it stored?
  [ "$(sqlite3 "$DB" "SELECT count(*) FROM milestone_update WHERE milestone_id = $1 AND quarter = '2018-19-Q2' AND comment = '$2'")" = 1 ]
}
put_update 1 before-faults
expect_ok "a write before any fault"
expect_ready "before any fault"

# --- disk full ------------------------------------------------------------------
# Fill the tmpfs but for 1 MiB, then write readings with big comments until
# the disk is full.
avail=$(df -Pk "$MNT" | awk 'NR == 2 {print $4}')
dd if=/dev/zero of="$MNT/filler" bs=4k count=$(((avail - 1024) / 4)) 2>/dev/null || fail "cannot fill the tmpfs"
pad=$(head -c 9000 /dev/zero | tr '\0' x)
declare -A acked
full=""
for n in $(seq 1 300); do
  k=$((n % 50 + 1))
  q=2018-19-Q$((n % 3 + 2))
  call PUT "/api/v1/kpis/$k/readings/$q" "{\"value\": $n, \"comment\": \"full-$n $pad\"}"
  case $CODE in
  2??) acked[$k/$q]=$n ;;
  *) full=$n; break ;;
  esac
done
[ -n "$full" ] || fail "300 writes of 9 kB never filled the disk"
[ "${#acked[@]}" -ge 3 ] || fail "the disk filled too early (${#acked[@]} writes)"
expect_problem 507 urn:ragboard:problem:storage-full "a write on a full disk"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM kpi_reading WHERE comment LIKE 'full-$full %'")" = 0 ] ||
  fail "the write refused for a full disk was stored anyway"
expect_reads "a full disk"
expect_not_ready urn:ragboard:problem:storage-full "a full disk"
# An import bigger than what is left fails as a whole.
jq --arg pad "$pad" '.milestones |= map(.description = "imported " + $pad)' \
  "$SRC/data/rotherham-icp-2018-19.json" >"$WORK/big.json"
call POST /api/v1/import "@$WORK/big.json"
expect_problem 507 urn:ragboard:problem:storage-full "an import on a full disk"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM milestone WHERE description LIKE 'imported %'")" = 0 ] ||
  fail "an import refused for a full disk was partly stored"
call PUT /api/v1/milestones/2/updates/2018-19-Q2 '{"status": "A", "comment": "while full"}'
expect_problem 507 urn:ragboard:problem:storage-full "a milestone update on a full disk"
rm -f "$MNT/filler"
expect_not_ready urn:ragboard:problem:storage-full "space freed, nothing written yet"
put_update 2 after-full
expect_ok "a write once space is freed"
expect_ready "a write once space is freed"
call POST /api/v1/import "@$WORK/big.json"
expect_ok "the import once space is freed"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM milestone WHERE description LIKE 'imported %'")" = 76 ] ||
  fail "the import after the disk was freed is not whole"
for slot in "${!acked[@]}"; do
  got=$(sqlite3 "$DB" "SELECT CAST(value AS INTEGER) FROM kpi_reading r JOIN kpi k ON k.id = r.kpi_id
    WHERE k.id = ${slot%/*} AND r.quarter = '${slot#*/}'")
  [ "$got" = "${acked[$slot]}" ] || fail "KPI ${slot%/*} ${slot#*/}: acknowledged ${acked[$slot]} before the disk filled, has ${got:-nothing}"
done
echo "faults: disk full after ${#acked[@]} writes: 507, reads fine, recovered"

# --- read-only file system, immutable or inaccessible files, failing device -------
# EROFS: the file system was remounted read-only; EPERM: the files were made
# immutable (chattr +i); EACCES: their permissions were taken away. All three
# are a database that cannot be written, not a full disk.
for fault in EROFS EPERM EACCES EIO; do
  case $fault in
  EROFS | EPERM | EACCES) status=503 type=urn:ragboard:problem:read-only ;;
  EIO) status=500 type=urn:ragboard:problem:io ;;
  esac
  touch "$CTL/$fault"
  put_update 3 "during-$fault"
  expect_problem "$status" "$type" "a write on $fault"
  call POST /api/v1/quarters/2018-19-Q3/submissions \
    '{"milestones": [{"code": "CH1.1", "status": "G", "comment": "bulk-'$fault'"}], "kpis": [{"code": "CH/KPI 1", "value": 1, "comment": "bulk-'$fault'"}]}'
  expect_problem "$status" "$type" "a bulk return on $fault"
  call POST /api/v1/import "@$SRC/data/rotherham-icp-2018-19.json"
  expect_problem "$status" "$type" "an import on $fault"
  expect_reads "$fault"
  expect_not_ready "$type" "$fault"
  rm -f "$CTL/$fault"
  has_update 3 "during-$fault" && fail "a write refused on $fault was stored"
  [ "$(sqlite3 "$DB" "SELECT count(*) FROM kpi_reading WHERE comment = 'bulk-$fault'")" = 0 ] ||
    fail "a bulk return refused on $fault was partly stored"
  put_update 3 "after-$fault"
  expect_ok "a write once $fault clears"
  expect_ready "a write once $fault clears"
  has_update 3 "after-$fault" || fail "the write after $fault cleared is not stored"
  echo "faults: $fault: $status ${type##*:}, reads fine, recovered"
done

# --- locked by another process ----------------------------------------------------
mkfifo "$WORK/lock.fifo"
sqlite3 "$DB" <"$WORK/lock.fifo" >/dev/null 2>&1 &
LOCK_PID=$!
exec 7>"$WORK/lock.fifo"
echo 'BEGIN EXCLUSIVE;' >&7
for _ in $(seq 1 100); do
  sqlite3 "$DB" 'PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || break
  sleep 0.05
done
sqlite3 "$DB" 'PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 &&
  fail "could not take the lock"
start=$(date +%s%N)
put_update 4 during-lock
elapsed=$((($(date +%s%N) - start) / 1000000))
expect_problem 503 urn:ragboard:problem:busy "a write while another process holds the lock"
grep -qi '^retry-after: [0-9]' "$WORK/headers" || fail "a busy answer without Retry-After"
[ "$elapsed" -lt 4000 ] || fail "a busy answer took ${elapsed} ms with --busy-timeout-ms 300"
expect_reads "a locked database"
expect_ready "a locked database (busy is no storage fault)"
# Writes queued behind one that waits out the busy timeout are refused at
# once, not after a timeout each (8 x 300 ms in turn, before).
start=$(date +%s%N)
pids=()
for k in 11 12 13 14 15 16 17 18; do
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X PUT -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' --data-binary '{"status": "G", "comment": "queued"}' \
    "$URL/api/v1/milestones/$k/updates/2018-19-Q2" >"$WORK/queued.$k" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
elapsed=$((($(date +%s%N) - start) / 1000000))
for k in 11 12 13 14 15 16 17 18; do
  [ "$(cat "$WORK/queued.$k")" = 503 ] || fail "a queued write during the lock answered $(cat "$WORK/queued.$k")"
done
[ "$elapsed" -lt 1500 ] || fail "8 queued writes during the lock took ${elapsed} ms to be refused (busy timeout 300 ms)"
echo 'COMMIT;' >&7
exec 7>&-
wait "$LOCK_PID" || fail "the lock holder failed"
LOCK_PID=""
has_update 4 during-lock && fail "a write refused as busy was stored"
put_update 4 after-lock
expect_ok "a write once the lock is released"
echo "faults: locked: 503 busy with Retry-After in ${elapsed} ms, reads fine, recovered"

# --- all is well ------------------------------------------------------------------
call GET /api/v1/audit/verify
[ "$CODE" = 200 ] && jq -e '.ok == true' "$WORK/body" >/dev/null || fail "audit chain broken: $(cat "$WORK/body")"
for m in 1 2 3 4; do
  has_update "$m" "$(case $m in 1) echo before-faults ;; 2) echo after-full ;; 3) echo after-EIO ;; 4) echo after-lock ;; esac)" ||
    fail "milestone $m lost its acknowledged update"
done
stop_server
[ "$SERVER_STATUS" = 0 ] || fail "the server exited with $SERVER_STATUS"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the faults"

# --- immutable files, for real ------------------------------------------------------
# chattr +i on the database and its WAL (not the -shm: it is mapped, and a
# store to an immutable mapping is a SIGBUS no program can answer), on a copy
# outside the tmpfs (which does not refuse writes to an open immutable file),
# with no shim: where the kernel refuses the WAL's writes (EPERM), the answer
# is 503 read-only, /readyz is not ready, and both recover.
FS_DIR=$(mktemp -d /var/tmp/ragboard-faults-XXXXXX)
cp "$DB" "$FS_DIR/ragboard.db"
DB=$FS_DIR/ragboard.db
probe=$FS_DIR/probe
exec 8>>"$probe"
enforced=no
if chattr +i "$probe" 2>/dev/null; then
  echo x >&8 2>/dev/null || enforced=yes
  chattr -i "$probe"
fi
exec 8>&-
if [ "$enforced" = yes ]; then
  start_server --busy-timeout-ms 300 --audit-key "$KEY"
  put_update 3 before-chattr
  expect_ok "a write before chattr"
  chattr +i "$DB" "$DB-wal"
  put_update 3 during-chattr
  chattr -i "$DB" "$DB-wal"
  expect_problem 503 urn:ragboard:problem:read-only "a write to immutable database files"
  expect_not_ready urn:ragboard:problem:read-only "immutable database files"
  put_update 3 after-chattr
  expect_ok "a write once the files are writable again"
  expect_ready "a write once the files are writable again"
  stop_server
  has_update 3 during-chattr && fail "a write refused on immutable files was stored"
  has_update 3 after-chattr || fail "the write after chattr -i is not stored"
  echo "faults: chattr +i: 503 read-only, not ready, recovered"
else
  echo "faults: chattr +i is not enforced on an open file here: the immutable case ran through the shim (EPERM) only"
fi
rm -rf "$FS_DIR"
FS_DIR=""
echo "faults: ok"
