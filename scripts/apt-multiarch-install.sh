#!/usr/bin/env bash
# Installs packages for the native and foreign architectures in one apt transaction, bringing every
# Multi-Arch: same package that blocks it (libssl3, libssl-dev, linux-libc-dev, ...) to one version
# that all the architectures' lists offer: the native side is upgraded when the foreign lists are
# ahead of what is installed, and moved down when a foreign index lags. Removals are refused, so
# host packages are never traded away for cross ones.
# Usage: apt-multiarch-install.sh [--simulate] [--apt-option OPT]... --arch ARCH... PACKAGE...
#   --simulate      resolve only (apt-get -s); nothing is installed
#   --apt-option    passed to apt-get and apt-cache as -o OPT (a throw-away apt state, in tests)
#   --arch          a foreign architecture whose lists must agree (repeat for each)
# Exit status: 0 installed (or resolved, with --simulate); 3 the lists offer no version common to
# every architecture, or apt still refuses after pinning; 2 a usage error.
set -euo pipefail

simulate=()
apt_options=()
archs=()
packages=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --simulate) simulate=(-s) ;;
    --apt-option)
      apt_options+=(-o "$2")
      shift
      ;;
    --arch)
      archs+=("$2")
      shift
      ;;
    -*)
      echo "apt-multiarch-install: unknown option $1" >&2
      exit 2
      ;;
    *) packages+=("$1") ;;
  esac
  shift
done
if [ "${#archs[@]}" -eq 0 ] || [ "${#packages[@]}" -eq 0 ]; then
  echo "usage: $0 [--simulate] [--apt-option OPT]... --arch ARCH... PACKAGE..." >&2
  exit 2
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && [ "${#simulate[@]}" -eq 0 ]; then sudo_cmd=(sudo); fi
native=$(apt-config "${apt_options[@]}" dump APT::Architecture | sed -n 's/^APT::Architecture "\(.*\)";$/\1/p')

# The versions of $1 (qualified by its architecture) that the package lists offer.
versions_for() {
  apt-cache "${apt_options[@]}" madison "$1" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u
}

# The newest version of $1 that the native and every foreign architecture's lists all offer.
common_version() {
  local pkg=$1 arch versions
  versions=$(versions_for "$pkg:$native")
  for arch in "${archs[@]}"; do
    versions=$(comm -12 <(echo "$versions") <(versions_for "$pkg:$arch"))
  done
  [ -n "$versions" ] || return 1
  echo "$versions" | sort -V | tail -n 1
}

# (Captured whole: grep -q closing the pipe early would fail apt-cache under pipefail.)
is_multiarch_same() {
  local record
  record=$(apt-cache "${apt_options[@]}" show "$1:$native" 2>/dev/null) || return 1
  grep -qx 'Multi-Arch: same' <<<"$record"
}

installed_natively() {
  local policy
  policy=$(apt-cache "${apt_options[@]}" policy "$1:$native")
  ! grep -q 'Installed: (none)' <<<"$policy"
}

# Every package named on one of apt's "unmet dependencies" lines, on either side of Depends:,
# Pre-Depends:, Breaks: or Conflicts:, without its architecture.
blocking_packages() {
  grep -E '(Depends|Breaks|Conflicts):' "$1" |
    grep -oE '(^ +|(Depends|Breaks|Conflicts): )[a-z0-9][a-z0-9.+-]*' |
    sed -E 's/^ +//; s/^(Pre-)?(Depends|Breaks|Conflicts): //' | sort -u
}

pins=()
pinned=" "
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for round in 1 2 3 4 5 6 7 8 9 10; do
  # pipefail makes the pipeline's status apt-get's own.
  if "${sudo_cmd[@]}" apt-get "${apt_options[@]}" "${simulate[@]}" install -y -q \
    --no-install-recommends --no-remove --allow-downgrades "${packages[@]}" "${pins[@]}" 2>&1 |
    tee "$log"; then
    exit 0
  fi
  progress=0
  mapfile -t blocking < <(blocking_packages "$log")
  for pkg in "${blocking[@]}"; do
    case "$pinned" in *" $pkg "*) continue ;; esac
    is_multiarch_same "$pkg" || continue
    if ! version=$(common_version "$pkg"); then
      echo "apt-multiarch-install: no version of $pkg is offered for $native and ${archs[*]}" \
        "alike; retry when the package lists agree" >&2
      exit 3
    fi
    echo "apt-multiarch-install: $pkg at $version on every architecture (round $round)" >&2
    if installed_natively "$pkg"; then pins+=("$pkg:$native=$version"); fi
    for arch in "${archs[@]}"; do pins+=("$pkg:$arch=$version"); done
    pinned+="$pkg "
    progress=1
  done
  [ "$progress" -eq 1 ] || break
done
echo "apt-multiarch-install: apt still refuses ${packages[*]} after bringing the Multi-Arch:" \
  "same packages into step (see above)" >&2
exit 3
