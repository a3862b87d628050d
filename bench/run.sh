#!/usr/bin/env bash
# Builds the size-optimised release and runs every benchmark but the soak (bench/soak.sh),
# printing their figures.
# Usage: bench/run.sh [idle seconds] [crash rounds] [broker restarts] (10 1000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-cross
cmake --preset release >/dev/null
cmake --build --preset release
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo
build/release/bench/idle_cpu "${1:-10}"
echo
build/release/bench/state_crash "${2:-1000}"
echo
build/release/bench/agent_crash "${2:-1000}"
echo
build/release/bench/journal_crash "${2:-1000}"
echo
build/release/bench/event_journal
echo
build/release/bench/chaos "${3:-20}" 1000 100
