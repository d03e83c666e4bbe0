#!/usr/bin/env bash
# The main job, end to end on one machine with TEST credentials: builds pushgate, starts the
# APNs simulator, sends one push through the APNs adapter and shows what the simulator saw.
# (The gateway service, `pushgate serve --demo`, replaces this once it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { echo "demo.sh: openssl is required (apt-get install openssl)" >&2; exit 1; }
swift build --product pushgate
bin=$(swift build --show-bin-path)/pushgate
work=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
certs-example/make-certs.sh "$work/certs" TESTKEY123 TESTTEAM12 com.example.pushgate >/dev/null

"$bin" simulate apns --port 0 --cert "$work/certs/server.pem" --key "$work/certs/server-key.pem" \
  --auth-key-pub "$work/certs/AuthKey_TESTKEY123.pub.pem" --key-id TESTKEY123 --team-id TESTTEAM12 \
  > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(grep -o 'https://[^ ]*' "$work/sim.out" | head -1)
[ -n "$endpoint" ] || { echo "demo.sh: the simulator did not start" >&2; exit 1; }
echo "APNs simulator at $endpoint"

echo "+ pushgate send apns --endpoint $endpoint --topic com.example.pushgate --token abab… --title Hello …"
"$bin" send apns --endpoint "$endpoint" --ca-file "$work/certs/ca.pem" \
  --key-file "$work/certs/AuthKey_TESTKEY123.p8" --key-id TESTKEY123 --team-id TESTTEAM12 \
  --topic com.example.pushgate --token "$(printf 'ab%.0s' $(seq 32))" \
  --title "Hello" --body "Pushgate delivered this through APNs over HTTP/2"
echo "+ curl $endpoint/_sim/counters   # what the simulator saw"
curl -sS --http2 --cacert "$work/certs/ca.pem" "$endpoint/_sim/counters"; echo
