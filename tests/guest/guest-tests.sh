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

# A strike locks an open door harmlessly (it holds once the door closes): no refusal by default.
open_door_is_locked() {
  answers unlockDoor '{"unlockTime":"indefinite"}' 200 || return 1
  from=$(lines /tmp/sub.log)
  echo open >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"opened"' 30 >/dev/null || return 1
  answers lockDoor '{"lockTime":"10m"}' 200 '"lock":"locked","door":"open"' || return 1
  equals "$(cat "$lock_value")" 1 || return 1
  from=$(lines /tmp/sub.log)
  echo closed >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"closed"' 30 >/dev/null
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
  expect "$arch lockDoor on an open door 200, locked" open_door_is_locked
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

# A site's faults on a fail-safe door (a maglock: locked 0, released 1), the lock line sampled.
# The state file on a card of its own (a small tmpfs) that turns read-only under the agent: the
# lock moves at once, and the kill and restart that follow do not bring the release back.
read_only_card() {
  answers unlockDoor '{"unlockTime":"10m"}' 200 || return 1
  mount -o remount,ro /tmp/card || return 1
  start_sampler "$1" || return 1
  answers lockDoor '{}' 200 '"notSaved":"the state could not be saved for a restart: Read-only'
  answered=$?
  stop_agent KILL
  start_agent "$1"
  started=$?
  stop_sampler
  mount -o remount,rw /tmp/card
  [ "$answered" -eq 0 ] && [ "$started" -eq 0 ] || return 1
  # Released, locked by the command, let go by the kill, requested locked at the restart.
  echo "  lock line levels: $(sampled_levels)"
  equals "$(sampled_levels)" "1 0 1 0 " && answers getDoorState '' 200 '{"lock":"locked"'
}

# hold_record STATE BOOT_ID: a timed state as the agent records it, for 10 minutes from now.
hold_record() {
  uptime_ms=$(now_ms)
  wall_ms=$(($(date +%s) * 1000))
  printf '{"lock":"%s","untilMs":%d,"holdMs":600000,"bootId":"%s","untilMonotonicMs":%d}\n' \
    "$1" $((wall_ms + 600000)) "$2" $((uptime_ms + 600000)) >/tmp/card/desired.json.hold
}

# A release recorded in another boot, on a board whose clock no NTP has set: not resumed. The same
# record from this boot is (the control).
release_after_reboot() {
  hold_record unlocked 00000000-0000-0000-0000-000000000000
  start_sampler "$1" || return 1
  start_agent "$1"
  started=$?
  stop_agent TERM
  stop_sampler
  [ "$started" -eq 0 ] || return 1
  grep -q "the clock is not synchronised" /tmp/agent.log || return 1
  # Requested locked at the start (not the release), released by the clean stop (fail-safe).
  echo "  lock line levels, another boot: $(sampled_levels)"
  equals "$(sampled_levels)" "1 0 1 " || return 1
  hold_record unlocked "$(cat /proc/sys/kernel/random/boot_id)"
  start_sampler "$1" || return 1
  start_agent "$1"
  started=$?
  stop_agent TERM
  stop_sampler
  echo "  lock line levels, this boot: $(sampled_levels)"
  [ "$started" -eq 0 ] && equals "$(sampled_levels)" "1 "
}

# An input line that cannot be had (a name no line has): the lock output is never requested, so
# a resuming release is not held with no controller; the hardware is unavailable, saying why.
missing_input() {
  hold_record unlocked "$(cat /proc/sys/kernel/random/boot_id)"
  contact_line=GPIO99 write_config /tmp/agent/config.json safe
  start_sampler "$1" || return 1
  start_agent "$1"
  started=$?
  stop_agent TERM
  stop_sampler
  write_config /tmp/agent/config.json safe
  [ "$started" -eq 0 ] || return 1
  grep -q "door hardware unavailable: .*GPIO99" /tmp/agent.log && equals "$(sampled_levels)" "1 "
}

site_faults() {
  arch=$1
  rm -rf /tmp/agent /tmp/card /tmp/agent-run
  mkdir /tmp/agent /tmp/card /tmp/agent-run
  mount -t tmpfs -o size=256k,mode=0700 tmpfs /tmp/card
  state_file=/tmp/card/desired.json top_extra=',"runtimeDirectory": "/tmp/agent-run"' \
    write_config /tmp/agent/config.json safe
  start_board 0
  if expect "$arch safe: agent online with its state on a card" start_agent "$arch"; then
    expect "$arch read-only card: lock at once, no release after kill" read_only_card "$arch"
    stop_agent TERM
    expect "$arch a release from another boot waits for a synchronised clock" \
      release_after_reboot "$arch"
    expect "$arch a missing input line: output untouched" missing_input "$arch"
  fi
  stop_board
  umount /tmp/card
}

# The relock on the open door (door_extra says how) and the heldOpen alarm, both seen since line
# FROM of the subscriber's log.
relocked_open_and_held_open() {
  wait_for /tmp/sub.log "$1" '"event":"locked".*"door":"open"' 30 >/dev/null &&
    wait_for /tmp/sub.log "$1" '"alarm":"heldOpen","active":true' 30 >/dev/null
}

# A fail-secure strike whose door contact reads open for ever (a cut wire) on a lock configured not
# to close on an open door: locked anyway after closeWaitSeconds, with the heldOpen alarm raised
# (heldOpenSeconds 2 from the release's end).
open_contact() {
  arch=$1
  rm -rf /tmp/agent
  mkdir /tmp/agent
  door_extra=',"refuseLockWhenOpen": true, "closeWaitSeconds": 2, "heldOpenSeconds": 2' \
    write_config /tmp/agent/config.json secure
  start_board 1
  expect "$arch bolt: agent online" start_agent "$arch" || { abandon && return; }
  start_sampler "$arch"
  answers unlockDoor '{"unlockTime":"1s"}' 200
  from=$(lines /tmp/sub.log)
  echo open >/tmp/board/door
  expect "$arch open for ever: locked after the wait, heldOpen raised" \
    relocked_open_and_held_open "$from"
  stop_sampler
  echo "  lock line levels: $(sampled_levels)"
  expect "$arch open for ever: the line released once, then locked" \
    equals "$(sampled_levels)" "1 0 1 "
  expect "$arch bolt: clean stop" stop_agent TERM
  stop_board
}

# door_moves open|closed ALARM true|false: the door is moved and the alarm's event follows (printed).
door_moves() {
  from=$(lines /tmp/sub.log)
  echo "$1" >/tmp/board/door
  wait_for /tmp/sub.log "$from" "\"alarm\":\"$2\",\"active\":$3" 30
}
# no_alarm_since ALARM FROM: no event of the alarm past line FROM of the subscriber's log.
no_alarm_since() {
  if tail -n "+$(($2 + 1))" /tmp/sub.log | grep "\"alarm\":\"$1\""; then
    echo "  $1 was raised" >&2
    return 1
  fi
}

# Opened while locked since the start (no release ended within the grace): forcedOpen, the state
# listing it.
forced_open_raised() {
  event=$(door_moves open forcedOpen true) || return 1
  contains "$event" '"lock":"locked","door":"open","alarms":{"forcedOpen":"'
}
forced_open_cleared() { door_moves closed forcedOpen false >/dev/null; }

# unlockDoor 3s, the door opened during the release, relocked on the open door when it ends:
# never forcedOpen. Sets alarms_from to the subscriber's log before the release.
opened_during_release() {
  alarms_from=$(lines /tmp/sub.log)
  answers unlockDoor '{"unlockTime":"3s"}' 200 '"lock":"unlocked"' || return 1
  echo open >/tmp/board/door
  wait_for /tmp/sub.log "$alarms_from" '"event":"opened".*"lock":"unlocked"' 30 >/dev/null &&
    wait_for /tmp/sub.log "$alarms_from" '"event":"locked".*"door":"open"' 30 >/dev/null &&
    no_alarm_since forcedOpen "$alarms_from"
}

# at_seconds EVENT: the event's "at", in seconds of the day.
at_seconds() {
  echo "$1" | sed -n 's/.*"at":"[^"]*T\([0-9]*\):\([0-9]*\):\([0-9]*\)Z".*/\1 \2 \3/p' |
    awk '{ print $1 * 3600 + $2 * 60 + $3 }'
}

# Standing open after the relock: heldOpen once heldOpenSeconds (2) have passed, not at once (by the
# events' own times, whole seconds).
held_open_raised() {
  relocked=$(wait_for /tmp/sub.log "$alarms_from" '"event":"locked"' 30) &&
    event=$(wait_for /tmp/sub.log "$alarms_from" '"alarm":"heldOpen","active":true' 30) ||
    return 1
  after=$((($(at_seconds "$event") - $(at_seconds "$relocked") + 86400) % 86400))
  echo "  heldOpen raised $after s after the relock"
  if [ "$after" -lt 1 ] || [ "$after" -gt 5 ]; then
    echo "  expected about 2 s" >&2
    return 1
  fi
  contains "$event" '"lock":"locked","door":"open","alarms":{"heldOpen":"'
}

# Closed: heldOpen cleared, and no forcedOpen at any point since the release.
held_open_cleared() {
  event=$(door_moves closed heldOpen false) || return 1
  case "$event" in *'"alarms"'*) echo "  still listed: $event" >&2 && return 1 ;; esac
  no_alarm_since forcedOpen "$alarms_from"
}

