# Developer and CI entry points. The work is done by scripts/*.sh; settings come from the
# environment (see scripts/lib.sh): PGHOST, PGPORT (5433), ODOO_HTTP_PORT (8069), RUN_DB,
# TEST_DB, PYTHON, ...  Extra arguments: make run ARGS="-u collection_base",
# make test ARGS="-k smoke".

SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run test bench pg pg-stop

help:
	@echo "make run      serve the suite on http://localhost:$${ODOO_HTTP_PORT:-8069} (database collection)"
	@echo "make test     fresh test database with the four addons, then every test (pytest-odoo)"
	@echo "make bench    benchmarks in tests/bench"
	@echo "make pg       start (or reuse) PostgreSQL on 127.0.0.1:$${PGPORT:-5433}"
	@echo "make pg-stop  stop this checkout's private PostgreSQL cluster (.local/pg)"

run:
	@scripts/run.sh $(ARGS)

test:
	@scripts/test.sh $(ARGS)

bench:
	@scripts/bench.sh $(ARGS)

pg:
	@scripts/pg.sh

pg-stop:
	@scripts/pg.sh stop
