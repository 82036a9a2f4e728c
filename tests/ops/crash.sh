#!/usr/bin/env bash
# Crash consistency: concurrent writers (single readings, milestone updates,
# bulk quarterly returns) while the server is killed with SIGKILL at random
# moments and restarted on the same database. Afterwards every write that was
# acknowledged (2xx) is there, no bulk return is half-applied, the database
# passes integrity_check and the audit chain verifies.
. "$(dirname "$0")/lib.sh" "$@"
SEED=${RAGBOARD_CRASH_SEED:-$$}
RANDOM=$SEED
echo "crash: seed $SEED (set RAGBOARD_CRASH_SEED to replay the kill timing)"
ROUNDS=6
Q=2018-19-Q2   # single readings and updates
BQ=2018-19-Q3  # bulk returns
DEADLINE=$((SECONDS + 45))

make_demo_db
# Owners: milestones 1-5 belong to RCCG (updates by an RCCG submitter),
# milestones 11-19 and KPIs 11-16 to RMBC (bulk returns by an RMBC submitter).
# The dataset opens Q2 only: the team opens Q3 for the bulk returns.
sqlite3 "$DB" "UPDATE quarter SET state = 'open' WHERE id = '$BQ';
  UPDATE milestone SET owner_id = (SELECT id FROM organisation WHERE code = 'RCCG') WHERE id BETWEEN 1 AND 5;
  UPDATE milestone SET owner_id = (SELECT id FROM organisation WHERE code = 'RMBC') WHERE id BETWEEN 11 AND 19;
  UPDATE kpi SET owner_id = (SELECT id FROM organisation WHERE code = 'RMBC') WHERE id BETWEEN 11 AND 16;"
RCCG=$("$RAGBOARD" token create --db "$DB" --role submitter --org RCCG --name crash-rccg | tail -n 1)
RMBC=$("$RAGBOARD" token create --db "$DB" --role submitter --org RMBC --name crash-rmbc | tail -n 1)
# Bulk slot sets: return n writes set n % 3 (three milestones, two KPIs).
mapfile -t MS_CODES < <(sqlite3 "$DB" 'SELECT code FROM milestone WHERE id BETWEEN 11 AND 19 ORDER BY id')
mapfile -t KPI_CODES < <(sqlite3 "$DB" 'SELECT code FROM kpi WHERE id BETWEEN 11 AND 16 ORDER BY id')
[ "${#MS_CODES[@]}" = 9 ] && [ "${#KPI_CODES[@]}" = 6 ] || fail "demo data lacks the bulk items"
ROWS=5

start_server

# The current server's URL, or nothing while it is down.
cur_url() {
  local p
  p=$(cat "$WORK/port" 2>/dev/null || true)
  [ -n "$p" ] && echo "http://127.0.0.1:$p"
}
# One request; prints the status (000 when the server is down or died).
req() {
  local method=$1 path=$2 token=$3 body=$4 url
  url=$(cur_url) || { echo 000; return; }
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X "$method" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary "$body" "$url$path" || true
}
running() { [ ! -f "$WORK/stop" ] && [ "$SECONDS" -lt "$DEADLINE" ]; }
# Anything but 2xx or "no answer" (000) is a failure of its own.
note() {
  case $2 in
  2??) return 0 ;;
  000) echo "$1" >>"$WORK/unanswered" ;;
  *) echo "$1 got $2" >>"$WORK/errors" ;;
  esac
  return 1
}

reading_writer() {
  local k=$1 n=0 code
  while running && [ "$n" -lt 100000 ]; do
    n=$((n + 1))
    code=$(req PUT "/api/v1/kpis/$k/readings/$Q" "$ADMIN" "{\"value\": $n, \"comment\": \"r$k-$n\"}")
    if note "reading $k=$n" "$code"; then echo "$n" >>"$WORK/ack.reading.$k"; fi
  done
}
update_writer() {
  local n=0 m code st statuses=(G A R B TBC)
  while running && [ "$n" -lt 100000 ]; do
    n=$((n + 1))
    m=$((n % 5 + 1))
    st=${statuses[$((n % 5))]}
    code=$(req PUT "/api/v1/milestones/$m/updates/$Q" "$RCCG" "{\"status\": \"$st\", \"comment\": \"upd-$n\"}")
    if note "update $m upd-$n" "$code"; then echo "$m $n" >>"$WORK/ack.update"; fi
  done
}
bulk_writer() {
  local n=0 s body code i
  while running && [ "$n" -lt 100000 ]; do
    n=$((n + 1))
    s=$((n % 3))
    body='{"milestones": ['
    for i in 0 1 2; do
      body+="{\"code\": \"${MS_CODES[$((s * 3 + i))]}\", \"status\": \"G\", \"comment\": \"bulk-$n/m$i\"}"
      [ "$i" = 2 ] || body+=', '
    done
    body+='], "kpis": ['
    for i in 0 1; do
      body+="{\"code\": \"${KPI_CODES[$((s * 2 + i))]}\", \"value\": $n, \"comment\": \"bulk-$n/k$i\"}"
      [ "$i" = 1 ] || body+=', '
    done
    body+=']}'
    code=$(req POST "/api/v1/quarters/$BQ/submissions" "$RMBC" "$body")
    if note "bulk-$n" "$code"; then echo "$s $n" >>"$WORK/ack.bulk"; fi
  done
}

