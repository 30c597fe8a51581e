import re

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.collection_base.models.collection_letter_template import wkhtmltopdf_has_patched_qt

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestCash(FieldTestCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not wkhtmltopdf_has_patched_qt():
            # a closed local port: Debian's wkhtmltopdf prints with the system fonts at once
            cls.env['ir.config_parameter'].set_param('report.url', 'http://127.0.0.1:9')

    def setUp(self):
        super().setUp()
        self.visit = self._visit(self.case_a, self.field_agent)
        self.Receipt = self.env['collection.cash.receipt']

    def _collect(self, visit, amount, client_id):
        return self._record_outcome(visit, self.field_agent, code='CASH', client_id=client_id, cash_amount=amount)

    def test_receipt_payment_in_custody_and_sms(self):
        result = self._collect(self.visit, 150.0, 'cash-1')
        self.assertEqual(result['accepted'], 1, result)
        receipt = self.visit.receipt_id
        self.assertRegex(receipt.name, r'^RC/\d{4}/\d{6}$')
        self.assertEqual((receipt.amount, receipt.state, receipt.user_id), (150.0, 'custody', self.field_agent))
        payment = receipt.payment_id
        self.assertEqual((payment.state, payment.custody_state, payment.channel, payment.source_system),
                         ('posted', 'custody', 'cash', 'field_cash'))
        self.assertEqual(payment.name, receipt.name)
        self.assertEqual(self.case_a.total_overdue, 50.0)
        self.assertEqual(self.field_agent.field_cash_in_hand, 150.0)
        self.assertEqual(self.visit.state, 'done')
        # the customer gets the receipt by SMS
        sms = self.env['sms.sms'].search([('body', 'like', receipt.name)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.number, self.case_a._get_primary_phone_point().phone_e164)
        self.assertTrue(receipt.sms_sent)
        # and a chained receipt event
        event = receipt.event_id
        self.assertEqual((event.event_type, event.res_model, event.res_id), ('receipt', receipt._name, receipt.id))
        # the agent reads their receipt, not other agents'
        self.assertEqual(self.Receipt.with_user(self.field_agent).search([]), receipt)
        self.assertFalse(self.Receipt.with_user(self.field_agent_2).search([]))

    def test_receipt_report(self):
        self._collect(self.visit, 150.0, 'cash-1')
        receipt = self.visit.receipt_id
        report = self.env.ref('collection_field.collection_cash_receipt_report')
        html = self.env['ir.actions.report']._render_qweb_html(report, receipt.ids)[0].decode()
        text = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', html)).replace('\xa0', ' ')
        for expected in (receipt.name, "Anna Address", "ACC-F-A", "Fiona Field", "CASH RECEIPT", "150.00"):
            self.assertIn(expected, text)
        self.assertEqual(report.paperformat_id.page_width, 80)
        pdf, report_type = self.env['ir.actions.report'].with_context(
            force_report_rendering=True)._render_qweb_pdf(report, receipt.ids)
        self.assertEqual(report_type, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF-'))

    def test_cash_limit(self):
        self.field_agent.field_cash_limit = 200.0
        self._collect(self.visit, 150.0, 'cash-1')
        other = self._visit(self.case_b, self.field_agent)
        result = self._collect(other, 100.0, 'cash-2')
        self.assertEqual(result['accepted'], 0)
        self.assertEqual(result['errors'][0]['field'], 'cash_amount')
        self.assertIn("exceed the limit", result['errors'][0]['reason'])
        # nothing of the refused outcome was stored
        self.assertEqual(other.state, 'planned')
        self.assertFalse(self.env['collection.field.event'].search([('client_id', 'like', 'cash-2')]))
        self.assertFalse(self.env['collection.action'].search([('case_id', '=', self.case_b.id)]))
        # from the form, the same refusal is a clear error
        other.with_user(self.field_agent).write({
            'result_code_id': self.env.ref('collection_field.collection_result_code_cash_collected').id,
            'cash_amount': 100.0})
        with self.assertRaisesRegex(UserError, "exceed the limit"):
            other.with_user(self.field_agent).action_done()

    def test_deposit_reconciles_and_payment_is_final(self):
        self._collect(self.visit, 150.0, 'cash-1')
        other = self._visit(self.case_b, self.field_agent)
        self._collect(other, 60.0, 'cash-2')
        receipts = (self.visit | other).receipt_id
        deposit = self.env['collection.cash.deposit'].with_user(self.field_agent).create({
            'branch': "Main Street branch", 'deposited_amount': 210.0})
        self.assertEqual(deposit.receipt_ids, receipts)
        self.assertEqual(deposit.expected_amount, 210.0)
        with self.assertRaises(UserError):
            deposit.action_reconcile()  # the agent cannot reconcile their own deposit
        deposit.with_user(self.supervisor).action_reconcile()
        self.assertEqual(set(receipts.mapped('state')), {'reconciled'})
        self.assertEqual(set(receipts.payment_id.mapped('custody_state')), {'final'})
        self.assertFalse(deposit.has_difference)
        self.assertEqual(self.field_agent.field_cash_in_hand, 0.0)
        with self.assertRaisesRegex(UserError, "final"):
            receipts[0].payment_id.action_reverse("customer asks")

    def test_deposit_difference_is_flagged(self):
        self._collect(self.visit, 150.0, 'cash-1')
        deposit = self.env['collection.cash.deposit'].with_user(self.field_agent).create({
            'branch': "Main Street branch", 'deposited_amount': 140.0})
        deposit.with_user(self.supervisor).action_reconcile()
        self.assertTrue(deposit.has_difference)
        self.assertEqual(deposit.difference, -10.0)
        activity = deposit.activity_ids
        self.assertEqual(activity.user_id, self.supervisor)
        self.assertIn("difference", activity.summary.lower())
        self.assertIn(deposit, self.env['collection.cash.deposit'].search([('has_difference', '=', True)]))

    def test_cancel_receipt_in_custody(self):
        self._collect(self.visit, 150.0, 'cash-1')
        receipt = self.visit.receipt_id
        with self.assertRaises(UserError):
            receipt.with_user(self.field_agent).action_cancel()
        receipt.with_user(self.supervisor).action_cancel()
        self.assertEqual(receipt.state, 'cancelled')
        self.assertEqual(receipt.payment_id.state, 'reversed')
        self.assertEqual(self.case_a.total_overdue, 200.0)

    def test_cancel_receipt_of_draft_deposit_then_reconcile(self):
        self._collect(self.visit, 150.0, 'cash-1')
        other = self._visit(self.case_b, self.field_agent)
        self._collect(other, 60.0, 'cash-2')
        deposit = self.env['collection.cash.deposit'].with_user(self.field_agent).create({
            'branch': "Main Street branch", 'deposited_amount': 150.0})
        self.assertEqual((deposit.receipt_count, deposit.expected_amount), (2, 210.0))
        # the supervisor cancels a receipt the deposit already picked up: it leaves the deposit
        wrong = other.receipt_id
        wrong.with_user(self.supervisor).action_cancel()
        self.assertEqual((wrong.state, wrong.deposit_id), ('cancelled', self.env['collection.cash.deposit']))
        self.assertEqual(deposit.receipt_ids, self.visit.receipt_id)
        self.assertEqual((deposit.receipt_count, deposit.expected_amount, deposit.difference), (1, 150.0, 0.0))
        self.assertIn(wrong.name, deposit.message_ids[0].body)
        # and the deposit can be reconciled
        deposit.with_user(self.supervisor).action_reconcile()
        self.assertEqual((deposit.state, deposit.has_difference), ('reconciled', False))
        self.assertEqual(self.visit.receipt_id.state, 'reconciled')
        self.assertEqual(wrong.payment_id.state, 'reversed')
        # a receipt of a reconciled deposit cannot be cancelled any more
        with self.assertRaisesRegex(UserError, "deposit .* is reconciled"):
            self.visit.receipt_id.with_user(self.supervisor).action_cancel()
