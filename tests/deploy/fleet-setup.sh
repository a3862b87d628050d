#!/usr/bin/env bash
# Runs the broker-host commands of docs/fleet-setup.md as written (its ```sh blocks that begin with
# "# on the broker host"), and the Pi's block that makes its key ("# on the Pi: its key", with
# /etc/door-agent moved into the Pi's root and the CSR left where the broker host's commands find
# it), in a throw-away root: door-fleet from the source tree with
# DOOR_FLEET_ROOT, a real Mosquitto started from Debian's mosquitto.conf with the generated conf.d
# snippet, and a real door-agent on the fake GPIO set up from its bundle as the page's Pi section
# says. Only what cannot run here is stood in for: sudo runs the command as the caller, apt
# installs nothing (the files come from the source tree), systemctl restarts or reloads that
# Mosquitto, and BROKER, PORT and SERVICE_PORT are localhost and free ports. It ends with the
# lockDoor answered,
# and checks that the revoked door can no longer connect while the scheduler still can.
# Usage: fleet-setup.sh SOURCE_DIR DOOR_AGENT DOOR_SCHEDULER
set -euo pipefail
source_dir=$(cd "$1" && pwd)
agent=$(realpath "$2")
scheduler=$(realpath "$3")
doc=$source_dir/docs/fleet-setup.md