# unlockDoor 1s; once it relocks the door is pushed open within forcedOpenGraceSeconds (5): the
# latch's grace, no forcedOpen.
opened_within_grace() {
  from=$(lines /tmp/sub.log)
  answers unlockDoor '{"unlockTime":"1s"}' 200 || return 1
  wait_for /tmp/sub.log "$from" '"event":"locked"' 30 >/dev/null || return 1
  echo open >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"opened".*"lock":"locked"' 30 >/dev/null || return 1
  echo closed >/tmp/board/door
  wait_for /tmp/sub.log "$from" '"event":"closed"' 30 >/dev/null &&
    no_alarm_since forcedOpen "$from"
}

# bolt_moved unlocked|locked|follows true|false: the bolt is moved by hand (or follows the lock
# again), no command sent; the lockTamper event (raised or cleared) follows, the lock still locked.
bolt_moved() {
  from=$(lines /tmp/sub.log)
  if [ "$1" = follows ]; then rm /tmp/board/bolt; else echo "$1" >/tmp/board/bolt; fi
  event=$(wait_for /tmp/sub.log "$from" "\"alarm\":\"lockTamper\",\"active\":$2" 30) ||
    return 1
  contains "$event" '"lock":"locked"' || return 1
  [ "$2" = false ] || contains "$event" '"alarms":{"lockTamper":"'
}

