#!/usr/bin/env bash
# Build the libFuzzer harnesses (clang, ASan + UBSan, in build-fuzz) and run
# them: first every saved crash input (tests/fuzz/regressions/<name>/), then
# every seed input (tests/fuzz/corpus/<name>/), then each harness fuzzes for
# FUZZ_SECONDS (default 20) on a copy of its seed corpus, so the repository
# is never modified. Fails when any harness crashes, leaks, hits undefined
# behaviour or breaks an invariant; crash inputs are kept under
# build-fuzz/fuzz-artifacts/ — add them to tests/fuzz/regressions/<name>/
# once the bug is fixed.
#
#   bash tests/fuzz/run.sh                 # every harness, 20 s each
#   FUZZ_SECONDS=60 bash tests/fuzz/run.sh fuzz_csv fuzz_router
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
harnesses=(fuzz_validators fuzz_csv fuzz_import fuzz_quarter fuzz_router fuzz_xlsx fuzz_sheet_csv)
if [ "$#" -gt 0 ]; then harnesses=("$@"); fi

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is not installed (bash .ci/install-deps installs it)" >&2
  exit 1
fi
if [ -f "$build/build.ninja" ]; then
  # Picks up new tests/fuzz/regressions/<name>/ directories for `meson test`.
  meson setup --reconfigure "$build" >/dev/null
else
  CC=clang meson setup "$build" -Dfuzz=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build" "${harnesses[@]/#/tests/fuzz/}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d "${TMPDIR:-/tmp}/ragboard-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work # the router harness keeps its database there
artifacts=$root/$build/fuzz-artifacts
mkdir -p "$artifacts"

dict_for() {
  case "$1" in
    fuzz_router) echo "-dict=tests/fuzz/fuzz_router.dict" ;;
    fuzz_csv | fuzz_sheet_csv) echo "-dict=tests/fuzz/fuzz_csv.dict" ;;
    fuzz_xlsx) echo "-dict=tests/fuzz/fuzz_xlsx.dict" ;;
    fuzz_validators | fuzz_import) echo "-dict=tests/fuzz/fuzz_json.dict" ;;
  esac
}

failed=()
for name in "${harnesses[@]}"; do
  exe=$build/tests/fuzz/$name
  log=$work/$name.log

  # 1. Saved crash inputs, then 2. the seed corpus: each input run once.
  for set in regressions corpus; do
    files=()
    if [ -d "tests/fuzz/$set/$name" ]; then
      while IFS= read -r -d '' f; do files+=("$f"); done \
        < <(find "tests/fuzz/$set/$name" -type f -print0 | sort -z)
    fi
    [ "${#files[@]}" -gt 0 ] || continue
    if ! "$exe" -rss_limit_mb=2048 -timeout=10 "${files[@]}" >"$log" 2>&1; then
      tail -n 60 "$log" >&2
      echo "fuzz: $name fails on its $set inputs" >&2
      failed+=("$name($set)")
      continue 2
    fi
    echo "fuzz: $name: ${#files[@]} $set input(s) pass"
  done

  # 3. Fuzz for a bounded time on a copy of the corpus.
  mkdir -p "$work/corpus/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/corpus/$name/" 2>/dev/null || true
  # shellcheck disable=SC2046
  if "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$name-" $(dict_for "$name") \
       "$work/corpus/$name" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "fuzz: $name: ${seconds}s, ${execs:-?} executions, ${cov:-cov: ?}, no crash"
  else
    tail -n 80 "$log" >&2
    echo "fuzz: $name crashed; inputs in $artifacts/ (see above)" >&2
    failed+=("$name")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all harnesses passed"
