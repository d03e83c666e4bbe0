#!/usr/bin/env bash
# Gateway throughput and latency, single-device notifications to APNs:
#   1. durable accepted/s: h2load POSTs as fast as the API takes them (every 202 is committed;
#      SQLite keeps synchronous=FULL), while the dispatcher delivers them;
#   2. delivered/s over the same run (first 202 to the last vendor acceptance), and the
#      gateways' CPU seconds per 1,000 deliveries;
#   3. accept-to-vendor latency p50/p99 at a steady 1,000 notifications/s, from the status API
#      (last_outcome.at - accepted_at).
#
#   scripts/bench-gateway.sh [--external-simulator] [--batch N] [--store URL] [--instances K]
#                            [REQUESTS] [CLIENTS]
#
# Default: `serve --demo` (SQLite, the APNs simulator in the gateway's process).
#   --external-simulator  `pushgate simulate apns` in its own process, as a vendor would be, and
#                         `serve --config` with one app on it (token auth, test credentials).
#   --batch N             POST /v1/notifications:batch with N single-device items per request;
#                         REQUESTS counts notifications (REQUESTS / N requests).
#   --store URL           the gateways' store (postgres://…); implies --external-simulator.
#   --instances K         K gateways on the one store (PostgreSQL), h2load's clients split
#                         evenly across them.
#   --rate R              the app's rate limit (deliveries/s; default 1,000,000): with a low
#                         one, step 1 measures durable ingest alone while delivery trails at R/s
#                         (step 2 is then skipped).
#   PUSHGATE_BIN=path     measure that pushgate binary instead of a release build of this tree
#                         (to compare two builds back to back on a noisy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
external=false
batch=0
store=
instances=1
rate=1000000
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --external-simulator) external=true ;;
    --batch) batch=${2:?--batch needs a count}; shift ;;
    --store) store=${2:?--store needs a URL}; external=true; shift ;;
    --instances) instances=${2:?--instances needs a count}; shift ;;
    --rate) rate=${2:?--rate needs deliveries per second}; external=true; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) positional+=("$1") ;;
  esac
  shift
done
requests=${positional[0]:-50000}
clients=${positional[1]:-64}
if [ "$instances" -gt 1 ] && [[ "$store" != postgres* ]]; then
  echo "bench-gateway.sh: --instances needs --store postgres://…" >&2
  exit 2
fi
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
if [ -n "${PUSHGATE_BIN:-}" ]; then
  bin=$PUSHGATE_BIN
else
  swift build -c release --product pushgate --scratch-path .build-release >/dev/null
  bin=$PWD/.build-release/release/pushgate
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() { for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return; sleep 0.1; done; echo "gateway on $1 did not start" >&2; exit 1; }

ports=()
gateway_pids=()
if $external; then
  certs-example/make-certs.sh "$work/certs" >/dev/null
  "$bin" simulate apns --port 0 --ca-out "$work/sim-ca.pem" --auth-key-pub "$work/certs/AuthKey_TESTKEY123.pub.pem" \
    --key-id TESTKEY123 --team-id TESTTEAM12 > "$work/sim.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'listening on' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  sim_port=$(grep -o 'https://[^ ]*' "$work/sim.out" | head -1 | sed 's/.*://; s/[^0-9].*//')
  key="pg_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  hash=$(printf "%s" "$key" | "$bin" hash-key | grep -o "sha256:[0-9a-f]*" | head -1)
  for index in $(seq "$instances"); do
    port=$(free_port)
    cat > "$work/gateway-$index.yaml" <<YAML
listen: 127.0.0.1:$port
store: ${store:-sqlite:$work/pushgate.db}
apps:
  - id: bench
    api_keys: [$hash]
    rate_limit: {per_second: $rate, concurrency: 1000}
    apns:
      topic: com.example.pushgate
      key: $work/certs/AuthKey_TESTKEY123.p8
      key_id: TESTKEY123
      team_id: TESTTEAM12
      endpoint: https://127.0.0.1:$sim_port
      ca_file: $work/sim-ca.pem
YAML
    PUSHGATE_LOG_LEVEL=warning "$bin" serve --config "$work/gateway-$index.yaml" > "$work/serve-$index.out" 2>&1 &
    pids+=($!)
    gateway_pids+=($!)
    ports+=("$port")
    wait_healthy "$port"
  done
else
  port=$(free_port)
  PUSHGATE_LOG_LEVEL=warning "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/serve.out" 2>&1 &
  pids+=($!)
  gateway_pids+=($!)
  ports+=("$port")
  wait_healthy "$port"
  key=$(cat "$work/data/demo-api-key")
