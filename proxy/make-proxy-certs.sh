#!/usr/bin/env bash
# Makes the certificates of a Pushgate CONNECT proxy with openssl:
#   a private CA for the proxy (reused if it already exists in the output directory),
#   the proxy's server certificate for the names/addresses the gateway connects to,
#   and one client certificate per gateway instance (for mTLS, tls.client_ca_file).
#
# Usage: make-proxy-certs.sh [-o DIR] [-d DAYS] SERVER_NAME[,NAME_OR_IP...] [CLIENT_NAME...]
#   make-proxy-certs.sh -o /etc/pushgate-proxy/tls proxy.example.net,203.0.113.10 gateway-1 gateway-2
#
# Writes (keys mode 0600):
#   ca.pem ca-key.pem                          the CA; ca.pem goes to the gateway (--proxy-ca-file) and to the
#                                              proxy (tls.client_ca_file); keep ca-key.pem OFF the proxy host
#   server.pem server-key.pem                  tls.certificate_file / tls.private_key_file
#   client-NAME.pem client-NAME-key.pem        --proxy-cert-file / --proxy-key-file of one gateway
# Running it again with the same -o keeps the CA and re-issues the other certificates (rotation).
set -euo pipefail

out="./proxy-certs"
days=825
ca_days=3650

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

while getopts "o:d:h" option; do
    case "$option" in
        o) out="$OPTARG" ;;
        d) days="$OPTARG" ;;
        h) usage 0 ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case "$days" in ''|*[!0-9]*) echo "make-proxy-certs: -d needs a number of days" >&2; exit 2 ;; esac
command -v openssl >/dev/null || { echo "make-proxy-certs: openssl not found" >&2; exit 1; }

server_names="$1"
shift
umask 077
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

# Issues $1.pem signed by the CA, for key $1-key.pem, subject CN $2, with the extensions in file $3.
issue() {
    local base="$1" common_name="$2" extensions="$3"
    new_key "$out/$base-key.pem"
    openssl req -new -key "$out/$base-key.pem" -subj "/CN=$common_name" -out "$work/$base.csr"
    openssl x509 -req -in "$work/$base.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -set_serial "$(serial)" \
        -days "$days" -sha256 -extfile "$extensions" -out "$out/$base.pem" 2>/dev/null
    chmod 600 "$out/$base-key.pem"
    chmod 644 "$out/$base.pem"
}

if [ -f "$out/ca.pem" ] && [ -f "$out/ca-key.pem" ]; then
    echo "using the existing CA in $out"
else
    new_key "$out/ca-key.pem"
    openssl req -x509 -new -key "$out/ca-key.pem" -sha256 -days "$ca_days" -set_serial "$(serial)" \
        -subj "/O=Pushgate/CN=Pushgate proxy CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$out/ca.pem"
    chmod 600 "$out/ca-key.pem"
    chmod 644 "$out/ca.pem"
    echo "made a new CA: $out/ca.pem"
fi

# Names with a colon or only digits and dots are IP addresses; everything else is a DNS name.
san=""
first_name=""
IFS=',' read -r -a names <<<"$server_names"
for name in "${names[@]}"; do
    [ -n "$name" ] || continue
    [ -n "$first_name" ] || first_name="$name"
    if [[ "$name" == *:* || "$name" =~ ^[0-9.]+$ ]]; then
        san="${san:+$san,}IP:$name"
    else
        san="${san:+$san,}DNS:$name"
    fi
done
[ -n "$san" ] || { echo "make-proxy-certs: no server name given" >&2; exit 2; }

cat >"$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
authorityKeyIdentifier=keyid
EXT
issue server "$first_name" "$work/server.ext"
echo "server certificate for $san: $out/server.pem"

cat >"$work/client.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid
EXT
for client in "$@"; do
    case "$client" in
        *[!A-Za-z0-9._-]*|'') echo "make-proxy-certs: client name '$client': use letters, digits, . _ -" >&2; exit 2 ;;
    esac
    issue "client-$client" "$client" "$work/client.ext"
    echo "client certificate for $client: $out/client-$client.pem"
done

openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null
for client in "$@"; do
    openssl verify -CAfile "$out/ca.pem" "$out/client-$client.pem" >/dev/null
done
echo "done; valid for $days days (check expiry: openssl x509 -enddate -noout -in $out/server.pem)"
