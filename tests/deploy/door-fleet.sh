#!/usr/bin/env bash
# door-fleet's commands one by one, in throw-away roots (DOOR_FLEET_ROOT) and with an empty TMPDIR
# of their own: init refuses an IP address as the doors' host name; sign issues a door's
# certificate (CA:FALSE, digital signature, client authentication) for a CSR made by
# `door-agent --make-csr` and its bundle holds no private key; sign refuses a CSR whose signature
# does not verify, a subject that is more than CN=<device id>, the scheduler's names (scheduler,
# door-scheduler...) and an id that has a valid certificate (unless --rekey, which revokes the old
# one); enroll makes no door's key, refuses the scheduler's names as a door's and gives the
# scheduler a password on the service listener alone, never on a command line;
# revoke and sign match an id exactly ("door.1" is not a pattern that takes "doorX1"); no
# temporary folder outlives a command, failed or not. The Mosquitto that reads these files is
# FleetSetupDocumentWorks' business. Usage: door-fleet.sh SOURCE_DIR DOOR_AGENT
set -euo pipefail
source_dir=$(cd "$1" && pwd)
agent=$(realpath "$2")
door_fleet=$source_dir/deploy/broker/door-fleet

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "door-fleet test: $*" >&2
  exit 1
}
checks=0
pass() { checks=$((checks + 1)); }

export DOOR_FLEET_SHARE=$source_dir/deploy/mosquitto
# door-fleet's own temporary folders go here: it is empty after every command.
export TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR"
cd "$tmp"

# run WHAT ARGS...: door-fleet's output in $out and its exit code in $rc; the TMPDIR is empty after.
run() {
  rc=0
  out=$("$door_fleet" "$@" 2>&1) || rc=$?
  [ -z "$(ls -A "$TMPDIR")" ] || fail "door-fleet $* left $(ls -A "$TMPDIR") in TMPDIR"
}
expect_ok() {
  run "$@"
  [ "$rc" -eq 0 ] || fail "door-fleet $* failed: $out"
  pass
}
# expect_refusal TEXT ARGS...: door-fleet fails with one line holding TEXT.
expect_refusal() {
  local text=$1
  shift
  run "$@"
  [ "$rc" -ne 0 ] || fail "door-fleet $* did not fail: $out"
  [ "$(wc -l <<<"$out")" -eq 1 ] || fail "door-fleet $* did not fail in one line: $out"
  grep -qF -- "$text" <<<"$out" || fail "door-fleet $* did not say '$text': $out"
  pass
}
# make_csr DEVICE [--rekey]: a key and CSR made the way a board makes them, in
# board/DEVICE.{key,csr}.
make_csr() {
  mkdir -p "$tmp/board"
  "$agent" --make-csr "$1" --key "$tmp/board/$1.key" "${@:2}" >"$tmp/board/$1.csr" 2>/dev/null ||
    fail "door-agent --make-csr $* failed"
}
# index_state DEVICE: the states (V, R) of DEVICE's certificates in the CA's index, in order.
index_state() {
  awk -F'\t' -v cn="/CN=$1" '$6 == cn { printf "%s", $1 }' \
    "$DOOR_FLEET_ROOT/etc/door-fleet/index.txt"
}

# --- init: the doors' host is a DNS name ------------------------------------------------------
export DOOR_FLEET_ROOT=$tmp/ip-root
expect_refusal "cannot verify a certificate by IP address" init --host 192.0.2.7
expect_refusal "cannot verify a certificate by IP address" init --host 2001:db8::7
[ ! -e "$DOOR_FLEET_ROOT/etc/door-fleet" ] || fail "a refused init left a CA behind"

export DOOR_FLEET_ROOT=$tmp/root
expect_ok init --host broker.test --host 192.0.2.7
grep -qF "192.0.2.7 is for other clients" <<<"$out" ||
  fail "init did not say an IP host is not the doors': $out"
server=$(openssl x509 -in "$DOOR_FLEET_ROOT/etc/door-fleet/server.pem" -noout -text)
grep -qF "DNS:broker.test, IP Address:192.0.2.7" <<<"$server" || fail "the server's names: $server"
grep -qF "CA:FALSE" <<<"$server" || fail "the server certificate is not CA:FALSE: $server"
grep -qF "TLS Web Server Authentication" <<<"$server" || fail "the server certificate: $server"
pass

# --- sign: a door's certificate for its board's CSR, in a bundle without a key ------------------
make_csr door.1
expect_ok sign board/door.1.csr --out bundles
[ "$(tar -tf bundles/door.1.tar | sort | tr '\n' ' ')" = "ca.pem client.pem config.json " ] ||
  fail "door.1's bundle holds $(tar -tf bundles/door.1.tar | tr '\n' ' ')"
