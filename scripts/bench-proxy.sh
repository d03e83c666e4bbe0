#!/usr/bin/env bash
# Measures `pushgate bench apns` against the APNs simulator three ways in one run: direct, through
# `pushgate proxy`, and through tinyproxy (Debian's package, a standard third-party CONNECT proxy),
# and says how many tunnels each proxy carried. Only figures from the same run compare (the
# machine's speed drifts from day to day: NIO-HTTP2-NOTES.md).
#   scripts/bench-proxy.sh [COUNT] [CONNECTIONS]        defaults: 100000 and 2; always 200 in flight
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
connections=${2:-2}
concurrency=200
case "$count:$connections" in
  *[!0-9:]* | :* | *:) echo "usage: scripts/bench-proxy.sh [COUNT] [CONNECTIONS]" >&2; exit 2 ;;
esac
if ! command -v tinyproxy >/dev/null; then
  echo "bench-proxy.sh: installing tinyproxy" >&2
  apt-get update -qq && apt-get install -y -qq tinyproxy >/dev/null
fi
for tool in ss curl openssl; do
  command -v "$tool" >/dev/null || { echo "bench-proxy.sh: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d)
swift build -c release --product pushgate --scratch-path .build-release > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; rm -rf "$work"; exit 1; }
bin=.build-release/release/pushgate
pids=()
cleanup() {
  # Only what this script started, by pid. SIGKILL: tinyproxy otherwise waits for its tunnels to time out.
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Waits up to 10 s for a line matching $2 in file $1, then prints it.
wait_for_line() {
  for _ in $(seq 100); do
    if grep -q "$2" "$1" 2>/dev/null; then grep -m1 "$2" "$1"; return 0; fi
    sleep 0.1
  done
  echo "bench-proxy.sh: no \"$2\" in $1:" >&2; cat "$1" >&2; return 1
}

# A loopback port nothing listens on (tinyproxy cannot pick one itself).
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    [ -z "$(ss -Htln "sport = :$port")" ] && { echo "$port"; return; }
  done
}

# Records, every 0.1 s until killed, the client end of each established connection to port $1. The
# number of distinct client ends is the number of connections (tunnels) made during the run; one
# that opened and closed between two samples would be missed, which the adapter's long-lived
# connections do not do.
sample_connections() {
  while :; do
    ss -Htn state established "( dport = :$1 )" | awk '{ print $3 }' >> "$2"
    sleep 0.1
  done
}

# Runs the bench with extra arguments "$@"; leaves its last stdout line (the JSON) in $work/last.json.
# Counts connections to port $sample_port while it runs into $work/last.conns.
bench() {
  : > "$work/conns.txt"
  sample_connections "$sample_port" "$work/conns.txt" &
  local sampler=$!
  local status=0
  "$bin" bench apns -n "$count" -c "$concurrency" --connections "$connections" \
    --endpoint "https://localhost:$sim_port" --ca-file "$work/certs/ca.pem" \
    --key-file "$work/certs/AuthKey_TESTKEY123.p8" --key-id TESTKEY123 --team-id TESTTEAM12 \
    --topic com.example.pushgate --token "$token" --title Bench --body "Hello from bench" "$@" \
    > "$work/bench.out" 2> "$work/bench.err" || status=$?
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  tail -1 "$work/bench.out" > "$work/last.json"
  sort -u "$work/conns.txt" | grep -c . > "$work/last.conns" || true
  if [ "$status" -ne 0 ]; then
    echo "(bench exited $status; last lines of its stderr:)"
    tail -3 "$work/bench.err"
  fi
}

rate() { grep -o '"notifications_per_sec":[0-9.]*' "$1" | cut -d: -f2; }
tunnels_total() {
  curl -sS "http://127.0.0.1:$admin_port/metrics" | awk '/^pushgate_proxy_tunnels_total[ {]/ { print int($NF) }'
}

