from datetime import timedelta

from odoo.tests import tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestLoanCase(CollectionTestCommon):

    def test_loan_creates_one_case_per_obligor(self):
        second = self._create_loan(self.customer, 'ACC-002', overdue_instalments=1)
        self.assertEqual(second.case_id, self.case, "a second loan of the same customer joins their case")
        self.assertEqual(self.case.loan_count, 2)
        other = self._create_loan(self._create_customer("Dan Debtor", 'CIF002'), 'ACC-003')
        self.assertNotEqual(other.case_id, self.case)
        self.assertTrue(self.case.name.startswith('CASE-'))

    def test_dpd_from_oldest_unpaid_due(self):
        self.assertEqual(self.loan.dpd, 60)
        self.assertEqual(self.loan.overdue_amount, 200.0)
        self.assertEqual(self.loan.bucket_id, self.env.ref('collection_base.collection_bucket_31_60'))
        self.assertEqual(self.case.max_dpd, 60)
        self.assertEqual(self.case.total_overdue, 200.0)
        self.assertEqual(self.loan.next_due_date, self.today + timedelta(days=15))

    def test_recompute_on_another_day(self):
        later = self.today + timedelta(days=31)
        changed = self.env['collection.loan']._recompute_delinquency(today=later)
        self.assertGreaterEqual(changed, 1)
        self.assertEqual(self.loan.dpd, 91)
        self.assertEqual(self.loan.bucket_id, self.env.ref('collection_base.collection_bucket_91_180'))
        self.assertEqual(self.case.bucket_id, self.loan.bucket_id)
        self.assertEqual(self.loan.overdue_amount, 300.0, "the instalment that fell due is now overdue")
        again = self.env['collection.loan']._recompute_delinquency(today=later)
        self.assertEqual(again, 0, "a second run on the same day changes nothing")

    def test_current_loan(self):
        loan = self._create_loan(self._create_customer("Eve Early", 'CIF003'), 'ACC-004')
        self.assertEqual(loan.dpd, 0)
        self.assertEqual(loan.bucket_id, self.env.ref('collection_base.collection_bucket_current'))

    def test_instalment_due_today_is_not_overdue(self):
        """An instalment is overdue from the day after its due date, as DPD counts: due today, it
        is the next due, not overdue, and sets no minimum for a promise."""
        loan = self.env['collection.loan'].create(dict(
            self._prepare_loan_vals(self._create_customer("Tess Today", 'CIF-TODAY'), 'ACC-TODAY'),
            due_ids=[(0, 0, {'sequence': 1, 'amount_due': 100.0, 'due_date': self.today}),
                     (0, 0, {'sequence': 2, 'amount_due': 100.0, 'due_date': self.today + timedelta(days=30)})]))
        self.assertRecordValues(loan, [{
            'dpd': 0, 'overdue_amount': 0.0, 'oldest_unpaid_date': False, 'next_due_date': self.today,
            'bucket_id': self.env.ref('collection_base.collection_bucket_current').id,
        }])
        self.assertEqual(loan.case_id.total_overdue, 0.0)
        self.company.collection_ptp_min_percent = 50.0
        issues, _approval = self.env['collection.ptp']._get_policy_issues(loan.case_id, 10.0, self.today)
        self.assertFalse(issues, "nothing is overdue yet: no minimum share")
        self.env['collection.loan']._recompute_delinquency(loan.ids, today=self.today + timedelta(days=1))
        self.assertRecordValues(loan, [{
            'dpd': 1, 'overdue_amount': 100.0, 'oldest_unpaid_date': self.today,
            'next_due_date': self.today + timedelta(days=30)}])

    def test_figures_written_in_sql_are_not_marked_tracked(self):
        """The overdue amounts are written by SQL, which no tracking sees: the fields do not claim
        to be tracked (the chatter would never show their changes)."""
        for model, name in (('collection.loan', 'overdue_amount'), ('collection.case', 'total_overdue')):
            self.assertNotIn(name, self.env[model]._track_get_fields(), f"{model}.{name}")

    def test_closed_loan_leaves_case_totals(self):
        self.loan.state = 'closed'
        self.assertEqual(self.case.loan_count, 0)
        self.assertEqual(self.case.total_overdue, 0.0)
