#!/usr/bin/env bash
# Measures the APNs adapter against the simulator and, in the same run, h2load (nghttp2's C
# load generator) against the same simulator, as the ceiling to compare with.
#   scripts/bench-apns.sh [COUNT] [CONCURRENCY] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
concurrency=${2:-200}
connections=${3:-2}
if ! command -v h2load >/dev/null; then
  echo "bench-apns.sh: installing nghttp2-client for h2load" >&2
  apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null
fi
swift build -c release --product pushgate --scratch-path .build-release >/dev/null
bin=.build-release/release/pushgate
work=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
certs-example/make-certs.sh "$work/certs" TESTKEY123 TESTTEAM12 com.example.pushgate >/dev/null
"$bin" simulate apns --port 0 --cert "$work/certs/server.pem" --key "$work/certs/server-key.pem" \
  --auth-key-pub "$work/certs/AuthKey_TESTKEY123.pub.pem" --key-id TESTKEY123 --team-id TESTTEAM12 \
  --no-faults > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(grep -o 'https://[^ ]*' "$work/sim.out" | head -1)
token=$(printf 'ab%.0s' $(seq 32))
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== pushgate bench apns -n $count -c $concurrency --connections $connections"
"$bin" bench apns -n "$count" -c "$concurrency" --connections "$connections" --endpoint "$endpoint" \
  --ca-file "$work/certs/ca.pem" --key-file "$work/certs/AuthKey_TESTKEY123.p8" --key-id TESTKEY123 \
  --team-id TESTTEAM12 --topic com.example.pushgate --token "$token" --title Bench --body "Hello from bench" \
  2> "$work/bench.err"
jwt=$("$bin" token apns --key-file "$work/certs/AuthKey_TESTKEY123.p8" --key-id TESTKEY123 --team-id TESTTEAM12)
printf '{"aps":{"alert":{"title":"Bench","body":"Hello from bench"}}}' > "$work/payload.json"
per_connection=$(( (concurrency + connections - 1) / connections ))
echo "== h2load -n $count -c $connections -m $per_connection (same simulator, same payload, one shared JWT)"
h2load -n "$count" -c "$connections" -m "$per_connection" -d "$work/payload.json" \
  -H "authorization: bearer $jwt" -H "apns-topic: com.example.pushgate" -H "apns-push-type: alert" \
  -H "apns-priority: 10" -H "content-type: application/json" "$endpoint/3/device/$token" \
  | grep -E "^finished in|^requests:|^status codes:|time for request:"
echo "== simulator counters"
curl -sS --http2 --cacert "$work/certs/ca.pem" "$endpoint/_sim/counters"; echo
