#!/usr/bin/env bash
# The audit trail's key file: made by migrate (0600), required by every
# command that writes entries and by serve (which refuses to start without
# it rather than write unkeyed entries), checked by restore, rotated with
# `ragboard audit rotate-key` (the old key signs the entry that names the
# new one); `ragboard audit verify` checks the trail and the data against
# it; an existing database of plain SHA-256 entries is keyed by migrate.
. "$(dirname "$0")/lib.sh" "$@"
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed"; exit 77; }

# migrate makes the key file beside the database, mode 0600, and says so.
DB=$WORK/ragboard.db
KEY=$DB.audit-key
"$RAGBOARD" migrate --db "$DB" >/dev/null 2>"$WORK/migrate.err"
[ -f "$KEY" ] || fail "migrate made no key file"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "the key file is mode $(stat -c %a "$KEY")"
grep -q "created the audit key file $KEY" "$WORK/migrate.err" || fail "migrate said: $(cat "$WORK/migrate.err")"
"$RAGBOARD" import --db "$DB" "$SRC/data/rotherham-icp-2018-19.json" >/dev/null
ADMIN=$("$RAGBOARD" token create --db "$DB" --role admin --name ops-key | tail -n 1)
key1=$(grep -v '^#' "$KEY" | cut -d' ' -f1)
[ "$(sqlite3 "$DB" 'SELECT DISTINCT key_id FROM audit')" = "$key1" ] || fail "entries not signed with $key1"

# serve --help names the key file's option, variable and default.
"$RAGBOARD" serve --help >"$WORK/help"
grep -q -- '--audit-key FILE.*database file.s path + .audit-key.*RAGBOARD_AUDIT_KEY' "$WORK/help" ||
  fail "serve --help: $(grep -- --audit-key "$WORK/help")"

# No key file, no start (and no new key made behind the operator's back);
# the same for the commands that write entries.
mv "$KEY" "$WORK/kept.key"
for cmd in "serve --db $DB --listen 127.0.0.1:0" "token create --db $DB --role viewer" \
  "migrate --db $DB" "import --db $DB $SRC/data/rotherham-icp-2018-19.json" "audit verify --db $DB"; do
  # shellcheck disable=SC2086
  if timeout 10 "$RAGBOARD" $cmd >/dev/null 2>"$WORK/nokey.err"; then fail "$cmd ran without the key file"; fi
  grep -q "key file $KEY is missing: restore the key file from its backup" "$WORK/nokey.err" ||
    fail "$cmd without the key file said: $(cat "$WORK/nokey.err")"
  [ ! -e "$KEY" ] || fail "$cmd made a new key file"
done
# named elsewhere (--audit-key or RAGBOARD_AUDIT_KEY), it serves
RAGBOARD_AUDIT_KEY=$WORK/kept.key start_server
curl -fsS "$URL/readyz" >/dev/null || fail "not ready with the key named by RAGBOARD_AUDIT_KEY"
stop_server
mv "$WORK/kept.key" "$KEY"
# a key file others may read is refused; so is another database's
chmod 644 "$KEY"
if timeout 10 "$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/mode.err"; then fail "served with a 0644 key file"; fi
grep -q 'chmod 600' "$WORK/mode.err" || fail "a 0644 key file: $(cat "$WORK/mode.err")"
chmod 600 "$KEY"
"$RAGBOARD" migrate --db "$WORK/other.db" >/dev/null 2>&1
if timeout 10 "$RAGBOARD" serve --db "$DB" --audit-key "$WORK/other.db.audit-key" --listen 127.0.0.1:0 \
  >/dev/null 2>"$WORK/other.err"; then fail "served with another database's key file"; fi
grep -q "signed with key $key1, which is not in the audit key file" "$WORK/other.err" ||
  fail "another database's key: $(cat "$WORK/other.err")"

# audit verify: the trail and the data against it.
"$RAGBOARD" audit verify --db "$DB" >"$WORK/verify.txt" || fail "audit verify: $(cat "$WORK/verify.txt")"
grep -q "^key: signed with key $key1 since entry 1" "$WORK/verify.txt" || fail "audit verify said: $(cat "$WORK/verify.txt")"
grep -q '^state: 144 milestone updates, 50 KPI readings, 76 milestones, 50 KPIs, 0 monthly values, 1 plan-year titles checked in [0-9]* ms: as the trail says' \
  "$WORK/verify.txt" || fail "audit verify said: $(cat "$WORK/verify.txt")"
