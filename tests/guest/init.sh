#!/bin/busybox sh
# shellcheck shell=dash
# The emulated door controller's init: mounts the kernel's file systems, brings up the loopback,
# makes the gpio-sim chip the door is wired to, then runs the tests (/tests/guest-tests.sh) and
# powers off. DOOR_GUEST on the kernel command line chooses instead: "shell", a shell on the
# console (tests/guest/run.sh --shell); "bench", the figures of /tests/guest-bench.sh.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin:/opt/arm64
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t configfs configfs /sys/kernel/config
ip link set lo up

# A Raspberry Pi's header lines as the door uses them: 32 lines, three of them named.
sim=/sys/kernel/config/gpio-sim/pi
mkdir "$sim" "$sim/bank0"
echo 32 >"$sim/bank0/num_lines"
for n in 17 27 22; do
  mkdir "$sim/bank0/line$n"
  echo "GPIO$n" >"$sim/bank0/line$n/name"
done
echo 1 >"$sim/live"
chip=$(cat "$sim/bank0/chip_name")
device=$(cat "$sim/dev_name")
export DOOR_GPIO_CHIP=/dev/$chip
export DOOR_GPIO_SIM=/sys/devices/platform/$device/$chip
# The relay module's input is pulled up, so an unowned lock line sits at the relay's off level.
echo pull-up >"$DOOR_GPIO_SIM/sim_gpio17/pull"
echo "guest: up in $(cut -d' ' -f1 /proc/uptime) s; $DOOR_GPIO_CHIP, lines in $DOOR_GPIO_SIM"

case "${DOOR_GUEST:-}" in
  shell)
    echo "guest: a shell; the tests are /tests/guest-tests.sh; leave with poweroff -f"
    setsid cttyhack sh -l
    ;;
  bench) /tests/guest-bench.sh 50 "${DOOR_GUEST_ONLY:-}" ;;
  *) /tests/guest-tests.sh "${DOOR_GUEST_ONLY:-}" ;;
esac
poweroff -f
