# shellcheck shell=sh
# Helpers of the guest's tests, sourced by guest-tests.sh (busybox sh).
sim=$DOOR_GPIO_SIM
lock_value=$sim/sim_gpio17/value
tls="-h localhost -p 8883 --cafile /etc/pki/ca.pem --cert /etc/pki/device-service.pem"
tls="$tls --key /etc/pki/device-service.key"
passed=0
failed=0

pass() {
  passed=$((passed + 1))
  echo "PASS $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $*"
}
# expect NAME COMMAND...: one test, passed when the command succeeds (its status is returned).
expect() {
  name=$1
  shift
  if "$@"; then
    pass "$name"
  else
    fail "$name"
    return 1
  fi
}
equals() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'" >&2 && return 1; }; }
contains() {
  case "$1" in *"$2"*) return 0 ;; esac
  echo "  expected '$2' in '$1'" >&2
  return 1
}

now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
lines() { wc -l <"$1"; }
# wait_for FILE AFTER_LINE REGEX SECONDS: prints the first line past AFTER_LINE that matches.
wait_for() {
  deadline=$(($(now_ms) + $4 * 1000))
  while :; do
    if found=$(tail -n "+$(($2 + 1))" "$1" 2>/dev/null | grep -m1 -E "$3"); then
      echo "$found"
      return 0
    fi
    [ "$(now_ms)" -lt "$deadline" ] || { echo "  no '$3' in $1 within $4 s" >&2 && return 1; }
    usleep 50000
  done
}
# wait_level LEVEL SECONDS: the lock line reaches the electrical level.
wait_level() {
  deadline=$(($(now_ms) + $2 * 1000))
  until [ "$(cat "$lock_value")" = "$1" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "  the lock line never went to $1" >&2 && return 1; }
    usleep 20000
  done
}

# The world around the board: the lock's bolt contact follows the lock (unless stuck: touch
# /tmp/board/feedback-stuck; or moved by hand: echo locked|unlocked >/tmp/board/bolt, until the
# file is removed) and the door's reed switch is open or closed as /tmp/board/door says. Both close
# to ground, overriding the pull-ups the agent requests.
board() {
  locked_level=$1
  while [ -d /tmp/board ]; do
    read -r lock <"$lock_value"
    # The bolt where the lock put it, or where a hand moved it.
    if [ "$lock" = "$locked_level" ]; then bolt=locked; else bolt=unlocked; fi
    [ ! -e /tmp/board/bolt ] || read -r bolt 2>/dev/null </tmp/board/bolt
    if [ ! -e /tmp/board/feedback-stuck ]; then
      read -r have <"$sim/sim_gpio27/pull"
      # Anything else (the file being written): as it was.
      case $bolt in locked) want=pull-down ;; unlocked) want=pull-up ;; *) want=$have ;; esac
      [ "$have" = "$want" ] || echo "$want" >"$sim/sim_gpio27/pull"
    fi
    read -r door </tmp/board/door
    if [ "$door" = open ]; then want=pull-up; else want=pull-down; fi
    read -r have <"$sim/sim_gpio22/pull"
    [ "$have" = "$want" ] || echo "$want" >"$sim/sim_gpio22/pull"
    usleep 10000
  done
}
start_board() {
  rm -rf /tmp/board
  mkdir /tmp/board
  echo closed >/tmp/board/door
  board "$1" &
  board_pid=$!
}
stop_board() {
  rm -rf /tmp/board
  wait "$board_pid"
}

# start_sampler ARCH: lock_sampler records the lock line's transitions in /tmp/sampler.log from
# its first sample on.
start_sampler() {
  "/opt/$1/lock_sampler" "$lock_value" >/tmp/sampler.log &
  sampler_pid=$!
  wait_for /tmp/sampler.log 0 . 10 >/dev/null
}
stop_sampler() {
  kill "$sampler_pid"
  wait "$sampler_pid"
}
# The levels the lock line went through, e.g. "1 0 1 ".
sampled_levels() { cut -d' ' -f2 /tmp/sampler.log | tr '\n' ' '; }

start_broker() {
  from=$(lines /tmp/mosquitto.log)
  mosquitto -c /etc/mosquitto.conf >>/tmp/mosquitto.log 2>&1 &
  broker_pid=$!
  wait_for /tmp/mosquitto.log "$from" "mosquitto version .* running" 60 >/dev/null
}
stop_broker() {
  kill "$broker_pid"
  wait "$broker_pid"
}

