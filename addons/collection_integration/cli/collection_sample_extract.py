"""``odoo-bin collection_sample_extract``: write the sample portfolio as extract files.

The first step of loading the README's sample portfolio through the core-banking sync (see
``collection_integration/tools/sample_extract.py``); then ``collection_sync`` loads the files and
``collection_sample_history`` adds the collection history. Odoo finds this command in the addons
path (``<addon>/cli/<command>.py``); it is loaded outside the addon's package, so it imports
what it needs by absolute name::

    python3 /opt/odoo/odoo-bin --addons-path=/opt/odoo/addons,addons collection_sample_extract \\
        -c odoo.conf -d collection --customers 2000

The database is created and the integration installed when needed. A database that already
holds loans is left untouched (exit status 1).
"""
import optparse
import os
import sys
import time

from odoo import api
from odoo.cli.command import Command
from odoo.exceptions import UserError
from odoo.tools import config


class CollectionSampleExtract(Command):
    """Write the seeded sample portfolio as core-banking extract files into the sample connectors' inbound folders"""

    name = 'collection_sample_extract'

    def run(self, cmdargs):
        from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
            ensure_database, parse_sample_command)
        from odoo.addons.collection_integration.tools.sample_extract import (  # noqa: PLC0415
            default_inbound_root, write_sample_extracts)

        def add_options(parser):
            group = optparse.OptionGroup(parser, "Extract files")
            group.add_option('--inbound', dest='sample_inbound', my_default='',
                             help="Folder of the connectors' inbound folders (one per source system). "
                                  "Default: <data dir>/collection_inbound/<database>.")
            group.add_option('--format', dest='sample_format', type='choice', choices=['csv', 'json', 'xml'],
                             my_default='csv', help="csv (default), json (JSON Lines) or xml.")
            parser.add_option_group(group)

        dbname, params = parse_sample_command(self, cmdargs, add_options)
        registry = ensure_database(dbname, modules=('collection_integration',))
        started = time.monotonic()
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            root = config.options.get('sample_inbound') or default_inbound_root(env)
            try:
                files = write_sample_extracts(env, root=root, fmt=config.options.get('sample_format') or 'csv',
                                              **params)
            except UserError as error:
                cr.rollback()
                sys.exit(str(error))
        print(f"Sample portfolio written as {len(files)} extract files into {root} in "  # noqa: T201
              f"{time.monotonic() - started:.0f} s:")
        for written in files:
            totals = ", ".join(f"{'total' if key == '*' else key} {amount}" for key, amount in sorted(written['totals'].items()))
            print(f"  {os.path.relpath(written['path'], root)}: {written['records']} records"  # noqa: T201
                  f"{', ' + totals if totals else ''}")
