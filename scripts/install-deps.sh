#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and cross-build the project.
# Idempotent: packages already present are left alone. Usage: install-deps.sh [--no-cross | --guest]
#   --guest  only what the emulated ARM board needs (tests/guest/run.sh); exit status 4 when the
#            kernel source package cannot be installed here
set -euo pipefail

want_cross=1
want_guest=0
for arg in "$@"; do
  case "$arg" in
    --no-cross) want_cross=0 ;;
    --guest) want_guest=1 ;;
    -h | --help)
      echo "usage: $0 [--no-cross | --guest]"
      exit 0
      ;;
    *)
      echo "install-deps: unknown option $arg" >&2
      exit 2
      ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

# libclang-rt-dev holds clang's sanitizer and libFuzzer runtimes (scripts/fuzz.sh); clang only
# recommends it, and recommendations are not installed.
host_packages=(
  build-essential cmake ninja-build pkg-config git openssl clang-format
  libpaho-mqtt-dev libcjson-dev libssl-dev libmbedtls-dev libgtest-dev libsqlite3-dev
  libcurl4-openssl-dev mosquitto mosquitto-clients procps tzdata clang libclang-rt-dev systemd
  python3 lintian
)
cross_tools=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user)
cross_libs=(libpaho-mqtt-dev libcjson-dev libssl-dev libmbedtls-dev libgtest-dev libsqlite3-dev
  libcurl4-openssl-dev
  libstdc++6)
cross_archs=(arm64 armhf)

missing() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || echo "$pkg"
  done
}

updated=0
apt_update() {
  [ "$updated" -eq 1 ] && return 0
  # A foreign architecture's index can fail to refresh while a mirror syncs; carry on with the
  # lists we have and let the install step say whether the packages still resolve.
  if ! "${sudo_cmd[@]}" apt-get update -q; then
    echo "install-deps: apt-get update reported errors; continuing with the package lists present" >&2
  fi
  updated=1
}

apt_install() {
  [ "$#" -eq 0 ] && return 0
  apt_update
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@"
}

# The emulated ARM board (tests/guest/): the kernel's source and what building it takes, the arm64
# system emulator. Its userland comes from arm64 packages fetched with apt-get download.
if [ "$want_guest" -eq 1 ]; then
  guest_packages=(linux-source-6.1 flex bison bc libelf-dev xz-utils qemu-system-arm
    gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
  mapfile -t need < <(missing "${guest_packages[@]}")
  [ "${#need[@]}" -eq 0 ] && exit 0
  if apt_install "${need[@]}"; then exit 0; fi
  if ! apt-cache show linux-source-6.1 >/dev/null 2>&1; then
    echo "install-deps: linux-source-6.1 is not offered by this machine's package sources" >&2
    exit 4
  fi
  exit 1
fi

mapfile -t need < <(missing "${host_packages[@]}")
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}"
fi

# The second broker of the integration tests (Aedes), exactly as its lock file pins it. Aedes 1.x
# needs Node.js 20 or newer (Debian 12's own nodejs package is 18, too old for it).
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null ||
  ! command -v npm >/dev/null; then
  echo "install-deps: the integration tests need Node.js 20 or newer and npm for tests/harness/aedes and iothub-sdk" >&2
  exit 1
fi
npm ci --prefix "$(dirname "$0")/../tests/harness/aedes" --no-audit --no-fund --loglevel=error
# The official IoT Hub service SDK, for the scheduler's differential check against it.
npm ci --prefix "$(dirname "$0")/../tests/harness/iothub-sdk" --no-audit --no-fund --loglevel=error

[ "$want_cross" -eq 1 ] || exit 0

foreign=$(dpkg --print-foreign-architectures)
for arch in "${cross_archs[@]}"; do
  if ! grep -qx "$arch" <<<"$foreign"; then
    "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
    updated=0
  fi
done

need=()
mapfile -t need < <(missing "${cross_tools[@]}")
for arch in "${cross_archs[@]}"; do
  for lib in "${cross_libs[@]}"; do
    need+=($(missing "$lib:$arch"))
  done
done
[ "${#need[@]}" -eq 0 ] && exit 0
# The native counterparts are named too, so that apt moves them in step with the foreign ones
# (Multi-Arch: same packages must have one version on every architecture) instead of holding them.
need+=("${cross_libs[@]}")
apt_update
arch_options=()
for arch in "${cross_archs[@]}"; do arch_options+=(--arch "$arch"); done
status=0
"$(dirname "$0")/apt-multiarch-install.sh" "${arch_options[@]}" "${need[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "install-deps: the cross packages do not install (${need[*]}); see above" >&2
  exit 3
fi
