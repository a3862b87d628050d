#!/usr/bin/env bash
# Builds the emulated door controller's kernel: Debian's linux-source-6.1 cross-compiled for arm64
# from allnoconfig plus tests/guest/kernel.config. The Image is cached under the build directory,
# keyed by the fragment and the source package's version, so a rerun takes a moment.
# Usage: build-kernel.sh [build-dir]   (default build/guest; prints the Image's path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-$here/../../build/guest}" && cd "${1:-$here/../../build/guest}" && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/kernel.config

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(printf '%s\n' "$version" | cat - "$fragment" | sha256sum | cut -c1-16)
image=$out/kernel-$key/Image
if [ -f "$image" ]; then
  echo "$image"
  exit 0
fi

src=$out/linux-source-6.1
if [ ! -f "$src/.extracted-$version" ]; then
  rm -rf "$src"
  echo "build-kernel: unpacking linux-source-6.1 $version" >&2
  tar -xJf "$tarball" -C "$out"
  touch "$src/.extracted-$version"
fi

obj=$out/kernel-obj
kmake() {
  nice -n 10 make -s -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "$@"
}
mkdir -p "$obj"
echo "build-kernel: configuring (allnoconfig + $(basename "$fragment"))" >&2
kmake KCONFIG_ALLCONFIG="$fragment" allnoconfig >&2
# allnoconfig silently drops a symbol whose dependencies are not met: refuse that.
missing=0
while read -r line; do
  case "$line" in CONFIG_*=*) ;; *) continue ;; esac
  if ! grep -qx "$line" "$obj/.config"; then
    echo "build-kernel: $line did not survive the configuration (a dependency is missing)" >&2
    missing=1
  fi
done <"$fragment"
[ "$missing" -eq 0 ] || exit 1

echo "build-kernel: building the Image (nice -n 10 make -j2)" >&2
kmake -j2 Image >&2
mkdir -p "$(dirname "$image")"
cp "$obj/arch/arm64/boot/Image" "$image.tmp"
cp "$obj/.config" "$out/kernel-$key/config"
mv "$image.tmp" "$image"
echo "$image"
