#!/bin/sh
# The emulated door controller's tests, for the arm64 and the armhf builds each: the GPIO
# character device backend on the kernel's gpio-sim lines, the agent end to end over TLS to the
# guest's Mosquitto, and the lock line sampled across starts, stops, kills and broker loss in both
# fail modes. Ends with "GUEST RESULT: PASS" or "GUEST RESULT: FAIL" and the counts, which
# tests/guest/run.sh reads from the console. Usage: guest-tests.sh [arm64|armhf]
# shellcheck source=tests/guest/guest-lib.sh
. /tests/guest-lib.sh

# The backend's own tests (gtest), counted one by one.
gpio_tests() {
  "/opt/$1/guest_gpio_tests" --gtest_brief=1 >/tmp/gtest.log 2>&1
  rc=$?
  cat /tmp/gtest.log
  ran=$(sed -n 's/^\[==========\] \([0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' /tmp/gtest.log)
  ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' /tmp/gtest.log)
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${ran:-0} - ${ok:-0}))
  if [ "$rc" -ne 0 ] && [ "${ran:-0}" -eq "${ok:-0}" ]; then
    fail "$1 guest_gpio_tests exited with status $rc"
  fi
}

# door_reads open|closed: the agent reports the door so (asked again until it does).
door_reads() {
  tries=0
  until call getDoorState "" && contains "$body" "\"door\":\"$1\"" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { echo "  the agent never read the door $1: $body" >&2 && return 1; }
    usleep 100000
  done
}

# Timed from before the call, so the hold measured is never shorter than the real one (less the
# 10 ms resolution of /proc/uptime).
relocks_after_5s() {
  start=$(now_ms)
  answers unlockDoor '{"unlockTime":"5s"}' 200 || return 1
  equals "$(cat "$lock_value")" 0 || return 1
  wait_level 1 20 || return 1
  held=$(($(now_ms) - start))
  echo "  released for $held ms"
  [ "$held" -ge 4990 ] && [ "$held" -le 9000 ]
}

open_door_is_refused() {
  answers unlockDoor '{}' 200 || return 1
  from=$(lines /tmp/sub.log)
  echo open >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"opened"' 30 >/dev/null || return 1
  answers lockDoor '{"lockTime":"10m"}' 409 '"door":"open"' || return 1
  equals "$(cat "$lock_value")" 0 || return 1
  from=$(lines /tmp/sub.log)
  echo closed >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"closed"' 30 >/dev/null || return 1
  answers lockDoor '{}' 200 && equals "$(cat "$lock_value")" 1
}

unconfirmed_is_a_fault() {
  touch /tmp/board/feedback-stuck
  start_sampler "$arch" || return 1
  answers unlockDoor '{}' 500 '"lock":"fault"'
  answered=$?
  stop_sampler
  [ "$answered" -eq 0 ] || return 1
  # Tried to release, then back to the fail-secure state when nothing confirmed.
  equals "$(sampled_levels)" "1 0 1 " || return 1
  answers getDoorState '' 200 '{"lock":"fault"'
}

door_end_to_end() {
  arch=$1
  fresh_agent_dir secure
  start_board 1
  expect "$arch agent online over TLS" start_agent "$arch" || { abandon && return; }
  expect "$arch lock line at the locked level at start" equals "$(cat "$lock_value")" 1
  expect "$arch door contact read closed" door_reads closed
  expect "$arch unlockDoor 200, line released" answers unlockDoor '{}' 200
  expect "$arch lock line at the unlocked level" equals "$(cat "$lock_value")" 0
  expect "$arch lockDoor 10m 200 once the feedback confirms" \
    answers lockDoor '{"lockTime":"10m"}' 200 '"lock":"locked"'
  expect "$arch lock line at the locked level" equals "$(cat "$lock_value")" 1
  expect "$arch unlockDoor 5s relocks after 5 s" relocks_after_5s
  expect "$arch lockDoor on an open door 409" open_door_is_refused
  expect "$arch feedback that never confirms: 500, fault, locked" unconfirmed_is_a_fault
  expect "$arch clean stop exits 0" stop_agent TERM
  stop_board
}

# Start, clean stop, start, SIGKILL, start, broker loss and return, clean stop; false at the first
# step that does not work.
agent_lifecycle() {
  start_agent "$1" && stop_agent TERM && start_agent "$1" || return 1
  stop_agent KILL
  start_agent "$1" || return 1
  from=$(lines /tmp/agent.log)
  stop_broker
  stop_subscriber
  wait_for /tmp/agent.log "$from" "connection lost" 30 >/dev/null &&
    start_broker &&
    wait_for /tmp/agent.log "$from" "subscription check passed" 60 >/dev/null &&
    start_subscriber &&
    stop_agent TERM
}

# The lock line sampled across start, clean stop, SIGKILL, restart and broker loss, with no command.
door_safety() {
  arch=$1
  mode=$2
  fresh_agent_dir "$mode"
  start_board "$(locked_level "$mode")"
  start_sampler "$arch"
  if ! expect "$arch $mode: start, stop, kill, restart and broker loss ran" agent_lifecycle "$arch"
  then
    kill -KILL "$agent_pid" 2>/dev/null
    wait "$agent_pid" 2>/dev/null
    kill -0 "$broker_pid" 2>/dev/null || start_broker
    kill -0 "$subscriber_pid" 2>/dev/null || start_subscriber
  fi
  stop_sampler
  stop_board
  levels=$(sampled_levels)
  echo "  lock line levels: $levels"
  if [ "$mode" = secure ]; then
    # Locked (1) throughout: no transition at all.
    expect "$arch secure: no unasked release" equals "$levels" "1 "
  else
    # Released (1) before the start; locked (0) by each start; released by the clean stop, by
    # the kill (the line let go) and by the last clean stop; nothing at the broker's loss.
    expect "$arch safe: only the documented releases" equals "$levels" "1 0 1 0 1 0 1 "
  fi
}

: >/tmp/agent.log
: >/tmp/mosquitto.log
expect "broker up" start_broker
expect "service client subscribed" start_subscriber
for arch in ${1:-arm64 armhf}; do
  echo "=== $arch"
  gpio_tests "$arch"
  door_end_to_end "$arch"
  door_safety "$arch" secure
  door_safety "$arch" safe
done
if [ "$failed" -ne 0 ]; then
  echo "--- agent log"
  cat /tmp/agent.log
  echo "--- broker log"
  cat /tmp/mosquitto.log
fi
total=$((passed + failed))
if [ "$failed" -eq 0 ] && [ "$total" -gt 0 ]; then result=PASS; else result=FAIL; fi
echo "GUEST RESULT: $result ($passed passed, $failed failed of $total)"
