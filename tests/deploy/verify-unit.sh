#!/usr/bin/env bash
# Checks the shipped systemd unit with systemd-analyze verify, its ExecStart pointed at the built
# agent. Any warning fails. Usage: verify-unit.sh UNIT_FILE AGENT_BINARY
set -euo pipefail
unit=$1
agent=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/door-agent|$agent|" "$unit" >"$dir/door-agent.service"
if ! out=$(systemd-analyze verify "$dir/door-agent.service" 2>&1) || [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "door-agent.service verified"
