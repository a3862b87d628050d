#!/usr/bin/env bash
# Makes a throw-away PKI for tests and the demo: a CA, a server certificate for localhost and
# 127.0.0.1, bad server certificates (expired, from another CA, for another host name), server
# certificates under a root and an intermediate CA as public servers present them (RSA 2048 as IoT
# Hub's DigiCert Global Root G2 chain, and ECDSA), and one client certificate per device id
# (CN = device id). Usage: make-pki.sh OUT_DIR [DEVICE_ID ...]
set -euo pipefail
out=$1
shift
mkdir -p "$out"
cd "$out"
umask 077

# key FILE [rsa]: a P-256 key, or an RSA 2048 one
key() {
  if [ "${2:-}" = rsa ]; then
    openssl genrsa -out "$1" 2048 2>/dev/null
  else
    openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null
  fi
}

# ca NAME [rsa]: a self-signed CA
ca() {
  key "$1.key" "${2:-}"
  openssl req -new -x509 -key "$1.key" -subj "/CN=$1 test CA" -days 30 -sha256 \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$1.pem" 2>/dev/null
}

# cert NAME CA SUBJECT_CN DAYS EXTENSIONS [rsa]
cert() {
  local name=$1 issuer=$2 cn=$3 days=$4 ext=$5
  key "$name.key" "${6:-}"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
    -days "$days" -sha256 -extfile <(printf '%s\n' "$ext") -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}

server_ext='subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth'
client_ext='extendedKeyUsage=clientAuth'

ca ca
ca other-ca
cert server ca localhost 30 "$server_ext"
cert server-expired ca localhost -1 "$server_ext"
cert server-other-ca other-ca localhost 30 "$server_ext"
cert server-wrong-host ca wrong.example 30 'subjectAltName=DNS:wrong.example
extendedKeyUsage=serverAuth'
# chain KIND [rsa]: KIND-root -> KIND-intermediate -> server-KIND; server-KIND.pem holds the leaf
# and the intermediate, as a server sends them.
chain() {
  ca "$1-root" "${2:-}"
  cert "$1-intermediate" "$1-root" "$1 intermediate CA" 30 'basicConstraints=critical,CA:true,pathlen:0
keyUsage=critical,keyCertSign,cRLSign' "${2:-}"
  cert "server-$1" "$1-intermediate" localhost 30 "$server_ext" "${2:-}"
  cat "$1-intermediate.pem" >>"server-$1.pem"
}
chain rsa rsa
chain ecdsa

for id in "$@"; do
  cert "device-$id" ca "$id" 30 "$client_ext"
  cert "device-$id-other-ca" other-ca "$id" 30 "$client_ext"
done


