#!/usr/bin/env bash
# The curl + jq scripts in deploy/audit/ work against a real server, and
# verify.sh catches entries cut from the end of the trail, which the hash
# chain alone cannot show.
. "$(dirname "$0")/lib.sh" "$@"
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed"; exit 77; }
make_demo_db
# Token names end up in every audit entry: bounded and UTF-8 from the command line too.
for bad in "$(printf 'a%.0s' $(seq 129))" "$(printf 'bad \xc3')" ""; do
  if "$RAGBOARD" token create --db "$DB" --role viewer --name "$bad" >/dev/null 2>"$WORK/tok.err"; then
    fail "token create accepted the name '$bad'"
  fi
  grep -q -- '--name must be' "$WORK/tok.err" || fail "token create said: $(cat "$WORK/tok.err")"
done
# Revoking twice from the command line is one change, audited once.
tid=$("$RAGBOARD" token create --db "$DB" --role viewer --name twice | sed -n 's/^created viewer token \([0-9]*\).*/\1/p')
[ -n "$tid" ] || fail "token create printed no id"
"$RAGBOARD" token revoke --db "$DB" "$tid" >/dev/null
"$RAGBOARD" token revoke --db "$DB" "$tid" >/dev/null
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'token.revoke' AND entity_id = $tid")
[ "$n" = 1 ] || fail "two revokes of token $tid made $n audit entries"
start_server
export RAGBOARD_URL=$URL RAGBOARD_TOKEN=$ADMIN
AUDIT=$SRC/deploy/audit
put() { # put PATH JSON
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "$2" "$URL$1"
}

# Times are shown in UTC as stored and in the local time zone beside them.
export TZ=Europe/London
TAB=$'\t'
UTC_LOCAL="[0-9-]{10}T[0-9:.]{12}Z${TAB}[0-9-]{10} [0-9:]{8} (GMT|BST)"

# The three report scripts answer, and see a change made through the API,
# each under a header row, each change as "field: before → after".
put /api/v1/milestones/1/updates/2018-19-Q1 '{"status":"R","comment":"after the meeting"}'
bash "$AUDIT/changes-after-delivery-team.sh" 2018-19-Q1 >"$WORK/after.tsv"
[ "$(head -n 1 "$WORK/after.tsv")" = "at (UTC)${TAB}local time${TAB}actor${TAB}organisation${TAB}action${TAB}code${TAB}change" ] ||
  fail "changes-after-delivery-team.sh: header row: $(head -n 1 "$WORK/after.tsv")"
grep -E "^$UTC_LOCAL${TAB}ops-test${TAB}-${TAB}update\.put${TAB}CH1\.1${TAB}comment: Commenced .* → after the meeting; status: G → R\$" \
  "$WORK/after.tsv" >/dev/null || fail "changes-after-delivery-team.sh missed the PUT: $(cat "$WORK/after.tsv")"
# A partner's change, by organisation: its before and after too.
RMBC=$("$RAGBOARD" token create --db "$DB" --role submitter --org RMBC --name rmbc-ops | tail -n 1)
curl -fsS -o /dev/null -X PATCH -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"owner":"RMBC"}' "$URL/api/v1/milestones/1"
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $RMBC" -H 'Content-Type: application/json' \
  -d '{"status":"A","comment":"slipping"}' "$URL/api/v1/milestones/1/updates/2018-19-Q2"
bash "$AUDIT/changes-by-organisation.sh" RMBC >"$WORK/org.tsv" || fail "changes-by-organisation.sh failed"
[ "$(head -n 1 "$WORK/org.tsv")" = "id${TAB}at (UTC)${TAB}local time${TAB}actor${TAB}action${TAB}entity${TAB}code${TAB}quarter${TAB}change" ] ||
  fail "changes-by-organisation.sh: header row: $(head -n 1 "$WORK/org.tsv")"
grep -E "^[0-9]+${TAB}$UTC_LOCAL${TAB}rmbc-ops${TAB}update\.put${TAB}milestone_update${TAB}CH1\.1${TAB}2018-19-Q2${TAB}comment: .* → slipping; status: .* → A\$" \
  "$WORK/org.tsv" >/dev/null || fail "changes-by-organisation.sh: no before/after: $(cat "$WORK/org.tsv")"
