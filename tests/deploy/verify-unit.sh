#!/usr/bin/env bash
# Checks a shipped systemd unit with systemd-analyze verify, its binary pointed at the built one
# (any warning fails), and its exposure with systemd-analyze security --offline=true: at most
# MAX_EXPOSURE (default 2.0, on systemd's 0-10 scale). Usage:
# verify-unit.sh UNIT_FILE INSTALLED_BINARY BUILT_BINARY [MAX_EXPOSURE]
set -euo pipefail
unit=$1
installed=$2
built=$3
max=${4:-2.0}
name=$(basename "$unit")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|$installed|$built|" "$unit" >"$dir/$name"
if ! out=$(systemd-analyze verify "$dir/$name" 2>&1) || [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
# --threshold takes tenths; the command fails when the exposure is above it.
threshold=$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 + 0.5 }')
if ! out=$(systemd-analyze security --offline=true --no-pager --threshold="$threshold" \
  "$dir/$name" 2>&1); then
  echo "$out" | grep -v '✓'
  echo "$name: exposure above $max"
  exit 1
fi
echo "$name verified; $(echo "$out" | grep -o 'exposure level.*')"