for k in 1 2 3; do reading_writer "$k" & echo $! >"$WORK/reading$k.pid"; done
update_writer & echo $! >"$WORK/update.pid"
bulk_writer & echo $! >"$WORK/bulk.pid"

sleep 0.5
for round in $(seq 1 "$ROUNDS"); do
  ms=$((200 + RANDOM % 1301))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    status=0
    wait "$SERVER_PID" || status=$?
    # A "stopping" line in the log means some other process sent it SIGTERM.
    fail "the server died on its own (status $status) in round $round: $(grep -v '"method"' "$WORK/server.log" | tail -n 5)"
  fi
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  [ "$round" = "$ROUNDS" ] && touch "$WORK/stop" # the last crash ends the writing
  start_server
done
for w in reading1 reading2 reading3 update bulk; do
  wait "$(cat "$WORK/$w.pid")" 2>/dev/null || true
  rm -f "$WORK/$w.pid"
done
[ "$SECONDS" -lt "$DEADLINE" ] || fail "the test overran its time budget"
[ ! -s "$WORK/errors" ] || fail "writes answered with errors: $(sort "$WORK/errors" | head -5)"
for f in ack.reading.1 ack.reading.2 ack.reading.3 ack.update ack.bulk; do
  [ "$(wc -l <"$WORK/$f" 2>/dev/null || echo 0)" -ge 3 ] || fail "too few acknowledged writes in $f"
done
echo "crash: $ROUNDS kills; acknowledged: readings $(cat "$WORK"/ack.reading.* | wc -l)," \
  "updates $(wc -l <"$WORK/ack.update"), bulk returns $(wc -l <"$WORK/ack.bulk");" \
  "unanswered $(wc -l <"$WORK/unanswered" 2>/dev/null || echo 0)"

# --- through the API, on the server restarted after the last crash ----------
verify=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/audit/verify") ||
  fail "audit/verify failed"
jq -e '.ok == true' >/dev/null <<<"$verify" || fail "audit chain broken after crashes: $verify"
for k in 1 2 3; do
  acked=$(tail -n 1 "$WORK/ack.reading.$k")
  got=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/kpis/$k/readings" |
    jq -r --arg q "$Q" '[.items[] | select(.quarter == $q) | .value][0] // 0 | floor')
  [ "$got" -ge "$acked" ] || fail "KPI $k: API shows reading $got, but $acked was acknowledged"
done
for m in 1 2 3 4 5; do
  acked=$(awk -v m="$m" '$1 == m {n = $2} END {print n + 0}' "$WORK/ack.update")
  got=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/milestones/$m/updates" |
    jq -r --arg q "$Q" '[.items[] | select(.quarter == $q) | .comment][0] // "upd-0"')
  [ "${got#upd-}" -ge "$acked" ] || fail "milestone $m: API shows $got, but upd-$acked was acknowledged"
done
stop_server

# --- straight from the file ---------------------------------------------------
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after crashes"
[ "$(sqlite3 "$DB" 'PRAGMA foreign_key_check' | wc -l)" = 0 ] || fail "foreign_key_check after crashes"
for k in 1 2 3; do
  acked=$(tail -n 1 "$WORK/ack.reading.$k")
  got=$(sqlite3 "$DB" "SELECT CAST(value AS INTEGER) FROM kpi_reading WHERE kpi_id = $k AND quarter = '$Q'")
  [ "${got:-0}" -ge "$acked" ] || fail "KPI $k lost an acknowledged reading (has ${got:-none}, acked $acked)"
