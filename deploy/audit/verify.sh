#!/usr/bin/env bash
# Verify the audit trail's hash chain, and that it still holds the head kept
# from the last run (a chain cut short at its end is still a valid chain: only
# a head recorded earlier shows the cut). Needs an admin token.
# Usage: verify.sh [HEAD_FILE]    (default ./ragboard-audit-head.json)
# Exit 0: intact; HEAD_FILE now holds the new head. Exit 1: broken (reported
# on stderr); HEAD_FILE is left as it was. Keep HEAD_FILE away from the server.
set -euo pipefail
. "$(dirname "$0")/common.sh"
file=${1:-ragboard-audit-head.json}
query=""
if [ -s "$file" ]; then
  query=$(jq -r '"?anchor_id=\(.id)&anchor_hash=\(.hash)"' "$file")
fi
verdict=$(api "/api/v1/audit/verify$query")
if [ "$(jq -r .ok <<<"$verdict")" != true ]; then
  jq -r '"BROKEN at entry \(.broken.id): \(.broken.reason) (\(.entries) entries verified)"' \
    <<<"$verdict" >&2
  exit 1
fi
jq -r '"ok: \(.entries) entries" + (if .head then ", head \(.head.id) \(.head.hash)" else "" end)' \
  <<<"$verdict"
jq -c '.head // empty' <<<"$verdict" >"$file.new"
mv "$file.new" "$file"
