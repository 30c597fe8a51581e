#!/usr/bin/env bash
# The test command (`make test`, `.ci/run`): installs the four addons in a fresh database,
# then runs every test of addons/*/tests and tests/ (tests/bench excluded) with pytest-odoo,
# Odoo's HTTP server included. Exits non-zero on a failed install, a failed or skipped test,
# or when no test ran. The last line printed is pytest's summary line.
set -euo pipefail
# The tests' HTTP server takes a random free port (pytest-odoo), so concurrent runs on one
# machine don't collide. ODOO_HTTP_PORT, when set, pins it (see conftest.py).
if [ -n "${ODOO_HTTP_PORT:-}" ]; then export ODOO_TEST_HTTP_PORT="$ODOO_HTTP_PORT"; fi
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

# One database per checkout, so that checkouts sharing a PostgreSQL cluster don't collide.
TEST_DB="${TEST_DB:-collection_test_$(printf %s "$REPO_ROOT" | md5sum | cut -c1-6)}"
LOG_DIR="$LOCAL_DIR/log"
RESULTS="$LOCAL_DIR/test-results"
mkdir -p "$LOG_DIR" "$RESULTS"

require_odoo
"$REPO_ROOT/scripts/deps.sh"
"$REPO_ROOT/scripts/pg.sh"

if [ -n "${TEST_REUSE_DB:-}" ] && db_exists "$TEST_DB"; then
    log "TEST_REUSE_DB set: reusing database $TEST_DB as it is"
else
    log "fresh database $TEST_DB"
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$TEST_DB"
    rm -rf "$ODOO_DATA_DIR/filestore/$TEST_DB"
    log "installing $ADDONS (log: $LOG_DIR/test-install.log)"
    mapfile -t local_args < <(odoo_local_args)
    odoo_checked "$LOG_DIR/test-install.log" "${local_args[@]}" \
        -d "$TEST_DB" -i "$ADDONS" --without-demo=True --stop-after-init --log-level=info
fi

# What to run: TEST_PATHS (space-separated) or every addon's tests/ plus the root tests/
# without tests/bench (benchmarks run with `make bench`).
paths=()
ignore=()
if [ -n "${TEST_PATHS:-}" ]; then
    read -r -a paths <<<"$TEST_PATHS"
else
    for dir in addons/*/tests tests; do
        [ -d "$dir" ] && paths+=("$dir")
    done
    ignore=(--ignore=tests/bench)
fi

pytest_args=(
    -p no:cacheprovider
    -rfEs
    --junitxml="$RESULTS/junit.xml"
    "${ignore[@]}"
    --odoo-database="$TEST_DB"
    --odoo-config="$ODOO_CONF"
    --odoo-addons-path="$(odoo_addons_path)"
    --odoo-http
    # pytest-odoo defaults to critical, which silences every odoo.* logger: errors logged
    # by addon code and tours would then escape conftest.py's error-log check.
    --odoo-log-level="${ODOO_TEST_LOG_LEVEL:-warn}"
    --odoo-extra="db_host=$PGHOST" --odoo-extra="db_port=$PGPORT"
    --odoo-extra="db_user=$DB_USER" --odoo-extra="db_password=$DB_PASSWORD"
    --odoo-extra="data-dir=$ODOO_DATA_DIR"
    --odoo-extra="http-interface=$ODOO_HTTP_INTERFACE" --odoo-extra="http-port=$ODOO_HTTP_PORT"
)
log "running pytest on ${paths[*]:-nothing} (database $TEST_DB)"
rc=0
"$PYTHON" -m pytest "${pytest_args[@]}" "${paths[@]}" "$@" 2>&1 | tee "$LOG_DIR/pytest.log" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
"$PYTHON" "$REPO_ROOT/scripts/check_junit.py" "$RESULTS/junit.xml" "$LOG_DIR/pytest.log"
