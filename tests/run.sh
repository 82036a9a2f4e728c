#!/usr/bin/env bash
# Install what is missing, build, and run every test suite: the normal build,
# the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# the HTTP suites under valgrind memcheck, and the fuzzers for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps

setup() { # setup DIR [meson options...]
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

echo "== build and test"
setup build
ninja -C build
meson test -C build --print-errorlogs

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: every suite"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --no-suite spec

echo "== valgrind memcheck: the HTTP suites, the audit trail's and the router in-process"
# Check forks a child per test; memcheck follows forks and fails the child
# (and so the test) on any error or definite/indirect leak.
CK_TIMEOUT_MULTIPLIER=20 meson test -C build --print-errorlogs \
  --wrapper 'valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect' \
  --timeout-multiplier 5 http report partner audit router

# libFuzzer harnesses (tests/fuzz/run.sh): replay saved crashes and seed corpora, then fuzz each for FUZZ_SECONDS (default 20 s).
bash tests/fuzz/run.sh
