"""pytest entry point of the core-banking sync benchmark (``make bench ARGS="-k sync"``).

A seeded extract of COLLECTION_SYNC_BENCH_LOANS loans (default 20,000; customers 40 % and
collateral 30 % of it, an incremental of 5 %) is loaded inside the test database's transaction
and rolled back. Figures are printed, not asserted: the machine is shared and a slow run is
reported as MISSED. Set COLLECTION_BENCH_STRICT=1 to fail on a missed target. The full-scale
command (a million loans, a database of its own) is in bench_sync.py.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

odoo = pytest.importorskip('odoo')

import bench_sync  # noqa: E402
import sync_extract_gen  # noqa: E402


def test_bench_sync(capsys, tmp_path):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    dbnames = config['db_name']
    if not dbnames:
        pytest.skip("no database: run under pytest-odoo (--odoo-database)")
    registry = Registry(dbnames[0] if isinstance(dbnames, (list, tuple)) else dbnames)
    loans = int(os.environ.get('COLLECTION_SYNC_BENCH_LOANS', 20000))
    changed = max(loans // 20, 1)
    files = sync_extract_gen.generate(str(tmp_path), loans, max(loans * 2 // 5, 1), loans * 3 // 10,
                                      changed=changed)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            figures, report = bench_sync.measure(env, files, loans, changed)
        finally:
            cr.rollback()
    with capsys.disabled():
        print()  # noqa: T201
        report.print()
    assert figures['rerun']['changed_rows'] == 0
    assert figures['incremental_rerun']['changed_rows'] == 0
    if report.missed and os.environ.get('COLLECTION_BENCH_STRICT'):
        pytest.fail(f"targets missed: {', '.join(report.missed)}")
