#!/usr/bin/env bash
# Ingest faster than the disk: a second process (Python's sqlite3, a real independent client)
# holds the database's write lock for HOLD seconds, as a stalled disk would, while h2load posts
# REQUESTS single-device notifications. Prints the status codes, the gateway's resident memory
# once a second, and checks afterwards that ingest resumes and the file is sound.
#   scripts/bench-backpressure.sh [REQUESTS] [CLIENTS] [HOLD]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-60000}
clients=${2:-64}
hold=${3:-15}
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
swift build -c release --product pushgate --scratch-path .build-release >/dev/null
bin=.build-release/release/pushgate
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PUSHGATE_LOG_LEVEL=critical "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
key=$(cat "$work/data/demo-api-key")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '{"notification":{"title":"Bench","body":"Hello"},"targets":[{"vendor":"apns","token":"%s"}]}' \
  "$(printf 'ab%.0s' $(seq 32))" > "$work/body.json"
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
echo "rss before: $(rss) MiB"

python3 - "$work/data/pushgate.db" "$hold" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY
holder=$!
sleep 0.5
( for _ in $(seq "$((hold + 5))"); do printf '%s ' "$(rss)"; sleep 1; done; echo ) > "$work/rss" &
sampler=$!
echo "== h2load --h1 -n $requests -c $clients while the write lock is held for ${hold}s"
h2load --h1 -n "$requests" -c "$clients" -d "$work/body.json" -H "authorization: Bearer $key" \
  -H "content-type: application/json" "http://127.0.0.1:$port/v1/notifications" \
  | grep -E "^finished in|^requests:|^status codes:"
wait "$holder"
wait "$sampler"
echo "rss each second (MiB): $(cat "$work/rss")"
sleep 1
after=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d @"$work/body.json" "http://127.0.0.1:$port/v1/notifications")
echo "after the lock is released: POST answers $after"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "integrity_check: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$work/data/pushgate.db")"
