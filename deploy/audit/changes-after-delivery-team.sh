#!/usr/bin/env bash
# Every change to a quarter's figures (and to the quarter itself) made after
# its Delivery Team date, one line each under a header row: when (UTC, and
# local time), who, what, and each changed field as "before → after".
# Usage: changes-after-delivery-team.sh 2018-19-Q1
set -euo pipefail
. "$(dirname "$0")/common.sh"
q=${1:?usage: $0 QUARTER}
quarter=$(api "/api/v1/quarters/$q")
date=$(jq -r '.delivery_team_date // empty' <<<"$quarter")
[ -n "$date" ] || { echo "$ME: quarter $q has no delivery_team_date" >&2; exit 1; }
# The day of the meeting counts as before it: changes from the next day on.
next=$(date -u -d "$date + 1 day" +%F)
entries=$(paged "/api/v1/audit?quarter=$q&since=$next")
{
  printf 'at (UTC)\tactor\torganisation\taction\tcode\tchange\n'
  jq -r "$JQ_CHANGE"'
    [.at, .actor.name, .actor.organisation // "-", .action, .code // "-", change] | @tsv' <<<"$entries"
} | with_local_time 1