"$RAGBOARD" audit verify --db "$DB" --json | jq -e '.ok and .state.ok' >/dev/null || fail "audit verify --json"
sqlite3 "$DB" "UPDATE kpi_reading SET value = 30, rating = 'G' WHERE kpi_id = 1 AND quarter = '2018-19-Q1'"
if "$RAGBOARD" audit verify --db "$DB" >"$WORK/verify2.txt"; then fail "audit verify missed an edited reading"; fi
grep -q '^  kpi_reading 2018-19-Q1: the stored kpi_readings of 2018-19-Q1 are not what the trail accounts for' \
  "$WORK/verify2.txt" || fail "audit verify said: $(cat "$WORK/verify2.txt")"
sqlite3 "$DB" "UPDATE kpi_reading SET value = 99, rating = 'G' WHERE kpi_id = 1 AND quarter = '2018-19-Q1'"
"$RAGBOARD" audit verify --db "$DB" >/dev/null || fail "audit verify after the edit was undone"

# A rotation: refused under a running server; then the old key signs the
# entry naming the new key, and the new key signs the rest.
"$RAGBOARD" backup --db "$DB" "$WORK/before-rotation.db" >/dev/null
cp -p "$KEY" "$WORK/key-before-rotation"
start_server
if "$RAGBOARD" audit rotate-key --db "$DB" >/dev/null 2>"$WORK/rot.err"; then fail "rotated under a running server"; fi
grep -q 'stop it first' "$WORK/rot.err" || fail "rotate-key under a server said: $(cat "$WORK/rot.err")"
stop_server
"$RAGBOARD" audit rotate-key --db "$DB" >"$WORK/rot.out" || fail "rotate-key failed: $(cat "$WORK/rot.out")"
key2=$(grep -v '^#' "$KEY" | sed -n 2p | cut -d' ' -f1)
[ -n "$key2" ] && [ "$key2" != "$key1" ] || fail "no second key in the key file"
grep -q "signed with key $key1, switches the trail to key $key2" "$WORK/rot.out" || fail "rotate-key said: $(cat "$WORK/rot.out")"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "the rotated key file is mode $(stat -c %a "$KEY")"
row=$(sqlite3 "$DB" "SELECT action, key_id, json_extract(after, '$.key_id') FROM audit ORDER BY id DESC LIMIT 1")
[ "$row" = "audit.rotate-key|$key1|$key2" ] || fail "the rotation entry: $row"
"$RAGBOARD" token create --db "$DB" --role viewer --name after-rotation >/dev/null
[ "$(sqlite3 "$DB" 'SELECT key_id FROM audit ORDER BY id DESC LIMIT 1')" = "$key2" ] || fail "not signed with the new key"
start_server
curl -fsS -H "Authorization: Bearer $ADMIN" "$URL/api/v1/audit/verify?state=true" |
  jq -e --arg k "$key2" '.ok and .key.key_id == $k and .state.ok' >/dev/null || fail "verify after the rotation"
stop_server
if "$RAGBOARD" audit verify --db "$DB" --audit-key "$WORK/key-before-rotation" >"$WORK/old.txt" 2>&1; then
  fail "the key file of before the rotation verified entries signed after it"
fi

# restore: the key that signs the backup must be in the key file.
"$RAGBOARD" backup --db "$DB" "$WORK/after-rotation.db" >/dev/null
if "$RAGBOARD" restore --db "$DB" --audit-key "$WORK/other.db.audit-key" "$WORK/after-rotation.db" >/dev/null 2>"$WORK/res.err"; then
  fail "restored a backup whose key is not in the key file"
fi
grep -q "signed with key $key2, which is not in the audit key file" "$WORK/res.err" || fail "restore said: $(cat "$WORK/res.err")"
"$RAGBOARD" restore --db "$DB" "$WORK/before-rotation.db" >/dev/null || fail "restore with the right key file failed"
"$RAGBOARD" audit verify --db "$DB" >/dev/null 2>&1 &&
  fail "verify passed on a trail cut back to before the rotation (the key file's newest key signs nothing)"
"$RAGBOARD" restore --db "$DB" "$WORK/after-rotation.db" >/dev/null || fail "restore failed"
"$RAGBOARD" audit verify --db "$DB" >/dev/null || fail "verify after restoring the latest backup"