[[ "$(tar -xOf bundles/door.1.tar)" != *"PRIVATE KEY"* ]] ||
  fail "door.1's bundle holds a private key"
[ "$(stat -c %a bundles/door.1.tar)" = 644 ] || fail "a bundle without a secret is not 0644"
pass
mkdir -p door.1
tar -xf bundles/door.1.tar -C door.1
certificate=$(openssl x509 -in door.1/client.pem -noout -text)
# Basic constraints and key usage critical; the purpose client authentication only.
extension() { grep -A1 -F "X509v3 $1" <<<"$certificate" | tail -n 1 | sed 's/^ *//'; }
[ "$(extension "Basic Constraints: critical")" = CA:FALSE ] ||
  fail "door.1's certificate is not critically CA:FALSE: $certificate"
[ "$(extension "Key Usage: critical")" = "Digital Signature" ] ||
  fail "door.1's certificate's key usage: $certificate"
[ "$(extension "Extended Key Usage:")" = "TLS Web Client Authentication" ] ||
  fail "door.1's certificate is not for client authentication only: $certificate"
subject=$(openssl x509 -in door.1/client.pem -noout -subject -nameopt RFC2253)
[ "$subject" = "subject=CN=door.1" ] || fail "door.1's certificate's subject: $subject"
openssl verify -CAfile door.1/ca.pem -purpose sslclient door.1/client.pem >/dev/null ||
  fail "door.1's certificate does not verify as a client's"
[ "$(openssl x509 -in door.1/client.pem -noout -pubkey)" = \
  "$(openssl pkey -in board/door.1.key -pubout)" ] ||
  fail "door.1's certificate is not for its board's key"
python3 - door.1/config.json <<'EOF' || fail "door.1's config.json"
import json, sys
c = json.load(open(sys.argv[1]))["connection"]
assert c["deviceId"] == "door.1" and c["host"] == "broker.test", c
assert c["clientCertFile"] == "/etc/door-agent/client.pem", c
assert c["clientKeyFile"] == "/etc/door-agent/client.key", c
assert "password" not in c, c
EOF
# The agent takes the config, with its paths moved to where the files are here.
python3 - door.1/config.json "$tmp" <<'EOF'
import json, sys
path, tmp = sys.argv[1:]
config = json.load(open(path))
c = config["connection"]
c["caFile"], c["clientCertFile"] = tmp + "/door.1/ca.pem", tmp + "/door.1/client.pem"
c["clientKeyFile"] = tmp + "/board/door.1.key"
json.dump(config, open(path, "w"))
EOF
"$agent" --check-config door.1/config.json >/dev/null ||
  fail "door.1's config.json fails --check-config"
pass

# An enrolled id is refused, and with --rekey the new key's certificate replaces the old one.
make_csr door.1 --rekey
expect_refusal "door.1 already has a valid certificate" sign board/door.1.csr --out bundles
[ "$(index_state door.1)" = V ] || fail "a refused sign changed door.1's certificates"
expect_ok sign board/door.1.csr --rekey --out bundles
grep -qF "previous certificate revoked" <<<"$out" ||
  fail "sign --rekey did not say it revoked: $out"
[ "$(index_state door.1)" = RV ] ||
  fail "after --rekey door.1's certificates are $(index_state door.1)"
old_serial=$(awk -F'\t' '$1 == "R" && $6 == "/CN=door.1" { print $4 }' \
  "$DOOR_FLEET_ROOT/etc/door-fleet/index.txt")
crl=$(openssl crl -in "$DOOR_FLEET_ROOT/etc/mosquitto/door/crl.pem" -noout -text)
[[ "$crl" == *"Serial Number: $old_serial"* ]] ||
  fail "the old certificate of door.1 is not on the CRL"
pass

# A CSR whose signature does not verify: door-9's request with the subject changed to door-8.
make_csr door-9
openssl req -in board/door-9.csr -outform DER -out board/door-9.der
python3 - board/door-9.der <<'EOF'
import sys
path = sys.argv[1]
der = open(path, "rb").read()
assert der.count(b"door-9") == 1
open(path, "wb").write(der.replace(b"door-9", b"door-8"))
EOF
openssl req -inform DER -in board/door-9.der -out board/tampered.csr
expect_refusal "signature verifies" sign board/tampered.csr --out bundles
expect_refusal "cannot read" sign board/missing.csr --out bundles
printf 'not a request\n' >board/garbage.csr
expect_refusal "signature verifies" sign board/garbage.csr --out bundles

# Subjects that are not CN=<device id> alone, and the scheduler's id.
openssl ecparam -name prime256v1 -genkey -noout -out board/other.key 2>/dev/null
while IFS='|' read -r subject refusal; do
  openssl req -new -key board/other.key -subj "$subject" -out board/other.csr
  expect_refusal "$refusal" sign board/other.csr --out bundles
