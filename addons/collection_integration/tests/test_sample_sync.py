import io
import os
import shutil
import subprocess
import tempfile
from contextlib import closing
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.collection_integration.cli.collection_sync import CollectionSync
from odoo.addons.collection_integration.tools.extract_reader import ExtractReader
from odoo.addons.collection_integration.tools.extract_writer import write_extract
from odoo.addons.collection_integration.tools.sample_extract import (
    add_sample_history, check_sample_sync, write_sample_extracts)

from .common import odoo_bin_command


@tagged('post_install', '-at_install')
class TestSampleThroughSync(TransactionCase):
    """The README's sample portfolio (50 customers) written as extract files, loaded by the
    command-line sync, then given its collection history."""

    CUSTOMERS = 50

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.root = tempfile.mkdtemp(prefix='collection_sample_')
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.files = write_sample_extracts(cls.env, root=cls.root, customers=cls.CUSTOMERS, seed=11, today=cls.today,
                                          set_passwords=False)
        out = io.StringIO()
        cls.sync_status = CollectionSync.sync(cls.env, commit=False, out=out)
        cls.sync_output = out.getvalue()
        cls.connectors = cls.env['collection.connector'].search([('code', 'in', ('T24', 'W4', 'BSS', 'ERP'))])

    def test_files_in_the_documented_format(self):
        by_type = {(f['connector'], f['record_type']): f for f in self.files}
        self.assertEqual(set(by_type), {
            ('T24', 'CUSTOMER'), ('T24', 'ARRANGEMENT'), ('T24', 'ARRANGEMENT_PARTY'), ('T24', 'BILL'),
            ('T24', 'COLLATERAL'), ('W4', 'CARD_ACCOUNT'), ('W4', 'CASE_TRACKING'), ('BSS', 'ARRANGEMENT'),
            ('BSS', 'BILL'), ('BSS', 'COLLATERAL'), ('ERP', 'ARRANGEMENT'), ('ERP', 'BILL')})
        customers = by_type['T24', 'CUSTOMER']
        self.assertEqual(os.path.dirname(customers['path']), os.path.join(self.root, 'T24'))
        # the customers, then their co-borrowers and guarantors (customers of the bank too)
        self.assertEqual(customers['records'], self.CUSTOMERS + by_type['T24', 'ARRANGEMENT_PARTY']['records'])
        with ExtractReader.for_path(customers['path']) as reader:
            self.assertEqual((reader.header.source, reader.header.record_type, reader.header.extract_type),
                             ('T24', 'CUSTOMER', 'FULL'))
            columns = ['CUSTOMER_ID', 'NAME', 'MOBILE', 'ADDRESS_2', 'REGION', 'LATITUDE', 'LONGITUDE', 'COUNTRY']
            first = next(reader.records(columns))[2]
        cif, name, mobile, district, region, latitude, longitude, country = first
        self.assertEqual((cif, country), ('10000001', 'LK'))
        self.assertTrue(name and district and region)
        self.assertRegex(mobile, r'^07\d \d{3} \d{4}$', "the mobile as a branch types it")
        self.assertAlmostEqual(float(latitude), 6.9, delta=0.5)
        self.assertAlmostEqual(float(longitude), 79.9, delta=0.5)
        # the control totals of the loans: outstanding per currency
        loans = by_type['T24', 'ARRANGEMENT']
        self.assertEqual(list(loans['totals']), ['LKR'])
        # the files are loaded by the command; the connectors' daily runs start tomorrow
        for connector in self.connectors:
            self.assertGreater(connector.next_sync, fields.Datetime.now() + timedelta(hours=23), connector.code)

    def test_sync_loaded_everything_balanced(self):
        self.assertEqual(self.sync_status, 0, self.sync_output)
        runs = self.connectors.mapped('last_run_id')
        self.assertEqual(len(runs), 4)
        for run in runs:
            self.assertEqual((run.trigger, run.state, run.verdict), ('cli', 'done', 'balanced'), run.message)
            self.assertEqual((run.rejected_count, run.warning_count), (0, 0))
        self.assertEqual(sum(runs.mapped('record_count')), sum(f['records'] for f in self.files))
        loans = self.env['collection.loan'].search([])
        written_loans = sum(f['records'] for f in self.files
                            if f['record_type'] in ('ARRANGEMENT', 'CARD_ACCOUNT'))
        self.assertEqual(len(loans), written_loans)
        self.assertEqual(set(loans.mapped('source_system')), {'T24', 'W4', 'BSS', 'ERP'})
        self.assertEqual(set(loans.filtered(lambda l: l.source_system == 'W4').mapped('product_type')), {'card'})
        # every bucket populated, DPD from the instalments the files carried
        by_bucket = dict(self.env['collection.loan']._read_group([], ['bucket_id'], ['__count']))
        for bucket in self.env['collection.bucket'].search([]):
            self.assertGreater(by_bucket.get(bucket, 0), 0, bucket.name)
        # what the format carries beyond names and numbers
        customers = self.env['res.partner'].search([('cif', '!=', False)])
        obligors = loans.partner_id
        self.assertEqual(len(obligors), self.CUSTOMERS)
        for partner in obligors:
            self.assertTrue(partner.state_id and partner.partner_latitude and partner.street2, partner.cif)
            self.assertTrue(partner.phone.startswith('+94'), partner.phone)
            address = partner.contact_point_ids.filtered(lambda p: p.kind == 'address')
            self.assertEqual(len(address), 1)
            self.assertAlmostEqual(address.latitude, partner.partner_latitude, places=6)
            self.assertEqual(partner.collection_case_ids.region_id, partner.state_id)
        parties = self.env['collection.loan.party'].search([])
        self.assertTrue(parties)
        self.assertEqual(set(parties.mapped('role')), {'co_borrower', 'guarantor'})
        self.assertTrue(all(parties.mapped('relation')))
        self.assertLessEqual(parties.partner_id, customers - obligors, "guarantors are customers without loans")
        vehicles = self.env['collection.collateral'].search([('collateral_type', '=', 'vehicle')])
        self.assertEqual(vehicles.loan_id, loans.filtered(lambda l: l.product_type == 'auto'))
        self.assertTrue(all(vehicles.mapped('make')) and all(vehicles.mapped('latitude')))

    def test_history_on_top(self):
        runs, stats = add_sample_history(self.env)
        self.assertEqual(runs, self.connectors.mapped('last_run_id'))
        self.assertEqual(stats['customers'], self.CUSTOMERS)
        self.assertEqual(stats['cases'], self.CUSTOMERS)
        self.assertEqual(stats['recompute_changed'], 0, "the history changed no figure the sync loaded")
        for model, key in (('collection.action', 'actions'), ('collection.ptp', 'promises'),
                           ('collection.payment', 'payments')):
            self.assertEqual(self.env[model].search_count([]), stats[key], model)
            self.assertGreater(stats[key], 0, model)
        for payment in self.env['collection.payment'].search([]):
            self.assertAlmostEqual(payment.amount, sum(payment.allocation_ids.mapped('amount')), places=2)
        actions = self.env['collection.action'].search([])
        for action in actions:
            self.assertEqual(action.contact_point_id.partner_id, action.partner_id, action.id)
        # the cases are on the teams' agents as the direct load puts them
        cases = self.env['collection.case'].search([])
        late = cases.filtered('max_dpd')
        self.assertTrue(late)
        self.assertFalse(late.filtered(lambda c: not c.team_id))
        self.assertFalse((cases - late).filtered('user_id'))
        self.assertTrue(all(late.mapped('last_action_date')))
        agent = self.env['res.users'].search([('login', '=', 'agent')])
        mine = self.env['collection.case'].with_user(agent).search([])
        self.assertTrue(mine)
        self.assertEqual(mine.user_id, agent)
        self.assertEqual(mine.team_id.supervisor_id.login, 'supervisor')
        # what only the collection side knows
        self.assertTrue(self.env['collection.contact.point'].search_count([('source', '!=', 'bank')]))
        self.assertTrue(self.env['collection.contact.point'].search_count([('state', '=', 'verified')]))
        with self.assertRaisesRegex(UserError, "only once"):
            add_sample_history(self.env)

    def test_rejects_fail_the_setup(self):
        """A later run of a sample connector with a rejected record: the history is refused, and
        says which file, line and reason."""
        connector = self.connectors.filtered(lambda c: c.code == 'ERP')
        path = os.path.join(self.root, 'ERP_bad.csv')
        write_extract(path, 'csv', 'ERP', 'ARRANGEMENT', ['ARRANGEMENT_ID', 'CUSTOMER_ID', 'PRODUCT', 'CURRENCY', 'OUTSTANDING'],
                      [['INV9', '10000001', 'NOPE', 'LKR', '10']], extract='DELTA', as_of='2099-01-01T00:00:00Z',
                      control=('OUTSTANDING', 'CURRENCY'))
        self.assertEqual(CollectionSync.sync(self.env, ['ERP'], files=[path], commit=False, out=io.StringIO()), 0)
        self.assertEqual(connector.last_run_id.state, 'warning')
        with self.assertRaisesRegex(UserError, r"(?s)did not load cleanly.*ERP.*ERP_bad.csv line 3: unknown_product"):
            add_sample_history(self.env)
        self.assertFalse(self.env['collection.action'].search_count([]))

    def test_history_command(self):
        """``odoo-bin collection_sample_history`` is found in the addons path and fails loudly
        (exit status 1, the reason) on a database without the sample's files (this one's
        committed state)."""
        command = odoo_bin_command('collection_sample_history', '-d', self.env.cr.dbname, '--log-level=warn')
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        self.assertEqual(result.returncode, 1, result.stdout[-2000:] + result.stderr[-2000:])
        self.assertIn("No sample portfolio was written as extract files", result.stderr)


