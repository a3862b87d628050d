#!/usr/bin/env bash
# The emulated ARM board's figures (tests/guest/): boot to the agent online, and the lockDoor round
# trip inside the guest, for the arm64 and the armhf agent. Emulated, so a figure to compare between
# runs, not with a real board. Usage: bench/guest.sh [--only arm64|armhf]
set -euo pipefail
cd "$(dirname "$0")/.."
tests/guest/run.sh --bench "$@" | grep '^BENCH ' || {
  echo "bench/guest.sh: no figures (console: build/guest/console.log)" >&2
  exit 1
}