bash "$AUDIT/rating-disagreements.sh" 2018-19 >"$WORK/dis.tsv" || fail "rating-disagreements.sh failed"
[ "$(head -n 1 "$WORK/dis.tsv")" = "quarter${TAB}kpi${TAB}value${TAB}reported${TAB}computed" ] ||
  fail "rating-disagreements.sh: header row: $(head -n 1 "$WORK/dis.tsv")"
[ "$(wc -l <"$WORK/dis.tsv")" -gt 1 ] || fail "rating-disagreements.sh found none in the demo (it has some)"

# Re-importing the demo from the command line puts back the figure changed
# (and the owner given to milestone 1)
# above: the import is audited figure by figure, with its before and after,
# so the report shows it too, with the operator as actor.
# The actor is the account the command runs as, not what $USER says.
USER=mallory SUDO_USER=alice "$RAGBOARD" import --db "$DB" "$SRC/data/rotherham-icp-2018-19.json" >"$WORK/import.out"
me=$(id -un)
grep -q '"changed":{"updates":1,"readings":0,"items":1}' "$WORK/import.out" || fail "import said: $(cat "$WORK/import.out")"
bash "$AUDIT/changes-after-delivery-team.sh" 2018-19-Q1 >"$WORK/after2.tsv"
grep -P "\tcommand line \($me, sudo from alice\)\t-\tupdate\.import\tCH1\.1\tcomment: after the meeting → Commenced .*; status: R → G\$" "$WORK/after2.tsv" >/dev/null \
  || fail "changes-after-delivery-team.sh missed the import's change: $(cat "$WORK/after2.tsv")"

# Two files of one command-line import are one transaction: a group the
# first creates and the second renames was never stored as the first had
# it, so no group.import entry (the shared set of creations).
jq '.groups += [{"code": "ZED", "name": "Zed"}]' "$SRC/data/rotherham-icp-2018-19.json" >"$WORK/a.json"
jq '.groups += [{"code": "ZED", "name": "Zed two"}]' "$SRC/data/rotherham-icp-2018-19.json" >"$WORK/b.json"
"$RAGBOARD" import --db "$DB" "$WORK/a.json" "$WORK/b.json" >"$WORK/ab.out"
grep -q '"changed":{"updates":0,"readings":0,"items":0}' "$WORK/ab.out" || fail "two-file import said: $(cat "$WORK/ab.out")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'group.import'")" = 0 ] ||
  fail "a group created and renamed in one import was audited as a change"
[ "$(sqlite3 "$DB" "SELECT name FROM tgroup WHERE code = 'ZED'")" = "Zed two" ] || fail "ZED not stored as the last file has it"

# A reading's change shows its value, not only its rating.
put /api/v1/kpis/1/readings/2018-19-Q1 '{"value":90,"rating":"G"}'
bash "$AUDIT/changes-after-delivery-team.sh" 2018-19-Q1 >"$WORK/after3.tsv"
grep -P '\treading\.put\tCH/KPI 1\t.*value: 99 → 90; value_text: 99% → -$' "$WORK/after3.tsv" >/dev/null \
  || fail "changes-after-delivery-team.sh hid the reading's value: $(cat "$WORK/after3.tsv")"
# A quarter closed shows as such, not as "- -> -" (an imported quarter is
# closed until the team opens it: opened first, then closed).
put /api/v1/quarters/2018-19-Q1 '{"state":"open"}'
put /api/v1/quarters/2018-19-Q1 '{"state":"closed"}'
bash "$AUDIT/changes-after-delivery-team.sh" 2018-19-Q1 >"$WORK/after4.tsv"
grep -P '\tquarter\.update\t2018-19-Q1\tstate: open → closed$' "$WORK/after4.tsv" >/dev/null \
  || fail "changes-after-delivery-team.sh: the quarter's close: $(cat "$WORK/after4.tsv")"
put /api/v1/quarters/2018-19-Q1 '{"state":"open"}'
# A token the server refuses is said so, not "could not ask".
VIEWER=$("$RAGBOARD" token create --db "$DB" --role viewer --name ops-viewer | tail -n 1)
if RAGBOARD_TOKEN=$VIEWER bash "$AUDIT/verify.sh" --init "$WORK/viewer-head.json" >/dev/null 2>"$WORK/vv.err"; then
  fail "verify.sh passed with a viewer token"
