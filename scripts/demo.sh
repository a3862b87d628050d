#!/usr/bin/env bash
# The local demo: a TLS Mosquitto on loopback, three door agents on simulated door hardware (the
# fake GPIO), and what a service sees of them: they come online, answer door methods (a timed lock,
# a momentary release, a propped-open motorised bolt that is not thrown), report door events, apply and
# acknowledge a desired-properties update, ride out a broker restart by themselves and go offline
# cleanly. Everything it starts is stopped when it
# ends. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
update_in=10s
lock_in=20s
case "${1:-}" in
  --quick) update_in=2s lock_in=4s ;;
  "") ;;
  *)
    echo "usage: $0 [--quick]" >&2
    exit 2
    ;;
esac

scripts/install-deps.sh --no-cross
cmake --preset dev >/dev/null
cmake --build --preset dev --target door-agent door-scheduler

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

devices=(door-1 door-2 door-3)
# Two free ports: the devices' listener and the scheduler's (the service listener).
read -r port service_port < <(python3 -c 'import socket
s, t = socket.socket(), socket.socket()
s.bind(("127.0.0.1", 0)); t.bind(("127.0.0.1", 0))
print(s.getsockname()[1], t.getsockname()[1])')
say() { printf '\n== %s\n' "$*"; }
# Stops a coproc. Bash unsets a coproc's _PID variable once it has ended, hence the default.
stop_coproc() {
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

say "making a throw-away PKI and broker config in $work"
tests/harness/make-pki.sh "$work/pki" >/dev/null
: >"$work/passwords"
for id in "${devices[@]}"; do echo "$id:pw-$id" >>"$work/passwords"; done
mosquitto_passwd -U "$work/passwords"
# The service listener's password file holds the scheduler alone (door-fleet enroll scheduler).
echo "scheduler:scheduler-pw" >"$work/pki/service-passwords"
mosquitto_passwd -U "$work/pki/service-passwords"
sed -e "s#@PORT@#$port#" -e "s#@SERVICE_PORT@#$service_port#" -e "s#@BIND_ADDRESS@#127.0.0.1#" \
  -e "s#@CERT_DIR@#$work/pki#" \
  -e "s#@AUTHENTICATION@#password_file $work/passwords#" \
  -e "s#@ACL_FILE@#$root/deploy/mosquitto/door-acl.conf#" \
  deploy/mosquitto/door-broker.conf >"$work/mosquitto.conf"
# The snippet leaves persistence to Mosquitto's main config; the demo has none, so it keeps nothing
# across the restart (each status seen is fresh). It runs the broker as the caller, who owns the
# throw-away keys.
echo "user $(id -un)" >>"$work/mosquitto.conf"

start_broker() {
  mosquitto -c "$work/mosquitto.conf" >>"$work/mosquitto.log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$service_port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "demo: mosquitto did not start; its log:" >&2
  cat "$work/mosquitto.log" >&2
  exit 1
}

# mosquitto_sub/pub as the scheduler user, on the service listener
service_args=(-h localhost -p "$service_port" --cafile "$work/pki/ca.pem" -u scheduler -P scheduler-pw)
service() {
  local tool=$1
  shift
  "$tool" "${service_args[@]}" "$@"
}

# Waits until every device's status document says "online":$1, printing the documents seen.
await_status() {
  local want=$1 seen=" " count=0 topic doc
  # exec: the coproc's pid is mosquitto_sub itself, so killing it leaves nothing behind
  coproc SUB { exec mosquitto_sub "${service_args[@]}" -t 'devices/+/status' -v -W 30; }
  while [ "$count" -lt "${#devices[@]}" ] && read -r topic doc <&"${SUB[0]}"; do
    echo "  $topic $doc"
    case "$doc" in *"\"online\":$want"*) ;; *) continue ;; esac
    case "$seen" in *" $topic "*) ;; *) seen+="$topic " count=$((count + 1)) ;; esac
  done
  stop_coproc "${SUB_PID:-}"
  if [ "$count" -lt "${#devices[@]}" ]; then
    echo "demo: only $count of ${#devices[@]} devices reported online=$want" >&2
    exit 1
  fi
}

