#!/usr/bin/env bash
# Starts a PostgreSQL server of the project's own for the tests, on
# loopback only (127.0.0.1, port 55432 unless TRYGGHETSLOGG_PG_PORT says
# otherwise), with its data in TRYGGHETSLOGG_PG_DIR (default
# /tmp/trygghetslogg-pg). Idempotent: a server already answering is left
# alone, a stopped one is started, a missing one is made (initdb).
# Prints the address the tests take (TRYGGHETSLOGG_TEST_POSTGRES).
#
# `stop` stops it; `restart` stops it fast (as a crash would) and starts it
# again (the failover test does that); `clean` drops the tests' databases
# (t_*), which each test store makes.
set -euo pipefail

port="${TRYGGHETSLOGG_PG_PORT:-55432}"
dir="${TRYGGHETSLOGG_PG_DIR:-/tmp/trygghetslogg-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL is not installed (scripts/install-system-deps.sh installs it)" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: as root, run it as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url="postgres://trygghetslogg@127.0.0.1:${port}/postgres"

case "${1:-start}" in
  clean)
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      for db in $("$bin/psql" -At "$url" -c "SELECT datname FROM pg_database WHERE datname LIKE 't\_%'"); do
        "$bin/psql" -q "$url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
      done
    fi
    exit 0
    ;;
  stop)
    [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    exit 0
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    ;;
esac

# TLS for the tests that connect with sslmode=verify-full: an authority of
# the server's own (ca.crt, which the tests trust) and a certificate for
# 127.0.0.1 and localhost signed by it. Made once per data directory; a
# running server takes it on a reload.
tls() {
  [ -f "$dir/server.crt" ] && return 0
  local tmp
  tmp="$(mktemp -d)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=trygghetslogg tests CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tmp/san"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 3650 -extfile "$tmp/san" -out "$tmp/server.crt" 2>/dev/null
  install -m 600 "$tmp/server.key" "$dir/server.key"
  install -m 644 "$tmp/server.crt" "$dir/server.crt"
  install -m 644 "$tmp/ca.crt" "$dir/ca.crt"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/server.key" "$dir/server.crt" "$dir/ca.crt"
  rm -rf "$tmp"
  printf "ssl = on\n" >>"$dir/postgresql.conf"
}

if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  if [ ! -f "$dir/server.crt" ]; then
    tls
    as_owner "$bin/pg_ctl" -D "$dir" reload >/dev/null
  fi
  echo "$url"
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  # trust on loopback: a throwaway server for tests, reachable only from
  # this machine; production settings are docs/operations.md's.
  as_owner "$bin/initdb" -D "$dir" -U trygghetslogg -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$dir/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
EOF
fi
tls

as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null
echo "$url"
