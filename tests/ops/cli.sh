#!/usr/bin/env bash
# The command line's own contract: every command answers --help on stdout
# with exit 0, refuses what it does not take with exit 2 and a message on
# stderr, and says plainly what went wrong.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db

# run EXPECTED_STATUS ARGS...: output in $WORK/out and $WORK/err
run() {
  local want=$1 got=0
  shift
  "$RAGBOARD" "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  [ "$got" = "$want" ] || fail "ragboard $* exited $got, wanted $want: $(cat "$WORK/err")"
}

for cmd in migrate serve import report backup restore routes ratings version "token create" "token list" "token revoke"; do
  # shellcheck disable=SC2086 # "token create" is two words on purpose
  run 0 $cmd --help
  grep -q "^Usage: ragboard $cmd" "$WORK/out" || fail "$cmd --help: $(head -1 "$WORK/out")"
done
run 0 token --help
[ "$(grep -c '^ *\(Usage: \)\?ragboard token ' "$WORK/out")" = 3 ] || fail "token --help: $(cat "$WORK/out")"

# Options belong to their own command.
run 2 routes --bogus
grep -q 'routes takes no arguments' "$WORK/err" || fail "routes --bogus said: $(cat "$WORK/err")"
run 2 version extra
run 2 ratings extra
run 0 ratings
jq -e 'map(.code) == ["BR", "B", "G", "A", "R", "TBC"]' "$WORK/out" >/dev/null || fail "ratings: $(head -c 300 "$WORK/out")"
run 2 token list --db "$DB" --role admin
grep -q 'unknown option --role' "$WORK/err" || fail "token list --role said: $(cat "$WORK/err")"
run 2 token list --db "$DB" 7
run 2 token frob
grep -q 'unknown token command frob' "$WORK/err" || fail "token frob said: $(cat "$WORK/err")"
run 2 token

# Defaults are stated, flags included; --db is marked required.
run 0 serve --help
grep -q -- '--public-read .*(default: off)' "$WORK/out" || fail "serve --help: no default for --public-read"
grep -q -- '--db PATH .*required' "$WORK/out" || fail "serve --help: --db not marked required"

# An import of a file that cannot be read names the file and the reason.
run 1 import --db "$DB" "$WORK/missing.json"
grep -q "unable to open $WORK/missing.json" "$WORK/err" || fail "import of a missing file said: $(cat "$WORK/err")"
! grep -q 'line -1' "$WORK/err" || fail "import of a missing file gave a line number: $(cat "$WORK/err")"

# The working commands still work.
run 0 token list --db "$DB"
grep -q 'ops-test' "$WORK/out" || fail "token list lacks the demo token: $(cat "$WORK/out")"
run 0 version
grep -q '^ragboard .* (schema [0-9]*)$' "$WORK/out" || fail "version said: $(cat "$WORK/out")"
echo "cli: ok"