say "starting Mosquitto with TLS on 127.0.0.1:$port (devices) and :$service_port (scheduler)"
start_broker

say "starting ${#devices[@]} door agents"
for id in "${devices[@]}"; do
  # door-3 is a motorised bolt, which must not be thrown into an open door.
  bolt=""
  [ "$id" = door-3 ] && bolt=',"refuseLockWhenOpen":true'
  cat >"$work/$id.json" <<JSON
{"hub":"mqtt","connection":{"host":"localhost","port":$port,"deviceId":"$id",
 "password":"pw-$id","caFile":"$work/pki/ca.pem","reconnectMaxSeconds":2},
 "stateFile":"$work/$id.desired.json",
 "door":{"gpio":"fake","lock":{"line":"LOCK"},"feedback":{"line":"FEEDBACK"},
  "doorContact":{"line":"DOOR"},"failMode":"secure"$bolt,
  "fake":{"control":"$work/$id.gpio","transitionLog":"$work/$id.transitions"}}}
JSON
  build/dev/agent/door-agent --config "$work/$id.json" >"$work/$id.log" 2>&1 &
  pids+=("$!")
done
await_status true

scheduler() {
  build/dev/scheduler/door-scheduler --broker "localhost:$service_port" --ca "$work/pki/ca.pem" \
    --password-file "$work/scheduler.pw" --store "$work/jobs.db" "$@"
}
echo "scheduler-pw" >"$work/scheduler.pw"

say "the fleet, as door-scheduler sees it"
scheduler devices
echo "set DOOR active" >"$work/door-3.gpio"   # someone has propped door-3 open

say "scheduling: the desired update in $update_in, lockDoor in $lock_in for the doors on floor 3"
scheduler schedule twin --id update-floor --query "SELECT * FROM devices" \
  --patch '{"building":43,"floor":3}' --wait-ack --in "$update_in"
scheduler schedule method --id lock-floor-3 --query "properties.reported.floor = 3" \
  --method lockDoor --payload '{"lockTime":"10m"}' --timeout 10 --in "$lock_in"
scheduler jobs

say "door-scheduler serve runs them when they are due"
coproc SERVE { exec build/dev/scheduler/door-scheduler --broker "localhost:$service_port" \
  --ca "$work/pki/ca.pem" --password-file "$work/scheduler.pw" --store "$work/jobs.db" serve; }
finished=0
while [ "$finished" -lt 2 ] && read -r -t 60 line <&"${SERVE[0]}"; do
  echo "  $line"
  case "$line" in *" job update-floor completed"* | *" job lock-floor-3 completed"*) finished=$((finished + 1)) ;; esac
done
stop_coproc "${SERVE_PID:-}"
if [ "$finished" -lt 2 ]; then
  echo "demo: the jobs did not complete" >&2
  exit 1
fi

say "results"
scheduler job update-floor
scheduler job lock-floor-3 || true   # door-3's bolt is not thrown into its open door (409)
scheduler devices --query "properties.reported.building = 43"

say "restarting the broker: the agents reconnect by themselves"
kill "$broker_pid"
wait "$broker_pid" 2>/dev/null || true
start_broker
await_status true
grep -h "connection lost\|online: device" "$work"/door-*.log | sed 's/^/  /'

say "stopping the agents cleanly: each locks its door (secure fail mode) and marks itself offline"
for pid in "${pids[@]:1:${#devices[@]}}"; do kill -TERM "$pid"; done
await_status false
wait "${pids[@]:1:${#devices[@]}}" 2>/dev/null || true  # each has released its lock line
for id in "${devices[@]}"; do
  echo "  $id lock output: $(awk '$2 == "LOCK" {printf "%s %s; ", $3, $4}' "$work/$id.transitions")"
done
say "demo finished"
