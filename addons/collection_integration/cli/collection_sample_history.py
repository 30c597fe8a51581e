"""``odoo-bin collection_sample_history``: the collection history on top of the synced sample.

The last step of loading the README's sample portfolio through the core-banking sync (see
``collection_integration/tools/sample_extract.py``): it checks that every extract file
``collection_sample_extract`` wrote was loaded by ``collection_sync`` (balanced, nothing
rejected), then adds the assignment of the cases, actions, promises and payments. Exit status
1, with what went wrong, when the sync did not load everything cleanly.
"""
import sys
import time

from odoo import api
from odoo.cli.command import Command
from odoo.exceptions import UserError
from odoo.tools import config


class CollectionSampleHistory(Command):
    """Check the sync of the sample portfolio's extract files, then add its collection history"""

    name = 'collection_sample_history'

    def run(self, cmdargs):
        from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
            single_database, vacuum_loaded_tables)
        from odoo.addons.collection_integration.tools.sample_extract import add_sample_history  # noqa: PLC0415
        from odoo.modules.registry import Registry  # noqa: PLC0415

        config.parser.prog = self.prog
        config.parse_config(cmdargs + ['--no-http'], setup_logging=True)
        dbname = single_database(config, self.name)
        started = time.monotonic()
        with Registry(dbname).cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            try:
                runs, stats = add_sample_history(env)
            except UserError as error:
                cr.rollback()
                sys.exit(str(error))
            checked = [f"{run.name}: {run.record_count} records in {len(run.batch_ids)} files, verdict {run.verdict}, "
                       f"{run.rejected_count} rejected" for run in runs]
        vacuum_loaded_tables(dbname)
        timings = stats.pop('timings', {})
        print("Sync runs checked:")  # noqa: T201
        for line in checked:
            print(f"  {line}")  # noqa: T201
        print(f"Collection history added to {dbname} in {time.monotonic() - started:.0f} s:")  # noqa: T201
        for key, value in stats.items():
            print(f"  {key}: {value}")  # noqa: T201
        print("  steps: " + ", ".join(f"{name} {seconds}s" for name, seconds in timings.items()))  # noqa: T201
        print("Log in as admin/admin, manager/manager, supervisor/supervisor, agent/agent, agent2/agent2.")  # noqa: T201
