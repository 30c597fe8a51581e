import base64
import csv
import io
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import format_amount

from .common import LegalTestCommon, LetterPdfMixin


@tagged('post_install', '-at_install')
class TestCommission(LetterPdfMixin, LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()
        cls.bucket_1_30 = cls.env.ref('collection_base.collection_bucket_1_30')
        cls.bucket_31_60 = cls.env.ref('collection_base.collection_bucket_31_60')
        cls.scheme = cls.env['collection.commission.scheme'].create({
            'name': "Standard",
            'equipment_fee': 25.0,
            'cap_per_placement': 50.0,
            'line_ids': [
                (0, 0, {'amount_from': 0.0, 'rate': 10.0}),
                (0, 0, {'amount_from': 200.0, 'rate': 20.0}),
                (0, 0, {'bucket_id': cls.bucket_31_60.id, 'amount_from': 0.0, 'rate': 30.0}),
            ],
        })
        (cls.agency | cls.agency_2).commission_scheme_id = cls.scheme
        day = lambda n: cls.today - timedelta(days=n)  # noqa: E731
        # case A: the base case, 31-60 at placement (10 days ago)
        assert cls.placement.bucket_id == cls.bucket_31_60
        cls._pay(cls.loan, 100.0, 'A-1', day(5))
        cls._pay(cls.loan, 150.0, 'A-2', day(2))
        cls._pay(cls.loan, 70.0, 'A-OLD', day(15))  # before the placement
        # case B: 1-30, placed 5 days ago
        cls.loan_b = cls._create_loan(cls._create_customer("Bea Borrower", 'CIFB'), 'ACC-B', overdue_instalments=1,
                                      instalment=400.0)
        cls.placement_b = cls.env['collection.placement'].create({
            'case_id': cls.loan_b.case_id.id, 'agency_id': cls.agency.id, 'date_start': day(5)})
        cls._pay(cls.loan_b, 300.0, 'B-1', day(3))
        cls._pay(cls.loan_b, 90.0, 'B-EARLY', day(8))
        cls._pay(cls.loan_b, 500.0, 'B-REVERSED', day(2)).action_reverse("bounced")
        # case D: 1-30, placed 10 days ago, recalled 3 days ago
        cls.loan_d = cls._create_loan(cls._create_customer("Dan Debtor", 'CIFD'), 'ACC-D', overdue_instalments=1)
        cls.placement_d = cls.env['collection.placement'].create({
            'case_id': cls.loan_d.case_id.id, 'agency_id': cls.agency.id, 'date_start': day(10)})
        cls.placement_d.write({'state': 'recalled', 'recall_date': day(3)})
        cls._pay(cls.loan_d, 60.0, 'D-1', day(6))
        cls._pay(cls.loan_d, 40.0, 'D-AFTER', day(1))
        # case C: placed with the other agency
        cls.loan_c = cls._create_loan(cls._create_customer("Cleo Client", 'CIFC'), 'ACC-C', overdue_instalments=1)
        cls.env['collection.placement'].create({'case_id': cls.loan_c.case_id.id, 'agency_id': cls.agency_2.id,
                                                'date_start': day(10)})
        cls._pay(cls.loan_c, 999.0, 'C-1', day(4))
        # one equipment unit recovered under placement B, approved yesterday
        cls.env['collection.collateral'].create({
            'name': "Set-top box", 'collateral_type': 'equipment', 'identifier': 'STB-0001', 'loan_id': cls.loan_b.id,
            'status': 'recovered', 'recovery_approved_date': day(1), 'recovery_placement_id': cls.placement_b.id})
        cls.statement = cls.env['collection.commission.statement'].create({
            'agency_id': cls.agency.id, 'date_from': day(20), 'date_to': cls.today})

    def _line(self, placement):
        return self.statement.line_ids.filtered(lambda line: line.placement_id == placement)

    def test_statement_figures(self):
        self.statement.with_user(self.manager).action_compute()
        statement = self.statement
        self.assertEqual(statement.line_ids.placement_id, self.placement | self.placement_b | self.placement_d)
        line_a, line_b, line_d = self._line(self.placement), self._line(self.placement_b), self._line(self.placement_d)
        # case A: 250 recovered in 31-60 at 30% = 75, capped at 50 per case
        self.assertEqual((line_a.payment_count, line_a.recovered_amount), (2, 250.0))
        self.assertAlmostEqual(line_a.rate, 30.0)
        self.assertEqual((line_a.commission_uncapped, line_a.commission, line_a.is_capped), (75.0, 50.0, True))
        # 1-30: 300 (B) + 60 (D, before its recall) = 360; marginal tiers 200 x 10% + 160 x 20% = 52
        self.assertEqual(self.scheme._get_commission(self.bucket_1_30, 360.0), 52.0)
        self.assertEqual((line_b.recovered_amount, line_d.recovered_amount), (300.0, 60.0))
        self.assertAlmostEqual(line_b.rate, 100 * 52.0 / 360.0, places=3)
        self.assertAlmostEqual(line_b.commission + line_d.commission, 52.0, places=2)
        self.assertEqual((line_b.equipment_count, line_b.equipment_fee), (1, 25.0))
        self.assertEqual(statement.recovered_amount, 610.0)
        self.assertEqual(statement.payment_count, 4)
        self.assertAlmostEqual(statement.recovery_commission, 102.0, places=2)
        self.assertEqual((statement.equipment_count, statement.equipment_fee_amount), (1, 25.0))
        self.assertAlmostEqual(statement.total_commission, 127.0, places=2)
        self.assertFalse(statement.cap_reduction)
        # the other agency's statement only counts its own case
        other = self.env['collection.commission.statement'].create({
            'agency_id': self.agency_2.id, 'date_from': statement.date_from, 'date_to': statement.date_to})
        other._compute_statement()
        self.assertEqual(other.recovered_amount, 999.0)
        self.assertEqual(other.line_ids.commission_uncapped, 20.0 + 799.0 * 0.2)
        self.assertEqual(other.total_commission, 50.0, "capped per case")

    def test_statement_cap_and_recompute(self):
        self.scheme.cap_per_statement = 100.0
        self.statement.action_compute()
        self.assertAlmostEqual(self.statement.cap_reduction, 27.0, places=2)
        self.assertEqual(self.statement.total_commission, 100.0)
        lines = self.statement.line_ids
        self.statement.action_compute()
        self.assertEqual(len(self.statement.line_ids), len(lines), "a recompute replaces the lines")

    def test_approval_and_exports(self):
        self.statement.action_compute()
        with self.assertRaises(AccessError):
            self.statement.with_user(self.supervisor).action_approve()
        self.assertFalse(self.env['collection.commission.statement'].with_user(self.officer).search([]),
                         "officers see approved statements only")
        self.statement.with_user(self.manager).action_approve()
        self.assertEqual((self.statement.state, self.statement.approved_by_id), ('approved', self.manager))
        with self.assertRaises(UserError):
            self.statement.action_compute()
        attachments = self.env['ir.attachment'].search([('res_model', '=', self.statement._name),
                                                        ('res_id', '=', self.statement.id)])
        self.assertEqual(set(attachments.mapped('mimetype')), {'text/csv', 'application/pdf'})
        rows = list(csv.reader(io.StringIO(attachments.filtered(lambda a: a.mimetype == 'text/csv').raw.decode())))
        self.assertEqual(rows[0][:3], ['case', 'customer', 'cif'])
        by_cif = {row[2]: row for row in rows[1:] if len(row) > 2 and row[2]}
        self.assertEqual(set(by_cif), {'CIF001', 'CIFB', 'CIFD'})
        self.assertEqual(by_cif['CIF001'][7], '250.0')
        self.assertEqual(by_cif['CIF001'][9], '50.0')
        self.assertEqual(by_cif['CIFB'][11], '1')
        self.assertEqual(rows[-1][0], 'total')
        _pages, text = self._pdf(attachments.filtered(lambda a: a.mimetype == 'application/pdf').raw)
        for expected in ("Commission statement", "Swift Recovery", "4 Bailiff Lane", "31-60", "1-30",
                         self._normalize(format_amount(self.env, 127.0, self.currency)),
                         self._normalize(format_amount(self.env, 610.0, self.currency)), "Bea Borrower", "capped"):
            self.assertIn(expected, text)
        # the approved statement, and its lines, are readable by the agency's officers only
        self.assertEqual(self.env['collection.commission.statement'].with_user(self.officer).search([]), self.statement)
        self.assertEqual(len(self.statement.with_user(self.officer).line_ids), 3)
        self.assertFalse(self.env['collection.commission.statement'].with_user(self.officer_2).search([]))
        action = self.statement.action_export_csv()
        self.assertIn('/web/content/', action['url'])
        self.assertEqual(self.agency.commission_amount, self.statement.total_commission)

    def test_needs_a_scheme(self):
        self.agency.commission_scheme_id = False
        with self.assertRaises(UserError):
            self.statement.action_compute()

    def test_monthly_statements_prepared_once(self):
        statements = self.env['collection.commission.statement']._prepare_statements()
        self.assertEqual(statements.agency_id, self.agency | self.agency_2)
        self.assertEqual(statements[0].date_from.day, 1)
        self.assertEqual(statements[0].date_to, statements[0].date_from.replace(day=1) + timedelta(days=40) - timedelta(
            days=(statements[0].date_from.replace(day=1) + timedelta(days=40)).day))
        self.assertFalse(self.env['collection.commission.statement']._prepare_statements(), "once per month")
