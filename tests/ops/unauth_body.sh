#!/usr/bin/env bash
# A write's body is held in memory only for a token whose role may use the
# route: uploads to the import (32 MiB allowed, admins only) without a valid
# token, or with a viewer's or a submitter's, are refused at the head (401,
# 403) and never buffered, so they cannot make the server hold gigabytes.
# Half the clients ask first (Expect: 100-continue, curl's default for large
# bodies) and hear the answer at once; the others send the body regardless
# and hear it once the body has been dropped. Half are chunked.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
VIEWER=$("$RAGBOARD" token create --db "$DB" --role viewer --name ops-viewer | tail -n 1)
SUBMITTER=$("$RAGBOARD" token create --db "$DB" --role submitter --org RMBC --name ops-sub | tail -n 1)
start_server
head -c $((30 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/big.json"
rss_hwm() { awk '/^VmHWM/{print $2}' "/proc/$SERVER_PID/status"; }
before=$(rss_hwm)
for who in invalid viewer submitter; do
  case $who in
  invalid) token=rb1_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA want=401 ;;
  viewer) token=$VIEWER want=403 ;;
  submitter) token=$SUBMITTER want=403 ;;
  esac
  pids=()
  t0=$(date +%s.%N)
  for i in $(seq 1 8); do
    opts=()
    [ $((i % 2)) = 0 ] || opts+=(-H 'Transfer-Encoding: chunked')
    [ $(((i / 2) % 2)) = 0 ] || opts+=(-H 'Expect:') # no 100-continue: the body comes anyway
    curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' "${opts[@]}" \
      -H "Authorization: Bearer $token" --data-binary "@$WORK/big.json" "$URL/api/v1/import" >"$WORK/code.$i" &
    pids+=($!)
  done
  wait "${pids[@]}" # not the server's
  for i in $(seq 1 8); do
    [ "$(cat "$WORK/code.$i")" = "$want" ] || fail "$who upload $i answered $(cat "$WORK/code.$i"), wanted $want"
  done
  echo "unauth_body: $who: 8 x 30 MiB answered $want in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s"
done
after=$(rss_hwm)
# 8 x 30 MiB held would be 240 MiB and more; dropped, the peak barely moves.
[ $((after - before)) -lt $((64 * 1024)) ] || fail "peak RSS grew by $(((after - before) / 1024)) MiB for refused uploads"
# A submitter's write is read only up to --max-body (1 MiB), never the
# import's limit: 413 at the head.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $SUBMITTER" --data-binary "@$WORK/big.json" "$URL/api/v1/quarters/2018-19-Q2/submissions")
[ "$code" = 413 ] || fail "a submitter's 30 MiB return answered $code, wanted 413"
# A valid admin token's import is still read whole and answered.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $ADMIN" --data-binary "@$SRC/data/rotherham-icp-2018-19.json" "$URL/api/v1/import")
[ "$code" = 200 ] || fail "an admin's import answered $code"
stop_server
echo "unauth_body: ok (peak RSS +$(((after - before) / 1024)) MiB)"
