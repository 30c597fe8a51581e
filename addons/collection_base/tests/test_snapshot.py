from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestLoanSnapshot(CollectionTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Snapshot = cls.env['collection.loan.snapshot']
        cls.current_loan = cls._create_loan(cls._create_customer("Cora Current", 'CIF002'), 'ACC-002')
        cls.current_loan.case_id.write({'user_id': cls.agent_2.id, 'team_id': cls.team.id})
        cls.closed_loan = cls._create_loan(cls._create_customer("Cleo Closed", 'CIF003'), 'ACC-003', 1)
        cls.closed_loan.state = 'closed'
        cls.day = date(2024, 5, 14)

    def _rows(self, day):
        return self.Snapshot.search([('date', '=', day)])

    def test_snapshot_copies_the_active_loans_figures(self):
        count = self.Snapshot._take_snapshot(self.day)
        self.assertEqual(count, 2, "the closed loan is not snapshotted")
        rows = self._rows(self.day)
        self.assertEqual(rows.loan_id, self.loan | self.current_loan)
        row = rows.filtered(lambda r: r.loan_id == self.loan)
        self.assertRecordValues(row, [{
            'case_id': self.case.id,
            'company_id': self.company.id,
            'currency_id': self.loan.currency_id.id,
            'product_id': self.product.id,
            'bucket_id': self.env.ref('collection_base.collection_bucket_31_60').id,
            'dpd': 60,
            'overdue_amount': 200.0,
            'outstanding_amount': 500.0,
            'user_id': self.agent.id,
            'team_id': self.team.id,
            'loan_count': 1,
        }])
        current = rows - row
        self.assertEqual((current.dpd, current.overdue_amount, current.user_id), (0, 0.0, self.agent_2))
        self.assertEqual(current.bucket_id, self.env.ref('collection_base.collection_bucket_current'))

    def test_snapshot_is_idempotent_for_a_day(self):
        self.Snapshot._take_snapshot(self.day)
        first_ids = self._rows(self.day).ids
        self.env['collection.payment'].create({'name': 'PAY-S1', 'loan_id': self.loan.id, 'amount': 100.0})
        self.assertEqual(self.Snapshot._take_snapshot(self.day), 2)
        rows = self._rows(self.day)
        self.assertEqual(len(rows), 2, "one row per loan and day, whatever the number of runs")
        self.assertNotEqual(rows.ids, first_ids, "the day's rows are replaced")
        row = rows.filtered(lambda r: r.loan_id == self.loan)
        self.assertEqual((row.dpd, row.overdue_amount, row.outstanding_amount), (30, 100.0, 400.0),
                         "the second run records the figures after the payment")
        self.assertEqual(row.bucket_id, self.env.ref('collection_base.collection_bucket_1_30'))

    def test_days_accumulate_across_monthly_partitions(self):
        self.Snapshot._take_snapshot(self.day)
        self.Snapshot._take_snapshot(date(2024, 6, 1))
        self.assertEqual(len(self._rows(self.day)), 2)
        self.assertEqual(len(self._rows(date(2024, 6, 1))), 2)
        partitions = self.env.execute_query(SQL(
            "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
            self.Snapshot._partition_name(self.day), self.Snapshot._partition_name(date(2024, 6, 1))))
        self.assertEqual(partitions, [(True, True)])

    def test_snapshot_runs_a_fixed_number_of_queries(self):
        """Set-based: the number of queries does not grow with the number of loans."""
        cr = self.env.cr
        self.Snapshot._take_snapshot(self.day)  # creates the month's partition
        before = cr.sql_log_count
        self.Snapshot._take_snapshot(self.day)
        few = cr.sql_log_count - before
        for index in range(10):
            self._create_loan(self._create_customer(f"Bulk {index}", f'CIFB{index}'), f'ACC-B{index}', 1)
        self.env.flush_all()
        before = cr.sql_log_count
        self.assertEqual(self.Snapshot._take_snapshot(self.day), 12)
        self.assertEqual(cr.sql_log_count - before, few)

    def test_deleted_loan_leaves_no_history(self):
        self.Snapshot._take_snapshot(self.day)
        self.current_loan.unlink()
        self.assertEqual(self._rows(self.day).loan_id, self.loan)

    def test_recompute_cron_triggers_the_snapshot(self):
        cron = self.env.ref('collection_base.ir_cron_collection_loan_snapshot')
        Trigger = self.env['ir.cron.trigger']
        before = Trigger.search_count([('cron_id', '=', cron.id)])
        self.env['collection.loan']._cron_recompute_delinquency()
        self.assertEqual(Trigger.search_count([('cron_id', '=', cron.id)]), before + 1)

    def test_agent_sees_only_own_snapshot_rows(self):
        self.Snapshot._take_snapshot(self.day)
        self.assertEqual(self.Snapshot.with_user(self.agent).search([]).loan_id, self.loan)
        self.assertEqual(self.Snapshot.with_user(self.supervisor).search([]).loan_id,
                         self.loan | self.current_loan)
