#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store's tests, so that the test command needs no database
# set up by hand.
#
#   eval "$(scripts/postgres-test-cluster.sh start)"   # prints export lines, including
#                                                      # PUSHGATE_TEST_POSTGRES_URL and _DIR
#   scripts/postgres-test-cluster.sh stop [DIR]        # DIR defaults to $PUSHGATE_TEST_POSTGRES_DIR
#
# `start` installs Debian's postgresql package if no server is installed, runs initdb in a new
# temporary folder (as the unprivileged user pushgate-test when run as root: PostgreSQL refuses to
# run as root), starts the server on a free loopback port with fsync on, creates the database
# pushgate_test and a password-protected superuser pushgate (SCRAM over TCP, as production uses).
# Everything the cluster has stays in that folder; `stop` stops the server and removes the folder.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

server_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_server() {
  echo "postgres-test-cluster: installing postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  # No system-wide cluster: the package would otherwise create and start one on port 5432.
  as_root apt-get install -y -qq postgresql-common >/dev/null
  as_root sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  as_root apt-get install -y -qq postgresql >/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin
  bin=$(server_bin || true)
  if [ -z "$bin" ]; then
    install_server
    bin=$(server_bin)
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/pushgate-postgres.XXXXXX")
  chmod 755 "$dir"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id pushgate-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin pushgate-test
    chown pushgate-test "$dir"
    run=(runuser -u pushgate-test --)
  fi
  local password
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/password"
  chmod 644 "$dir/password"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U pushgate --pwfile="$dir/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  rm -f "$dir/password"
  local port
  port=$(free_port)
  # fsync stays on: the store's tests assert durability semantics, not just SQL.
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
    "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=on -c max_connections=400 \
-c shared_buffers=64MB" start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  "${run[@]}" "$bin/psql" -h "$dir" -p "$port" -U pushgate -d postgres -v ON_ERROR_STOP=1 -q \
    -c 'CREATE DATABASE pushgate_test' >/dev/null
  echo "export PUSHGATE_TEST_POSTGRES_DIR='$dir'"
  echo "export PUSHGATE_TEST_POSTGRES_URL='postgres://pushgate:$password@127.0.0.1:$port/pushgate_test?sslmode=disable'"
  echo "postgres-test-cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
}

stop() {
  local dir=${1:-${PUSHGATE_TEST_POSTGRES_DIR:-}}
  [ -n "$dir" ] || { echo "postgres-test-cluster: stop needs the folder (or PUSHGATE_TEST_POSTGRES_DIR)" >&2; exit 2; }
  [ -d "$dir/data" ] || { rm -rf "$dir"; return 0; }
  local bin run=()
  bin=$(server_bin)
  [ "$(id -u)" = 0 ] && run=(runuser -u pushgate-test --)
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [DIR]" >&2; exit 2 ;;
esac
