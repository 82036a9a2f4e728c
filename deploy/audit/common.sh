# Shared by the audit scripts: RAGBOARD_URL (default http://127.0.0.1:8080)
# and RAGBOARD_TOKEN (an admin or viewer token; a submitter sees only its
# own organisation's entries).
RAGBOARD_URL=${RAGBOARD_URL:-http://127.0.0.1:8080}
: "${RAGBOARD_TOKEN:?set RAGBOARD_TOKEN to an admin or viewer token}"

api() { curl -fsS -H "Authorization: Bearer $RAGBOARD_TOKEN" "$RAGBOARD_URL$1"; }

# Print every item of a paginated list as one JSON object per line.
paged() {
  local path=$1 sep cursor="" page
  case $path in *\?*) sep='&' ;; *) sep='?' ;; esac
  while :; do
    page=$(api "$path${cursor:+${sep}cursor=$cursor}")
    jq -c '.items[]' <<<"$page"
    cursor=$(jq -r '.next // empty' <<<"$page")
    [ -n "$cursor" ] || break
  done
}
