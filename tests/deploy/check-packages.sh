#!/usr/bin/env bash
# Builds the Debian packages of a build directory and checks them: lintian at the error and
# warning levels, their contents and control fields, and that door-agent installs into an empty
# test root with dpkg --root and runs there (under qemu-user for a foreign architecture).
# Usage: check-packages.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
rm -f "$build"/door-*.deb
(cd "$build" && cpack -G DEB >/dev/null)
agent=$(ls "$build"/door-agent_*.deb)
scheduler=$(ls "$build"/door-scheduler_*.deb)
broker=$(ls "$build"/door-broker_*_all.deb)
arch=$(dpkg-deb -f "$agent" Architecture)
fail() {
  echo "check-packages: $*" >&2
  exit 1
}

# Errors and warnings fail; lintian's own overrides are not used. Lintian learns a foreign
# architecture's ELF from the package, so the same check runs for amd64, arm64 and armhf.
if ! out=$(lintian --fail-on error,warning --tag-display-limit 0 "$agent" "$scheduler" "$broker" 2>&1); then
  echo "$out" >&2
  fail "lintian"
fi

contents=$(dpkg-deb -c "$agent")
for path in ./usr/bin/door-agent ./usr/lib/systemd/system/door-agent.service \
  ./usr/lib/sysusers.d/door-agent.conf ./usr/share/man/man8/door-agent.8.gz \
  ./usr/share/doc/door-agent/copyright ./usr/share/doc/door-agent/fleet-setup.md \
  ./usr/share/doc/door-agent/examples/door-agent.azure.example.json; do
  grep -q " $path\$" <<<"$contents" || fail "$agent lacks $path"
done
# No secret yet: postinst makes it root:door-agent 0640 (docs/configuration.md).
grep -q '^-rw-r--r-- root/root .* ./etc/door-agent/config.json$' <<<"$contents" ||
  fail "the example config is not installed with mode 0644"
dpkg-deb -I "$agent" conffiles | grep -qx /etc/door-agent/config.json || fail "config.json is not a conffile"
for script in postinst prerm postrm; do
  dpkg-deb -I "$agent" "$script" >/dev/null || fail "$agent has no $script"
done
depends=$(dpkg-deb -f "$agent" Depends)
for library in libc6 libpaho-mqtt1.3 libcjson1; do
  grep -q "\b$library\b" <<<"$depends" || fail "door-agent does not depend on $library: $depends"
done
# TLS and every crypto of the device are mbedtls' (linked in): OpenSSL stays off the boards.
if grep -q "\blibssl" <<<"$depends"; then fail "door-agent depends on OpenSSL: $depends"; fi

contents=$(dpkg-deb -c "$scheduler")
for path in ./usr/bin/door-scheduler ./usr/lib/systemd/system/door-scheduler.service \
  ./usr/share/man/man1/door-scheduler.1.gz ./etc/default/door-scheduler \
  ./usr/share/bash-completion/completions/door-scheduler; do
  grep -q " $path\$" <<<"$contents" || fail "$scheduler lacks $path"
done
[ "$(dpkg-deb -f "$scheduler" Architecture)" = "$arch" ] || fail "the packages' architectures differ"

contents=$(dpkg-deb -c "$broker")
for path in ./usr/sbin/door-fleet ./usr/share/door-broker/door-broker.conf \
  ./usr/share/door-broker/door-acl.conf ./usr/share/man/man8/door-fleet.8.gz; do
  grep -q " $path\$" <<<"$contents" || fail "$broker lacks $path"
done
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# The maintainer scripts as dpkg runs them on a board, with the system's tools replaced by stubs
# that note each call: an upgrade restarts a running service (postinst configure OLD_VERSION:
# try-restart) and does not stop it before (prerm upgrade); a first install starts nothing.
calls() { # PACKAGE SCRIPT ARGS...: the calls the script made, one per line
  local deb=$1 script=$2 stubs=$root/stubs
  shift 2
  rm -rf "$root/control" "$stubs" && mkdir -p "$stubs"
  dpkg-deb -e "$deb" "$root/control"
  for tool in deb-systemd-invoke deb-systemd-helper systemctl systemd-sysusers chown chmod; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$tool" "$stubs" >"$stubs/$tool"
    chmod +x "$stubs/$tool"
  done
  : >"$stubs/calls"
  env -u DPKG_ROOT PATH="$stubs:$PATH" sh "$root/control/$script" "$@" ||
    fail "$(basename "$deb") $script $* failed"
  cat "$stubs/calls"
}
for deb in "$agent" "$scheduler"; do
  unit=$(dpkg-deb -f "$deb" Package).service
  grep -qx "deb-systemd-invoke try-restart $unit" <<<"$(calls "$deb" postinst configure 0.0.1)" ||
    fail "$(basename "$deb"): an upgrade does not restart $unit"
  ! grep -q "deb-systemd-invoke" <<<"$(calls "$deb" postinst configure)" ||
    fail "$(basename "$deb"): a first install starts or restarts $unit"
  ! grep -q "deb-systemd-invoke" <<<"$(calls "$deb" prerm upgrade 0.0.2)" ||
    fail "$(basename "$deb"): an upgrade stops $unit before its new files are in"
done
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
# Removing it runs its prerm and postrm and keeps its config.
if ! out=$(dpkg --root="$root" --force-script-chrootless --log=/dev/null -r door-agent 2>&1); then
  echo "$out" >&2
  fail "door-agent does not remove cleanly from the test root"
fi
[ -e "$root/etc/door-agent/config.json" ] || fail "removing door-agent removed its config"
echo "check-packages: $(basename "$agent"), $(basename "$scheduler") and $(basename "$broker")" \
  "($arch): lintian, contents, control fields, restart on upgrade, install into a test root," \
  "'$version', remove"
