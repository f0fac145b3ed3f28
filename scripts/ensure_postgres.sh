#!/bin/sh
# A throwaway PostgreSQL server for the class store's tests: Debian's `postgresql` package (installed once,
# only when missing), a cluster of its own in a temporary folder, listening on loopback only, on a port of
# its own. Prints the database URL on stdout and everything else on stderr, so a Makefile can capture it:
#   SAFECRACKER_TEST_POSTGRES_URL=$(sh scripts/ensure_postgres.sh)
# With --install-only it installs the binaries (for clusters of one's own, scripts/pg_cluster.py) and stops.
set -e
PORT="${SAFECRACKER_PG_PORT:-55432}"
DATA="${SAFECRACKER_PG_DIR:-${TMPDIR:-/tmp}/safecracker-postgres-$PORT}"
DB=safecracker_test

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(bin_dir)" ] || [ ! -x "$(bin_dir)/initdb" ]; then
    echo "Installing Debian's postgresql for the class store's tests..." >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(bin_dir)"
[ "${1:-}" = "--install-only" ] && exit 0

# The server refuses to run as root: as root it runs as the package's `postgres` user.
if [ "$(id -u)" = 0 ]; then
    as_owner() { runuser -u postgres -- "$@"; }
else
    as_owner() { "$@"; }
fi

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    if [ ! -s "$DATA/PG_VERSION" ]; then
        rm -rf "$DATA"
        mkdir -p "$DATA"
        [ "$(id -u)" = 0 ] && chown postgres "$DATA"
        as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-instructions >&2
    fi
    rm -f "$DATA/postmaster.pid"  # left by a server that was killed, not stopped
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA -c max_connections=200 -c fsync=off" start >&2
fi
if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" \
        postgres | grep -q 1; then
    "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