certs-example/make-certs.sh "$work/certs" TESTKEY123 TESTTEAM12 com.example.pushgate >/dev/null
token=$(printf 'ab%.0s' $(seq 32))

# The simulator, without fault tokens so that every push is accepted.
"$bin" simulate apns --port 0 --cert "$work/certs/server.pem" --key "$work/certs/server-key.pem" \
  --auth-key-pub "$work/certs/AuthKey_TESTKEY123.pub.pem" --key-id TESTKEY123 --team-id TESTTEAM12 \
  --no-faults > "$work/sim.out" 2> "$work/sim.err" &
pids+=($!)
sim_port=$(wait_for_line "$work/sim.out" 'listening on' | grep -o ':[0-9]*$' | tr -d :)

# Our proxy: a plain listener, only the simulator allowed (by name: IP literals are always
# refused), the admin listener for /metrics, both on loopback with ports the kernel picks.
cat > "$work/proxy.yaml" <<EOF
listeners:
  - address: "127.0.0.1:0"
allow:
  - "localhost:$sim_port"
admin:
  address: "127.0.0.1:0"
EOF
"$bin" proxy --config "$work/proxy.yaml" > "$work/proxy.out" 2> "$work/proxy.err" &
pids+=($!)
proxy_port=$(wait_for_line "$work/proxy.out" 'proxy listening on' | grep -o ':[0-9]*$' | tr -d :)
admin_port=$(wait_for_line "$work/proxy.out" 'proxy admin on' | grep -o '127.0.0.1:[0-9]*' | cut -d: -f2)

# tinyproxy in the foreground, CONNECT allowed to the simulator's port only.
tinyproxy_port=$(free_port)
{
  echo "Port $tinyproxy_port"
  echo "Listen 127.0.0.1"
  echo "Timeout 600"
  echo "MaxClients 1000"
  echo "Allow 127.0.0.1"
  echo "ConnectPort $sim_port"
  echo "LogLevel Error"
  echo "DisableViaHeader Yes"
  if [ "$(id -u)" = 0 ]; then echo "User nobody"; echo "Group nogroup"; fi
} > "$work/tinyproxy.conf"
tinyproxy -d -c "$work/tinyproxy.conf" > "$work/tinyproxy.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -n "$(ss -Htln "sport = :$tinyproxy_port")" ] && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "pushgate bench apns -n $count -c $concurrency --connections $connections --endpoint https://localhost:$sim_port"

echo "== direct"
sample_port=$sim_port
bench
direct_rate=$(rate "$work/last.json")
cat "$work/last.json"
echo "tunnels: none (ss saw $(cat "$work/last.conns") connections to the simulator)"

echo "== through pushgate proxy (--proxy http://127.0.0.1:$proxy_port)"
sample_port=$proxy_port
before=$(tunnels_total)
bench --proxy "http://127.0.0.1:$proxy_port"
after=$(tunnels_total)
ours_rate=$(rate "$work/last.json")
cat "$work/last.json"
echo "tunnels: $((after - before)) (pushgate_proxy_tunnels_total before/after; ss saw $(cat "$work/last.conns") client connections)"

echo "== through tinyproxy (--proxy http://127.0.0.1:$tinyproxy_port)"
sample_port=$tinyproxy_port
bench --proxy "http://127.0.0.1:$tinyproxy_port"
tinyproxy_rate=$(rate "$work/last.json")
cat "$work/last.json"
echo "tunnels: $(cat "$work/last.conns") (distinct client connections to tinyproxy, sampled with ss every 0.1 s)"

echo "== rate relative to direct"
awk -v d="${direct_rate:-0}" -v o="${ours_rate:-0}" -v t="${tinyproxy_rate:-0}" 'BEGIN {
  if (d > 0) printf "pushgate proxy %.2fx, tinyproxy %.2fx\n", o / d, t / d
}'
echo "== simulator counters"
curl -sS --http2 --cacert "$work/certs/ca.pem" "https://localhost:$sim_port/_sim/counters"; echo
