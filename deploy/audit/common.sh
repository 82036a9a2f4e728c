# Shared by the audit scripts: RAGBOARD_URL (default http://127.0.0.1:8080)
# and RAGBOARD_TOKEN (an admin or viewer token; a submitter sees only its
# own organisation's entries; verify.sh needs an admin token). Times are
# printed in UTC as stored, and beside them in the local time zone (TZ).
RAGBOARD_URL=${RAGBOARD_URL:-http://127.0.0.1:8080}
: "${RAGBOARD_TOKEN:?set RAGBOARD_TOKEN to an admin or viewer token}"
ME=$(basename "$0")

# GET a path and print the body; when the server refuses, say why (and which
# token it takes) on stderr and fail.
api() {
  local out code detail
  out=$(mktemp)
  if ! code=$(curl -sS -o "$out" -w '%{http_code}' -H "Authorization: Bearer $RAGBOARD_TOKEN" \
    "$RAGBOARD_URL$1"); then
    rm -f "$out"
    echo "$ME: could not reach $RAGBOARD_URL (see curl's message above)" >&2
    return 1
  fi
  if [ "$code" = 200 ]; then
    cat "$out"
    rm -f "$out"
    return 0
  fi
  detail=$(jq -r '.detail // empty' "$out" 2>/dev/null || true)
  rm -f "$out"
  case $code in
    401) echo "$ME: the server does not accept RAGBOARD_TOKEN (unknown or revoked)${detail:+: $detail}" >&2 ;;
    403) echo "$ME: needs an admin token: the server refused this one (403${detail:+: $detail})" >&2 ;;
    *) echo "$ME: the server answered $code${detail:+: $detail}" >&2 ;;
  esac
  return 1
}

# Print every item of a paginated list as one JSON object per line.
paged() {
  local path=$1 sep cursor="" page
  case $path in *\?*) sep='&' ;; *) sep='?' ;; esac
  while :; do
    page=$(api "$path${cursor:+${sep}cursor=$cursor}") || return 1
    jq -c '.items[]' <<<"$page"
    cursor=$(jq -r '.next // empty' <<<"$page")
    [ -n "$cursor" ] || break
  done
}

# jq: an entry's change as "field: before → after" for each field it
# changed ("; " between them), bookkeeping fields aside; an import or a
# return in a few words.
JQ_CHANGE='
def show: if . == null then "-" elif type == "string" then . elif type == "object" or type == "array"
          then tojson else tostring end;
def quiet: IN("id", "year", "quarter", "kpi_id", "milestone_id", "kpi_code", "milestone_code",
              "created_at", "updated_at", "updated_by", "last_used_at",
              "computed_rating", "effective_rating", "rating_disagreement");
def change:
  if .entity == "dataset" then
    (.after // {}) | "imported \(.organisations // 0) organisations, \(.groups // 0) groups, "
      + "\(.priorities // 0) priorities, \(.milestones // 0) milestones, \(.kpis // 0) KPIs, "
      + "\(.updates // 0) updates, \(.readings // 0) readings; changed \(.changed.updates // 0) "
      + "updates, \(.changed.readings // 0) readings, \(.changed.items // 0) other items"
  elif .entity == "submission" then
    (.after // {}) | "return: \(.milestones.written // 0) milestone updates, "
      + "\(.kpis.written // 0) KPI readings written; \(.milestones.unchanged // 0) + "
      + "\(.kpis.unchanged // 0) unchanged"
  else
    (.before // {}) as $b | (.after // {}) as $a
    | [($b + $a) | keys[] | select(quiet | not) | select($b[.] != $a[.])
       | "\(.): \($b[.] | show) → \($a[.] | show)"]
    | if length == 0 then "-" else join("; ") end
  end;'

# Read TSV (with its header line first) on stdin; after column $1, a UTC
# time as stored, add the same time in the local time zone.
with_local_time() {
  local col=$1 tmp header
  tmp=$(mktemp -d)
  IFS= read -r header || { rm -rf "$tmp"; return 0; }
  cat >"$tmp/rows"
  awk -F'\t' -v OFS='\t' -v c="$col" '{ $c = $c OFS "local time"; print }' <<<"$header"
  cut -f"$col" "$tmp/rows" | date -f - '+%Y-%m-%d %H:%M:%S %Z' >"$tmp/local"
  awk -F'\t' -v OFS='\t' -v c="$col" 'NR == FNR { t[FNR] = $0; next } { $c = $c OFS t[FNR]; print }' \
    "$tmp/local" "$tmp/rows"
  rm -rf "$tmp"
}
