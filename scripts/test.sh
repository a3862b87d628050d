#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds and tests the host
# (debug and ASan/UBSan), runs every fuzz target briefly, runs the demo, builds and checks the
# Debian packages, and cross-builds for aarch64 and armhf with their unit tests under qemu-user and
# their packages installed into a test root, then runs both ARM builds on an emulated ARM Linux
# kernel with simulated GPIO lines (tests/guest/run.sh). Usage: scripts/test.sh [--no-cross]
set -euo pipefail
cd "$(dirname "$0")/.."

cross=1
for arg in "$@"; do
  case "$arg" in
    --no-cross) cross=0 ;;
    *) echo "test.sh: unknown option $arg (use --no-cross)" >&2; exit 2 ;;
  esac
done

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
deps_rc=0
if [ "$cross" -eq 1 ]; then
  scripts/install-deps.sh || deps_rc=$?
else
  scripts/install-deps.sh --no-cross || deps_rc=$?
fi
case "$deps_rc" in
  0) ;;
  3)
    echo "test.sh: cross packages are unavailable on this machine (see above); running the host" \
      "suite only" >&2
    cross=0
    ;;
  *) exit "$deps_rc" ;;
esac

step "format"
scripts/check-format.sh

build_and_test() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
  ctest --preset "$1" -j "$(nproc)"
}

step "dev: build and test"
build_and_test dev
step "asan: build and test with AddressSanitizer and UBSan"
build_and_test asan
step "fuzz: every libFuzzer target for 10 s"
scripts/fuzz.sh 10
step "demo (the README's main command)"
scripts/demo.sh --quick
step "release: size-optimised build, Debian packages"
cmake --preset release >/dev/null
cmake --build --preset release
tests/deploy/check-packages.sh build/release
step "release: quick benchmark (round trips against the floor, RSS, allocations, size)"
build/release/bench/peers --quick
if [ "$cross" -eq 1 ]; then
  for preset in aarch64 armhf; do
    step "$preset: cross build, unit tests under qemu-user, Debian packages"
    build_and_test "$preset"
    tests/deploy/check-packages.sh "build/$preset"
  done
  step "guest: the arm64 and armhf agents on an emulated arm64 kernel with gpio-sim lines"
  guest_rc=0
  scripts/install-deps.sh --guest || guest_rc=$?
  case "$guest_rc" in
    0) tests/guest/run.sh ;;
    4)
      echo "test.sh: SKIPPED the emulated board (tests/guest/run.sh): the kernel source package" \
        "linux-source-6.1 cannot be installed on this machine" >&2
      ;;
    *) exit "$guest_rc" ;;
  esac
else
  step "guest: SKIPPED the emulated board (tests/guest/run.sh): it needs the aarch64 and armhf builds"
fi
step "all tests passed"
