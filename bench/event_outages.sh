#!/usr/bin/env bash
# The long runs of the door events' outage and kill tests, in both dialects: the broker stopped and
# started again 100 times for 1 to 30 s while the door makes an event a second, and the agent
# killed with SIGKILL 100 times; each run prints the events made and received, the duplicates and
# those out of order (the suite runs the same tests with 4 outages and 5 kills).
# Usage: bench/event_outages.sh [outages] [kills] (100 100)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset dev >/dev/null
cmake --build --preset dev --target integration_tests door-agent
DOOR_EVENT_OUTAGES=${1:-100} DOOR_EVENT_OUTAGE_MAX_S=30 DOOR_EVENT_INTERVAL_MS=1000 \
  DOOR_EVENT_KILLS=${2:-100} build/dev/tests/integration/integration_tests \
  --gtest_filter='BothDialects/DoorEvents.EventsMadeDuringBrokerOutages*:BothDialects/DoorEvents.EventsSurviveSigkills*'
