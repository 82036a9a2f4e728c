#!/usr/bin/env bash
# The audit trail, or the part a filter selects, as one CSV on stdout: every
# page of GET /api/v1/audit?format=csv (which answers one page at a time and
# names the next in X-Next-Cursor), with the header row once. Cells that a
# spreadsheet would run as a formula come with a ' in front; the last
# column, "altered", says what is wrong with an entry altered in the
# database file (empty for the others).
# Usage: export-csv.sh [QUERY] > audit.csv     e.g. export-csv.sh 'quarter=2018-19-Q1'
# AUDIT_PAGE (default 500) sets the page size.
set -euo pipefail
. "$(dirname "$0")/common.sh"
query=${1:-}
page=${AUDIT_PAGE:-500}
headers=$(mktemp)
out=$(mktemp)
trap 'rm -f "$headers" "$out"' EXIT
cursor=""
first=1
while :; do
  code=$(curl -sS -D "$headers" -o "$out" -w '%{http_code}' -H "Authorization: Bearer $RAGBOARD_TOKEN" \
    "$RAGBOARD_URL/api/v1/audit?format=csv&limit=$page${query:+&$query}${cursor:+&cursor=$cursor}") ||
    { echo "$ME: could not reach $RAGBOARD_URL (see curl's message above)" >&2; exit 1; }
  if [ "$code" != 200 ]; then
    # the refusal, said as the other scripts say it
    api "/api/v1/audit?format=json&limit=1${query:+&$query}" >/dev/null || exit 1
    echo "$ME: the server answered $code: $(jq -r '.detail // empty' "$out" 2>/dev/null)" >&2
    exit 1
  fi
  body=$(cat "$out")
  if [ "$first" = 1 ]; then
    printf '%s\n' "$body"
    first=0
  else
    printf '%s\n' "$body" | tail -n +2 # the header row again
  fi
  cursor=$(tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Nn]ext-[Cc]ursor: *//p')
  [ -n "$cursor" ] || break
done
