# Sourced by scripts/test (and by anyone who wants a throwaway server): starts a private
# PostgreSQL for the run — installed from Debian's packages when missing, initdb in a
# temporary directory, listening on 127.0.0.1 on a free port — exports
# TEHO_POSTGRES_URL, and stops it when the calling script exits, whatever happened.
# TEHO_SKIP_POSTGRES=1 skips it, loudly (CI never sets it).

teho_pg_stop() {
  if [[ -n "${TEHO_PG_PID:-}" ]]; then
    teho_pg_as "$TEHO_PG_BIN/pg_ctl" -D "$TEHO_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    wait "$TEHO_PG_PID" 2>/dev/null || true
    TEHO_PG_PID=
  fi
  [[ -n "${TEHO_PG_DIR:-}" ]] && rm -rf "$TEHO_PG_DIR"
  TEHO_PG_DIR=
}

# Runs a server program as the user `postgres` when we are root (it refuses root).
teho_pg_as() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

teho_pg_start() {
  if [[ "${TEHO_SKIP_POSTGRES:-0}" == 1 ]]; then
    echo "!!! TEHO_SKIP_POSTGRES=1: the PostgreSQL store's tests are SKIPPED !!!"
    return 0
  fi
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian package)"
    local sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get install -y -q postgresql >/dev/null || {
      $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q postgresql >/dev/null
    }
  fi
  TEHO_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  TEHO_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/teho-pg.XXXXXX")
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$TEHO_PG_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  teho_pg_as "$TEHO_PG_BIN/initdb" -D "$TEHO_PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$TEHO_PG_DIR/initdb.log" 2>&1 || {
    cat "$TEHO_PG_DIR/initdb.log"
    return 1
  }
  # A throwaway server: no fsync (nothing here tests the server's durability) — unless
  # TEHO_PG_DURABLE=1 (benches/run: PostgreSQL's own durable defaults, as SQLite's lines
  # sync too). TEHO_PG_OPTS adds server options ("-c log_statement=all", say).
  local durability=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
  [[ "${TEHO_PG_DURABLE:-0}" == 1 ]] && durability=()
  # shellcheck disable=SC2086 # TEHO_PG_OPTS is words on purpose
  teho_pg_as "$TEHO_PG_BIN/postgres" -D "$TEHO_PG_DIR/data" -p "$port" -k "$TEHO_PG_DIR" \
    -c listen_addresses=127.0.0.1 "${durability[@]}" -c max_connections=200 \
    ${TEHO_PG_OPTS:-} >"$TEHO_PG_DIR/server.log" 2>&1 &
  TEHO_PG_PID=$!
  trap teho_pg_stop EXIT
  for _ in $(seq 1 100); do
    "$TEHO_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.1
  done
  "$TEHO_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" || {
    cat "$TEHO_PG_DIR/server.log"
    return 1
  }
  export TEHO_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  export TEHO_PG_BIN TEHO_PG_DIR
  echo "private PostgreSQL $("$TEHO_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}
