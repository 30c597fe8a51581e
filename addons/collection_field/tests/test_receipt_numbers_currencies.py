from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestReceiptNumbersAndCurrencies(FieldTestCommon):

    def _collect(self, visit, amount, client_id):
        return self._record_outcome(visit, self.field_agent, code='CASH', client_id=client_id, cash_amount=amount)

    def _number(self, receipt):
        return int(receipt.name.rsplit('/', 1)[1])

    def test_receipt_numbers_run_per_company(self):
        other = self.env['res.company'].create({'name': "Other Lender"})
        sequences = self.env['ir.sequence'].search([('code', '=', 'collection.cash.receipt')])
        self.assertIn(other, sequences.company_id)
        self.assertIn(self.company, sequences.company_id)
        self.field_agent.company_ids |= other
        env = self.env(context=dict(self.env.context, allowed_company_ids=[other.id]))
        partner = env['res.partner'].create({'name': "Olga Other", 'cif': 'F-O', 'company_id': other.id})
        env['collection.contact.point'].create({
            'partner_id': partner.id, 'kind': 'address', 'value': "Olga's home", 'is_primary': True,
            'latitude': HOME_LAT, 'longitude': HOME_LON})
        loan = env['collection.loan'].create(dict(
            self._prepare_loan_vals(partner, 'ACC-F-O', overdue_instalments=2), company_id=other.id))
        first = self._visit(self.case_a, self.field_agent)
        foreign = self._visit(loan.case_id, self.field_agent)
        second = self._visit(self.case_b, self.field_agent)
        for client_id, visit in (('own-1', first), ('other-1', foreign), ('own-2', second)):
            result = self._collect(visit, 10.0, client_id)
            self.assertEqual(result['accepted'], 1, result)
        self.assertEqual(foreign.receipt_id.company_id, other)
        # the other company's receipt did not take a number of this company's run
        self.assertEqual(self._number(second.receipt_id), self._number(first.receipt_id) + 1)
        self.assertRegex(foreign.receipt_id.name, r'^RC/\d{4}/\d{6}$')
        # each company numbers on: the next receipt of the other company follows its first one
        again = self._visit(loan.case_id, self.field_agent, day=self.today + timedelta(days=1))
        self._collect(again, 5.0, 'other-2')
        self.assertEqual(self._number(again.receipt_id), self._number(foreign.receipt_id) + 1)

    def test_cash_in_hand_per_currency_and_limit_in_company_currency(self):
        usd = self.company.currency_id
        eur = self.env.ref('base.EUR') if usd != self.env.ref('base.EUR') else self.env.ref('base.GBP')
        eur.active = True
        # one unit of company currency buys 0.5 EUR: 1 EUR is worth 2 in company currency
        self.env['res.currency.rate'].create({
            'currency_id': eur.id, 'rate': 0.5, 'name': self.today - timedelta(days=10), 'company_id': self.company.id})
        partner = self._create_customer("Emil Euro", 'F-EU', '+1 202 555 0199')
        self.env['collection.contact.point'].create({
            'partner_id': partner.id, 'kind': 'address', 'value': "Emil's home", 'is_primary': True,
            'latitude': HOME_LAT, 'longitude': HOME_LON})
        loan = self.env['collection.loan'].create(dict(
            self._prepare_loan_vals(partner, 'ACC-F-EU', overdue_instalments=2), currency_id=eur.id))
        self.field_agent.field_cash_limit = 300.0
        self._collect(self._visit(self.case_a, self.field_agent), 150.0, 'usd-1')
        euro_visit = self._visit(loan.case_id, self.field_agent)
        result = self._collect(euro_visit, 50.0, 'eur-1')
        self.assertEqual(result['accepted'], 1, result)
        receipt = euro_visit.receipt_id
        self.assertEqual((receipt.currency_id, receipt.payment_id.currency_id, receipt.amount), (eur, eur, 50.0))
        Receipt = self.env['collection.cash.receipt']
        self.assertEqual(Receipt._get_cash_in_hand_by_currency(self.field_agent.ids),
                         {self.field_agent.id: {usd: 150.0, eur: 50.0}})
        self.field_agent.invalidate_recordset()
        self.assertEqual(self.field_agent.field_cash_in_hand, 250.0)   # 150 + 50 EUR at 2
        self.assertIn("150.00", self.field_agent.field_cash_in_hand_detail)
        self.assertIn("50.00", self.field_agent.field_cash_in_hand_detail)
        # 40 EUR more is 80 in company currency: over the limit of 300
        later = self._visit(loan.case_id, self.field_agent, day=self.today + timedelta(days=1))
        result = self._collect(later, 40.0, 'eur-2')
        self.assertEqual(result['accepted'], 0, result)
        self.assertEqual(result['errors'][0]['field'], 'cash_amount')
        self.assertIn("exceed the limit", result['errors'][0]['reason'])
        self.assertEqual(later.state, 'planned')
        self.assertTrue(self._collect(later, 25.0, 'eur-3')['accepted'])   # 50 in company currency: 300
        # a deposit covers the receipts of its currency
        Deposit = self.env['collection.cash.deposit'].with_user(self.field_agent)
        in_usd = Deposit.create({'branch': "Main Street branch", 'deposited_amount': 150.0})
        in_eur = Deposit.create({'branch': "Main Street branch", 'deposited_amount': 75.0, 'currency_id': eur.id})
        self.assertEqual((in_usd.receipt_count, in_usd.expected_amount), (1, 150.0))
        self.assertEqual((in_eur.receipt_count, in_eur.expected_amount, in_eur.has_difference), (2, 75.0, False))
        (in_usd | in_eur).with_user(self.supervisor).action_reconcile()
        self.assertEqual(self.field_agent.field_cash_in_hand, 0.0)
        # a deposit whose currency changed after it picked up its receipts does not reconcile them
        self._collect(self._visit(self.case_b, self.field_agent), 20.0, 'usd-2')
        deposit = Deposit.create({'branch': "Harbour branch", 'deposited_amount': 20.0})
        deposit.currency_id = eur
        with self.assertRaisesRegex(UserError, f"in {eur.name} and cannot cover receipt"):
            deposit.with_user(self.supervisor).action_reconcile()
        deposit.action_load_receipts()
        self.assertFalse(deposit.receipt_ids)
