#!/usr/bin/env bash
# A cross-built door-agent, under qemu-user, connects over its own TLS (mbedtls) to the host's
# Mosquitto and answers a lockDoor call: the round trip a board makes, on the build machine.
# Usage: agent-round-trip.sh EMULATOR DOOR_AGENT
set -euo pipefail
emulator=$1
agent=$2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "agent-round-trip: $*" >&2
  for log in "$dir"/*.log; do
    echo "--- $log" >&2
    cat "$log" >&2
  done
  exit 1
}
# wait_for FILE TEXT SECONDS
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no \"$2\" in $1 after $3 s"
    sleep 0.1
  done
}

bash "$here/../harness/make-pki.sh" "$dir/pki" door-1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings true
set_tcp_nodelay true
log_dest stderr
log_type all
listener $port 127.0.0.1
cafile $dir/pki/ca.pem
certfile $dir/pki/server.pem
keyfile $dir/pki/server.key
tls_version tlsv1.2
allow_anonymous true
CONF
mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
pids+=($!)
wait_for "$dir/mosquitto.log" "Opening ipv4 listen socket on port $port" 10

cat >"$dir/agent.json" <<CONF
{"hub": "mqtt", "logLevel": "debug",
 "connection": {"host": "localhost", "port": $port, "deviceId": "door-1", "password": "unused",
                "caFile": "$dir/pki/ca.pem"},
 "door": {"gpio": "fake", "lock": {"line": "LOCK"},
          "fake": {"control": "$dir/fake-gpio", "transitionLog": "$dir/transitions"}},
 "stateFile": "$dir/state.json"}
CONF
"$emulator" "$agent" --config "$dir/agent.json" >"$dir/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
wait_for "$dir/agent.log" "online: device door-1" 120
grep -q "tls: full handshake" "$dir/agent.log" || fail "the agent did not log its TLS handshake"

mqtt=(-h localhost -p "$port" --cafile "$dir/pki/ca.pem")
stdbuf -oL mosquitto_sub "${mqtt[@]}" -d -v -C 1 -W 60 -t 'devices/door-1/methods/res/#' >"$dir/sub.log" 2>&1 &
sub_pid=$!
pids+=("$sub_pid")
wait_for "$dir/sub.log" "received SUBACK" 10
mosquitto_pub "${mqtt[@]}" -t 'devices/door-1/methods/POST/lockDoor/?$rid=7' -m '{}'
wait "$sub_pid" || fail "no answer to lockDoor"
grep -q 'devices/door-1/methods/res/200/?$rid=7' "$dir/sub.log" || fail "lockDoor was not answered 200"

kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not stop cleanly"
echo "agent-round-trip: $(basename "$(dirname "$(dirname "$agent")")"): lockDoor answered 200 over mbedtls TLS"
