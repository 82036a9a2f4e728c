#!/usr/bin/env bash
# Verify the audit trail (links, keyed hashes, stored types, the append-only
# triggers), and that it still holds the head kept from the last run (a chain
# cut short at its end is still a valid chain: only a head recorded earlier
# shows the cut). Needs an admin token.
# Usage: verify.sh [--state] HEAD_FILE          check against HEAD_FILE, then keep the new head in it
#        verify.sh [--state] --init HEAD_FILE   first run: no head kept yet
# --state: also check the stored updates, readings and items against the trail.
# Exit 0: intact; HEAD_FILE now holds the new head. Exit 1: not intact, or the
# server refused or could not be asked (reported on stderr); HEAD_FILE is left
# as it was. Keep HEAD_FILE away from the server (the auditor's machine, the
# backup host).
set -euo pipefail
. "$(dirname "$0")/common.sh"
init=0 state=false
while :; do
  case ${1:-} in
    --init) init=1; shift ;;
    --state) state=true; shift ;;
    *) break ;;
  esac
done
file=${1:?usage: $0 [--state] [--init] HEAD_FILE}
query="?state=$state"
if [ -s "$file" ]; then
  query=$query$(jq -er '"&anchor_id=\(.id)&anchor_hash=\(.hash)"' "$file") ||
    { echo "verify.sh: $file does not hold a head ({\"id\":N,\"hash\":\"...\"})" >&2; exit 1; }
elif [ "$init" -eq 0 ]; then
  # A lost or mistyped file would otherwise start afresh and hide a cut.
  echo "verify.sh: no head kept in $file; on the very first run use --init" >&2
  exit 1
fi
verdict=$(api "/api/v1/audit/verify$query") || exit 1
if [ "$(jq -r .ok <<<"$verdict")" != true ]; then
  jq -r '(if .broken then "BROKEN at entry \(.broken.id): \(.broken.reason)\n" else "" end)
         + "NOT INTACT (\(.entries) entries verified):\n"
         + ([.problems[] | "  - " + .] | join("\n"))
         + ([.altered[]? | "\n  altered entry \(.id): " + (.problems | join("; "))] | join(""))
         + ([.state.differences[]? | "\n  " + .entity
             + (if .id then " \(.id)" else "" end) + (if .code then " \(.code)" else "" end)
             + (if .quarter then " \(.quarter)" else "" end)
             + (if .field then " \(.field): audited \(.audited | tojson), stored \(.stored | tojson)"
                else "" end)
             + ": " + .problem] | join(""))' <<<"$verdict" >&2
  exit 1
fi
jq -r '"ok: \(.entries) entries" + (if .head then ", head \(.head.id) \(.head.hash)" else "" end)
       + (if .state then "; the stored data matches the trail (\(.state.checked | [.[]] | add) rows)"
          else "" end)' <<<"$verdict"
# An empty trail has no head yet: the file stays as it is (run --init again).
if jq -e '.head' <<<"$verdict" >/dev/null; then
  jq -c '.head' <<<"$verdict" >"$file.new" && mv "$file.new" "$file" || { rm -f "$file.new"; exit 1; }
fi
