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

# The sample portfolio, loaded the way a bank's data arrives every day: the seeded generator
# writes the source systems' extract files into the sample connectors' inbound folders
# ($ODOO_DATA_DIR/collection_inbound/$RUN_DB/<source>), the core-banking sync loads them (the
# command a scheduled run's code path uses), then the collection history goes on top; the last
# step fails when a file was refused, rejected records or did not balance. Without the
# integration's commands, the generator writes straight into the tables (collection_sample).
sample_step() {
    local what="$1" logfile="$LOG_DIR/$2.log" command="$3"
    shift 3
    log "$what (odoo $command, log: $logfile)"
    odoo_checked "$logfile" "--addons-path=$(odoo_addons_path)" "$command" "${local_args[@]}" -d "$RUN_DB" "$@"
    # what the command printed (not Odoo's log lines)
    grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ ' "$logfile" | grep -v '^Running as user' | sed 's/^/    /' >&2 || true
}

load_sample() {
    if compgen -G "$REPO_ROOT/addons/*/cli/collection_sample_extract.py" >/dev/null; then
        sample_step "writing the sample portfolio as extract files" run-sample-extract collection_sample_extract
        sample_step "loading them through the core-banking sync" run-sample-sync collection_sync
        sample_step "checking the sync and adding the collection history" run-sample-history collection_sample_history
    elif compgen -G "$REPO_ROOT/addons/*/cli/collection_sample.py" >/dev/null; then
        sample_step "loading the sample portfolio straight into the tables" run-sample collection_sample
    else
        log "no sample generator: the database has the addons but no sample data"
    fi
}

if ! db_exists "$RUN_DB"; then
    log "creating database $RUN_DB with $ADDONS (log: $LOG_DIR/run-install.log)"
    # The sample's inbound folders belong to the database: none left from an earlier one.
    SAMPLE_INBOUND="$ODOO_DATA_DIR/collection_inbound/$RUN_DB"
    rm -rf "$SAMPLE_INBOUND"
    # A database this script created but could not fill is dropped, so the next run retries.
    trap 'log "setup failed, dropping database $RUN_DB"; dropdb --if-exists --force "$RUN_DB"; rm -rf "$SAMPLE_INBOUND"' EXIT
    odoo_checked "$LOG_DIR/run-install.log" "${local_args[@]}" \
        -d "$RUN_DB" -i "$ADDONS" --without-demo=True --stop-after-init
    load_sample
    trap - EXIT
fi

log "serving $RUN_DB on http://localhost:$ODOO_HTTP_PORT (Ctrl-C to stop)"
exec "$PYTHON" -m odoo "${local_args[@]}" -d "$RUN_DB" --db-filter="^$RUN_DB\$" "$@"
