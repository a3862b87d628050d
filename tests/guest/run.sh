#!/usr/bin/env bash
# The emulated door controller: boots the arm64 kernel (tests/guest/build-kernel.sh) with an
# initramfs of the aarch64 and armhf builds (tests/guest/build-initramfs.sh) on
# qemu-system-aarch64's virt machine with a Cortex-A72 (the Raspberry Pi 4's core), runs the guest's
# tests and reads their result from the serial console. Exits non-zero on a failure, a missing
# result or a timeout. The aarch64 and armhf build trees are configured and their guest programs
# built if needed.
# Usage: tests/guest/run.sh [--shell | --bench] [--only arm64|armhf]
#   --shell   a shell on the guest's console instead of the tests (leave with poweroff -f)
#   --bench   the figures of bench/guest.sh instead of the tests
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/guest
# The whole guest run, boot to power-off, on a loaded machine: it takes about 3 minutes.
timeout_s=900

mode=tests
only=
while [ "$#" -gt 0 ]; do
  case "$1" in
    --shell) mode=shell ;;
    --bench) mode=bench ;;
    --only)
      only=${2:-}
      shift
      case "$only" in arm64 | armhf) ;; *) echo "run.sh: --only takes arm64 or armhf" >&2; exit 2 ;; esac
      ;;
    *) echo "run.sh: unknown option $1 (use --shell, --bench, --only arm64|armhf)" >&2; exit 2 ;;
  esac
  shift
done

kernel=$("$here/build-kernel.sh" "$out")
for preset in aarch64 armhf; do
  [ -f "$repo/build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target door-agent guest_gpio_tests lock_sampler >&2
done
initramfs=$("$here/build-initramfs.sh" "$out" "$repo/build/aarch64" "$repo/build/armhf")

append="console=ttyAMA0 panic=-1"
[ -z "$only" ] || append+=" DOOR_GUEST_ONLY=$only"
qemu=(qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 -nographic -no-reboot -nic none
  -kernel "$kernel" -initrd "$initramfs")
case "$mode" in
  shell) exec "${qemu[@]}" -append "$append DOOR_GUEST=shell" ;;
  bench) append+=" DOOR_GUEST=bench" ;;
esac

# Prints the console, and in bench mode the time since qemu started at the guest's milestones.
console_lines() {
  local started=$EPOCHREALTIME line since arch
  while IFS= read -r line; do
    line=${line%$'\r'}
    printf '%s\n' "$line"
    [ "$mode" = bench ] || continue
    since=$(((${EPOCHREALTIME/./} - ${started/./}) / 1000))
    case "$line" in
      "guest: up"*) echo "BENCH host.qemu_start_to_init_ms $since" ;;
      "bench: "*" agent online")
        read -r _ arch _ <<<"$line"
        echo "BENCH host.qemu_start_to_${arch}_online_ms $since"
        ;;
    esac
  done
}

console=$out/console.log
set +e
timeout "$timeout_s" "${qemu[@]}" -append "$append" </dev/null | console_lines | tee "$console"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 124 ]; then
  echo "run.sh: the guest did not finish within $timeout_s s (console: $console)" >&2
  exit 1
fi
if grep -q '^GUEST RESULT: PASS' "$console"; then exit 0; fi
if ! grep -q '^GUEST RESULT: ' "$console"; then
  echo "run.sh: the guest ended without a result (qemu status $status; console: $console)" >&2
fi
exit 1
