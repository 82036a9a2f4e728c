#!/usr/bin/env bash
# Every change made with one organisation's tokens, one line each under a
# header row: when (UTC, and local time), who, what, and each changed field
# as "before → after".
# Usage: changes-by-organisation.sh RMBC [SINCE]
set -euo pipefail
. "$(dirname "$0")/common.sh"
org=${1:?usage: $0 ORGANISATION [SINCE]}
since=${2:-}
entries=$(paged "/api/v1/audit?organisation=$org${since:+&since=$since}")
{
  printf 'id\tat (UTC)\tactor\taction\tentity\tcode\tquarter\tchange\n'
  jq -r "$JQ_CHANGE"'
    [.id, .at, .actor.name, .action, .entity, .code // "-", .quarter // "-", change] | @tsv' \
    <<<"$entries"
} | with_local_time 2
