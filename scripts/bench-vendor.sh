#!/usr/bin/env bash
# Measures an HTTP vendor's adapter (huawei, xiaomi or vivo) against its simulator: single-token
# sends and batched sends, then h2load --h1 posting the same single-token request to the same
# simulator in the same run (the ceiling to compare with).
#   scripts/bench-vendor.sh VENDOR [COUNT] [CONNECTIONS] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=${1:?usage: scripts/bench-vendor.sh huawei|xiaomi|vivo [COUNT] [CONNECTIONS] [BATCH]}
count=${2:-50000}
connections=${3:-16}
batch=${4:-500}
if ! command -v h2load >/dev/null; then
  echo "bench-vendor.sh: installing nghttp2-client for h2load" >&2
  apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null
fi
swift build -c release --product pushgate --scratch-path .build-release >/dev/null
bin=.build-release/release/pushgate
work=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
case "$vendor" in
  huawei) app=(--app '10000001:bench+secret/=') ;;
  xiaomi) app=(--app 'bench+secret/=:com.example.bench') ;;
  vivo) app=(--app '10001:bench-key:bench-secret') ;;
  *) echo "bench-vendor.sh: unknown vendor $vendor" >&2; exit 2 ;;
esac
"$bin" simulate "$vendor" --port 0 --ca-out "$work/ca.pem" "${app[@]}" > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(grep -o 'https://[^ ]*' "$work/sim.out" | head -1)
ca=(--cacert "$work/ca.pem")
case "$vendor" in
  huawei)
    flags=(--app-id 10000001 --client-secret 'bench+secret/=' --auth-endpoint "$endpoint")
    token=$(curl -sS "${ca[@]}" "$endpoint/oauth2/v3/token" --data-urlencode grant_type=client_credentials \
      --data-urlencode client_id=10000001 --data-urlencode 'client_secret=bench+secret/=' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    printf '%s' '{"validate_only":false,"message":{"android":{"notification":{"title":"Bench","body":"Hello from bench","click_action":{"type":3},"tag":"6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","notify_id":123456789}},"token":["BENCHTOKEN0"]}}' > "$work/body"
    h2=(-H "authorization: Bearer $token" -H "content-type: application/json;charset=UTF-8" "$endpoint/v1/10000001/messages:send") ;;
  xiaomi)
    flags=(--app-secret 'bench+secret/=' --package com.example.bench)
    printf '%s' 'registration_id=BENCHTOKEN0&restricted_package_name=com.example.bench&pass_through=0&title=Bench&description=Hello+from+bench&notify_type=-1&notify_id=123456789&extra.notify_effect=1' > "$work/body"
    h2=(-H "authorization: key=bench+secret/=" -H "content-type: application/x-www-form-urlencoded;charset=utf-8" "$endpoint/v3/message/regid") ;;
  vivo)
    flags=(--app-id 10001 --app-key bench-key --app-secret bench-secret)
    ts=$(($(date +%s) * 1000))
    sign=$(printf '%s' "10001bench-key${ts}bench-secret" | md5sum | cut -d' ' -f1)
    token=$(curl -sS "${ca[@]}" "$endpoint/message/auth" -H 'content-type: application/json' \
      -d "{\"appId\":\"10001\",\"appKey\":\"bench-key\",\"timestamp\":$ts,\"sign\":\"$sign\"}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["authToken"])')
    # vivo drops a repeated requestId, so h2load's copies would be answered from memory: the
    # ceiling is measured with the operation window off and one requestId, as the fastest path.
    printf '%s' '{"appId":"10001","regId":"BENCHTOKEN0","notifyType":3,"title":"Bench","content":"Hello from bench","skipType":1,"networkType":-1,"classification":1,"pushMode":0,"notifyId":123456789,"requestId":"bench-h2load"}' > "$work/body"
    h2=(-H "authToken: $token" -H "content-type: application/json;charset=UTF-8" "$endpoint/message/send") ;;
esac
flags+=(--endpoint "$endpoint" --ca-file "$work/ca.pem" --connections "$connections" --title Bench --body "Hello from bench")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== pushgate bench $vendor -n $count -c $connections --connections $connections (one token per request)"
"$bin" bench "$vendor" -n "$count" -c "$connections" "${flags[@]}" 2> "$work/bench.err"
echo "== pushgate bench $vendor -n $((count * 10)) -c 4 --connections $connections --batch $batch"
"$bin" bench "$vendor" -n "$((count * 10))" -c 4 --batch "$batch" "${flags[@]}" 2> "$work/bench-batch.err"
echo "== h2load --h1 -n $count -c $connections (same simulator, the same single-token request)"
h2load --h1 -n "$count" -c "$connections" -d "$work/body" "${h2[@]}" \
  | grep -E "^finished in|^requests:|^status codes:|time for request:"
echo "== simulator counters"
curl -sS "${ca[@]}" "$endpoint/_sim/counters" | python3 -c \
  'import json,sys; c=json.load(sys.stdin); c.pop("accepted_per_token",None); print(json.dumps(c))'
