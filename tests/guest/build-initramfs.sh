#!/usr/bin/env bash
# Builds the emulated door controller's initramfs: busybox, Mosquitto and its clients for arm64
# (Debian packages fetched with apt-get download and unpacked with dpkg -x, never installed on this
# machine), the arm64 and armhf builds of door-agent and of the guest's test programs with every
# library they need, a throw-away PKI and the test scripts. The archive is written by the kernel's
# own gen_init_cpio from a list, so every file is owned by root without root rights here.
# Usage: build-initramfs.sh OUT_DIR AARCH64_BUILD_DIR ARMHF_BUILD_DIR   (prints the archive's path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$1
declare -A build=([arm64]=$2 [armhf]=$3)
declare -A triple=([arm64]=aarch64-linux-gnu [armhf]=arm-linux-gnueabihf)

# Mosquitto 2.0.11 and the libraries Debian builds it with that the cross build's packages do not
# bring (libc6, libssl3 and libcjson1 for arm64 come with them).
guest_packages=(busybox-static mosquitto mosquitto-clients libmosquitto1 libdlt2 libwrap0
  libsystemd0 libcap2 liblzma5 libzstd1 liblz4-1 libgcrypt20 libgpg-error0)

debs=$out/debs
stamp=$debs/.fetched-$(printf '%s\n' "${guest_packages[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  rm -rf "$debs" "$out/debroot"
  mkdir -p "$debs"
  echo "build-initramfs: fetching ${guest_packages[*]} (arm64)" >&2
  (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "${guest_packages[@]/%/:arm64}" >&2)
  mkdir -p "$out/debroot"
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$out/debroot"; done
  touch "$stamp"
fi
debroot=$out/debroot

src=$out/linux-source-6.1
gen=$out/gen_init_cpio
if [ ! -x "$gen" ] || [ "$src/usr/gen_init_cpio.c" -nt "$gen" ]; then
  cc -O2 -o "$gen" "$src/usr/gen_init_cpio.c"
fi

pki=$out/pki
rm -rf "$pki"
"$repo/tests/harness/make-pki.sh" "$pki" door-1 service >/dev/null

list=$out/initramfs.list
: >"$list"
declare -A listed=()
add_dir() {
  local dir=$1
  [ -n "${listed[$dir]:-}" ] && return 0
  [ "$(dirname "$dir")" != / ] && add_dir "$(dirname "$dir")"
  listed[$dir]=1
  echo "dir $dir 755 0 0" >>"$list"
}
# add_file GUEST_PATH HOST_PATH MODE
add_file() {
  [ -n "${listed[$1]:-}" ] && return 0
  [ -f "$2" ] || { echo "build-initramfs: $2 is missing" >&2; exit 1; }
  add_dir "$(dirname "$1")"
  listed[$1]=1
  echo "file $1 $(readlink -f "$2") $3 0 0" >>"$list"
}

# A library named in a NEEDED entry: the unpacked guest packages first, then the cross build's own
# (the multiarch libraries it linked against).
resolve() {
  local lib=$1 t=$2 dir
  for dir in "$debroot/lib/$t" "$debroot/usr/lib/$t" "/lib/$t" "/usr/lib/$t"; do
    if [ -e "$dir/$lib" ]; then
      echo "$dir/$lib"
      return 0
    fi
  done
  echo "build-initramfs: $lib ($t) is not in the guest packages nor installed for $t" >&2
  return 1
}
# add_elf GUEST_PATH HOST_PATH TRIPLE: the program, its loader and its NEEDED libraries, recursively.
add_elf() {
  local dest=$1 file=$2 t=$3 interp lib path
  add_file "$dest" "$file" 755
  interp=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  [ -z "$interp" ] || add_file "$interp" "$interp" 755
  for lib in $(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
    [ -n "${listed[/lib/$t/$lib]:-}" ] && continue
    path=$(resolve "$lib" "$t")
    add_elf "/lib/$t/$lib" "$path" "$t"
  done
}

echo "nod /dev/console 600 0 0 c 5 1" >>"$list"
for dir in /proc /sys /tmp /run /root; do add_dir "$dir"; done
add_file /init "$here/init.sh" 755
for script in "$here"/guest-*.sh; do add_file "/tests/$(basename "$script")" "$script" 755; done
add_file /etc/mosquitto.conf "$here/mosquitto.conf" 644
add_file /etc/hosts "$here/hosts" 644
add_file /etc/nsswitch.conf "$here/nsswitch.conf" 644
add_file /etc/passwd "$here/passwd" 644
add_elf /bin/busybox "$debroot/bin/busybox" "${triple[arm64]}"
add_elf /usr/sbin/mosquitto "$debroot/usr/sbin/mosquitto" "${triple[arm64]}"
for client in mosquitto_pub mosquitto_sub; do
  add_elf "/usr/bin/$client" "$debroot/usr/bin/$client" "${triple[arm64]}"
done
for name in ca.pem server.pem server.key device-door-1.pem device-door-1.key device-service.pem \
  device-service.key; do
  add_file "/etc/pki/$name" "$pki/$name" 644
done
for arch in arm64 armhf; do
  add_elf "/opt/$arch/door-agent" "${build[$arch]}/agent/door-agent" "${triple[$arch]}"
  for program in guest_gpio_tests lock_sampler; do
    add_elf "/opt/$arch/$program" "${build[$arch]}/tests/guest/$program" "${triple[$arch]}"
  done
done

"$gen" "$list" >"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
echo "$out/initramfs.cpio"
