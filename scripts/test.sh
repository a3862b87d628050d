#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds and tests the host
# (debug and ASan/UBSan), runs every fuzz target briefly, runs the demo, builds and checks the
# Debian packages, and cross-builds for aarch64 and armhf with their unit tests under qemu-user and
# their packages installed into a test root. Usage: scripts/test.sh [--no-cross]
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
fi
step "all tests passed"