done <<'EOF'
/CN=door-7/O=fleet|subject is not CN=DEVICE alone: O=fleet,CN=door-7
/O=fleet|subject is not CN=DEVICE alone
/CN=door-7/CN=door-6|subject is not CN=DEVICE alone
/CN=door\,7|subject is not CN=DEVICE alone
/CN=door 7|a device id is
EOF
openssl req -new -key board/other.key -subj "/CN=scheduler" -out board/other.csr
expect_refusal "may not be called scheduler" sign board/other.csr --out bundles
make_csr door-scheduler-1
expect_refusal "may not start with door-scheduler" sign board/door-scheduler-1.csr --out bundles
openssl genrsa -out board/small.key 1024 2>/dev/null
openssl req -new -key board/small.key -subj "/CN=door-7" -out board/small.csr
expect_refusal "fewer than 2048 bits" sign board/small.csr --out bundles
for name in door-7 door-8 scheduler door-scheduler-1; do
  [ ! -e "bundles/$name.tar" ] || fail "a refused CSR left bundles/$name.tar"
done

# --- exact ids: "door.1" is not a pattern --------------------------------------------------------
make_csr doorX1
expect_ok sign board/doorX1.csr --out bundles # door.1 is enrolled: doorX1 is another id
expect_ok revoke door.1
[ "$(index_state door.1)" = RR ] || fail "door.1 is not revoked"
[ "$(index_state doorX1)" = V ] || fail "revoking door.1 revoked doorX1"
expect_refusal "door.1 has no valid certificate" revoke door.1
expect_refusal "a device id is" revoke 'door.*'

# --- enroll: no key is made here; the scheduler's names are not a door's ------------------------
expect_refusal "door-agent --make-csr door-5" enroll door-5 --out bundles
[ ! -e bundles/door-5.tar ] || fail "a refused enroll left a bundle"
expect_refusal "may not start with door-scheduler" enroll door-scheduler-1 --password --out bundles
expect_refusal "may not be called scheduler" enroll scheduler --password --out bundles
for file in "$DOOR_FLEET_ROOT"/etc/door-fleet/issued/*; do
  [[ "$file" == *.pem ]] || fail "the CA's folder holds $file, not only certificates"
done
# A failure inside enroll, after its temporary folder was made: this broker has no password file.
expect_refusal "without a password file" enroll door-5 --password --out bundles
pass

# --- passwords: exact ids too -----------------------------------------------------------------
if command -v mosquitto_passwd >/dev/null; then
  export DOOR_FLEET_ROOT=$tmp/password-root
  expect_ok init --host broker.test --auth password
  expect_ok enroll door.1 --password --out password-bundles
  expect_ok enroll doorX1 --password --out password-bundles
  expect_refusal "this broker takes passwords" sign board/door-9.csr --out password-bundles
  expect_ok revoke door.1
  passwords=$DOOR_FLEET_ROOT/etc/mosquitto/door/passwords
  [ "$(cut -d: -f1 "$passwords")" = doorX1 ] ||
    fail "the password file after revoke door.1: $(cut -d: -f1 "$passwords")"
  expect_refusal "door.1 has no valid certificate or password" revoke door.1
  pass

  # The scheduler's password is on the service listener alone: its file holds that one entry,
  # hashed, and the devices' file none; a second enroll replaces it.
  service_passwords=$DOOR_FLEET_ROOT/etc/mosquitto/door/service-passwords
  for round in 1 2; do
    expect_ok enroll scheduler --out password-bundles
    [ "$(tar -tf password-bundles/scheduler.tar | sort | tr '\n' ' ')" = "ca.pem password " ] ||
      fail "the scheduler's bundle holds $(tar -tf password-bundles/scheduler.tar | tr '\n' ' ')"
    password=$(tar -xOf password-bundles/scheduler.tar password)
    [ "$(cut -d: -f1 "$service_passwords")" = scheduler ] ||
      fail "the service password file after enroll scheduler: $(cut -d: -f1 "$service_passwords")"
    [[ "$(cat "$service_passwords")" != *"$password"* ]] ||
      fail "the service password file holds the scheduler's password in clear"
    [ "$round" -eq 1 ] || [ "$password" != "$first_password" ] ||
      fail "a second enroll scheduler kept the password"
    first_password=$password
  done
  ! grep -q '^scheduler:' "$passwords" || fail "the devices' password file holds the scheduler"
  grep -qF "port 8884" <<<"$out" || fail "enroll scheduler did not name the service port: $out"
  expect_ok revoke scheduler
  [ ! -s "$service_passwords" ] || fail "revoke scheduler left $(cat "$service_passwords")"
  pass
else
  echo "door-fleet test: no mosquitto_passwd: the password cases were not run"
fi

echo "door-fleet test: $checks checks passed"
