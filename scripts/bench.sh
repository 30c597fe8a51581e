#!/usr/bin/env bash
# `make bench`: runs the benchmarks in tests/bench like `make test` runs the tests
# (fresh database with the four addons, pytest-odoo). Nothing to do while there are none.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if ! compgen -G "$REPO_ROOT/tests/bench/test_*.py" >/dev/null; then
    log "no benchmarks yet (tests/bench/test_*.py): nothing to run"
    exit 0
fi
TEST_PATHS=tests/bench exec "$REPO_ROOT/scripts/test.sh" "$@"