fi
grep -q 'needs an admin token' "$WORK/vv.err" || fail "verify.sh with a viewer token said: $(cat "$WORK/vv.err")"
if RAGBOARD_TOKEN=rb1_999_nonsense bash "$AUDIT/changes-by-organisation.sh" RMBC >/dev/null 2>"$WORK/bad.err"; then
  fail "changes-by-organisation.sh passed with a made-up token"
fi
grep -q 'does not accept RAGBOARD_TOKEN' "$WORK/bad.err" || fail "a made-up token: $(cat "$WORK/bad.err")"

# export-csv.sh follows the pages: with pages of 3 it has every entry once.
total=$(sqlite3 "$DB" 'SELECT count(*) FROM audit')
AUDIT_PAGE=3 bash "$AUDIT/export-csv.sh" >"$WORK/audit.csv"
head -n 1 "$WORK/audit.csv" | grep -q '^id,at,.*,hash,altered' || fail "export-csv.sh: no header: $(head -n 2 "$WORK/audit.csv")"
rows=$(python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); print(len(r) - 1, len({x[0] for x in r[1:]}))' "$WORK/audit.csv")
[ "$rows" = "$total $total" ] || fail "export-csv.sh: rows/distinct ids $rows, the trail has $total"

# verify.sh: refuses to start afresh unless told (a lost file would hide a
# cut); the first run keeps the head, a later run checks against it.
HEAD=$WORK/head.json
if bash "$AUDIT/verify.sh" "$HEAD" >/dev/null 2>"$WORK/v0.err"; then
  fail "verify.sh ran without a kept head and without --init"
fi
grep -q -- '--init' "$WORK/v0.err" || fail "verify.sh said: $(cat "$WORK/v0.err")"
[ ! -e "$HEAD" ] || fail "verify.sh wrote a head after refusing"
bash "$AUDIT/verify.sh" --init "$HEAD" >"$WORK/v1.txt" || fail "verify.sh --init failed on an intact trail"
grep -q '^ok: ' "$WORK/v1.txt" || fail "verify.sh said: $(cat "$WORK/v1.txt")"
first=$(jq -r .id "$HEAD")
put /api/v1/milestones/1/updates/2018-19-Q1 '{"status":"A"}'
put /api/v1/milestones/1/updates/2018-19-Q1 '{"status":"G"}'
bash "$AUDIT/verify.sh" --state "$HEAD" >"$WORK/v2.txt" || fail "verify.sh failed after two honest writes"
grep -q 'the stored data matches the trail' "$WORK/v2.txt" || fail "verify.sh --state said: $(cat "$WORK/v2.txt")"
kept=$(jq -r .id "$HEAD")
[ "$kept" -eq $((first + 2)) ] || fail "the head moved from $first to $kept, want $((first + 2))"

# Someone with the database file cuts the last two entries: the chain that is
# left is valid, but not the head kept above. Without the trigger that
# forbids it, verify says so too; put back, only the kept head shows the cut.
stop_server
sqlite3 "$DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id > $first;"
start_server
export RAGBOARD_URL=$URL
if bash "$AUDIT/verify.sh" --init "$WORK/other-head.json" >/dev/null 2>"$WORK/trig.err"; then
  fail "verify.sh passed without the append-only trigger"
fi
grep -q 'audit_no_delete' "$WORK/trig.err" || fail "verify.sh without the trigger said: $(cat "$WORK/trig.err")"
curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" | grep -q 503 || fail "/readyz is ready without the trigger"
sqlite3 "$DB" "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;"
curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/audit/verify" | jq -e '.ok == true' >/dev/null \
  || fail "the shortened chain should still verify on its own"
cp "$HEAD" "$WORK/head.before"
if bash "$AUDIT/verify.sh" "$HEAD" >/dev/null 2>"$WORK/v3.err"; then
  fail "verify.sh did not notice entries removed from the end"
fi
grep -q "BROKEN at entry $kept: .*removed" "$WORK/v3.err" || fail "verify.sh said: $(cat "$WORK/v3.err")"
cmp -s "$HEAD" "$WORK/head.before" || fail "verify.sh replaced the kept head after a failure"
stop_server
echo "audit_scripts: ok"
