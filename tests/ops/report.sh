#!/usr/bin/env bash
# ragboard report: the board report from the command line, for scripts and
# committee services. Its help, refusals (exit 2) and failures (exit 1,
# nothing written), every format, --group, --no-detail, --out, the cover
# options and their variables, that it only reads the database, and that
# it writes the same report GET /api/v1/reports/{quarter} serves.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db

# run EXPECTED_STATUS ARGS...: output in $WORK/out and $WORK/err
run() {
  local want=$1 got=0
  shift
  "$RAGBOARD" "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  [ "$got" = "$want" ] || fail "ragboard $* exited $got, wanted $want: $(head -c 400 "$WORK/err")"
}
said() { grep -q -- "$1" "$WORK/err" || fail "stderr lacks '$1': $(cat "$WORK/err")"; }
Q=(--db "$DB" --quarter 2018-19-Q1)

run 0 report --help
grep -q '^Usage: ragboard report --db PATH --quarter Q' "$WORK/out" || fail "help: $(head -2 "$WORK/out")"
for opt in --format --group --no-detail --out --title --delivery-team --place-board; do
  grep -q -- "^  $opt" "$WORK/out" || fail "help does not list $opt"
done
grep -q 'RAGBOARD_REPORT_TITLE' "$WORK/out" || fail "help does not name RAGBOARD_REPORT_TITLE"
"$RAGBOARD" --help | grep -q '^  report ' || fail "ragboard --help does not list report"

# Usage errors: exit 2, a message, nothing on stdout.
run 2 report --quarter 2018-19-Q1
said '--db PATH is required'
run 2 report --db "$DB"
said '--quarter Q is required'
run 2 report --db "$DB" --quarter 2018-19-Q5
said '--quarter 2018-19-Q5'
run 2 report "${Q[@]}" --format pdf
said 'must be html, md, csv or json'
run 2 report "${Q[@]}" --colour red
said 'unknown option --colour'
run 2 report "${Q[@]}" extra
run 2 report "${Q[@]}" --title "$(printf 'bad\ttitle')"
said '--title must be UTF-8 text'
[ ! -s "$WORK/out" ] || fail "a refused report wrote to stdout"

# Failures: exit 1, said plainly, no --out file left behind.
run 1 report --db "$DB" --quarter 2030-31-Q1 --out "$WORK/none.html"
said 'plan year 2030-31 has no priorities, milestones or KPIs'
run 1 report "${Q[@]}" --group NOPE --out "$WORK/none.html"
said 'no transformation group with code NOPE'
[ ! -e "$WORK/none.html" ] || fail "a failed report left its --out file"
ls "$WORK" | grep -q 'none.html.tmp' && fail "a failed report left a temporary file"
run 1 report --db "$WORK/missing.db" --quarter 2018-19-Q1
said 'cannot open database'
run 1 report "${Q[@]}" --out "$WORK/no/such/dir/report.html"
said "writing $WORK/no/such/dir/report.html"

# It only reads (the state check's timing aside).
before=$(md5sum <"$DB")
"$RAGBOARD" audit verify --db "$DB" | sed 's/ in [0-9]* ms//' >"$WORK/verify-before" || true

# Every format, to stdout and to a file.
run 0 report "${Q[@]}"
head -c 15 "$WORK/out" | grep -q '<!DOCTYPE html>' || fail "default format is not HTML"
grep -q '56% of milestones are on track or complete and 53% of KPIs are on track' "$WORK/out" ||
  fail "HTML lacks CYP's headline"
run 0 report "${Q[@]}" --format md --out "$WORK/r.md"
[ ! -s "$WORK/out" ] || fail "--out also wrote to stdout"
grep -q '^| No. of milestones | 25 | 1 | 0 | 14 | 5 | 1 | 4 |$' "$WORK/r.md" || fail "Markdown totals row"
run 0 report "${Q[@]}" --format csv --out "$WORK/r.csv"
head -1 "$WORK/r.csv" | grep -q '^table,group,type,priority,code,label,' || fail "CSV header"
grep -q '^milestones,CYP,' "$WORK/r.csv" || fail "CSV lacks the detail"
run 0 report "${Q[@]}" --format json --out "$WORK/r.json"
jq -e '.format == "ragboard-report/1" and (.groups | length) == 3 and .title == "Rotherham ICP Performance Report"' \
  "$WORK/r.json" >/dev/null || fail "JSON: $(head -c 300 "$WORK/r.json")"
jq -e '.provenance.audit_head.id > 0 and (.provenance.data_version | tonumber) > 0' "$WORK/r.json" \
  >/dev/null || fail "JSON provenance: $(jq -c .provenance "$WORK/r.json")"
run 0 report "${Q[@]}" --format csv --no-detail
grep -q '^milestones,' "$WORK/out" && fail "--no-detail kept the detail rows"
grep -q '^milestone_counts,' "$WORK/out" || fail "--no-detail lost the summary tables"
run 0 report "${Q[@]}" --format json --group MHLD
jq -e '[.groups[].code] == ["MHLD"] and .overall.milestones.total == 23' "$WORK/out" >/dev/null ||
  fail "--group MHLD: $(jq -c '[.groups[].code]' "$WORK/out")"
run 0 report "${Q[@]}" --format json --title 'Rotherham Integrated Care Partnership' \
  --delivery-team 'ICP Delivery Team' --place-board 'ICP Place Board'
jq -e '.title == "Rotherham Integrated Care Partnership" and .cover.approval_history ==
  "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018"' "$WORK/out" >/dev/null ||
  fail "cover options: $(jq -c '[.title, .cover.approval_history]' "$WORK/out")"
RAGBOARD_REPORT_TITLE='From the environment' run 0 report "${Q[@]}" --format json
jq -e '.title == "From the environment"' "$WORK/out" >/dev/null || fail "RAGBOARD_REPORT_TITLE"
run 0 report --db "$DB" --quarter 2018-19-Q3 --format json
jq -e '.no_updates and (.notices[0] | startswith("No updates have been provided for Q3 2018/19 yet"))' \
  "$WORK/out" >/dev/null || fail "Q3: $(jq -c .notices "$WORK/out")"

[ "$(md5sum <"$DB")" = "$before" ] || fail "ragboard report changed the database file"
"$RAGBOARD" audit verify --db "$DB" | sed 's/ in [0-9]* ms//' >"$WORK/verify-after" || true
cmp -s "$WORK/verify-before" "$WORK/verify-after" || fail "the audit trail moved under ragboard report"

# The same report the server serves (but for when each was built).
start_server --public-read
curl -sS -o "$WORK/served.json" "$URL/api/v1/reports/2018-19-Q1?format=json"
run 0 report "${Q[@]}" --format json
strip='del(.provenance.built_at, .provenance.line, .provenance.footer)'
[ "$(jq -S "$strip" "$WORK/out")" = "$(jq -S "$strip" "$WORK/served.json")" ] ||
  fail "ragboard report and GET /api/v1/reports differ: $(diff <(jq -S "$strip" "$WORK/out") \
    <(jq -S "$strip" "$WORK/served.json") | head -20)"
stop_server
echo "report: ok"