fi
mode="serve --demo (simulator in-process)"
# The store URL as printed: its password, if any, left out.
shown_store=$(printf '%s' "${store:-sqlite}" | sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:***@#')
$external && mode="serve --config, simulate apns in its own process, store $shown_store, $instances instance(s)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "mode: $mode"

token=$(printf 'ab%.0s' $(seq 32))
item='{"notification":{"title":"Bench","body":"Hello"},"targets":[{"vendor":"apns","token":"'$token'"}]}'
if [ "$batch" -gt 0 ]; then
  python3 -c "import sys; n=int(sys.argv[1]); print('{\"notifications\":[' + ','.join([sys.argv[2]]*n) + ']}', end='')" \
    "$batch" "$item" > "$work/body.json"
  path=/v1/notifications:batch
  posts=$(((requests + batch - 1) / batch))
  notifications=$((posts * batch))
else
  printf '%s' "$item" > "$work/body.json"
  path=/v1/notifications
  posts=$requests
  notifications=$requests
fi

delivered() {
  local total=0
  for port in "${ports[@]}"; do
    total=$((total + $(curl -s "http://127.0.0.1:$port/metrics" \
      | awk '/^pushgate_deliveries_total\{.*outcome="delivered"/ {s+=$NF} END {printf "%d", s+0}')))
  done
  echo "$total"
}
cpu_seconds() {
  local total=0
  for pid in "${gateway_pids[@]}"; do
    total=$(python3 -c "import os; f=open('/proc/$pid/stat').read().rsplit(')',1)[1].split(); print($total + (int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))")
  done
  echo "$total"
}

echo "== 1. accept: h2load --h1 -n $posts -c $clients POST $path ($([ "$batch" -gt 0 ] && echo "$batch devices" || echo "1 device") each), over ${#ports[@]} gateway(s)"
cpu_start=$(cpu_seconds)
start=$(date +%s.%N)
share=$((posts / ${#ports[@]}))
index=0
loaders=()
for port in "${ports[@]}"; do
  h2load --h1 -n "$share" -c "$((clients / ${#ports[@]}))" -d "$work/body.json" -H "authorization: Bearer $key" \
    -H "content-type: application/json" "http://127.0.0.1:$port$path" > "$work/h2load-$index.out" &
  loaders+=($!)
  index=$((index + 1))
done
wait "${loaders[@]}"
accepted_end=$(date +%s.%N)
for out in "$work"/h2load-*.out; do grep -E "^requests:|^status codes:" "$out"; done
expected=$((share * ${#ports[@]} * (batch > 0 ? batch : 1)))
echo "accepted: $expected notifications in $(python3 -c "print(round($accepted_end-$start,2))") s = $(python3 -c "print(round($expected/($accepted_end-$start)))")/s"
accept_cpu=$(cpu_seconds)
echo "gateway CPU while accepting: $(python3 -c "print(round(($accept_cpu-$cpu_start)/$expected*1000,3))") s per 1,000 accepted"
if [ "$rate" -lt 1000000 ]; then
  echo "== 2. skipped: delivery is paced at --rate $rate/s"
  exit 0
fi
while [ "$(delivered)" -lt "$expected" ]; do sleep 0.2; done
end=$(date +%s.%N)
cpu_end=$(cpu_seconds)
echo "== 2. delivered: $expected in $(python3 -c "print(round($end-$start,2))") s = $(python3 -c "print(round($expected/($end-$start)))")/s (first 202 to last APNs acceptance); gateway CPU $(python3 -c "print(round(($cpu_end-$cpu_start)/$expected*1000,3))") s per 1,000 deliveries"
taken() {
  for port in "${ports[@]}"; do curl -s "http://127.0.0.1:$port/metrics"; done \
    | awk -F'"' '/^pushgate_dispatcher_taken_total/ {split($0, f, " "); s[$2]+=f[length(f)]} END {for (k in s) printf "%s %d  ", k, s[k]}'
}
echo "dispatcher took: $(taken)(hand_off: in memory after commit; lease: read back from the store)"
if $external; then
  echo "simulator counters: $(curl -sk --cacert "$work/sim-ca.pem" "https://127.0.0.1:$sim_port/_sim/counters" | head -c 300)"
fi

echo "== 3. latency at 1000/s for 10 s"
python3 - "${ports[0]}" "$key" "$work/body.json" "$path" <<'PY'
import http.client, json, sys, threading, time, datetime
port, key, body, path = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4]
batched = path.endswith(":batch")
per_post = len(json.loads(body)["notifications"]) if batched else 1
rate, seconds, threads = 1000 // per_post or 1, 10, 8
ids, lock = [], threading.Lock()
def worker(offset):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    start = time.monotonic()
    for i in range(offset, rate * seconds, threads):
        delay = start + i / rate - time.monotonic()
        if delay > 0: time.sleep(delay)
        conn.request("POST", path, body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = conn.getresponse(); data = json.loads(r.read())
        found = [x["result"]["id"] for x in data["results"] if x["status"] == 202] if batched else ([data["id"]] if r.status == 202 else [])
        with lock: ids.extend(found)
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
