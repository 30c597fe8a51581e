"""``odoo-bin collection_sample``: load a seeded sample collection portfolio into a database.

Odoo finds this command in the addons path, so give the path first::

    python3 /opt/odoo/odoo-bin --addons-path=/opt/odoo/addons,addons collection_sample \\
        -c odoo.conf -d collection --customers 2000

The database is created and collection_base installed when needed. A database that already
holds loans is left untouched (the command says so and exits with status 1).
"""
import optparse
import sys
import time

from odoo import api
from odoo.cli.command import Command
from odoo.exceptions import UserError
from odoo.tools import config


class CollectionSample(Command):
    """Load a seeded, reproducible sample collection portfolio (customers, loans, cases, history)"""

    name = 'collection_sample'

    def run(self, cmdargs):
        parser = config.parser
        parser.prog = self.prog
        group = optparse.OptionGroup(parser, "Sample portfolio")
        group.add_option('--customers', dest='sample_customers', type='int', my_default=2000,
                         help="Number of customers (obligors); loans are about 2.5 times as many. Default 2000.")
        group.add_option('--seed', dest='sample_seed', type='int', my_default=42,
                         help="Seed: the same seed gives the same portfolio. Default 42.")
        group.add_option('--country', dest='sample_country', my_default='LK',
                         help="Country profile (names, phones, currency, city): LK (Colombo) or US (Chicago). Default LK.")
        group.add_option('--city-center', dest='sample_center', my_default='',
                         help="Centre of the city area as 'latitude,longitude'. Default: the profile's city.")
        group.add_option('--radius', dest='sample_radius', type='float', my_default=0.0,
                         help="Radius in km of the area the addresses spread over. Default: the profile's.")
        group.add_option('--today', dest='sample_today', my_default='',
                         help="Date the portfolio is generated for (YYYY-MM-DD). Default: today.")
        group.add_option('--no-passwords', dest='sample_passwords', action='store_false', my_default=True,
                         help="Do not set the demo users' passwords (login = password).")
        parser.add_option_group(group)
        config.parse_config(cmdargs + ['--no-http'], setup_logging=True)

        defaults = {'customers': 2000, 'seed': 42, 'country': 'LK', 'center': '', 'radius': 0.0, 'today': '',
                    'passwords': True}

        def option(name):
            return config.options.get(f'sample_{name}', defaults[name])

        dbnames = config['db_name']
        if not dbnames or len(dbnames) != 1:
            sys.exit("collection_sample needs exactly one database: -d <name>")
        dbname = dbnames[0]
        center = None
        if option('center'):
            try:
                center = tuple(float(part) for part in option('center').split(','))
            except ValueError:
                center = ()
            if len(center) != 2:
                sys.exit(f"--city-center must be 'latitude,longitude', not {option('center')!r}")
        today = None
        if option('today'):
            from odoo.fields import Date  # noqa: PLC0415
            today = Date.to_date(option('today'))

        from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
            ensure_database, generate_sample_portfolio, vacuum_loaded_tables)
        registry = ensure_database(dbname)
        started = time.monotonic()
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            try:
                stats = generate_sample_portfolio(
                    env, customers=option('customers'), seed=option('seed'), country=option('country'),
                    center=center, radius_km=option('radius') or None, today=today,
                    set_passwords=option('passwords'))
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
