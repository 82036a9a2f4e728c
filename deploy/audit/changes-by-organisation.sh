#!/usr/bin/env bash
# Every change made with one organisation's tokens.
# Usage: changes-by-organisation.sh RMBC [SINCE]
set -euo pipefail
. "$(dirname "$0")/common.sh"
org=${1:?usage: $0 ORGANISATION [SINCE]}
since=${2:-}
paged "/api/v1/audit?organisation=$org${since:+&since=$since}" |
  jq -r '[.id, .at, .actor.name, .action, .entity, .code // "-", .quarter // "-"] | @tsv'
