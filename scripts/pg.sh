#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on $PGHOST:$PGPORT with a login role for Odoo.
#
# - A server already answering there is reused (it may be another checkout's cluster).
# - Otherwise a private cluster is created/started in $PG_DIR (.local/pg), owned by the
#   `postgres` OS user when run as root, listening on 127.0.0.1 and on a unix socket in
#   $PG_DIR/run. It keeps running after this script exits; `scripts/pg.sh stop` stops it.
# - PostgreSQL binaries are installed from Debian packages when missing.
# Idempotent: running it twice reuses the running cluster.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

find_pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    return 1
}

PG_BINDIR="$(find_pg_bindir || true)"
if [ -z "$PG_BINDIR" ] || ! command -v psql >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
    PG_BINDIR="$(find_pg_bindir)" || die "PostgreSQL binaries not found after installing them"
fi
export PATH="$PG_BINDIR:$PATH"

DATA="$PG_DIR/data"
SOCK="$PG_DIR/run"
PGLOG="$PG_DIR/postgresql.log"

# Run a command as the cluster's OS user: `postgres` when we are root, ourselves otherwise.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
SUPERUSER=postgres

reachable() { pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 2; }
our_cluster_running() { [ -f "$DATA/postmaster.pid" ] && as_pg pg_ctl -D "$DATA" status >/dev/null 2>&1; }

if [ "${1:-}" = stop ]; then
    if our_cluster_running; then as_pg pg_ctl -D "$DATA" -m fast -w stop >&2; else log "private cluster not running"; fi
    exit 0
fi

ensure_role() {
    # Over our own unix socket, as the cluster's superuser (local connections are trusted
    # there; the socket folder is only reachable by the cluster's owner and root).
    as_pg psql -X -q -h "$SOCK" -p "$PGPORT" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB SUPERUSER PASSWORD %L', '$DB_USER', '$DB_PASSWORD')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SQL
}

start_private_cluster() {
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR"
        # The postgres user must be able to reach the folder (e.g. a checkout under /root).
        if ! runuser -u postgres -- test -w "$PG_DIR"; then
            die "user postgres cannot write to $PG_DIR (a parent folder is not searchable by it).
Set PG_DIR to a folder it can reach, e.g. PG_DIR=/var/tmp/collection-pg make test"
        fi
    fi
    chmod 700 "$PG_DIR"
    if [ ! -f "$DATA/PG_VERSION" ]; then
        log "initialising a private PostgreSQL cluster in $DATA"
        as_pg initdb -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    as_pg mkdir -p "$SOCK"
    log "starting the private PostgreSQL cluster on 127.0.0.1:$PGPORT (log: $PGLOG)"
    # The server must not inherit our open files (the lock below, the caller's pipes):
    # close every descriptor above 2 in the subshell that starts it.
    (
        for fd in $(ls /proc/$BASHPID/fd 2>/dev/null); do
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
        done
        exec </dev/null
        as_pg pg_ctl -D "$DATA" -l "$PGLOG" -w -t 60 start \
        -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SOCK -c fsync=off -c full_page_writes=off -c synchronous_commit=off" >&2
    ) || { tail -n 20 "$PGLOG" >&2 || true; die "could not start PostgreSQL (port $PGPORT taken?)"; }
}

# Serialise concurrent callers of this checkout (e.g. make run and make test).
mkdir -p "$LOCAL_DIR"
(
    flock 9
    if reachable; then
        if our_cluster_running; then ensure_role; fi
    else
        case "$PGHOST" in
            127.0.0.1|localhost) start_private_cluster; ensure_role ;;
            *) die "no PostgreSQL server answers on $PGHOST:$PGPORT" ;;
        esac
    fi
) 9>"$LOCAL_DIR/pg.lock"

if ! psql -X -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    die "PostgreSQL answers on $PGHOST:$PGPORT but role '$DB_USER' (password from DB_PASSWORD) cannot log in.
Another cluster is using this port: create the role there, or pick another port, e.g. PGPORT=5434 make test"
fi
log "PostgreSQL ready on $PGHOST:$PGPORT (role $DB_USER)"