@tagged('post_install', '-at_install')
class TestSampleFormats(TransactionCase):
    """The sample portfolio written as JSON Lines and as XML extracts (``--format json`` and
    ``--format xml`` of ``collection_sample_extract``) loads the same portfolio as the CSV one,
    balanced and without a reject."""

    CUSTOMERS = 30
    # what each load gives its own value, whatever the format: the ids (compared through the
    # records' keys instead) and the time of the load
    UNCOMPARED = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'calendar_last_notif_ack',
                  'collection.case.name'}  # the case's number: a sequence, not rolled back between loads

    def key(self, record):
        """What a record is known by across loads (its id differs in each)."""
        if not record:
            return None
        if record._name == 'res.partner':
            return ('partner', record.cif or record.display_name)
        if record._name == 'collection.case':
            return ('case', self.key(record.partner_id))
        if record._name == 'collection.loan':
            return ('loan', record.source_system, record.name)
        return (record._name, record.display_name)

    def portfolio(self):
        """Everything the sync loaded, by model: the sorted rows of the stored fields, relations
        given by the keys of the records they point to."""
        models = {
            'res.partner': [('cif', '!=', False)],
            'collection.contact.point': [],
            'collection.case': [],
            'collection.loan': [],
            'collection.loan.due': [],
            'collection.loan.party': [],
            'collection.collateral': [],
        }
        self.env.flush_all()
        self.env.invalidate_all()
        snapshot = {}
        for model_name, domain in models.items():
            model = self.env[model_name]
            names = sorted(name for name, field in model._fields.items()
                           if field.store and field.type not in ('one2many', 'many2many', 'binary')
                           and name not in self.UNCOMPARED and f'{model_name}.{name}' not in self.UNCOMPARED
                           and not name.startswith(('message_', 'activity_')))
            rows = []
            for record in model.search(domain):
                rows.append(tuple((name, self.key(record[name]) if model._fields[name].type == 'many2one'
                                   else record[name]) for name in names))
            snapshot[model_name] = sorted(rows, key=repr)
        return snapshot

    def load(self, fmt):
        """Write the sample as ``fmt`` files, sync them as the command line does; return the
        portfolio loaded and what was written. Undone afterwards."""
        root = tempfile.mkdtemp(prefix=f'collection_sample_{fmt}_')
        self.addCleanup(shutil.rmtree, root, True)
        with closing(self.env.cr.savepoint()):
            files = write_sample_extracts(self.env, root=root, fmt=fmt, customers=self.CUSTOMERS, seed=5,
                                          today=self.today, set_passwords=False)
            out = io.StringIO()
            status = CollectionSync.sync(self.env, commit=False, out=out)
            self.assertEqual(status, 0, out.getvalue())
            runs = check_sample_sync(self.env)  # every file done, balanced, nothing rejected
            self.assertEqual(len(runs), 4)
            suffix = {'csv': '.csv', 'json': '.jsonl', 'xml': '.xml'}[fmt]
            self.assertTrue(all(f['path'].endswith(suffix) for f in files))
            written = sorted((f['connector'], f['record_type'], f['records'], tuple(sorted(f['totals'].items())))
                             for f in files)
            portfolio = self.portfolio()
        self.env.invalidate_all()
        return portfolio, written

    def test_json_and_xml_load_the_csv_portfolio(self):
        self.today = date.today()
        csv_portfolio, csv_written = self.load('csv')
        self.assertEqual(len(csv_portfolio['collection.loan']),
                         sum(records for _code, record_type, records, _totals in csv_written
                             if record_type in ('ARRANGEMENT', 'CARD_ACCOUNT')))
        self.assertTrue(all(csv_portfolio.values()), "every kind of record is in the sample")
        for fmt in ('json', 'xml'):
            with self.subTest(fmt=fmt):
                portfolio, written = self.load(fmt)
                self.assertEqual(written, csv_written)
                for model_name, rows in csv_portfolio.items():
                    other = portfolio[model_name]
                    self.assertEqual(len(other), len(rows), f"{fmt}: {model_name}")
                    differing = {(a[0], a[1], b[1]) for row_a, row_b in zip(rows, other)
                                 for a, b in zip(row_a, row_b) if a != b}
                    self.assertFalse(sorted(differing, key=repr)[:5], f"{fmt}: {model_name} (field, csv, {fmt})")
