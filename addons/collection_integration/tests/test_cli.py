import io
import os
import subprocess
import sys

import odoo
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.collection_integration.cli.collection_sync import CollectionSync
from odoo.addons.collection_integration.models.collection_sync_run import LOCK_CLASS, LOCK_OBJECTS

from .common import CollectionSyncCommon


@tagged('post_install', '-at_install')
class TestSyncCommand(CollectionSyncCommon):

    def test_command_runs_a_connector(self):
        out = io.StringIO()
        paths = self.extract_all()
        status = CollectionSync.sync(self.env, ['t24'], files=paths, commit=False, out=out)
        self.assertEqual(status, 0, out.getvalue())
        self.assertIn("T24: T24 ", out.getvalue())
        self.assertIn("done - Done in", out.getvalue())
        self.assertIn("002_ARRANGEMENT.csv: done, 3 records, 0 rejected, verdict balanced", out.getvalue())
        run = self.connector.last_run_id
        self.assertEqual((run.trigger, run.state), ('cli', 'done'))
        self.assertTrue(self.loan('AA1'))
        # a file the totals of which do not match: the command says it failed
        out = io.StringIO()
        path = self.extract('ARRANGEMENT', self.loans(), count=9)
        self.assertEqual(CollectionSync.sync(self.env, ['T24'], files=[path], commit=False, out=out), 1)
        self.assertIn("announces 9 records", out.getvalue())

    def test_command_list_and_errors(self):
        out = io.StringIO()
        self.assertEqual(CollectionSync.sync(self.env, list_only=True, commit=False, out=out), 0)
        self.assertIn("T24", out.getvalue())
        out = io.StringIO()
        self.assertEqual(CollectionSync.sync(self.env, ['NOPE'], commit=False, out=out), 3)
        self.assertIn("No connector NOPE", out.getvalue())
        # busy: another process holds the lock
        with odoo.sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            out = io.StringIO()
            self.assertEqual(CollectionSync.sync(self.env, ['T24'], files=[], commit=False, out=out), 2)
            self.assertIn("another synchronisation is running", out.getvalue())
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))

    def test_odoo_bin_finds_the_command(self):
        """``odoo-bin collection_sync`` is discovered in the addons path and talks to the database."""
        odoo_bin = next(path for path in (os.path.join(os.path.dirname(p), 'odoo-bin') for p in odoo.__path__)
                        if os.path.exists(path))
        addons_path = config['addons_path']
        if isinstance(addons_path, (list, tuple)):
            addons_path = ','.join(addons_path)
        command = [sys.executable, odoo_bin, f'--addons-path={addons_path}', 'collection_sync',
                   '-d', self.env.cr.dbname, '--connector', 'NOPE', '--log-level=warn']
        for option in ('db_host', 'db_port', 'db_user', 'db_password'):
            if config[option]:
                command.append(f'--{option}={config[option]}')
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        self.assertEqual(result.returncode, 3, result.stderr[-2000:])
        self.assertIn("No connector NOPE in this database.", result.stdout)
