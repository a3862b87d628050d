#!/usr/bin/env bash
# The local demo: a TLS Mosquitto on loopback, three door agents on simulated door hardware (the
# fake GPIO), and what a service sees of them: they come online, answer door methods (a timed lock,
# a momentary release, a propped-open door that is not locked), report door events, apply and
# acknowledge a desired-properties update, ride out a broker restart by themselves and go offline
# cleanly. Everything it starts is stopped when it
# ends. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh --no-cross
cmake --preset dev >/dev/null
cmake --build --preset dev --target door-agent

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

devices=(door-1 door-2 door-3)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say() { printf '\n== %s\n' "$*"; }

say "making a throw-away PKI and broker config in $work"
tests/harness/make-pki.sh "$work/pki" >/dev/null
: >"$work/passwords"
for id in "${devices[@]}"; do echo "$id:pw-$id" >>"$work/passwords"; done
echo "scheduler:scheduler-pw" >>"$work/passwords"
mosquitto_passwd -U "$work/passwords"
mkdir -p "$work/state"
sed -e "s#@STATE_DIR@#$work/state#" -e "s#@PORT@#$port#" -e "s#@BIND_ADDRESS@#127.0.0.1#" \
  -e "s#@CERT_DIR@#$work/pki#" -e "s#@PASSWORD_FILE@#$work/passwords#" \
  -e "s#@ACL_FILE@#$root/deploy/mosquitto/door-acl.conf#" \
  -e "s#^persistence true#persistence false#" \
  deploy/mosquitto/door-broker.conf >"$work/mosquitto.conf"
# The demo keeps nothing across the restart (so each status seen is fresh) and runs the broker as
# the caller, who owns the throw-away keys.
echo "user $(id -un)" >>"$work/mosquitto.conf"

start_broker() {
  mosquitto -c "$work/mosquitto.conf" >>"$work/mosquitto.log" 2>&1 &
  broker_pid=$!
  pids+=("$broker_pid")
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "demo: mosquitto did not start; its log:" >&2
  cat "$work/mosquitto.log" >&2
  exit 1
}

# mosquitto_sub/pub as the scheduler user
service_args=(-h localhost -p "$port" --cafile "$work/pki/ca.pem" -u scheduler -P scheduler-pw)
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
  kill "$SUB_PID" 2>/dev/null || true
  wait "$SUB_PID" 2>/dev/null || true
  if [ "$count" -lt "${#devices[@]}" ]; then
    echo "demo: only $count of ${#devices[@]} devices reported online=$want" >&2
    exit 1
  fi
}

say "starting Mosquitto with TLS on 127.0.0.1:$port"
start_broker

say "starting ${#devices[@]} door agents"
for id in "${devices[@]}"; do
  cat >"$work/$id.json" <<JSON
{"hub":"mqtt","connection":{"host":"localhost","port":$port,"deviceId":"$id",
 "password":"pw-$id","caFile":"$work/pki/ca.pem","reconnectMaxSeconds":2},
 "stateFile":"$work/$id.desired.json",
 "door":{"gpio":"fake","lock":{"line":"LOCK"},"feedback":{"line":"FEEDBACK"},
  "doorContact":{"line":"DOOR"},"failMode":"secure",
  "fake":{"control":"$work/$id.gpio","transitionLog":"$work/$id.transitions"}}}
JSON
  build/dev/agent/door-agent --config "$work/$id.json" >"$work/$id.log" 2>&1 &
  pids+=("$!")
done
await_status true

# One subscriber watches answers and door events; the retained status documents it gets first show
# that its subscription is in place before any call is made.
coproc WATCH {
  exec mosquitto_sub "${service_args[@]}" -v -t 'devices/+/status' -t 'devices/+/methods/res/#' \
    -t 'devices/+/messages/events/#' -t 'devices/+/twin/reported'
}
read -r -t 15 _ _ <&"${WATCH[0]}"
rid=0
call() { # device method payload
  local device=$1 method=$2 payload=$3 topic doc
  rid=$((rid + 1))
  echo "  -> $device $method ${payload:-(no payload)}"
  service mosquitto_pub -t "devices/$device/methods/POST/$method/?\$rid=$rid" -m "$payload"
  while read -r -t 15 topic doc <&"${WATCH[0]}"; do
    case "$topic" in
      "devices/$device/methods/res/"*"?\$rid=$rid")
        local status=${topic#*/res/}
        echo "  <- ${status%%/*} $doc"
        return 0
        ;;
      */messages/events/) echo "  event from ${topic#devices/}: $doc" | sed 's#/messages/events/##' ;;
    esac
  done
  echo "demo: no answer from $device to $method" >&2
  exit 1
}

say "door methods, as a scheduler would call them"
call door-1 lockDoor '{"lockTime":"10m"}'
call door-2 unlockDoor '{"unlockTime":"5s"}'
echo "set DOOR active" >"$work/door-3.gpio"   # someone props door-3 open
call door-3 unlockDoor ''
call door-3 lockDoor ''
call door-3 getDoorState ''

say "desired properties: {\"building\":43,\"floor\":3} for every door"
for id in "${devices[@]}"; do
  service mosquitto_pub -r -t "devices/$id/twin/desired" -m '{"$version":1,"building":43,"floor":3}'
done
acknowledged=" "
while [ "$(wc -w <<<"$acknowledged")" -lt "${#devices[@]}" ] &&
  read -r -t 15 topic doc <&"${WATCH[0]}"; do
  case "$topic" in
    */twin/reported)
      case "$doc" in *'"floor":{"value":3,"ac":200,"av":1'*) ;; *) continue ;; esac
      id=${topic#devices/}
      id=${id%%/*}
      case "$acknowledged" in *" $id "*) continue ;; esac
      acknowledged+="$id "
      echo "  $id reported: $doc"
      ;;
  esac
done
if [ "$(wc -w <<<"$acknowledged")" -lt "${#devices[@]}" ]; then
  echo "demo: not every door acknowledged the desired properties" >&2
  exit 1
fi
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true

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
