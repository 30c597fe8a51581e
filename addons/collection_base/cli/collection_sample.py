"""``odoo-bin collection_sample``: load a seeded sample collection portfolio into a database.

Odoo finds this command in the addons path, so give the path first::

    python3 /opt/odoo/odoo-bin --addons-path=/opt/odoo/addons,addons collection_sample \\
        -c odoo.conf -d collection --customers 2000

The database is created and collection_base installed when needed. A database that already
holds loans is left untouched (the command says so and exits with status 1).
"""
import sys
import time

from odoo import api
from odoo.cli.command import Command
from odoo.exceptions import UserError


class CollectionSample(Command):
    """Load a seeded, reproducible sample collection portfolio (customers, loans, cases, history)"""

    name = 'collection_sample'

    def run(self, cmdargs):
        from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
            ensure_database, generate_sample_portfolio, parse_sample_command, vacuum_loaded_tables)

        dbname, params = parse_sample_command(self, cmdargs)
        registry = ensure_database(dbname)
        started = time.monotonic()
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            try:
                stats = generate_sample_portfolio(env, **params)
            except UserError as error:
                cr.rollback()
                sys.exit(str(error))
        vacuum_started = time.monotonic()
        vacuum_loaded_tables(dbname)
        stats['vacuum_seconds'] = round(time.monotonic() - vacuum_started, 1)
        timings = stats.pop('timings', {})
        print(f"Sample portfolio loaded into {dbname} in {time.monotonic() - started:.0f} s:")  # noqa: T201
        for key, value in stats.items():
            print(f"  {key}: {value}")  # noqa: T201
        print("  steps: " + ", ".join(f"{name} {seconds}s" for name, seconds in timings.items()))  # noqa: T201
        print("Log in as admin/admin, manager/manager, supervisor/supervisor, agent/agent, agent2/agent2.")  # noqa: T201
