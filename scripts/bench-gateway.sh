#!/usr/bin/env bash
# Gateway throughput and latency on the embedded SQLite default, against the APNs simulator:
#   1. durable accepted/s: h2load POSTs single-device notifications as fast as the API takes
#      them (every 202 is committed, synchronous=FULL), while the dispatcher delivers them;
#   2. delivered/s over the same run (202 of the first request to the last vendor acceptance);
#   3. accept-to-vendor latency p50/p99 at a steady 1,000 notifications/s, per delivery, from
#      the status API (last_outcome.at - accepted_at).
#   scripts/bench-gateway.sh [REQUESTS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-50000}
clients=${2:-64}
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
swift build -c release --product pushgate --scratch-path .build-release >/dev/null
bin=.build-release/release/pushgate
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PUSHGATE_LOG_LEVEL=warning "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
key=$(cat "$work/data/demo-api-key")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '{"notification":{"title":"Bench","body":"Hello"},"targets":[{"vendor":"apns","token":"%s"}]}' \
  "$(printf 'ab%.0s' $(seq 32))" > "$work/body.json"

delivered() {
  curl -s "http://127.0.0.1:$port/metrics" | awk '/^pushgate_deliveries_total\{.*outcome="delivered"/ {s+=$NF} END {print s+0}'
}
echo "== 1. accept: h2load --h1 -n $requests -c $clients POST /v1/notifications (1 device each)"
start=$(date +%s.%N)
h2load --h1 -n "$requests" -c "$clients" -d "$work/body.json" -H "authorization: Bearer $key" \
  -H "content-type: application/json" "http://127.0.0.1:$port/v1/notifications" \
  | grep -E "^finished in|^requests:|^status codes:|time for request:"
while [ "$(delivered)" -lt "$requests" ]; do sleep 0.2; done
end=$(date +%s.%N)
echo "== 2. delivered: $requests in $(python3 -c "print(round($end-$start,2))") s = $(python3 -c "print(round($requests/($end-$start)))")/s (first 202 to last APNs acceptance)"

echo "== 3. latency at 1000/s for 10 s"
python3 - "$port" "$key" "$work/body.json" <<'PY'
import http.client, json, sys, threading, time, datetime
port, key, body = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
rate, seconds, threads = 1000, 10, 8
ids, lock = [], threading.Lock()
def worker(offset):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    start = time.monotonic()
    for i in range(offset, rate * seconds, threads):
        delay = start + i / rate - time.monotonic()
        if delay > 0: time.sleep(delay)
        conn.request("POST", "/v1/notifications", body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = conn.getresponse(); data = r.read()
        if r.status == 202:
            with lock: ids.append(json.loads(data)["id"])
ts = [threading.Thread(target=worker, args=(o,)) for o in range(threads)]
t0 = time.monotonic(); [t.start() for t in ts]; [t.join() for t in ts]
print(f"sent {len(ids)} in {time.monotonic()-t0:.1f} s")
time.sleep(2)
conn = http.client.HTTPConnection("127.0.0.1", port)
parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
lat = []
for nid in ids:
    conn.request("GET", "/v1/notifications/" + nid, headers={"Authorization": "Bearer " + key})
    doc = json.loads(conn.getresponse().read())
    for d in doc["deliveries"]:
        if d["state"] == "delivered":
            lat.append((parse(d["last_outcome"]["at"]) - parse(doc["accepted_at"])).total_seconds() * 1000)
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print(f"delivered {len(lat)}/{len(ids)}; accept-to-vendor p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1]:.1f} ms")
PY
