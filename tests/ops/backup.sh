#!/usr/bin/env bash
# `ragboard backup` under write load gives a consistent copy: integrity_check
# ok, the audit chain intact, and every write acknowledged before the backup
# began present in it. `ragboard restore` brings it back.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
start_server
writer() {
  local n=0 q=$1
  while [ ! -f "$WORK/stop" ]; do
    n=$((n + 1))
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
      -H 'Content-Type: application/json' -d "{\"value\": $n}" \
      "$URL/api/v1/kpis/$q/readings/2018-19-Q3")
    if [ "$code" = 200 ] || [ "$code" = 201 ]; then
      echo "$n" >"$WORK/acked.$q.tmp" && mv "$WORK/acked.$q.tmp" "$WORK/acked.$q"
    else
      echo "writer $q got $code" >>"$WORK/errors"
    fi
  done
}
for k in 1 2 3; do writer "$k" & echo $! >"$WORK/writer$k.pid"; done
sleep 0.5
for i in 1 2 3; do
  for k in 1 2 3; do cp "$WORK/acked.$k" "$WORK/before.$i.$k" 2>/dev/null || echo 0 >"$WORK/before.$i.$k"; done
  "$RAGBOARD" backup --db "$DB" "$WORK/backup$i.db" >/dev/null || fail "backup $i failed"
  [ "$(sqlite3 "$WORK/backup$i.db" 'PRAGMA integrity_check')" = ok ] || fail "backup $i fails integrity_check"
  for k in 1 2 3; do
    got=$(sqlite3 "$WORK/backup$i.db" "SELECT coalesce(CAST(value AS INTEGER), 0) FROM kpi_reading WHERE kpi_id = $k AND quarter = '2018-19-Q3'")
    [ "${got:-0}" -ge "$(cat "$WORK/before.$i.$k")" ] ||
      fail "backup $i lost an acknowledged write of KPI $k (has ${got:-none}, acked $(cat "$WORK/before.$i.$k"); errors: $(head -3 "$WORK/errors" 2>/dev/null))"
  done
  sleep 0.3
done
touch "$WORK/stop"
for k in 1 2 3; do wait "$(cat "$WORK/writer$k.pid")" 2>/dev/null || true; rm -f "$WORK/writer$k.pid"; done
[ ! -s "$WORK/errors" ] || fail "writes failed during backup: $(head -3 "$WORK/errors")"
[ "$(sqlite3 "$WORK/backup3.db" 'SELECT count(*) FROM milestone')" = 76 ] || fail "backup lacks the milestones"
# A restore under the running server would swap the data under its caches
# and its audit chain: refused, the database untouched, the server serving.
curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"code":"LATE","name":"after the backups"}' "$URL/api/v1/organisations" >/dev/null ||
  fail "could not add an organisation"
if "$RAGBOARD" restore --db "$DB" "$WORK/backup1.db" >/dev/null 2>"$WORK/restore.err"; then
  fail "restore ran under a running server"
fi
grep -q 'a ragboard server is using the database: stop it first' "$WORK/restore.err" ||
  fail "restore under a server said: $(cat "$WORK/restore.err")"
[ "$(curl -fsS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$URL/api/v1/organisations/LATE")" = 200 ] ||
  fail "a refused restore changed the database under the server"
stop_server
# The same for a server given the database as a file: URI.
rm -f "$WORK/port"
"$RAGBOARD" serve --db "file:$DB?mode=rw" --listen 127.0.0.1:0 --port-file "$WORK/port" 2>>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "serve with a file: URI did not start: $(tail -3 "$WORK/server.log")"
if "$RAGBOARD" restore --db "$DB" "$WORK/backup1.db" >/dev/null 2>"$WORK/restore.err"; then
  fail "restore ran under a server that named the database by URI"
fi
grep -q 'stop it first' "$WORK/restore.err" || fail "restore under a URI server said: $(cat "$WORK/restore.err")"
stop_server
# And a server does not start while a restore holds the database (this
# shell's exclusive flock stands in for a restore in progress).
exec 9<"$DB"
flock -x 9
if timeout 10 "$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 2>"$WORK/serve.err"; then
  fail "serve started during a restore"
fi
exec 9<&-
grep -q 'a restore is replacing the database' "$WORK/serve.err" || fail "serve during a restore said: $(cat "$WORK/serve.err")"
# An empty file or a SQLite file that is not ragboard's passes integrity_check
# but must not replace the database.
: >"$WORK/empty.db"
sqlite3 "$WORK/other.db" 'CREATE TABLE x (y)'
for f in empty other; do
  if "$RAGBOARD" restore --db "$DB" "$WORK/$f.db" >/dev/null 2>"$WORK/restore.err"; then
    fail "restore accepted $f.db"
  fi
  grep -q 'not a ragboard database' "$WORK/restore.err" || fail "restore of $f.db said: $(cat "$WORK/restore.err")"
  [ "$(sqlite3 "$DB" 'SELECT count(*) FROM milestone')" = 76 ] || fail "a refused restore of $f.db changed the database"
done
# Restore the last backup over the database and serve it: the audit chain verifies.
"$RAGBOARD" restore --db "$DB" "$WORK/backup3.db" >/dev/null || fail "restore failed"
start_server
verify=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/audit/verify")
jq -e '.ok == true' >/dev/null <<<"$verify" || fail "audit chain broken after restore: $verify"
[ "$(curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/milestones?limit=500" | jq '.items | length')" = 76 ] \
  || fail "restored database lacks milestones"
stop_server
echo "backup: ok"
