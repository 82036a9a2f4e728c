#!/usr/bin/env bash
# Every change to a quarter's figures made after its Delivery Team date.
# Usage: changes-after-delivery-team.sh 2018-19-Q1
set -euo pipefail
. "$(dirname "$0")/common.sh"
q=${1:?usage: $0 QUARTER}
date=$(api "/api/v1/quarters/$q" | jq -r '.delivery_team_date // empty')
[ -n "$date" ] || { echo "quarter $q has no delivery_team_date" >&2; exit 1; }
# The day of the meeting counts as before it: changes from the next day on.
next=$(date -u -d "$date + 1 day" +%F)
# A milestone update shows its status; a reading its value and rating, so a
# changed figure with the same rating still shows (99/G -> 90/G).
paged "/api/v1/audit?quarter=$q&since=$next" |
  jq -r 'def pos: if . == null then "-" elif has("status") then .status
                  elif has("value") or has("rating") then "\(.value // .value_text // "-")/\(.rating // "-")"
                  else "-" end;
         [.at, .actor.name, .actor.organisation // "-", .action, .code // "-",
          (.before | pos), "->", (.after | pos)] | @tsv'
