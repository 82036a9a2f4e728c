#!/usr/bin/env bash
# Every KPI reading whose reported rating differs from the rule's computed
# rating, for one plan year, under a header row.
# Usage: rating-disagreements.sh 2018-19
set -euo pipefail
. "$(dirname "$0")/common.sh"
year=${1:?usage: $0 PLAN-YEAR}
ids=$(paged "/api/v1/kpis?year=$year" | jq -r '.id')
printf 'quarter\tkpi\tvalue\treported\tcomputed\n'
for id in $ids; do
  api "/api/v1/kpis/$id/readings" |
    jq -r '.items[] | select(.rating_disagreement) |
           [.quarter, .kpi_code, (.value_text // .value | tostring), .rating, .computed_rating] | @tsv'
done
