#!/usr/bin/env bash
# Makes TEST credentials for the simulators and local checks. Never use them for real traffic.
#   certs-example/make-certs.sh [OUT_DIR] [KEY_ID] [TEAM_ID] [BUNDLE_ID]
# Writes into OUT_DIR (default: certs-example/out):
#   ca.pem, ca-key.pem              a test certificate authority
#   server.pem, server-key.pem      a simulator certificate for localhost and 127.0.0.1
#   AuthKey_<KEY_ID>.p8             an APNs token-auth key (PKCS#8 PEM, P-256), like Apple's
#   AuthKey_<KEY_ID>.pub.pem        its public half, for `pushgate simulate apns --auth-key-pub`
#   client.pem, client-key.pem      an APNs certificate-auth client certificate (UID = bundle id)
set -euo pipefail
out=${1:-"$(dirname "$0")/out"}
key_id=${2:-TESTKEY123}
team_id=${3:-TESTTEAM12}
bundle_id=${4:-com.example.pushgate}
command -v openssl >/dev/null || { echo "make-certs: openssl is required (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 077

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ec_key ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/CN=Pushgate TEST CA (not for production)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

ec_key server-key.pem
openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 -sha256 \
  -extfile server.ext -out server.pem 2>/dev/null

ec_key "AuthKey_${key_id}.p8"
openssl pkey -in "AuthKey_${key_id}.p8" -pubout -out "AuthKey_${key_id}.pub.pem"

ec_key client-key.pem
openssl req -new -key client-key.pem -subj "/UID=${bundle_id}/CN=Apple Push Services: ${bundle_id} (TEST)" -out client.csr
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 -sha256 \
  -extfile client.ext -out client.pem 2>/dev/null

rm -f server.csr server.ext client.csr client.ext ca.srl
chmod 600 ./*.pem ./*.p8
echo "test credentials in $out (key id ${key_id}, team id ${team_id}, bundle id ${bundle_id})"