done
# Every acknowledged update is in the audit trail; the latest one per milestone stands.
sqlite3 "$DB" "SELECT json_extract(after, '$.comment') FROM audit WHERE action = 'update.put'
  AND quarter = '$Q' AND json_extract(after, '$.comment') LIKE 'upd-%'" | sort -u >"$WORK/audit.update"
awk '{print "upd-" $2}' "$WORK/ack.update" | sort -u >"$WORK/acked.update"
missing=$(comm -23 "$WORK/acked.update" "$WORK/audit.update" | head -5)
[ -z "$missing" ] || fail "acknowledged updates missing from the audit trail: $missing"
for m in 1 2 3 4 5; do
  acked=$(awk -v m="$m" '$1 == m {n = $2} END {print n + 0}' "$WORK/ack.update")
  got=$(sqlite3 "$DB" "SELECT substr(comment, 5) FROM milestone_update WHERE milestone_id = $m AND quarter = '$Q'")
  [ "${got:-0}" -ge "$acked" ] || fail "milestone $m lost an acknowledged update (has upd-${got:-none}, acked upd-$acked)"
done
# Bulk returns: every return in the audit trail has all its rows (acknowledged
# or not: a commit may beat the crash to the answer); every acknowledged one
# is there.
sqlite3 "$DB" "SELECT substr(c, 6, instr(c, '/') - 6), count(*) FROM
  (SELECT json_extract(after, '$.comment') AS c FROM audit WHERE quarter = '$BQ'
   AND action IN ('update.put', 'reading.put')) WHERE c LIKE 'bulk-%' GROUP BY 1" >"$WORK/audit.bulk"
half=$(awk -F'|' -v r="$ROWS" '$2 != r' "$WORK/audit.bulk" | head -5)
[ -z "$half" ] || fail "half-applied bulk returns (marker|rows): $half"
awk '{print $2}' "$WORK/ack.bulk" | sort -u >"$WORK/acked.bulk"
cut -d'|' -f1 "$WORK/audit.bulk" | sort -u >"$WORK/present.bulk"
missing=$(comm -23 "$WORK/acked.bulk" "$WORK/present.bulk" | head -5)
[ -z "$missing" ] || fail "acknowledged bulk returns lost: $missing"
# The rows themselves: each slot holds a return at least as recent as the last
# acknowledged one for its set, and the most recent return is whole.
sqlite3 "$DB" "SELECT comment FROM milestone_update WHERE quarter = '$BQ' AND comment LIKE 'bulk-%'
  UNION ALL SELECT comment FROM kpi_reading WHERE quarter = '$BQ' AND comment LIKE 'bulk-%'" |
  sed 's/^bulk-//; s|/| |' >"$WORK/state.bulk"
for s in 0 1 2; do
  acked=$(awk -v s="$s" '$1 == s {n = $2} END {print n + 0}' "$WORK/ack.bulk")
  for slot in "${MS_CODES[$((s * 3))]}" "${MS_CODES[$((s * 3 + 1))]}" "${MS_CODES[$((s * 3 + 2))]}"; do
    got=$(sqlite3 "$DB" "SELECT substr(u.comment, 6, instr(u.comment, '/') - 6) FROM milestone_update u
      JOIN milestone m ON m.id = u.milestone_id WHERE m.code = '$slot' AND u.quarter = '$BQ'")
    [ "${got:-0}" -ge "$acked" ] || fail "milestone $slot lost acknowledged bulk-$acked (has bulk-${got:-none})"
  done
  for slot in "${KPI_CODES[$((s * 2))]}" "${KPI_CODES[$((s * 2 + 1))]}"; do
    got=$(sqlite3 "$DB" "SELECT substr(r.comment, 6, instr(r.comment, '/') - 6) FROM kpi_reading r
      JOIN kpi k ON k.id = r.kpi_id WHERE k.code = '$slot' AND r.quarter = '$BQ'")
    [ "${got:-0}" -ge "$acked" ] || fail "KPI $slot lost acknowledged bulk-$acked (has bulk-${got:-none})"
  done
done
latest=$(awk '{print $1}' "$WORK/state.bulk" | sort -n | tail -n 1)
[ "$(awk -v n="$latest" '$1 == n' "$WORK/state.bulk" | wc -l)" = "$ROWS" ] ||
  fail "the latest bulk return bulk-$latest is not whole in the tables"
echo "crash: ok"
