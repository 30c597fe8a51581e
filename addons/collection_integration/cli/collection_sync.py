"""``odoo-bin collection_sync``: run the core-banking sync of collection connectors.

Odoo finds this command in the addons path (``<addon>/cli/<command>.py``); it is loaded outside
the addon's package, so it imports what it needs by absolute name.
"""
import logging
import optparse
import sys

from odoo import SUPERUSER_ID, api
from odoo.cli.command import Command
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger(__name__)

EXIT_DONE, EXIT_FAILED, EXIT_BUSY, EXIT_USAGE = 0, 1, 2, 3


class CollectionSync(Command):
    """Run the core-banking sync of collection connectors (T24, Way4, LOS), like their
    scheduled action does: each file or enquiry is committed once loaded.

    Exit status: 0 done (rejected rows are listed in the run log), 1 failed, 2 another sync
    is running, 3 nothing to run (unknown connector, bad arguments).
    """

    name = 'collection_sync'

    def run(self, args):
        parser = config.parser
        parser.prog = self.prog
        group = optparse.OptionGroup(parser, "Collection sync", "Sync the connectors of the database given by -d.")
        group.add_option('--connector', dest='connectors', action='append', default=[], metavar='CODE',
                         help="source code of a connector (T24, W4, ...); repeat for several; default: all active")
        group.add_option('--full', dest='full', action='store_true', default=False,
                         help="SOAP: ask for everything and close the loans the source no longer lists")
        group.add_option('--file', dest='files', action='append', default=[], metavar='PATH',
                         help="load this extract file instead of the inbound folder (one connector only)")
        group.add_option('--list', dest='list_only', action='store_true', default=False,
                         help="list the connectors and their last run, run nothing")
        parser.add_option_group(group)
        options = config.parse_config(args, setup_logging=True)
        dbnames = config['db_name']
        if not dbnames or len(dbnames) > 1:
            sys.exit("collection_sync needs one database: use -d DATABASE")
        registry = Registry(dbnames[0])
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            status = self.sync(env, options.connectors, full=options.full, files=options.files,
                               list_only=options.list_only)
        sys.exit(status)

    @staticmethod
    def sync(env, codes=(), full=False, files=(), list_only=False, commit=True, out=None):
        """Run the connectors of ``codes`` (all active ones when empty); return the exit status.

        With ``commit`` each batch is committed as soon as it is loaded (the cursor is the
        command's own); without it (tests) each batch stays a savepoint of the caller's
        transaction.
        """
        out = out or sys.stdout
        Connector = env['collection.connector'].with_context(active_test=False)
        domain = [('code', 'in', [code.strip().upper() for code in codes])] if codes else [('active', '=', True)]
        connectors = Connector.search(domain)
        if list_only:
            for connector in connectors:
                last = connector.last_run_id
                out.write(f"{connector.code:<10} {connector.company_id.name:<30} {connector.transport:<6} "
                          f"{'active' if connector.active else 'archived':<9} "
                          f"last run: {last.name + ' ' + last.state if last else '-'}\n")
            return EXIT_DONE
        missing = sorted({code.strip().upper() for code in codes} - set(connectors.mapped('code')))
        if missing or not connectors:
            out.write(f"No connector {', '.join(missing) or 'is active'} in this database.\n")
            return EXIT_USAGE
        if files and len(connectors) != 1:
            out.write("--file needs exactly one --connector.\n")
            return EXIT_USAGE
        checkpoint = Connector._commit_checkpoint if commit else None
        status = EXIT_DONE
        for connector in connectors:
            try:
                run = connector._run_sync(trigger='cli', full=full or None, paths=list(files) or None,
                                          checkpoint=checkpoint)
            except UserError as error:
                out.write(f"{connector.code}: {error}\n")
                status = max(status, EXIT_BUSY)
                continue
            out.write(f"{connector.code}: {run.name} {run.state} - {run._summary()}\n")
            for batch in run.batch_ids:
                out.write(f"  {batch.name}: {batch.state}, {batch.record_count} records, "
                          f"{batch.rejected_count} rejected, verdict {batch.verdict or '-'}"
                          f"{' - ' + batch.message if batch.message else ''}\n")
            if run.state == 'failed':
                status = max(status, EXIT_FAILED)
        return status
