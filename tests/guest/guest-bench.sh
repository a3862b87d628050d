#!/bin/sh
# Figures of the emulated board (bench/guest.sh): for the arm64 and the armhf agent, the time from
# its start to online (subscription check passed) and the lockDoor round trip through the guest's
# Mosquitto, one call at a time, on an already locked door (nothing moves; the 10 min hold is
# recorded), as the broker sees it. Prints "BENCH <name> <value>" lines and "GUEST RESULT: ...".
# shellcheck source=tests/guest/guest-lib.sh
. /tests/guest-lib.sh
calls=${1:-50}

percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p / 100) + 1; print v[i] }'; }

# The round trip as the guest's broker sees it: a subscriber to every topic of the device stamps
# the request and the answer as the broker delivers them, so the publishing client's own start-up
# (a TLS handshake per call) is not counted.
round_trips() {
  start_subscriber /tmp/answers.log -F '%U %t' || return 1
  : >/tmp/round-trips
  i=1
  while [ "$i" -le "$calls" ]; do
    # shellcheck disable=SC2086
    mosquitto_pub $tls -i bench-pub -t "devices/door-1/methods/POST/lockDoor/?\$rid=$i" \
      -m '{"lockTime":"10m"}' || return 1
    answer=$(wait_for /tmp/answers.log 0 " devices/door-1/methods/res/200/\?\\\$rid=$i$" 30) ||
      return 1
    request=$(grep -m1 -E " devices/door-1/methods/POST/lockDoor/\?\\\$rid=$i$" /tmp/answers.log)
    awk -v r="${request%% *}" -v a="${answer%% *}" 'BEGIN { printf "%.1f\n", (a - r) * 1000 }' \
      >>/tmp/round-trips
    i=$((i + 1))
  done
  stop_subscriber
}

start_broker
for arch in ${2:-arm64 armhf}; do
  fresh_agent_dir secure
  start_board 1
  begun=$(now_ms)
  start_agent "$arch" || { echo "GUEST RESULT: FAIL (the $arch agent did not come online)"; exit 1; }
  online=$(now_ms)
  echo "bench: $arch agent online"
  echo "BENCH $arch.uptime_at_online_ms $online"
  echo "BENCH $arch.start_to_online_ms $((online - begun))"
  round_trips || { echo "GUEST RESULT: FAIL (a lockDoor call was not answered)"; exit 1; }
  echo "BENCH $arch.lockdoor_calls $(lines /tmp/round-trips)"
  echo "BENCH $arch.lockdoor_p50_ms $(percentile 50 </tmp/round-trips)"
  echo "BENCH $arch.lockdoor_p90_ms $(percentile 90 </tmp/round-trips)"
  echo "BENCH $arch.lockdoor_max_ms $(percentile 100 </tmp/round-trips)"
  stop_agent TERM
  stop_board
done
echo "GUEST RESULT: PASS (figures above)"
