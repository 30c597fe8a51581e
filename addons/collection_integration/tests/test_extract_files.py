import os

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CollectionSyncCommon


@tagged('post_install', '-at_install')
class TestExtractFiles(CollectionSyncCommon):

    def assert_loaded(self, run):
        self.assertEqual(run.state, 'done', run.message)
        self.assertEqual(run.verdict, 'balanced')
        self.assertEqual(run.batch_ids.mapped('record_type'), ['CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL'])
        alice, bruno, carmen = self.partner('C100'), self.partner('C200'), self.partner('C300')
        self.assertEqual(alice.name, "Alice Ames")
        self.assertEqual(alice.email, 'alice@example.com')
        self.assertEqual(alice.phone, '+12025550111')
        self.assertEqual(alice.commercial_partner_id, alice)
        self.assertTrue(carmen.is_company)
        self.assertFalse(bruno.is_company)
        self.assertEqual(alice.with_user(self.admin).sudo().national_id, 'ID-100')
        # contact points: phones in E.164 from national numbers too, email, address
        points = {(p.kind, p.value) for p in bruno.contact_point_ids}
        self.assertEqual(points, {('mobile', '+12025550122'), ('phone', '+12025550133')})
        self.assertTrue(bruno.contact_point_ids.filtered(lambda p: p.kind == 'mobile').is_primary)
        self.assertEqual(set(alice.contact_point_ids.mapped('kind')), {'mobile', 'email', 'address'})
        self.assertEqual(set(alice.contact_point_ids.mapped('source')), {'bank'})
        address = alice.contact_point_ids.filtered(lambda p: p.kind == 'address')
        self.assertEqual((address.street, address.city, address.zip), ('1 Main Street', 'Springfield', '12345'))
        # loans, with their case, dues, DPD and bucket
        aa1, aa2, aa3 = self.loan('AA1'), self.loan('AA2'), self.loan('AA3')
        self.assertEqual(aa1.partner_id, alice)
        self.assertEqual(aa1.product_id, self.product_pl)
        self.assertEqual(aa1.product_type, 'personal')
        self.assertEqual(aa2.currency_id, self.eur)
        self.assertEqual(aa1.outstanding_amount, 900.5)
        self.assertEqual(str(aa1.maturity_date), '2026-01-15')
        self.assertEqual(aa1.state, 'active')
        self.assertEqual(aa1.case_id, aa2.case_id)
        self.assertEqual(aa1.case_id.partner_id, alice)
        self.assertEqual(len(aa1.due_ids), 3)
        self.assertEqual(aa1.dpd, 45)
        self.assertEqual(aa1.overdue_amount, 160)
        self.assertTrue(aa1.bucket_id.dpd_from <= 45 <= aa1.bucket_id.dpd_to)
        self.assertEqual(aa3.dpd, 5)
        self.assertEqual(aa1.case_id.max_dpd, 45)
        self.assertEqual(aa1.case_id.loan_count, 2)
        self.assertEqual(aa1.case_id.total_outstanding, 4900.5)
        due2 = aa1.due_ids.filtered(lambda d: d.sequence == 2)
        self.assertEqual((due2.amount_residual, due2.state), (60, 'partial'))
        # collateral
        car = self.env['collection.collateral'].search([('source_ref', '=', 'COL-1')])
        self.assertEqual((car.loan_id, car.partner_id, car.case_id), (aa2, alice, aa2.case_id))
        self.assertEqual((car.collateral_type, car.year, car.value), ('vehicle', 2019, 7000))
        # events, written set-based in the outbox: one per kind of change and chunk of records,
        # naming the records (ids and the source's keys)
        events = self.env['collection.event'].search([('run_id', '=', run.id)])
        self.assertEqual(sorted(events.mapped('name')),
                         ['collateral.created', 'customer.created', 'loan.created', 'sync.completed'])
        # the contact points of new customers are told by customer.created
        customers_event = events.filtered(lambda e: e.name == 'customer.created')
        self.assertEqual((customers_event.res_model, customers_event.res_id), ('res.partner', 0))
        self.assertEqual(customers_event.payload, {
            'source': 'T24', 'count': 3, 'ids': (alice | bruno | carmen).sorted('id').ids,
            'refs': [p.cif for p in (alice | bruno | carmen).sorted('id')]})
        loans_event = events.filtered(lambda e: e.name == 'loan.created')
        self.assertEqual(loans_event.payload, {
            'source': 'T24', 'count': 3, 'ids': (aa1 | aa2 | aa3).sorted('id').ids,
            'refs': [loan.name for loan in (aa1 | aa2 | aa3).sorted('id')]})
        collateral_event = events.filtered(lambda e: e.name == 'collateral.created')
        self.assertEqual((collateral_event.payload['ids'], collateral_event.payload['refs']), ([car.id], ['COL-1']))
        self.assertEqual(set(events.mapped('state')), {'pending'})
        # the counters of the run
        self.assertEqual(run.record_count, 3 + 3 + 4 + 1)
        self.assertEqual(run.inserted_count, 11)
        self.assertEqual(run.rejected_count, 0)

    def test_csv_load(self):
        run = self.sync(paths=self.extract_all('csv'))
        self.assert_loaded(run)
        self.assertEqual(run.batch_ids[1].control_summary.splitlines()[0], "Records: 3 (as announced).")

    def test_json_load(self):
        self.assert_loaded(self.sync(paths=self.extract_all('json')))

    def test_xml_load(self):
        self.assert_loaded(self.sync(paths=self.extract_all('xml')))

    def test_inbound_folder_order_and_archive(self):
        """Files are taken from the inbound folder in dependency order, whatever their names, and
        move to done/ once their batch is committed."""
        paths = self.extract_all('csv')
        paths.reverse()
        run = self.sync()
        self.assertEqual(run.batch_ids.mapped('record_type'), ['CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL'])
        self.env.cr.postcommit.run()
        self.assertEqual(sorted(os.listdir(os.path.join(self.inbound, 'done'))),
                         sorted(os.path.basename(p) for p in paths))
        self.assertFalse([name for name in os.listdir(self.inbound) if name not in ('done',)])

    def test_rerun_changes_nothing(self):
        self.sync(paths=self.extract_all('csv'))
        loans = self.loan('AA1') | self.loan('AA2') | self.loan('AA3')
        write_dates = loans.mapped('write_date')
        events = self.env['collection.event'].search_count([])
        points = self.env['collection.contact.point'].search_count([])
        rerun = self.sync(paths=self.extract_all('csv'))
        self.assertEqual(rerun.state, 'done')
        self.assertEqual(rerun.record_count, 11)
        self.assertEqual((rerun.inserted_count, rerun.updated_count, rerun.unchanged_count), (0, 0, 11))
        self.assertEqual(rerun.batch_ids.mapped('inserted_count'), [0, 0, 0, 0])
        self.assertEqual(rerun.batch_ids.mapped('updated_count'), [0, 0, 0, 0])
        loans.invalidate_recordset()
        self.assertEqual(loans.mapped('write_date'), write_dates)
        self.assertEqual(self.env['collection.contact.point'].search_count([]), points)
        # only the run's own summary event
        self.assertEqual(self.env['collection.event'].search_count([]), events + 1)

    def test_incremental_then_full_refresh(self):
        self.sync(paths=self.extract_all('csv'))
        # incremental: one loan changes, nothing else is touched, nothing is closed
        changed = dict(self.loans()[0], OUTSTANDING='850.50')
        run = self.sync(paths=[self.extract('ARRANGEMENT', [changed], extract='DELTA')])
        self.assertEqual((run.inserted_count, run.updated_count, run.closed_count), (0, 1, 0))
        self.assertEqual(self.loan('AA1').outstanding_amount, 850.5)
        self.assertEqual(self.loan('AA2').state, 'active')
        self.assertEqual(self.loan('AA1').case_id.total_outstanding, 4850.5)
        event = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'loan.updated')])
        self.assertEqual((event.payload['ids'], event.payload['refs']), ([self.loan('AA1').id], ['AA1']))
        # full refresh without AA3: AA3 is closed, the others stay
        run = self.sync(paths=[self.extract('ARRANGEMENT', [changed, self.loans()[1]], extract='FULL')])
        self.assertEqual(run.closed_count, 1)
        self.assertEqual(self.loan('AA3').state, 'closed')
        self.assertEqual(self.loan('AA1').state, 'active')
        closed = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'loan.closed')])
        self.assertEqual((closed.payload['ids'], closed.payload['refs']), ([self.loan('AA3').id], ['AA3']))
        # Bruno's case no longer counts the closed loan
        self.assertEqual(self.loan('AA3').case_id.loan_count, 0)
        self.assertEqual(self.loan('AA3').case_id.total_outstanding, 0)
        # while closed, its bill is paid: closed loans keep their last DPD
        paid = [dict(self.bills()[3], AMOUNT_PAID='80')]
        self.sync(paths=[self.extract('BILL', paid, extract='DELTA')])
        self.assertEqual(self.loan('AA3').dpd, 5)
        # the loan comes back in a later extract: it is reopened and its DPD computed again
        run = self.sync(paths=[self.extract('ARRANGEMENT', [self.loans()[2]], extract='DELTA')])
        self.assertEqual(self.loan('AA3').state, 'active')
        self.assertEqual(self.loan('AA3').dpd, 0)
        self.assertEqual(self.loan('AA3').case_id.loan_count, 1)

    def test_loan_changes_obligor(self):
        self.sync(paths=self.extract_all('csv'))
        alice_case, bruno_case = self.loan('AA1').case_id, self.loan('AA3').case_id
        moved = dict(self.loans()[1], CUSTOMER_ID='C200')
        run = self.sync(paths=[self.extract('ARRANGEMENT', [moved], extract='DELTA')])
        self.assertEqual(run.updated_count, 1)
        aa2 = self.loan('AA2')
        self.assertEqual((aa2.partner_id, aa2.case_id), (self.partner('C200'), bruno_case))
        self.assertEqual((alice_case.loan_count, alice_case.total_outstanding), (1, 900.5))
        self.assertEqual((bruno_case.loan_count, bruno_case.total_outstanding), (2, 4800))
        car = self.env['collection.collateral'].search([('source_ref', '=', 'COL-1')])
        self.assertEqual((car.partner_id, car.case_id), (self.partner('C200'), bruno_case))
        # a customer without case yet gets one
        moved = dict(self.loans()[1], CUSTOMER_ID='C300')
        self.sync(paths=[self.extract('ARRANGEMENT', [moved], extract='DELTA')])
        self.assertEqual(self.loan('AA2').case_id.partner_id, self.partner('C300'))
        self.assertEqual(self.loan('AA2').case_id.name, self.env['collection.case']._format_name(self.loan('AA2').case_id.id))

    def test_full_refresh_close_limit(self):
        self.sync(paths=self.extract_all('csv'))
        self.connector.close_limit_percent = 50
        run = self.sync(paths=[self.extract('ARRANGEMENT', self.loans()[:1], extract='FULL')])
        batch = run.batch_ids
        self.assertEqual(batch.state, 'rejected')
        self.assertIn("would close 2 of the 3 active loans", batch.message)
        self.assertEqual(run.state, 'failed')
        self.assertEqual(self.loan('AA2').state, 'active')

    def test_full_due_extract_settles_missing_dues(self):
        self.sync(paths=self.extract_all('csv'))
        # AA1's first bill was paid and is no longer in the full extract of unpaid bills
        bills = [bill for bill in self.bills() if (bill['ARRANGEMENT_ID'], bill['BILL_SEQ']) != ('AA1', '1')]
        run = self.sync(paths=[self.extract('BILL', bills, extract='FULL')])
        self.assertEqual(run.closed_count, 1)
        due = self.loan('AA1').due_ids.filtered(lambda d: d.sequence == 1)
        self.assertEqual((due.state, due.amount_residual), ('paid', 0))
        self.assertEqual(self.loan('AA1').dpd, 15)
        # a delta extract of bills settles nothing it does not list
        run = self.sync(paths=[self.extract('BILL', bills[:1], extract='DELTA')])
        self.assertEqual(run.closed_count, 0)
        self.assertEqual(self.loan('AA3').dpd, 5)

    def test_full_collateral_extract_releases(self):
        self.sync(paths=self.extract_all('csv'))
        run = self.sync(paths=[self.extract('COLLATERAL', [], extract='FULL')])
        self.assertEqual(run.closed_count, 1)
        self.assertEqual(self.env['collection.collateral'].search([('source_ref', '=', 'COL-1')]).status, 'released')

    def test_customer_contact_changes(self):
        self.sync(paths=self.extract_all('csv'))
        customers = self.customers()
        customers[0]['MOBILE'] = '+12025550199'
        run = self.sync(paths=[self.extract('CUSTOMER', customers, extract='DELTA')])
        self.assertEqual(run.updated_count, 1)
        alice = self.partner('C100')
        self.assertEqual(alice.phone, '+12025550199')
        mobiles = alice.contact_point_ids.filtered(lambda p: p.kind == 'mobile')
        self.assertEqual({(p.value, p.state) for p in mobiles},
                         {('+12025550111', 'invalid'), ('+12025550199', 'unverified')})
        changes = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'contact.updated')])
        self.assertEqual(sorted((e.payload['change'], e.payload['value'], e.payload['state']) for e in changes),
                         [('created', '+12025550199', 'unverified'), ('updated', '+12025550111', 'invalid')])
        # agents' own contact points are never touched by the sync
        agent_point = self.env['collection.contact.point'].create({
            'partner_id': alice.id, 'kind': 'phone', 'value': '+12025550177', 'source': 'agent'})
        self.sync(paths=[self.extract('CUSTOMER', customers, extract='DELTA')])
        self.assertEqual(agent_point.state, 'unverified')

    def test_companies_are_kept_apart(self):
        """The same source code and CIFs in two companies load two portfolios."""
        self.sync(paths=self.extract_all('csv'))
        other_company = self.env['res.company'].create({'name': "Second Bank", 'currency_id': self.usd.id})
        self.env.user.company_ids |= other_company
        connector = self.env['collection.connector'].with_company(other_company).create({
            'name': "Core banking 2", 'code': 'T24', 'system': 't24', 'transport': 'files',
            'inbound_path': self.inbound})
        self.assertEqual(connector.company_id, other_company)
        run = self.sync(connector, paths=[self.extract('CUSTOMER', self.customers()),
                                          self.extract('ARRANGEMENT', self.loans())])
        self.assertEqual(run.inserted_count, 6)
        partners = self.env['res.partner'].search([('cif', '=', 'C100')])
        self.assertEqual(partners.company_id, self.company | other_company)
        loans = self.env['collection.loan'].search([('name', '=', 'AA1'), ('source_system', '=', 'T24')])
        self.assertEqual(len(loans), 2)
        self.assertEqual(loans.case_id.company_id, self.company | other_company)
        self.assertEqual(loans.filtered(lambda l: l.company_id == other_company).partner_id.company_id, other_company)

    def test_renamed_column(self):
        """A connector whose source renamed a column: remapped, the file with the new name loads
        its values from it; a file still using the old name has no value for the field, and each
        of its records is rejected as missing that (required) value, naming the mapped column."""
        self.sync(paths=[self.extract('CUSTOMER', self.customers())])
        self.connector.mapping_ids.filtered(lambda m: m.record_type == 'ARRANGEMENT' and m.field_key == 'loan.outstanding') \
            .source_column = 'bal'
        renamed = ['BAL' if column == 'OUTSTANDING' else column for column in self.columns('ARRANGEMENT')]
        loans = [{('BAL' if column == 'OUTSTANDING' else column): value for column, value in loan.items()}
                 for loan in self.loans()]
        run = self.sync(paths=[self.extract('ARRANGEMENT', loans, columns=renamed, control=('BAL', 'CURRENCY'))])
        self.assertEqual((run.state, run.verdict, run.inserted_count), ('done', 'balanced', 3), run.message)
        self.assertEqual([self.loan(account).outstanding_amount for account in ('AA1', 'AA2', 'AA3')], [900.5, 4000, 800])
        # the old name: every record lacks its outstanding, the announced totals cannot be checked
        old = [dict(loan, OUTSTANDING='1.00') for loan in self.loans()]
        run = self.sync(paths=[self.extract('ARRANGEMENT', old, extract='DELTA')])
        self.assertEqual(self.rejects(run), {(3, 'missing_value'), (4, 'missing_value'), (5, 'missing_value')})
        self.assertEqual(set(run.reject_ids.mapped('column_name')), {'BAL'})
        batch = run.batch_ids
        self.assertEqual((batch.state, batch.verdict, batch.rejected_count, batch.updated_count), ('done', 'unverified', 3, 0))
        self.assertIn("3 records have no readable amount", batch.control_summary)
        self.assertEqual(self.loan('AA1').outstanding_amount, 900.5)

    def test_mapping_lines(self):
        with self.assertRaises(ValidationError):
            self.env['collection.sync.mapping'].create({
                'connector_id': self.connector.id, 'record_type': 'other', 'field_key': 'loan.branch'})
        line = self.env['collection.sync.mapping'].create({
            'connector_id': self.connector.id, 'record_type': 'extra ', 'field_key': 'loan.branch',
            'source_column': ' co_code '})
        self.assertEqual((line.record_type, line.source_column, line.target), ('EXTRA', 'CO_CODE', 'loan'))
        self.assertFalse(line.is_required)
        # the default mapping comes back on request
        self.connector.mapping_ids.unlink()
        self.connector.action_load_default_mapping()
        self.assertEqual(set(self.connector.mapping_ids.mapped('record_type')),
                         {'CUSTOMER', 'ARRANGEMENT', 'ARRANGEMENT_PARTY', 'BILL', 'COLLATERAL'})
