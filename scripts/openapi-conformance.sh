#!/usr/bin/env bash
# OpenAPI conformance: Schemathesis (all checks, a fixed seed) against the demo gateway, so
# openapi.yaml and the server cannot drift apart. Exits non-zero on any failure.
#
#   scripts/openapi-conformance.sh [PUSHGATE_BINARY]     (default: .build/debug/pushgate)
#
# OPENAPI_MAX_EXAMPLES (cases per operation and phase) and OPENAPI_SEED tune the run; it must
# generate at least OPENAPI_MIN_CASES (1000) test cases or it fails. The deprecated DELETE
# spelling of cancel is left out (Schemathesis would read "GET after DELETE answers 200" as a
# use after free; the Swift tests cover it).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-.build/debug/pushgate}
max_examples=${OPENAPI_MAX_EXAMPLES:-150}
seed=${OPENAPI_SEED:-16016}
min_cases=${OPENAPI_MIN_CASES:-1000}
schemathesis_version=4.32.5

# Schemathesis lives in its own virtualenv, installed from PyPI on first use and reused.
venv=${PUSHGATE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pushgate}/schemathesis-$schemathesis_version
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "openapi-conformance: installing schemathesis $schemathesis_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

tmp=$(mktemp -d)
gateway_pid=
cleanup() {
  if [ -n "$gateway_pid" ]; then
    kill "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PUSHGATE_LOG_LEVEL=${PUSHGATE_LOG_LEVEL:-warning} "$binary" serve --demo --listen "127.0.0.1:$port" \
  --data-dir "$tmp/data" >"$tmp/gateway.log" 2>&1 &
gateway_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$tmp/gateway.log" >&2; echo "openapi-conformance: the gateway exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null || { cat "$tmp/gateway.log" >&2; echo "openapi-conformance: the gateway never got ready" >&2; exit 1; }
key=$(cat "$tmp/data/demo-api-key")

# The hooks excuse a 422 to schema-valid data only where the document says the schema cannot
# tell (a reused Idempotency-Key, an expiration outside its window), and check that claim.
set +e
# Run from the temporary folder: Schemathesis and Hypothesis keep their state in the working
# directory, which must stay out of the repository.
hooks="$PWD/Tests/OpenAPIConformance/hooks.py"
(cd "$tmp" && SCHEMATHESIS_HOOKS="$hooks" "$venv/bin/schemathesis" run "$base/openapi.yaml" \
  --url "$base" \
  --checks all \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --exclude-deprecated \
  --generation-database none \
  --workers 1 \
  --header "Authorization: Bearer $key" \
  --no-color >"$tmp/schemathesis.out" 2>&1)
status=$?
set -e
cat "$tmp/schemathesis.out"
# Its summary counts the cases; fewer than the minimum means the run proved little.
cases=$("$venv/bin/python" - "$tmp/schemathesis.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
match = re.search(r"Test cases:\s*\n?\s*(\d+) generated", text) or re.search(r"(\d+) generated", text)
print(match.group(1) if match else 0)
PY
)
echo "openapi-conformance: $cases test cases generated (seed $seed), schemathesis exit $status"
if [ "$status" -ne 0 ]; then
  echo "openapi-conformance: FAILED (gateway log: last lines below)" >&2
  tail -20 "$tmp/gateway.log" >&2
  exit 1
fi
if [ "$cases" -lt "$min_cases" ]; then
  echo "openapi-conformance: only $cases cases, fewer than $min_cases" >&2
  exit 1
fi
echo "openapi-conformance: passed"
