#!/usr/bin/env bash
# Fails when a C++ source differs from what clang-format (config in .clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp')
if [ "${#files[@]}" -eq 0 ]; then
  echo "check-format: no sources found" >&2
  exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
