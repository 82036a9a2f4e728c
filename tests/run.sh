#!/usr/bin/env bash
# Install what is missing, build, and run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps
if [ -d build ] && [ -f build/build.ninja ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build >/dev/null
fi
ninja -C build
meson test -C build --print-errorlogs