# The door's alarms on a fail-secure strike with its bolt contact wired (heldOpenSeconds 2,
# forcedOpenGraceSeconds 5), the lock line sampled: forcedOpen, heldOpen and lockTamper raised and
# cleared as door events, and never a move of the lock they do not ask for.
door_alarms() {
  arch=$1
  rm -rf /tmp/agent
  mkdir /tmp/agent
  door_extra=',"heldOpenSeconds": 2, "forcedOpenGraceSeconds": 5' \
    write_config /tmp/agent/config.json secure
  start_board 1
  expect "$arch alarms: agent online" start_agent "$arch" || { abandon && return; }

  start_sampler "$arch"
  expect "$arch forcedOpen raised when the locked door opens" forced_open_raised
  expect "$arch forcedOpen cleared when it closes" forced_open_cleared
  stop_sampler
  echo "  lock line levels: $(sampled_levels)"
  expect "$arch forcedOpen: the lock line never moved" equals "$(sampled_levels)" "1 "

  start_sampler "$arch"
  expect "$arch no forcedOpen for a door opened during a release" opened_during_release
  expect "$arch heldOpen raised when the door stays open after the relock" held_open_raised
  expect "$arch heldOpen listed by getDoorState" \
    answers getDoorState '' 200 '"alarms":{"heldOpen":"'
  expect "$arch heldOpen cleared when the door closes" held_open_cleared
  stop_sampler
  echo "  lock line levels: $(sampled_levels)"
  expect "$arch heldOpen: the line released once, then locked" equals "$(sampled_levels)" "1 0 1 "

  expect "$arch no forcedOpen for a door opened within the grace after a relock" \
    opened_within_grace

  start_sampler "$arch"
  expect "$arch lockTamper raised when the bolt is drawn by hand" bolt_moved unlocked true
  expect "$arch lockTamper cleared when the bolt is back" bolt_moved follows false
  stop_sampler
  echo "  lock line levels: $(sampled_levels)"
  expect "$arch lockTamper: the lock line never moved" equals "$(sampled_levels)" "1 "
  expect "$arch alarms: clean stop" stop_agent TERM
  stop_board
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
  site_faults "$arch"
  open_contact "$arch"
  door_alarms "$arch"
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
