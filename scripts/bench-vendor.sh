#!/usr/bin/env bash
# Measures the Huawei adapter against the Huawei simulator: single-token sends and batched
# sends, then h2load --h1 posting the same single-token request to the same simulator in the
# same run (the ceiling to compare with).
#   scripts/bench-huawei.sh [COUNT] [CONNECTIONS] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-50000}
connections=${2:-16}
batch=${3:-500}
if ! command -v h2load >/dev/null; then
  echo "bench-huawei.sh: installing nghttp2-client for h2load" >&2
  apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null
fi
swift build -c release --product pushgate --scratch-path .build-release >/dev/null
bin=.build-release/release/pushgate
work=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
app=10000001
secret='bench+secret/='
"$bin" simulate huawei --port 0 --ca-out "$work/ca.pem" --app "$app:$secret" > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(grep -o 'https://[^ ]*' "$work/sim.out" | head -1)
flags=(--app-id "$app" --client-secret "$secret" --endpoint "$endpoint" --auth-endpoint "$endpoint"
  --ca-file "$work/ca.pem" --connections "$connections" --title Bench --body "Hello from bench")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== pushgate bench huawei -n $count -c $connections --connections $connections (one token per request)"
"$bin" bench huawei -n "$count" -c "$connections" "${flags[@]}" 2> "$work/bench.err"
echo "== pushgate bench huawei -n $((count * 10)) -c 4 --connections $connections --batch $batch"
"$bin" bench huawei -n "$((count * 10))" -c 4 --batch "$batch" "${flags[@]}" 2> "$work/bench-batch.err"
token=$(curl -sS --cacert "$work/ca.pem" "$endpoint/oauth2/v3/token" \
  --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$app" \
  --data-urlencode "client_secret=$secret" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
printf '%s' '{"validate_only":false,"message":{"android":{"notification":{"title":"Bench","body":"Hello from bench","click_action":{"type":3},"tag":"6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","notify_id":123456789}},"token":["BENCHTOKEN0"]}}' \
  > "$work/body.json"
echo "== h2load --h1 -n $count -c $connections (same simulator, same single-token request, one access token)"
h2load --h1 -n "$count" -c "$connections" -d "$work/body.json" -H "authorization: Bearer $token" \
  -H "content-type: application/json;charset=UTF-8" "$endpoint/v1/$app/messages:send" \
  | grep -E "^finished in|^requests:|^status codes:|time for request:"
echo "== simulator counters"
curl -sS --cacert "$work/ca.pem" "$endpoint/_sim/counters" | python3 -c \
  'import json,sys; c=json.load(sys.stdin); c.pop("accepted_per_token",None); print(json.dumps(c))'
