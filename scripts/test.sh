#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds and tests the host
# (debug and ASan/UBSan), runs every fuzz target briefly, runs the demo, builds and checks the
# Debian packages, and cross-builds for aarch64 and armhf with their unit tests under qemu-user and
# their packages installed into a test root, then runs both ARM builds on an emulated ARM Linux
# kernel with simulated GPIO lines (tests/guest/run.sh).
# Every stage runs, or the run fails naming the stage that could not; only the options skip one:
#   --no-cross  skip the aarch64 and armhf stages and the emulated board
#   --no-guest  skip the emulated board
# The last lines list each stage with its result and time.
set -euo pipefail
cd "$(dirname "$0")/.."

cross=1
guest=1
for arg in "$@"; do
  case "$arg" in
    --no-cross) cross=0 guest=0 ;;
    --no-guest) guest=0 ;;
    *)
      echo "test.sh: unknown option $arg (use --no-cross or --no-guest)" >&2
      exit 2
      ;;
  esac
done

results=()
summary() {
  local line
  printf '\n=== stages\n'
  for line in "${results[@]}"; do printf '%s\n' "$line"; done
}

# Runs one stage, records its result and time, and on a failure prints the summary and stops.
stage() {
  local name=$1 started=$SECONDS status
  shift
  printf '\n=== %s\n' "$name"
  # Not "cmd || status=$?": errexit would be off inside the stage's functions.
  set +e
  (
    set -e
    "$@"
  )
  status=$?
  set -e
  local took=$((SECONDS - started))
  local time
  time=$(printf '%dm%02ds' $((took / 60)) $((took % 60)))
  if [ "$status" -eq 0 ]; then
    results+=("$(printf '%-9s %-8s %s' passed "$time" "$name")")
  else
    results+=("$(printf '%-9s %-8s %s (exit %d)' FAILED "$time" "$name" "$status")")
    summary
    printf '=== FAILED: %s\n' "$name" >&2
    exit 1
  fi
}

skipped() {
  results+=("$(printf '%-9s %-8s %s (%s)' skipped - "$1" "$2")")
}

build_and_test() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
  ctest --preset "$1" -j "$(nproc)"
}

# An exit status of 3 (the cross packages do not resolve) or 4 (the kernel source package is not
# offered) from install-deps is a stage that cannot run: a failure like any other, which names why.
install_deps() {
  if [ "$cross" -eq 1 ]; then scripts/install-deps.sh; else scripts/install-deps.sh --no-cross; fi
}

release_packages() {
  cmake --preset release >/dev/null
  cmake --build --preset release
  tests/deploy/check-packages.sh build/release
}

cross_stage() {
  build_and_test "$1"
  tests/deploy/check-packages.sh "build/$1"
}

guest_stage() {
  scripts/install-deps.sh --guest
  tests/guest/run.sh
}

stage "dependencies (scripts/install-deps.sh)" install_deps
stage "format" scripts/check-format.sh
stage "dev: build and test" build_and_test dev
stage "asan: build and test with AddressSanitizer and UBSan" build_and_test asan
stage "fuzz: every libFuzzer target for 10 s" scripts/fuzz.sh 10
stage "demo (the README's main command)" scripts/demo.sh --quick
stage "release: size-optimised build, Debian packages" release_packages
stage "release: quick benchmark (round trips against the floor, RSS, allocations)" \
  build/release/bench/peers --quick
for preset in aarch64 armhf; do
  if [ "$cross" -eq 1 ]; then
    stage "$preset: cross build, unit tests under qemu-user, Debian packages" cross_stage "$preset"
  else
    skipped "$preset: cross build" "--no-cross"
  fi
done
if [ "$guest" -eq 1 ]; then
  stage "guest: the arm64 and armhf agents on an emulated arm64 kernel with gpio-sim lines" guest_stage
else
  skipped "guest: the emulated board" "$([ "$cross" -eq 1 ] && echo --no-guest || echo --no-cross)"
fi

summary
if [ "$cross" -eq 1 ] && [ "$guest" -eq 1 ]; then
  printf '=== all tests passed\n'
else
  printf '=== the stages that ran passed; skipped on request: see above\n'
fi
