#!/usr/bin/env bash
# The door-agent against its floor and peers, and the scheduler over a fleet: builds the release
# preset (and the cross presets, for their sizes), installs the Node.js peer's packages from the
# npm registry, then prints every figure of bench/RESULTS.md's "Against peers" section.
# Usage: bench/peers.sh [calls] [starts] [fleet sizes...] (10000 20 100 1000 10000)
# The fleet runs every size with the agents in one process (bench/agent_fleet), and the sizes up to
# 1,000 with one door-agent process per device (about 9 MB each).
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-10000}
starts=${2:-20}
shift $(($# > 2 ? 2 : $#))
fleet_sizes=${*:-100 1000 10000}
process_sizes=
for size in $fleet_sizes; do
  if [ "$size" -le 1000 ]; then process_sizes="$process_sizes $size"; fi
done

cross=1
scripts/install-deps.sh || cross=0
cmake --preset release >/dev/null
cmake --build --preset release
if [ "$cross" -eq 1 ]; then
  for preset in aarch64 armhf; do
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" --target door-agent
  done
fi
npm ci --prefix bench/node_peer --no-audit --no-fund --loglevel=error

echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); node $(node --version); $(mosquitto -h | head -1)"
echo
build/release/bench/peers "$calls" "$starts"
echo
# shellcheck disable=SC2086 # the sizes are separate arguments
build/release/bench/fleet --one-process $fleet_sizes
echo
# shellcheck disable=SC2086
[ -z "$process_sizes" ] || build/release/bench/fleet $process_sizes
echo
build/release/bench/idle_cpu 60
echo
echo "stripped door-agent (release preset, MinSizeRel) and the libraries it loads:"
for target in release:x86_64-linux-gnu aarch64:aarch64-linux-gnu armhf:arm-linux-gnueabihf; do
  preset=${target%%:*}
  triplet=${target#*:}
  binary=build/$preset/agent/door-agent
  [ -f "$binary" ] || { echo "  $preset: not built (cross packages missing)"; continue; }
  strip_tool="strip"
  [ "$preset" = release ] || strip_tool=$triplet-strip
  "$strip_tool" -o "$binary.stripped" "$binary"
  printf '  %-8s %7d bytes  %s\n' "$preset" "$(stat -c %s "$binary.stripped")" \
    "$(readelf -d "$binary.stripped" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
done
