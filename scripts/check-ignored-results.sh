#!/usr/bin/env bash
# Fails unless ignoring a port::Status or a port::Result is a compile error with the project's
# warning flags: tests/compile/ignored_result.cpp must compile as it is and must not compile when
# it drops either result.
set -euo pipefail
compiler=$1
source_dir=$2
flags=(-std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$source_dir/port/include")
file="$source_dir/tests/compile/ignored_result.cpp"
"$compiler" "${flags[@]}" "$file"
for what in IGNORE_STATUS IGNORE_RESULT; do
  if output=$("$compiler" "${flags[@]}" -D"$what" "$file" 2>&1); then
    echo "check-ignored-results: $what compiled: an ignored result must not" >&2
    exit 1
  fi
  if ! grep -q "nodiscard" <<<"$output"; then
    echo "check-ignored-results: $what failed for another reason than [[nodiscard]]:" >&2
    echo "$output" >&2
    exit 1
  fi
done
echo "check-ignored-results: an ignored Status or Result does not compile"
