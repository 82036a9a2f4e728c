#!/usr/bin/env bash
# Verify the audit trail's hash chain, and that it still holds the head kept
# from the last run (a chain cut short at its end is still a valid chain: only
# a head recorded earlier shows the cut). Needs an admin token.
# Usage: verify.sh HEAD_FILE          check against HEAD_FILE, then keep the new head in it
#        verify.sh --init HEAD_FILE   first run: no head kept yet
# Exit 0: intact; HEAD_FILE now holds the new head. Exit 1: broken, or the
# server could not be asked (reported on stderr); HEAD_FILE is left as it was.
# Keep HEAD_FILE away from the server (the auditor's machine, the backup host).
set -euo pipefail
. "$(dirname "$0")/common.sh"
init=0
if [ "${1:-}" = --init ]; then
  init=1
  shift
fi
file=${1:?usage: $0 [--init] HEAD_FILE}
query=""
if [ -s "$file" ]; then
  query=$(jq -er '"?anchor_id=\(.id)&anchor_hash=\(.hash)"' "$file") ||
    { echo "verify.sh: $file does not hold a head ({\"id\":N,\"hash\":\"...\"})" >&2; exit 1; }
elif [ "$init" -eq 0 ]; then
  # A lost or mistyped file would otherwise start afresh and hide a cut.
  echo "verify.sh: no head kept in $file; on the very first run use --init" >&2
  exit 1
fi
verdict=$(api "/api/v1/audit/verify$query") ||
  { echo "verify.sh: could not ask $RAGBOARD_URL (see curl's message above)" >&2; exit 1; }
if [ "$(jq -r .ok <<<"$verdict")" != true ]; then
  jq -r '"BROKEN at entry \(.broken.id): \(.broken.reason) (\(.entries) entries verified)"' \
    <<<"$verdict" >&2
  exit 1
fi
jq -r '"ok: \(.entries) entries" + (if .head then ", head \(.head.id) \(.head.hash)" else "" end)' \
  <<<"$verdict"
# An empty trail has no head yet: the file stays as it is (run --init again).
if jq -e '.head' <<<"$verdict" >/dev/null; then
  jq -c '.head' <<<"$verdict" >"$file.new" && mv "$file.new" "$file" || { rm -f "$file.new"; exit 1; }
fi
