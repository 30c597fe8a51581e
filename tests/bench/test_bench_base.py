"""pytest entry point of bench_base (``make bench``, or ``pytest tests/bench`` under pytest-odoo).

Without COLLECTION_BENCH_DB, a portfolio of COLLECTION_BENCH_CUSTOMERS customers (default
2000) is generated inside the test database's transaction and rolled back; with it, the
benchmarks run on that database (its portfolio is generated and kept the first time). The
figures are printed, not asserted: the machine is shared and a slow run is reported as
MISSED, not failed. Set COLLECTION_BENCH_STRICT=1 to fail on a missed target.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_base  # noqa: E402

odoo = pytest.importorskip('odoo')


def _run(env, capsys):
    reports = bench_base.run_all(env, explain=bool(os.environ.get('COLLECTION_BENCH_EXPLAIN')))
    with capsys.disabled():
        print()  # noqa: T201
        for report in reports:
            report.print()
    missed = [label for report in reports for label in report.missed]
    if missed and os.environ.get('COLLECTION_BENCH_STRICT'):
        pytest.fail(f"targets missed: {', '.join(missed)}")


def test_bench_base(capsys):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    bench_db = os.environ.get('COLLECTION_BENCH_DB')
    customers = int(os.environ.get('COLLECTION_BENCH_CUSTOMERS', 2000))
    if bench_db:
        from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
            ensure_database, vacuum_loaded_tables)
        registry = ensure_database(bench_db)
        with registry.cursor() as cr:
            if bench_base.ensure_portfolio(api.Environment(cr, SUPERUSER_ID, {}), customers):
                cr.commit()
        vacuum_loaded_tables(bench_db)
    else:
        dbnames = config['db_name']
        if not dbnames:
            pytest.skip("no database: run under pytest-odoo (--odoo-database) or set COLLECTION_BENCH_DB")
        registry = Registry(dbnames[0])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            if not bench_db:
                bench_base.ensure_portfolio(env, customers)
            _run(env, capsys)
        finally:
            cr.rollback()
