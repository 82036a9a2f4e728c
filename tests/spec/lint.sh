#!/usr/bin/env bash
# Lint the OpenAPI contract with the Redocly CLI pinned in openapi/package.json.
# usage: lint.sh SOURCE_ROOT
# Installs openapi/node_modules with `npm ci` when missing; skips (77) only
# when npm is not installed at all.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
dir="$root/openapi"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: skipping the OpenAPI lint (.ci/install-deps installs it)"
  exit 77
fi
if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
  echo "installing the linter: npm ci --prefix $dir"
  npm ci --prefix "$dir" --no-audit --no-fund
fi
cd "$dir"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$dir/node_modules/.bin/redocly" lint --config "$dir/redocly.yaml" "$dir/openapi.yaml"
