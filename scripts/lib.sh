# Shared settings and helpers for the scripts in this folder. Source it, don't run it.
# Every setting can be overridden from the environment.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="${LOCAL_DIR:-$REPO_ROOT/.local}"

PYTHON="${PYTHON:-python3}"

# PostgreSQL used by the local route. A server already answering on PGHOST:PGPORT is
# reused; otherwise scripts/pg.sh starts a private cluster in $PG_DIR.
export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5433}"
DB_USER="${DB_USER:-odoo}"
DB_PASSWORD="${DB_PASSWORD:-odoo}"
export PGUSER="$DB_USER" PGPASSWORD="$DB_PASSWORD"
PG_DIR="${PG_DIR:-$LOCAL_DIR/pg}"

ODOO_HTTP_PORT="${ODOO_HTTP_PORT:-8069}"
# 127.0.0.1 keeps the server private; ODOO_HTTP_INTERFACE=0.0.0.0 to reach it from a phone.
ODOO_HTTP_INTERFACE="${ODOO_HTTP_INTERFACE:-127.0.0.1}"
ODOO_DATA_DIR="${ODOO_DATA_DIR:-$LOCAL_DIR/data}"
ODOO_CONF="${ODOO_CONF:-$REPO_ROOT/odoo.conf}"
ADDONS="${ADDONS:-collection_base,collection_field,collection_legal,collection_integration}"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "cannot install $* automatically (no apt-get): install it yourself"
    log "installing Debian packages: $*"
    if [ -z "${_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq >&2
        _APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Stops with instructions when Odoo 19 cannot be imported by $PYTHON.
require_odoo() {
    local version
    if ! version="$("$PYTHON" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null)"; then
        die "Odoo is not importable by '$PYTHON'. Odoo 19 is a prerequisite and is not part of
this repository. Either install Odoo 19.0 from source (git clone -b 19.0 --depth 1
https://github.com/odoo/odoo, pip install -r its requirements.txt, then make it importable,
e.g. pip install -e . or a .pth file), or use the official Docker image: docker compose up
(see README.md, 'Without Odoo installed: Docker')."
    fi
    [ "$version" = 19 ] || die "Odoo $version found, this suite needs Odoo 19.0 (see README.md)."
}

# Comma-separated absolute addons path: Odoo's own addons folder (source install) + ours.
odoo_addons_path() {
    "$PYTHON" - "$REPO_ROOT/addons" <<'PY'
import os, sys
import odoo
paths = []
for pkg in odoo.__path__:
    # Source checkout: <root>/odoo is the package, <root>/addons holds web, mail, ...
    candidate = os.path.join(os.path.dirname(os.path.abspath(pkg)), 'addons')
    if os.path.isfile(os.path.join(candidate, 'web', '__manifest__.py')):
        paths.append(candidate)
paths.append(os.path.abspath(sys.argv[1]))
print(','.join(paths))
PY
}

# Options that adapt the shared odoo.conf to the local route.
odoo_local_args() {
    printf '%s\n' \
        "--config=$ODOO_CONF" \
        "--addons-path=$(odoo_addons_path)" \
        "--db_host=$PGHOST" "--db_port=$PGPORT" \
        "--db_user=$DB_USER" "--db_password=$DB_PASSWORD" \
        "--data-dir=$ODOO_DATA_DIR" \
        "--http-interface=$ODOO_HTTP_INTERFACE" "--http-port=$ODOO_HTTP_PORT"
}

db_exists() {
    [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# Runs odoo with its log in LOGFILE (streamed too when ODOO_VERBOSE=1) and fails if it
# exits non-zero or logs an ERROR or CRITICAL line. Usage: odoo_checked LOGFILE ODOO-ARGS...
odoo_checked() {
    local logfile="$1"; shift
    mkdir -p "$(dirname "$logfile")"
    local rc=0 start=$SECONDS
    if [ -n "${ODOO_VERBOSE:-}" ]; then
        "$PYTHON" -m odoo "$@" 2>&1 | tee "$logfile" >&2 || rc=$?
    else
        "$PYTHON" -m odoo "$@" >"$logfile" 2>&1 || rc=$?
    fi
    local errors
    errors="$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$logfile" || true)"
    if [ "$rc" -ne 0 ] || [ -n "$errors" ]; then
        [ -n "${ODOO_VERBOSE:-}" ] || tail -n 40 "$logfile" >&2
        [ -z "$errors" ] || printf '\n%s\n\n' "$errors" >&2
        die "odoo failed (exit status $rc$([ -z "$errors" ] || echo ', errors logged')); full log: $logfile"
    fi
    log "done in $((SECONDS - start))s"
}
