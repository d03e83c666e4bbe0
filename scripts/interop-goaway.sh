#!/usr/bin/env bash
# Interop: the APNs adapter against a real golang.org/x/net/http2 server whose graceful
# shutdown sends GOAWAY every N requests (Tests/Interop/goawayserver), with exact accounting:
# every push answered 200 exactly once, none ambiguous, none lost, none sent twice.
#
#   scripts/interop-goaway.sh [PUSHGATE_BINARY]     (default: .build/debug/pushgate)
#
# INTEROP_COUNT (50000), INTEROP_CONCURRENCY (200), INTEROP_CONNECTIONS (2) and
# INTEROP_GOAWAY_EVERY (500: 100 GOAWAYs; the issue's report used 5000) shape the run. Use a
# release build: at debug speed the race with GOAWAY is rarely hit. Needs Debian's golang-go
# and golang-golang-x-net-dev (scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-.build/debug/pushgate}
count=${INTEROP_COUNT:-50000}
concurrency=${INTEROP_CONCURRENCY:-200}
connections=${INTEROP_CONNECTIONS:-2}
every=${INTEROP_GOAWAY_EVERY:-500}

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Debian's x/net lives in /usr/share/gocode; no module download, no network.
GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$tmp/gocache" \
  go build -o "$tmp/goawayserver" ./Tests/Interop/goawayserver
certs-example/make-certs.sh "$tmp/certs" TESTKEY123 TESTTEAM12 com.example.pushgate >/dev/null

"$tmp/goawayserver" --cert "$tmp/certs/server.pem" --key "$tmp/certs/server-key.pem" \
  --goaway-every "$every" --port-file "$tmp/port" >"$tmp/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")

set +e
"$binary" bench apns -n "$count" -c "$concurrency" --connections "$connections" \
  --endpoint "https://127.0.0.1:$port" --ca-file "$tmp/certs/ca.pem" \
  --key-file "$tmp/certs/AuthKey_TESTKEY123.p8" --key-id TESTKEY123 --team-id TESTTEAM12 \
  --topic com.example.pushgate --title Interop --body "GOAWAY every $every" \
  >"$tmp/bench.json" 2>"$tmp/bench.err"
bench_status=$?
set -e
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=

bench=$(tail -1 "$tmp/bench.json")
server=$(tail -1 "$tmp/server.out")
echo "interop-goaway: bench  $bench"
echo "interop-goaway: server $server"
python3 - "$count" "$every" "$bench" "$server" <<'PY'
import json, sys
count, every = int(sys.argv[1]), int(sys.argv[2])
bench, server = json.loads(sys.argv[3]), json.loads(sys.argv[4])
outcomes = bench.get("error_outcomes", {})
problems = []
if bench["ok"] != count: problems.append(f"{count - bench['ok']} pushes not delivered: {outcomes}")
if outcomes.get("ambiguous", 0): problems.append(f"{outcomes['ambiguous']} ambiguous")
if server["unique"] != count: problems.append(f"the server answered {server['unique']} distinct pushes, not {count} (lost)")
if server["duplicates"]: problems.append(f"{server['duplicates']} pushes reached the server twice")
if server["goaways"] < count // every - 1: problems.append(f"only {server['goaways']} GOAWAYs")
summary = (f"{count} pushes, {server['goaways']} GOAWAYs: {bench['ok']} delivered, "
           f"{outcomes.get('ambiguous', 0)} ambiguous, {count - server['unique']} lost, {server['duplicates']} duplicates")
if problems:
    print("interop-goaway: FAILED: " + "; ".join(problems) + f" ({summary})", file=sys.stderr)
    sys.exit(1)
print("interop-goaway: passed: " + summary)
PY
[ "$bench_status" -eq 0 ] || { echo "interop-goaway: bench exited $bench_status" >&2; tail -5 "$tmp/bench.err" >&2; exit 1; }
