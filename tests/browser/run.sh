#!/usr/bin/env bash
# Suite `browser`: ragboard's pages in Debian's chromium (playwright-core and
# axe-core pinned in package.json, installed with `npm ci`; never a
# downloaded browser).
# usage: run.sh RAGBOARD_BINARY SOURCE_ROOT ARTEFACT_DIR
set -euo pipefail
bin=$1
src=$2
artefacts=$3
dir="$src/tests/browser"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "node/npm are not installed: skipping the browser suite (.ci/install-deps installs them)"
  exit 77
fi
chromium=${RAGBOARD_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "$chromium is not installed: skipping the browser suite (.ci/install-deps installs chromium)"
  exit 77
fi
# Install (again) when node_modules is missing or older than the lock file.
if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
   [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  echo "installing the browser suite's packages: npm ci --prefix $dir"
  # --ignore-scripts: playwright-core's packages download nothing anyway;
  # the suite drives the system's chromium.
  npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_BROWSERS_PATH=0
exec node "$dir/run.mjs" "$bin" "$src" "$artefacts"
