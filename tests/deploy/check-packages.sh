#!/usr/bin/env bash
# Builds the Debian packages of a build directory and checks them: their contents and control
# fields, and that door-agent installs into an empty test root with dpkg --root and runs there
# (under qemu-user for a foreign architecture). Usage: check-packages.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
(cd "$build" && cpack -G DEB >/dev/null)
agent=$(ls "$build"/door-agent_*.deb)
scheduler=$(ls "$build"/door-scheduler_*.deb)
arch=$(dpkg-deb -f "$agent" Architecture)
fail() {
  echo "check-packages: $*" >&2
  exit 1
}

contents=$(dpkg-deb -c "$agent")
for path in ./usr/bin/door-agent ./usr/lib/systemd/system/door-agent.service \
  ./usr/lib/sysusers.d/door-agent.conf ./usr/share/door-agent/mosquitto/door-acl.conf \
  ./usr/share/door-agent/mosquitto/door-broker.conf ./usr/share/doc/door-agent/examples/door-agent.azure.example.json; do
  grep -q " $path\$" <<<"$contents" || fail "$agent lacks $path"
done
grep -q '^-rw------- root/root .* ./etc/door-agent/config.json$' <<<"$contents" ||
  fail "the example config is not installed with mode 0600"
[ "$(dpkg-deb -f "$agent" Depends)" = "libpaho-mqtt1.3, libcjson1, libssl3" ] ||
  fail "unexpected Depends: $(dpkg-deb -f "$agent" Depends)"
dpkg-deb -I "$agent" conffiles | grep -qx /etc/door-agent/config.json || fail "config.json is not a conffile"
dpkg-deb -c "$scheduler" | grep -q ' ./usr/bin/door-scheduler$' || fail "$scheduler lacks door-scheduler"
[ "$(dpkg-deb -f "$scheduler" Architecture)" = "$arch" ] || fail "the packages' architectures differ"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The test root has none of the libraries: they come from the build machine's multiarch folders.
if ! out=$(dpkg --root="$root" --force-depends --force-architecture --force-script-chrootless \
  --log=/dev/null -i "$agent" 2>&1); then
  echo "$out" >&2
  fail "$agent does not install into a test root"
fi
case "$arch" in
  arm64) run=(qemu-aarch64) ;;
  armhf) run=(qemu-arm) ;;
  *) run=() ;;
esac
version=$("${run[@]}" "$root/usr/bin/door-agent" --version)
[ "$version" = "door-agent $(dpkg-deb -f "$agent" Version)" ] || fail "installed agent says '$version'"
echo "check-packages: $(basename "$agent") and $(basename "$scheduler") ($arch): contents, control" \
  "fields, install into a test root and '$version' checked"
