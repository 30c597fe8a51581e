"""pytest entry point of the collection_field benchmarks (``make bench ARGS="-k field"``).

Figures are printed, not asserted: the machine is shared and a slow run is reported as
MISSED. Set COLLECTION_BENCH_STRICT=1 to fail on a missed target, COLLECTION_FIELD_BENCH_CUSTOMERS
to change the 400,000 customers of the nearby benchmark. Those customers are committed to the
benchmark's database (make bench starts from a fresh one) and reused by a later run on it.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

odoo = pytest.importorskip('odoo')

import bench_field  # noqa: E402


def _registry():
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415
    dbnames = config['db_name']
    if not dbnames:
        pytest.skip("no database: run under pytest-odoo (--odoo-database)")
    dbname = dbnames[0] if isinstance(dbnames, (list, tuple)) else dbnames
    return Registry(dbname), dbname


def _print(capsys, reports):
    with capsys.disabled():
        for report in reports:
            report.print()
    missed = [label for report in reports for label in report.missed]
    if missed and os.environ.get('COLLECTION_BENCH_STRICT'):
        pytest.fail(f"targets missed: {', '.join(missed)}")


def test_bench_field_pings(capsys):
    registry, dbname = _registry()
    _print(capsys, [bench_field.bench_pings(registry, dbname)])


def test_bench_field_nearby_and_route(capsys):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    registry, _dbname = _registry()
    customers = int(os.environ.get('COLLECTION_FIELD_BENCH_CUSTOMERS', 400000))
    loaded = bench_field.ensure_geocoded_customers(registry, customers)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            reports = [bench_field.bench_nearby(env, customers, loaded=loaded), bench_field.bench_route(env)]
        finally:
            cr.rollback()
    _print(capsys, reports)
