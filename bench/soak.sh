#!/usr/bin/env bash
# Soaks the agent twice at once for the same time: the AddressSanitizer build (leaks, checked by
# LeakSanitizer at a clean exit) and the size-optimised release (RSS growth, as on a board).
# Usage: bench/soak.sh [seconds] [calls per second] (1800 100)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-cross
for preset in asan release; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
build/asan/bench/soak "${1:-1800}" "${2:-100}" >"$log" 2>&1 &
asan_pid=$!
echo "release build:"
release_rc=0
build/release/bench/soak "${1:-1800}" "${2:-100}" || release_rc=$?
asan_rc=0
wait "$asan_pid" || asan_rc=$?
echo "asan build:"
cat "$log"
[ "$release_rc" -eq 0 ] && [ "$asan_rc" -eq 0 ]