tmp=$(mktemp -d)
# The page's commands run in subshells, so what they start is remembered in files.
cleanup() {
  for pid_file in "$tmp"/*.pid; do
    [ -e "$pid_file" ] || continue
    kill "$(cat "$pid_file")" 2>/dev/null || true
    timeout 10 tail --pid="$(cat "$pid_file")" -f /dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "fleet-setup: $*" >&2
  for log in "$tmp"/*.log; do
    echo "--- $log" >&2
    tail -n 30 "$log" >&2
  done
  exit 1
}

mkdir -p "$tmp/bin" "$tmp/work" "$tmp/home"
export DOOR_FLEET_SHARE=$source_dir/deploy/mosquitto HOME=$tmp/home
ln -s "$source_dir/deploy/broker/door-fleet" "$agent" "$scheduler" "$tmp/bin/"
export PATH=$tmp/bin:$PATH

BROKER=localhost
read -r PORT SERVICE_PORT < <(python3 -c 'import socket
s, t = socket.socket(), socket.socket()
s.bind(("127.0.0.1", 0)); t.bind(("127.0.0.1", 0))
print(s.getsockname()[1], t.getsockname()[1])')

# new_root DIR: a fresh root for door-fleet with Debian's own mosquitto.conf, its paths moved into
# the root; the broker logs to its stderr and runs as the caller.
new_root() {
  root=$1
  export DOOR_FLEET_ROOT=$root
  mkdir -p "$root/etc/mosquitto" "$root/run/mosquitto" "$root/var/lib/mosquitto"
  sed -e 's#^\(pid_file\|persistence_location\|include_dir\) /#\1 '"$root"'/#' -e '/^log_dest/d' \
    /etc/mosquitto/mosquitto.conf >"$root/etc/mosquitto/mosquitto.conf"
  grep -q "^include_dir $root/etc/mosquitto/conf.d" "$root/etc/mosquitto/mosquitto.conf" ||
    fail "/etc/mosquitto/mosquitto.conf has no include_dir /etc/mosquitto/conf.d"
}
new_root "$tmp/root"

await_log() { # await_log FILE TEXT [SECONDS]: waits for a line with TEXT (20 s at most)
  grep -q -m 1 -F "$2" < <(timeout "${3:-20}" tail -n +1 -f "$1")
}
start_broker() {
  mkdir -p "$root/etc/mosquitto/conf.d"
  printf 'user %s\nlog_dest stderr\n' "$(id -un)" >"$root/etc/mosquitto/conf.d/zz-test.conf"
  : >"$tmp/mosquitto.log"
  mosquitto -c "$root/etc/mosquitto/mosquitto.conf" >>"$tmp/mosquitto.log" 2>&1 &
  echo "$!" >"$tmp/mosquitto.pid"
  await_log "$tmp/mosquitto.log" " running" 10 || fail "mosquitto did not start"
}

# The stand-ins for the host's administration commands.
sudo() {
  [ "$1" != -u ] || shift 2
  "$@"
}
apt() { :; }
systemctl() {
  case "$1 $2" in
    "stop mosquitto" | "restart mosquitto")
      if [ -e "$tmp/mosquitto.pid" ]; then
        kill "$(cat "$tmp/mosquitto.pid")"
        timeout 10 tail --pid="$(cat "$tmp/mosquitto.pid")" -f /dev/null
        rm "$tmp/mosquitto.pid"
      fi
      [ "$1" = stop ] || start_broker
      ;;
    "reload mosquitto")
      : >"$tmp/mosquitto.log" # the broker appends: this reload's line is the first
      kill -HUP "$(cat "$tmp/mosquitto.pid")"
      await_log "$tmp/mosquitto.log" "Reloading config" || fail "mosquitto did not reload"
      ;;
    *) fail "systemctl $* is not stood in for" ;;
  esac
}

# The Pi's /etc/door-agent, as its package leaves it.
pi_etc=$tmp/pi/etc/door-agent
mkdir -p "$pi_etc"

# The page's Pi section, here: the bundle unpacked into the Pi's /etc/door-agent beside the key
# the Pi made, the config's paths moved into that root and its door on the fake GPIO, checked,
# then the agent started.
start_pi() {
  local etc=$pi_etc
  [[ "$(tar -tf "$tmp/work/bundles/door-1.tar")" != *key* ]] || fail "door-1's bundle holds a key"
  tar -xf "$tmp/work/bundles/door-1.tar" -C "$etc"
  [ "$(stat -c %a "$etc/config.json")" = 640 ] || fail "the bundle's config.json is not 0640"
  # The key's mode: root:door-agent 0640 where root makes it on a host with that group.
  local key_mode=600
  if [ "$(id -u)" -eq 0 ] && getent group door-agent >/dev/null; then key_mode=640; fi
  [ "$(stat -c %a "$etc/client.key")" = "$key_mode" ] || fail "the Pi's client.key is not $key_mode"
  python3 - "$etc/config.json" "$tmp/pi" <<'EOF'
import json, sys
path, pi = sys.argv[1:]
config = json.load(open(path))
for key in ("caFile", "clientCertFile", "clientKeyFile"):
    config["connection"][key] = pi + config["connection"][key]
config["stateFile"] = pi + "/desired.json"
config["door"] = {"gpio": "fake", "lock": {"line": "LOCK"}, "feedback": {"line": "FEEDBACK"},
                  "doorContact": {"line": "DOOR"}, "failMode": "secure",
                  "fake": {"control": pi + "/gpio", "transitionLog": pi + "/transitions"}}
json.dump(config, open(path, "w"))
EOF
  door-agent --check-config "$etc/config.json" || fail "the bundle's config fails --check-config"
  : >"$tmp/agent.log" # made before the agent starts, so await_log can follow it at once
  door-agent --config "$etc/config.json" >>"$tmp/agent.log" 2>&1 &
  echo "$!" >"$tmp/agent.pid"
  await_log "$tmp/agent.log" "online: device door-1" || fail "door-1 did not come online"
}

# The broker-host blocks and the Pi's key block, NUL-separated.
mapfile -d '' blocks < <(python3 - "$doc" <<'EOF'
import re, sys
for block in re.findall(r"```sh\n(.*?)```", open(sys.argv[1]).read(), re.S):
    if block.startswith(("# on the broker host\n", "# on the Pi: its key\n")):
        sys.stdout.write(block + "\0")
EOF
)
[ "${#blocks[@]}" -ge 4 ] || fail "docs/fleet-setup.md has ${#blocks[@]} broker-host blocks"

cd "$tmp/work"
ran=0
for block in "${blocks[@]}"; do
  # The page's example host name and port give way to this test's.
  block=$(sed -e '/^BROKER=/d' -e '/^PORT=/d' -e '/^SERVICE_PORT=/d' <<<"$block")
  # The Pi's files are in its root; its CSR stays here, which stands in for copying it over.
  case "$block" in "# on the Pi: its key"*) block=${block//\/etc\/door-agent\//$pi_etc/} ;; esac
  echo "fleet-setup: running"
  sed 's/^/  /' <<<"$block"
  if ! out=$(set -e; eval "$block" 2>&1); then
    echo "$out"
    fail "a command of docs/fleet-setup.md failed"
  fi
  echo "$out" | sed 's/^/  > /'
  ran=$((ran + 1))
  case "$block" in
    *"door-fleet sign door-1.csr"*) start_pi ;;
    *mosquitto_pub*)
      grep -qF 'devices/door-1/methods/res/200/?$rid=1 {"Response":"lockDoor called successfully"' \
        <<<"$out" || fail "the lockDoor by hand was not answered with 200"
      answered=1
      ;;
    *"door-scheduler"*"lockDoor"*)
      grep -q "completed" <<<"$out" || fail "the scheduler's lockDoor job did not complete"
      ;;
    *"door-fleet revoke door-1"*) revoked=1 ;;
  esac
done
[ "${answered:-0}" -eq 1 ] || fail "no block called lockDoor by hand"
[ "${revoked:-0}" -eq 1 ] || fail "no block revoked door-1"

# The revoked door's certificate is refused now; the scheduler still connects, with its password on
# the service listener, where door-2's password (below) does not work.
identity() { # identity NAME [KEY]: mosquitto client options for a bundle's certificate
  local dir=$tmp/identity-$1
  mkdir -p "$dir"
  tar -xf "$tmp/work/bundles/$1.tar" -C "$dir"
  echo "-h localhost -p $PORT --cafile $dir/ca.pem --cert $dir/client.pem --key ${2:-$dir/client.key}"
}
# shellcheck disable=SC2046
if mosquitto_pub $(identity door-1 "$pi_etc/client.key") -i door-1 -t devices/door-1/status -m '{}' 2>/dev/null; then
  fail "the revoked door-1 still connects"
fi
XDG_CONFIG_HOME=$tmp/work/scheduler/mqtt mosquitto_pub -h localhost -p "$SERVICE_PORT" \
  -t devices/door-1/methods/POST/getDoorState/?\$rid=2 -m '{}' ||
  fail "the scheduler no longer connects after door-1's revocation"

# The --auth password variant: a door enrolled with --password connects with the password its
# bundle's config holds, and no longer once revoked.
systemctl stop mosquitto
new_root "$tmp/password-root"
door-fleet init --host localhost --port "$PORT" --service-port "$SERVICE_PORT" --auth password \
  >/dev/null
systemctl restart mosquitto
door-fleet enroll door-2 --password --out "$tmp/password-bundles" >/dev/null
systemctl reload mosquitto
mkdir -p "$tmp/door-2"
tar -xf "$tmp/password-bundles/door-2.tar" -C "$tmp/door-2"
[ ! -e "$tmp/door-2/client.key" ] || fail "a password bundle holds a client key"
password=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["connection"]["password"])' \
  "$tmp/door-2/config.json")
as_door_2=(-h localhost -p "$PORT" --cafile "$tmp/door-2/ca.pem" -u door-2 -P "$password" -i door-2)
mosquitto_pub "${as_door_2[@]}" -t devices/door-2/status -m '{}' ||
  fail "door-2 does not connect with its password"
if mosquitto_pub "${as_door_2[@]}" -p "$SERVICE_PORT" -t devices/door-2/status -m '{}' 2>/dev/null; then
  fail "door-2's password works on the service listener"
fi
door-fleet revoke door-2 >/dev/null
systemctl reload mosquitto
if mosquitto_pub "${as_door_2[@]}" -t devices/door-2/status -m '{}' 2>/dev/null; then
  fail "the revoked door-2 still connects with its password"
fi
echo "fleet-setup: $ran blocks of docs/fleet-setup.md ran; lockDoor answered; door-1 revoked and" \
  "refused; a password-enrolled door-2 connected, then was revoked and refused"