# An unkeyed entry appended after keyed ones (a forgery with a plain hash):
# serve does not start on it, and verify (which still runs) says why.
sqlite3 "$DB" "INSERT INTO audit (id, at, actor_id, actor_name, actor_role, actor_org, action, entity,
  entity_id, code, quarter, before, after, request_id, prev_hash, hash)
  SELECT id + 1, at, actor_id, actor_name, actor_role, actor_org, action, entity, entity_id, code,
  quarter, before, after, request_id, hash, hash FROM audit ORDER BY id DESC LIMIT 1"
if timeout 10 "$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/forged.err"; then
  fail "served a trail ending with an unkeyed entry"
fi
grep -q 'last entry is not keyed although earlier ones are' "$WORK/forged.err" || fail "serve said: $(cat "$WORK/forged.err")"
if "$RAGBOARD" audit verify --db "$DB" >"$WORK/forged.txt" 2>&1; then fail "verify passed a forged entry"; fi
grep -q 'an unkeyed entry follows keyed ones' "$WORK/forged.txt" || fail "verify said: $(cat "$WORK/forged.txt")"
sqlite3 "$DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = (SELECT max(id) FROM audit);
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;"
"$RAGBOARD" audit verify --db "$DB" >/dev/null || fail "verify after the forged entry was taken out"

# An existing database of plain SHA-256 entries (schema 4): migrate keys it,
# with an entry that seals the old ones; an old entry changed after that no
# longer links.
OLD=$WORK/old.db
python3 - "$OLD" "$SRC" <<'PY'
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for v, name in enumerate(["0001_init", "0002_reporting", "0003_audit", "0004_reference_version"], 1):
    db.executescript(open(f"{sys.argv[2]}/migrations/{name}.sql").read())
    if v == 1:
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                   " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    db.execute("INSERT INTO schema_migrations VALUES (?, ?, '2019-01-01T00:00:00.000Z')", (v, name + ".sql"))
prev = ""
for i in (1, 2):
    e = {"action": "token.create", "actor": {"id": 0, "name": "command line (root)", "organisation": None,
         "role": "admin"}, "after": {"id": i, "name": "old token %d" % i}, "at": "2019-01-0%dT00:00:00.000Z" % i,
         "before": None, "code": None, "entity": "token", "entity_id": i, "id": i, "quarter": None,
         "request_id": None}
    text = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    h = hashlib.sha256((prev + text).encode()).hexdigest()
    db.execute("INSERT INTO audit (id, at, actor_id, actor_name, actor_role, actor_org, action, entity,"
               " entity_id, code, quarter, before, after, request_id, prev_hash, hash) VALUES"
               " (?, ?, NULL, 'command line (root)', 'admin', NULL, 'token.create', 'token', ?, NULL, NULL,"
               " NULL, ?, NULL, ?, ?)", (i, e["at"], i, json.dumps(e["after"], sort_keys=True,
               separators=(",", ":")), prev, h))
    prev = h
db.commit()
PY
"$RAGBOARD" migrate --db "$OLD" >"$WORK/up.out" 2>"$WORK/up.err" || fail "migrate of a schema-4 database: $(cat "$WORK/up.err")"
grep -q 'applied [0-9]* migration' "$WORK/up.out" || fail "migrate said: $(cat "$WORK/up.out")"
grep -q 'keyed the audit trail' "$WORK/up.err" || fail "migrate said: $(cat "$WORK/up.err")"
"$RAGBOARD" audit verify --db "$OLD" >"$WORK/up.txt" || fail "verify after the upgrade: $(cat "$WORK/up.txt")"
grep -q '^key: signed with key [0-9a-f]* since entry 3 (2 unkeyed entries before)' "$WORK/up.txt" ||
  fail "verify after the upgrade said: $(cat "$WORK/up.txt")"
[ "$(sqlite3 "$OLD" 'SELECT action FROM audit WHERE id = 3')" = audit.keyed ] || fail "no audit.keyed entry"
# a second migrate changes nothing
"$RAGBOARD" migrate --db "$OLD" >/dev/null 2>&1
[ "$(sqlite3 "$OLD" 'SELECT count(*) FROM audit')" = 3 ] || fail "a second migrate keyed the trail again"
sqlite3 "$OLD" "DROP TRIGGER audit_no_update; UPDATE audit SET after = '{\"id\":1,\"name\":\"forged\"}' WHERE id = 1;"
if "$RAGBOARD" audit verify --db "$OLD" >"$WORK/up2.txt"; then fail "an old entry changed after keying verified"; fi
grep -q 'PROBLEM: entry 1: hash does not match' "$WORK/up2.txt" || fail "verify said: $(cat "$WORK/up2.txt")"
echo "audit_key: ok"
