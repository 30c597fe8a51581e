import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from decimal import Decimal

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.collection_integration.tools.extract_writer import write_extract

from .common import odoo_bin_command

# generous: two cores shared by several test runs and servers
START_TIMEOUT = 600  # until the command is where it is killed (Odoo's start included)
GONE_TIMEOUT = 300  # until PostgreSQL has ended the killed process's session
RUN_TIMEOUT = 900  # the run after the kill
POLL = 0.05


@tagged('post_install', '-at_install')
class TestSyncKilled(TransactionCase):
    """``odoo-bin collection_sync`` killed (SIGKILL) while it writes a file: the database keeps
    the batches committed before it and nothing of that file; the next run loads the file
    completely and is not blocked by the dead run's lock or its *running* record.

    The command loads a customers file, then a loans file of as many loans. It is killed once it
    has written every loan and case of the second file, in that file's transaction, and waits to
    write their events: another session holds the outbox table in SHARE mode from the moment the
    first file is committed, so the kill comes at that point, however fast or slow the machine.

    A process of its own sees committed data only, so this test works on committed data (a
    connector, a product, what the command loads) under names of its own, and deletes it all
    again at the end (and at the start, after a test run that could not clean up). The test's
    own transaction touches none of it.
    """

    CODE = 'KILLTEST'
    PRODUCT = 'KILLTEST-PL'
    CIF = 'KILLTEST-C%07d'
    ACCOUNT = 'KILLTEST-L%07d'
    RECORDS = 60000  # customers, and as many loans: the loans file takes seconds to load

    def setUp(self):
        super().setUp()
        self.cleanup()
        self.addCleanup(self.cleanup)
        self.inbound = tempfile.mkdtemp(prefix='collection_sync_killed_')
        self.addCleanup(shutil.rmtree, self.inbound, True)
        self.logs = tempfile.mkdtemp(prefix='collection_sync_killed_log_')
        self.addCleanup(shutil.rmtree, self.logs, True)
        with self.committed() as env:
            env['collection.product'].create({'name': "Kill test loan", 'code': self.PRODUCT,
                                              'product_type': 'personal', 'company_id': False})
            connector = env['collection.connector'].create({
                'name': "Kill test", 'code': self.CODE, 'system': 't24', 'transport': 'files',
                'inbound_path': self.inbound})
            connector.cron_id.active = False  # no cron worker of a server on this database runs it
            self.connector_id = connector.id
            currency = connector.company_id.currency_id.name
        write_extract(os.path.join(self.inbound, 'KILLTEST_1_CUSTOMER.csv'), 'csv', self.CODE, 'CUSTOMER',
                      ['CUSTOMER_ID', 'NAME', 'CUSTOMER_TYPE'],
                      ([self.CIF % n, f"Kill Test {n}", 'PERSON'] for n in range(self.RECORDS)))
        write_extract(os.path.join(self.inbound, 'KILLTEST_2_ARRANGEMENT.csv'), 'csv', self.CODE, 'ARRANGEMENT',
                      ['ARRANGEMENT_ID', 'CUSTOMER_ID', 'PRODUCT', 'CURRENCY', 'OUTSTANDING', 'STATUS'],
                      ([self.ACCOUNT % n, self.CIF % n, self.PRODUCT, currency, f"{n % 1000}.50", 'CURRENT']
                       for n in range(self.RECORDS)), control=('OUTSTANDING', 'CURRENCY'))

    # ------------------------------------------------------------------
    # committed data
    # ------------------------------------------------------------------

    def committed(self):
        """A cursor of its own, committed when the block ends: (a context manager of) an
        environment on it."""
        test = self

        class Committed:
            def __enter__(self):
                self.cr = test.registry.cursor()
                return api.Environment(self.cr, SUPERUSER_ID, {})

            def __exit__(self, exc_type, exc, tb):
                try:
                    if exc_type is None:
                        self.cr.commit()
                finally:
                    self.cr.close()

        return Committed()

    def query(self, sql, params=()):
        with self.committed() as env:
            env.cr.execute(sql, params)
            return env.cr.fetchall()

    def cleanup(self):
        """Delete what this test commits: what the command loaded, the runs, the connector (its
        scheduled action and mapping with it), the product."""
        with self.committed() as env:
            cr = env.cr
            connectors = env['collection.connector'].with_context(active_test=False).search([('code', '=', self.CODE)])
            runs = env['collection.sync.run'].search([('connector_id', 'in', connectors.ids)])
            cr.execute("DELETE FROM collection_event WHERE run_id = ANY(%s)", [runs.ids])
            cr.execute("DELETE FROM collection_loan WHERE source_system = %s", [self.CODE])
            partners = "SELECT id FROM res_partner WHERE cif LIKE 'KILLTEST-C%%'"
            cr.execute(f"DELETE FROM collection_case WHERE partner_id IN ({partners})")
            cr.execute(f"DELETE FROM res_partner WHERE id IN ({partners})")
            runs.unlink()
            connectors.unlink()
            env['collection.product'].with_context(active_test=False).search([('code', '=', self.PRODUCT)]).unlink()
            env.invalidate_all()
            # the planner's row counts as they are again (a load's ANALYZE outlives its rollback),
            # for the tests that come next
            cr.execute("ANALYZE res_partner, collection_contact_point, collection_case, collection_loan, "
                       "collection_event")

    def counts(self):
        """(customers, loans, cases) of this test's data, as committed."""
        return self.query("""
            SELECT (SELECT COUNT(*) FROM res_partner WHERE cif LIKE 'KILLTEST-C%%'),
                   (SELECT COUNT(*) FROM collection_loan WHERE source_system = %s),
                   (SELECT COUNT(*) FROM collection_case c JOIN res_partner p ON p.id = c.partner_id
                     WHERE p.cif LIKE 'KILLTEST-C%%')
        """, [self.CODE])[0]

    def runs(self):
        """[(run id, state, [(file, state, records)])] of the connector, oldest first."""
        rows = self.query("""
            SELECT r.id, r.state, b.name, b.state, b.record_count
              FROM collection_sync_run r LEFT JOIN collection_sync_batch b ON b.run_id = r.id
             WHERE r.connector_id = %s ORDER BY r.id, b.sequence
        """, [self.connector_id])
        runs = {}
        for run_id, state, name, batch_state, records in rows:
            runs.setdefault((run_id, state), [])
            if name:
                runs[run_id, state].append((name, batch_state, records))
        return [(run_id, state, batches) for (run_id, state), batches in runs.items()]

    def schema(self, tables):
        """The indexes and constraints of ``tables`` (the bulk-load mode drops and rebuilds some)."""
        return self.query("""
            SELECT tablename, indexname, indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename = ANY(%s)
             UNION ALL
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid::regclass::text = ANY(%s)
             ORDER BY 1, 2, 3
        """, [list(tables), list(tables)])

    def sequence(self, table):
        return self.query(f"SELECT last_value FROM {table}_id_seq")[0][0]  # noqa: S608 - a table name of ours

    # ------------------------------------------------------------------
    # the command
    # ------------------------------------------------------------------

    def start_command(self, name):
        """``odoo-bin collection_sync --connector KILLTEST`` in a process of its own; its
        PostgreSQL sessions are named after its pid (application_name)."""
        out = open(os.path.join(self.logs, f'{name}.log'), 'w+')  # noqa: SIM115 - closed by the cleanup
        self.addCleanup(out.close)
        command = odoo_bin_command('collection_sync', '-d', self.env.cr.dbname, '--connector', self.CODE,
                                   '--log-level=info', '--db_app_name=collection_sync_test_{pid}')
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self.stop, process)
        return process, out

    @staticmethod
    def stop(process):
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)

    @staticmethod
    def output(out):
        out.flush()
        out.seek(0)
        return out.read()[-4000:]

    def sessions(self, process):
        """The PostgreSQL sessions of ``process`` that are still there: [(pid, state, query)]."""
        return self.query("SELECT pid, state, left(query, 200) FROM pg_stat_activity WHERE application_name = %s",
                          [f'collection_sync_test_{process.pid}'])

    def wait_for(self, condition, timeout, what, process=None, out=None):
        deadline = time.monotonic() + timeout
        while not condition():
            if process is not None and process.poll() is not None:
                self.fail(f"The command ended (status {process.returncode}) before {what}:\n{self.output(out)}")
            if time.monotonic() > deadline:
                self.fail(f"Still not {what} after {timeout} s" + (f":\n{self.output(out)}" if out else ""))
            time.sleep(POLL)

    # ------------------------------------------------------------------
    # the test
    # ------------------------------------------------------------------

    def test_killed_in_the_middle_of_a_file(self):
        tables = ('res_partner', 'collection_case', 'collection_loan')
        schema = self.schema(tables)
        loan_ids = self.sequence('collection_loan')
        # a session that will hold the outbox in SHARE mode: the loans file's events, written
        # once all its loans and cases are, wait for it, and the process is killed there
        locker = self.registry.cursor()
        self.addCleanup(locker.close)

        process, out = self.start_command('killed')
        self.wait_for(lambda: self.query("""
            SELECT 1 FROM collection_sync_batch b JOIN collection_sync_run r ON r.id = b.run_id
             WHERE r.connector_id = %s AND b.record_type = 'CUSTOMER' AND b.state = 'done'
        """, [self.connector_id]), START_TIMEOUT, "done with the customers file", process, out)
        locker.execute("SET LOCAL lock_timeout = '120s'")
        locker.execute("LOCK TABLE collection_event IN SHARE MODE")
        locker.execute("SELECT pg_backend_pid()")
        locker_pid = locker.fetchone()[0]
        self.wait_for(lambda: self.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND %s = ANY(pg_blocking_pids(pid))",
            [f'collection_sync_test_{process.pid}', locker_pid]), START_TIMEOUT,
            "writing the events of the loans file", process, out)
        sessions = self.sessions(process)
        # it was writing the events, after the loans (their ids drawn: sequences are not
        # transactional) and their cases, in the transaction of the loans file
        self.assertIn('collection_event', ' '.join(query for _pid, _state, query in sessions))
        self.assertGreaterEqual(self.sequence('collection_loan'), loan_ids + self.RECORDS)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        self.assertEqual(process.returncode, -signal.SIGKILL)
        locker.rollback()
        # PostgreSQL ends the session once it finds the client gone (at the end of the statement
        # in progress): the transaction of the loans file rolls back and the lock goes with it
        self.wait_for(lambda: not self.sessions(process), GONE_TIMEOUT, "the killed process's session ended")

        # the customers file's batch, committed before: all of it; the loans file: nothing
        self.assertEqual(self.counts(), (self.RECORDS, 0, 0), f"killed while running {sessions}")
        [(dead_run, state, batches)] = self.runs()
        self.assertEqual(state, 'running', "the run is not done: it stays running until the next run looks")
        self.assertEqual(batches, [('KILLTEST_1_CUSTOMER.csv', 'done', self.RECORDS)])
        watermarks = self.query("SELECT watermarks FROM collection_connector WHERE id = %s", [self.connector_id])[0][0]
        self.assertEqual(set(watermarks), {'CUSTOMER'})
        self.assertFalse(self.query("SELECT 1 FROM collection_event WHERE run_id = %s AND name LIKE 'loan.%%'",
                                    [dead_run]))
        # indexes and foreign keys suspended by the bulk-load mode are back, its work schema gone
        self.assertEqual(self.schema(tables), schema)
        self.assertFalse(self.query("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
                                    [[f'collection_sync_work_{pid}' for pid, _state, _query in sessions]]))
        # the loaded file moved to done/; the other one waits in the inbound folder
        self.assertEqual(sorted(os.listdir(self.inbound)), ['KILLTEST_2_ARRANGEMENT.csv', 'done'])
        self.assertEqual(os.listdir(os.path.join(self.inbound, 'done')), ['KILLTEST_1_CUSTOMER.csv'])
        # the dead process's lock went with its session
        with self.committed() as env:
            self.assertFalse(env['collection.sync.run']._is_locked('sync'))

        # the next run: the dead one is marked interrupted, the loans file loads completely
        process, out = self.start_command('next')
        try:
            process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(f"The run after the kill did not end in {RUN_TIMEOUT} s:\n{self.output(out)}")
        self.assertEqual(process.returncode, 0, self.output(out))
        self.assertEqual(self.counts(), (self.RECORDS, self.RECORDS, self.RECORDS))
        [(run_id, state, batches), (next_run, next_state, next_batches)] = self.runs()
        self.assertEqual((run_id, state), (dead_run, 'interrupted'))
        self.assertEqual(batches, [('KILLTEST_1_CUSTOMER.csv', 'done', self.RECORDS)])
        self.assertEqual(next_state, 'done', self.output(out))
        self.assertEqual(next_batches, [('KILLTEST_2_ARRANGEMENT.csv', 'done', self.RECORDS)])
        self.assertTrue(re.search(rf"{self.CODE}: .* done - Done in", self.output(out)), self.output(out))
        # every loan on its customer's case, with the amounts of the file
        self.assertEqual(self.query("""
            SELECT COUNT(*), SUM(l.outstanding_amount)::numeric FROM collection_loan l
              JOIN res_partner p ON p.id = l.partner_id JOIN collection_case c ON c.id = l.case_id
             WHERE l.source_system = %s AND c.partner_id = p.id
               AND substr(p.cif, 11) = substr(l.name, 11)
        """, [self.CODE])[0], (self.RECORDS, sum(Decimal(n % 1000) + Decimal('0.5') for n in range(self.RECORDS))))
        self.assertEqual(os.listdir(self.inbound), ['done'])
        self.assertEqual(self.schema(tables), schema)