# start_subscriber [LOG [OPTION...]]: the test's service client; every message under
# devices/door-1/ goes to LOG (default /tmp/sub.log, as "topic payload").
start_subscriber() {
  sub_log=${1:-/tmp/sub.log}
  [ "$#" -gt 0 ] && shift
  [ "$#" -gt 0 ] || set -- -v
  : >"$sub_log"
  # shellcheck disable=SC2086
  mosquitto_sub $tls -i "service-sub-$$" "$@" -t 'devices/door-1/#' >>"$sub_log" 2>&1 &
  subscriber_pid=$!
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    # shellcheck disable=SC2086
    mosquitto_pub $tls -i service-hello -t devices/door-1/hello -m "$attempt"
    wait_for "$sub_log" 0 "devices/door-1/hello" 2 >/dev/null 2>&1 && return 0
  done
  echo "  the subscriber never received its own message" >&2
  return 1
}
stop_subscriber() {
  kill "$subscriber_pid"
  wait "$subscriber_pid"
}

# call METHOD PAYLOAD: sets status and body from the answer.
rid=0
call() {
  rid=$((rid + 1))
  status=none
  body=
  from=$(lines /tmp/sub.log)
  # shellcheck disable=SC2086
  mosquitto_pub $tls -i service-call -t "devices/door-1/methods/POST/$1/?\$rid=$rid" -m "$2" ||
    return 1
  answer=$(wait_for /tmp/sub.log "$from" "^devices/door-1/methods/res/[0-9]+/\?\\\$rid=$rid " 30) ||
    return 1
  status=${answer#devices/door-1/methods/res/}
  status=${status%%/*}
  body=${answer#* }
}
# answers METHOD PAYLOAD STATUS [TEXT]: the call is answered with the status (and the text).
answers() {
  call "$1" "$2" || return 1
  equals "$status" "$3" || { echo "  $1 $2: $body" >&2 && return 1; }
  [ -z "${4:-}" ] || contains "$body" "$4"
}

fresh_agent_dir() {
  rm -rf /tmp/agent
  mkdir /tmp/agent
  write_config /tmp/agent/config.json "$1"
}

# write_config FILE secure|safe: the Raspberry Pi example of docs/raspberry-pi.md on this chip; a
# safe door's lock (a maglock) is locked while energized. $state_file moves the state file,
# $contact_line names another door contact line, $top_extra and $door_extra add members (each
# starting with a comma) to the top and the door.
write_config() {
  if [ "$2" = secure ]; then energized=unlocked; else energized=locked; fi
  cat >"$1" <<CONFIG
{
  "hub": "mqtt",
  "connection": { "host": "localhost", "port": 8883, "deviceId": "door-1",
                  "caFile": "/etc/pki/ca.pem", "clientCertFile": "/etc/pki/device-door-1.pem",
                  "clientKeyFile": "/etc/pki/device-door-1.key", "reconnectMaxSeconds": 1 },
  "stateFile": "${state_file:-/tmp/agent/desired.json}"${top_extra:-},
  "door": {
    "gpio": "chardev",
    "chip": "$DOOR_GPIO_CHIP",
    "lock": { "line": "GPIO17", "activeLow": true, "energizedMeans": "$energized" },
    "feedback": { "line": "GPIO27", "activeLow": true, "bias": "pull-up" },
    "doorContact": { "line": "${contact_line:-GPIO22}", "bias": "pull-up", "debounceMs": 20 },
    "failMode": "$2",
    "defaultState": "locked",
    "feedbackTimeoutMs": 1000${door_extra:-}
  }
}
CONFIG
}
# The electrical level of the lock line when locked: the relay (active low) is off for a
# fail-secure strike, on for a maglock.
locked_level() { if [ "$1" = secure ]; then echo 1; else echo 0; fi; }

# start_agent ARCH: runs /opt/ARCH/door-agent with /tmp/agent/config.json until it is online and
# the broker delivers its method requests.
start_agent() {
  from=$(lines /tmp/agent.log)
  "/opt/$1/door-agent" --config /tmp/agent/config.json >>/tmp/agent.log 2>&1 &
  agent_pid=$!
  wait_for /tmp/agent.log "$from" "subscription check passed" 60 >/dev/null
}
# stop_agent SIGNAL: the agent's exit status (0 for a clean stop).
stop_agent() {
  kill "-$1" "$agent_pid"
  wait "$agent_pid"
}
# A test that cannot go on: the agent (if running) and the board are stopped.
abandon() {
  kill -KILL "$agent_pid" 2>/dev/null
  wait "$agent_pid" 2>/dev/null
  stop_board
}
