#!/usr/bin/env bash
# `make run`: serves the suite on http://localhost:$ODOO_HTTP_PORT (8069) with the database
# $RUN_DB (collection). On first run the database is created with the four addons and the
# sample portfolio. Extra arguments go to the Odoo server (e.g. -u collection_base).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

RUN_DB="${RUN_DB:-collection}"
LOG_DIR="$LOCAL_DIR/log"

require_odoo
"$REPO_ROOT/scripts/deps.sh"
"$REPO_ROOT/scripts/pg.sh"
mapfile -t local_args < <(odoo_local_args)

# The sample portfolio. The generator is not written yet; whichever of these appears first
# is used: scripts/load_sample.sh DB (with lib.sh's settings in the environment), or an
# Odoo CLI command `collection_sample` (addons/<addon>/cli/collection_sample.py) called with
# Odoo's usual options (-c, -d, --db_host, ...).
load_sample() {
    if [ -x "$REPO_ROOT/scripts/load_sample.sh" ]; then
        log "loading the sample portfolio (scripts/load_sample.sh)"
        export DB_USER DB_PASSWORD ODOO_CONF ODOO_DATA_DIR PYTHON
        "$REPO_ROOT/scripts/load_sample.sh" "$RUN_DB"
    elif compgen -G "$REPO_ROOT/addons/*/cli/collection_sample.py" >/dev/null; then
        log "loading the sample portfolio (odoo collection_sample, log: $LOG_DIR/run-sample.log)"
        odoo_checked "$LOG_DIR/run-sample.log" "--addons-path=$(odoo_addons_path)" collection_sample \
            "${local_args[@]}" -d "$RUN_DB"
    else
        log "no sample generator yet: the database has the addons but no sample data"
    fi
}

if ! db_exists "$RUN_DB"; then
    log "creating database $RUN_DB with $ADDONS (log: $LOG_DIR/run-install.log)"
    # A database this script created but could not fill is dropped, so the next run retries.
    trap 'log "setup failed, dropping database $RUN_DB"; dropdb --if-exists --force "$RUN_DB"' EXIT
    odoo_checked "$LOG_DIR/run-install.log" "${local_args[@]}" \
        -d "$RUN_DB" -i "$ADDONS" --without-demo=True --stop-after-init
    load_sample
    trap - EXIT
fi

log "serving $RUN_DB on http://localhost:$ODOO_HTTP_PORT (Ctrl-C to stop)"
exec "$PYTHON" -m odoo "${local_args[@]}" -d "$RUN_DB" --db-filter="^$RUN_DB\$" "$@"
