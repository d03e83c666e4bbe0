#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests drive, builds, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v tinyproxy >/dev/null || need+=(tinyproxy)  # the third-party CONNECT proxy the APNs adapter and the HTTP vendors are tested through
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)  # Schemathesis' virtualenv
# Go and Debian's x/net: the independent HTTP/2 server of the GOAWAY interop test.
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/net/http2 ] || need+=(golang-golang-x-net-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi

# Style first (swift format ships with the toolchain; .swift-format is the project's settings).
swift format lint --strict --recursive Sources Tests Package.swift
# The PostgreSQL store's suites need a server: a throwaway cluster of their own (installs Debian's
# postgresql if missing), stopped whatever happens. They fail, not skip, without it.
tmp=$(mktemp -d)
cleanup() {
  rm -rf "$tmp"
  if [ -n "${PUSHGATE_TEST_POSTGRES_DIR:-}" ]; then scripts/postgres-test-cluster.sh stop "$PUSHGATE_TEST_POSTGRES_DIR"; fi
}
trap cleanup EXIT
eval "$(scripts/postgres-test-cluster.sh start)"
export PUSHGATE_TEST_POSTGRES_URL PUSHGATE_TEST_POSTGRES_DIR
# One build of everything (the CLI tests run the pushgate executable), then the suites.
swift build --build-tests
# One test target at a time (each runs its suites in parallel): all of them at once overload two
# cores and starve the time-limited tests. The suites that load both cores for a long time
# (50,000- and 20,000-delivery backlogs, four vendors × 1,000 devices, three gateway processes on
# one PostgreSQL) run last, alone.
heavy='DispatcherFairnessTests|FourVendorsEndToEndTests|SeveralGatewaysTests'
for target in PushgateCoreTests PushgateStoreTests PushgateAPNSTests PushgateProxyTests PushgateSimulatorTests \
  'PushgateHuaweiTests|PushgateXiaomiTests|PushgateVivoTests' PushgateServerTests PushgateCLITests; do
  echo "test.sh: swift test --filter $target" >&2
  swift test --skip-build --filter "^($target)\." --skip "$heavy"
done
swift test --skip-build --filter 'DispatcherFairnessTests|FourVendorsEndToEndTests'
swift test --skip-build --filter SeveralGatewaysTests
# The server against its own OpenAPI document (Schemathesis from PyPI, all checks, fixed seed).
scripts/openapi-conformance.sh .build/debug/pushgate
# The APNs adapter against golang.org/x/net/http2's graceful GOAWAY, with exact accounting. At
# release speed: a debug build is too slow to open streams in the window GOAWAY races with
# (the build the bench scripts use, so it stays incremental).
swift build -c release --product pushgate --scratch-path .build-release
scripts/interop-goaway.sh .build-release/release/pushgate
# The test-credential script must keep working for the README's walkthrough.
certs-example/make-certs.sh "$tmp/certs" >/dev/null
test -s "$tmp/certs/AuthKey_TESTKEY123.p8"
echo "test.sh: all tests passed"
