#!/usr/bin/env bash
# scripts/apt-multiarch-install.sh against a throw-away apt state (its own lists, dpkg status and
# package index; apt-get -s, so nothing is installed): a Multi-Arch: same library whose installed
# native version is older than every architecture's lists, one whose native version is newer than
# the foreign lists offer, and lists with no version in common, which must fail with exit 3.
# Usage: check-multiarch-install.sh REPO_ROOT
set -euo pipefail
helper=$1/scripts/apt-multiarch-install.sh
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# A Packages stanza: name, version, architecture, optional Depends.
stanza() {
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMulti-Arch: same\n' "$1" "$2" "$3"
  printf 'Maintainer: test <test@example.com>\nInstalled-Size: 1\n'
  [ -z "${4:-}" ] || printf 'Depends: %s\n' "$4"
  printf 'Filename: pool/%s_%s_%s.deb\nSize: 1\nSHA256: %064d\nDescription: test\n\n' "$1" "$2" "$3" 0
}

# The library and its -dev package (which pins the library's exact version) at $1 for $2...
offer() {
  local version=$1 arch
  shift
  for arch in "$@"; do
    stanza skewlib "$version" "$arch"
    stanza skewlib-dev "$version" "$arch" "skewlib (= $version)"
  done
}

# Both packages installed natively at $1, as dpkg's status file records them.
installed() {
  stanza skewlib "$1" amd64 | sed '1a Status: install ok installed'
  stanza skewlib-dev "$1" amd64 "skewlib (= $1)" | sed '1a Status: install ok installed'
}

# Runs the helper for the arm64 and armhf -dev packages (and the native one, as install-deps names
# native counterparts) in a fresh apt state whose lists are $1's output and whose status is $2's.
resolve() {
  local case_dir="$root/$3"
  mkdir -p "$case_dir/repo" "$case_dir/lists/partial" "$case_dir/cache/archives/partial"
  eval "$1" >"$case_dir/repo/Packages"
  eval "$2" >"$case_dir/status"
  echo "deb [trusted=yes] file:$case_dir/repo ./" >"$case_dir/sources.list"
  local settings=(Dir::Etc::sourcelist="$case_dir/sources.list" Dir::Etc::sourceparts=/nonexistent
    Dir::Etc::preferencesparts=/nonexistent Dir::State::lists="$case_dir/lists"
    Dir::State::status="$case_dir/status" Dir::Cache="$case_dir/cache" APT::Architecture=amd64
    APT::Architectures::=amd64 APT::Architectures::=arm64 APT::Architectures::=armhf
    Debug::NoLocking=1)
  local apt_o=() options=() setting
  for setting in "${settings[@]}"; do
    apt_o+=(-o "$setting")
    options+=(--apt-option "$setting")
  done
  apt-get -q "${apt_o[@]}" update >"$case_dir/update.log" 2>&1
  "$helper" --simulate "${options[@]}" --arch arm64 --arch armhf \
    skewlib-dev:arm64 skewlib-dev:armhf skewlib-dev >"$case_dir/out" 2>"$case_dir/err"
}

failures=0
# Each of skewlib and skewlib-dev must be set up at $2 for amd64, arm64 and armhf.
expect_versions() {
  local name=$1 version=$2 pkg arch
  for pkg in skewlib skewlib-dev; do
    for arch in amd64 arm64 armhf; do
      if ! grep -Eq "^Inst $pkg(:$arch)? .*\($version [^)]*\[$arch\]\)" "$root/$name/out"; then
        echo "FAIL $name: $pkg:$arch is not brought to $version" >&2
        sed 's/^/  /' "$root/$name/out" "$root/$name/err" >&2
        failures=$((failures + 1))
        return
      fi
    done
  done
  echo "ok   $name: every architecture at $version"
}

# The native side older than all the lists (an image made before a security update).
resolve 'offer 2.0 amd64 arm64 armhf' 'installed 1.0' native-older
expect_versions native-older 2.0

# The native side newer than the foreign lists (a foreign index that lags): the newest version
# every architecture offers is the older one, so the native side moves down to it.
resolve 'offer 2.0 amd64; offer 1.0 amd64 arm64 armhf' 'installed 2.0' native-newer
expect_versions native-newer 1.0

# No version in common: exit 3, naming the package.
status=0
resolve 'offer 2.0 amd64; offer 1.0 arm64 armhf' 'installed 2.0' no-common || status=$?
if [ "$status" -eq 3 ] && grep -q 'no version of skewlib' "$root/no-common/err"; then
  echo "ok   no-common: exit 3, naming the package"
else
  echo "FAIL no-common: exit $status" >&2
  sed 's/^/  /' "$root/no-common/err" >&2
  failures=$((failures + 1))
fi

[ "$failures" -eq 0 ]
