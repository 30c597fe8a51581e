import io
import subprocess

import odoo
from odoo.tests import tagged

from odoo.addons.collection_integration.cli.collection_sync import CollectionSync
from odoo.addons.collection_integration.models.collection_sync_run import LOCK_CLASS, LOCK_OBJECTS

from .common import CollectionSyncCommon, odoo_bin_command


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
        command = odoo_bin_command('collection_sync', '-d', self.env.cr.dbname, '--connector', 'NOPE', '--log-level=warn')
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        self.assertEqual(result.returncode, 3, result.stderr[-2000:])
        self.assertIn("No connector NOPE in this database.", result.stdout)
