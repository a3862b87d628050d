#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, ASan, UBSan) and runs them one after the
# other, each on a copy of its seed corpus in build/fuzz/work/<target> with its dictionary. Crashing
# inputs are kept as build/fuzz/crashes/<target>-*, each run's output in build/fuzz/logs/<target>.log.
# Prints one summary line per target; exits 1 when any target crashed.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 600)] [TARGET ...]
# Targets: the tests/fuzz/<target>_fuzz.cpp files (all by default).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
case "$seconds" in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET ...]" >&2
    exit 2
    ;;
esac
if [ "$#" -gt 0 ]; then shift; fi

all=()
for source in tests/fuzz/*_fuzz.cpp; do
  name=${source##*/}
  all+=("${name%_fuzz.cpp}")
done
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/${target}_fuzz.cpp" ]; then
    echo "fuzz.sh: no target $target (targets: ${all[*]})" >&2
    exit 2
  fi
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

mkdir -p build/fuzz/work build/fuzz/crashes build/fuzz/logs
summary=()
crashed=0
for target in "${targets[@]}"; do
  work=build/fuzz/work/$target
  log=build/fuzz/logs/$target.log
  rm -rf "$work"
  mkdir -p "$work"
  cp tests/fuzz/corpus/"$target"/* "$work"/
  rm -f build/fuzz/crashes/"$target"-*
  echo "fuzz.sh: $target for $seconds s"
  result=ok
  if ! "build/fuzz/tests/fuzz/${target}_fuzz" "$work" -dict="tests/fuzz/$target.dict" \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crashes/$target-" >"$log" 2>&1; then
    result="CRASHED: $(ls build/fuzz/crashes/"$target"-* 2>/dev/null | tr '\n' ' ')(see $log)"
    crashed=1
    tail -n 40 "$log"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  corpus=$(find "$work" -type f | wc -l)
  summary+=("$(printf '%-18s %5s s %12s executions  corpus %6s  %s' "$target" "$seconds" \
    "${runs:-?}" "$corpus" "$result")")
done

echo
echo "fuzz.sh: target, seconds, executions, corpus size at the end, result"
printf '%s\n' "${summary[@]}"
exit "$crashed"
