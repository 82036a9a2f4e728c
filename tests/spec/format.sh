#!/usr/bin/env bash
# Every C source and header follows the committed .clang-format (Debian 12's
# clang-format, installed by .ci/install-deps). To fix: clang-format -i FILE.
# usage: format.sh SOURCE_ROOT
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format is not installed: skipping the format check (.ci/install-deps installs it)"
  exit 77
fi
cd "$root"
mapfile -t files < <(find src include tests -name build -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no C sources found under $root"; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format: the files above differ from .clang-format; run clang-format -i on them" >&2
  exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
