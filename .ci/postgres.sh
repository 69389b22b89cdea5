#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server on loopback for the test suite.
# Usage: source .ci/postgres.sh && pg_test_start  -> exports RECEIVABLES_TEST_POSTGRES_URL
#        pg_test_stop
PG_TEST_PORT="${PG_TEST_PORT:-54329}"
PG_TEST_DIR="${PG_TEST_DIR:-/tmp/receivables-pg-test}"

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && echo "$dir"
}

pg_test_install() {
  if [ -z "$(pg_bin_dir)" ]; then
    echo "installing PostgreSQL from Debian packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

pg_as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_test_start() {
  pg_test_install
  local bin; bin=$(pg_bin_dir)
  pg_test_stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"; mkdir -p "$PG_TEST_DIR"
  if [ "$(id -u)" = "0" ]; then chown postgres "$PG_TEST_DIR"; fi
  pg_as_owner "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_as_owner "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
    -o "-h 127.0.0.1 -p $PG_TEST_PORT -k $PG_TEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$PG_TEST_PORT" -U postgres receivables_test
  export RECEIVABLES_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_TEST_PORT/receivables_test"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_TEST_PORT" >&2
}

pg_test_stop() {
  local bin; bin=$(pg_bin_dir)
  [ -n "$bin" ] && [ -d "$PG_TEST_DIR/data" ] && pg_as_owner "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop
}
