#!/usr/bin/env bash
# Fails when a file under agent/, hal/ or protocol/ other than the MQTT session's source includes
# Paho's header: the rest of the agent sees only its own session types (agent/session_types.hpp).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
allowed="agent/src/mqtt_session.cpp"
offenders=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"]MQTTAsync\.h[>"]' agent hal protocol |
  grep -vx "$allowed" || true)
if [ -n "$offenders" ]; then
  echo "check-session-boundary: only $allowed may include MQTTAsync.h; also included by:" >&2
  echo "$offenders" >&2
  exit 1
fi
echo "check-session-boundary: only $allowed includes MQTTAsync.h"
