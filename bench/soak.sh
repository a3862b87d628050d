#!/usr/bin/env bash
# Builds the AddressSanitizer preset and soaks one agent: calls at a steady rate for a long time,
# memory each minute, a leak check at the end.
# Usage: bench/soak.sh [seconds] [calls per second] (1800 100)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-cross
cmake --preset asan >/dev/null
cmake --build --preset asan
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
build/asan/bench/soak "${1:-1800}" "${2:-100}"
