#!/usr/bin/env bash
# The audit trail, or the part a filter selects, as one CSV on stdout: every
# page of GET /api/v1/audit?format=csv (which answers one page at a time and
# names the next in X-Next-Cursor), with the header row once.
# Usage: export-csv.sh [QUERY] > audit.csv     e.g. export-csv.sh 'quarter=2018-19-Q1'
# AUDIT_PAGE (default 500) sets the page size.
set -euo pipefail
. "$(dirname "$0")/common.sh"
query=${1:-}
page=${AUDIT_PAGE:-500}
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
cursor=""
first=1
while :; do
  body=$(curl -fsS -D "$headers" -H "Authorization: Bearer $RAGBOARD_TOKEN" \
    "$RAGBOARD_URL/api/v1/audit?format=csv&limit=$page${query:+&$query}${cursor:+&cursor=$cursor}")
  if [ "$first" = 1 ]; then
    printf '%s\n' "$body"
    first=0
  else
    printf '%s\n' "$body" | tail -n +2 # the header row again
  fi
  cursor=$(tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Nn]ext-[Cc]ursor: *//p')
  [ -n "$cursor" ] || break
done
