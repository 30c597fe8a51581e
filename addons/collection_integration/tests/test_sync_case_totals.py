from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.collection_integration.models import collection_sync_engine

from .common import CollectionSyncCommon

TOTALS = SQL("""
    SELECT c.id, c.loan_count, c.total_outstanding, c.total_overdue, c.max_dpd, c.bucket_id
      FROM collection_case c ORDER BY c.id
""")


@tagged('post_install', '-at_install')
class TestSyncCaseTotals(CollectionSyncCommon):
    """The sync gives the cases it creates their totals at once and recomputes only the cases
    whose loans it changed: after every batch, the totals of all cases are those of a full
    recompute."""

    def setUp(self):
        super().setUp()
        self.env['collection.case']._recompute_aggregates_sql()
        self.env.flush_all()

    def customers(self):
        return super().customers() + [
            {'CUSTOMER_ID': 'C400', 'NAME': "Dora Dune", 'CUSTOMER_TYPE': 'PERSON', 'COUNTRY': 'US'},
        ]

    def loans(self):
        return super().loans() + [
            {'ARRANGEMENT_ID': 'AA4', 'CUSTOMER_ID': 'C300', 'PRODUCT': 'PL', 'CURRENCY': 'USD', 'AMOUNT': '300',
             'OUTSTANDING': '0', 'STATUS': 'CLOSED'},
        ]

    def sync_file(self, record_type, records, extract='FULL'):
        # the statistics of the tables as they are now: with those of empty tables, every
        # batch would look large enough for a pass over all the cases
        self.env.flush_all()
        self.env.cr.execute("ANALYZE collection_case, collection_loan")
        run = self.sync(paths=[self.extract(record_type, records, extract=extract)])
        self.assertEqual(run.state, 'done')
        self.assertTotalsFresh()
        return run

    def assertTotalsFresh(self):
        """The totals and bucket of every case are what a full recompute gives."""
        cr = self.env.cr
        self.env.flush_all()
        kept = self.env.execute_query(TOTALS)
        self.assertTrue(all(row[5] for row in kept), "every case has a bucket")
        self.env['collection.case']._recompute_aggregates_sql()
        self.assertEqual(kept, self.env.execute_query(TOTALS))
        # the recompute leaves the bucket of a case whose totals are right: check it apart
        cr.execute(SQL("SELECT COUNT(*) FROM collection_case c WHERE c.bucket_id IS DISTINCT FROM %s",
                       self.env['collection.bucket']._bucket_id_sql(SQL("c.max_dpd"))))
        self.assertEqual(cr.fetchone()[0], 0)

    def case_of(self, cif):
        return self.env['collection.case'].search([('partner_id', '=', self.partner(cif).id)])

    def test_case_totals_after_each_batch(self):
        # a list of case ids every time (as a large database would take), not one pass over all
        with patch.object(collection_sync_engine, 'BULK_SHARE', 100):
            self.sync_file('CUSTOMER', self.customers())
            cases = self.env['collection.case'].search([])
            # first load: the cases are created with the totals of their new loans
            self.sync_file('ARRANGEMENT', self.loans())
            new_cases = self.env['collection.case'].search([]) - cases
            self.assertEqual(len(new_cases), 3)
            c100, c300 = self.case_of('C100'), self.case_of('C300')
            self.assertRecordValues(c100 | c300, [
                {'loan_count': 2, 'total_outstanding': 4900.5, 'total_overdue': 0, 'max_dpd': 0,
                 'bucket_id': self.env.ref('collection_base.collection_bucket_current').id},
                {'loan_count': 0, 'total_outstanding': 0, 'total_overdue': 0, 'max_dpd': 0,
                 'bucket_id': self.env.ref('collection_base.collection_bucket_current').id},
            ])
            # instalments: DPD and overdue amounts
            self.sync_file('BILL', self.bills())
            self.assertEqual(self.case_of('C200').max_dpd, 5)
            # a second file: AA1 changes, AA3 (overdue) moves to C400, who had no case yet,
            # and C200 gets a new loan
            loans = {loan['ARRANGEMENT_ID']: dict(loan) for loan in self.loans()}
            loans['AA1']['OUTSTANDING'] = '850'
            loans['AA3']['CUSTOMER_ID'] = 'C400'
            loans['AA5'] = {'ARRANGEMENT_ID': 'AA5', 'CUSTOMER_ID': 'C200', 'PRODUCT': 'PL', 'CURRENCY': 'USD',
                            'AMOUNT': '500', 'OUTSTANDING': '450', 'STATUS': 'CURRENT'}
            self.sync_file('ARRANGEMENT', [loans[key] for key in ('AA1', 'AA3', 'AA5')], extract='DELTA')
            c200, c400 = self.case_of('C200'), self.case_of('C400')
            self.assertRecordValues(c200 | c400, [
                {'loan_count': 1, 'total_outstanding': 450, 'total_overdue': 0, 'max_dpd': 0},
                {'loan_count': 1, 'total_outstanding': 800, 'total_overdue': 80, 'max_dpd': 5},
            ])
            # a full extract without AA2 closes it; AA4 is active again
            loans['AA4']['STATUS'] = 'CURRENT'
            loans['AA4']['OUTSTANDING'] = '120'
            del loans['AA2']
            run = self.sync_file('ARRANGEMENT', list(loans.values()))
            self.assertEqual(self.loan('AA2').state, 'closed')
            self.assertEqual(self.loan('AA4').state, 'active')
            self.assertRecordValues(c100 | c300, [
                {'loan_count': 1, 'total_outstanding': 850},
                {'loan_count': 1, 'total_outstanding': 120},
            ])
            self.assertEqual(run.batch_ids.closed_count, 1)
            # more instalments, one of them on the loan that moved
            self.sync_file('BILL', self.bills() + [
                {'ARRANGEMENT_ID': 'AA5', 'BILL_SEQ': '1', 'DUE_DATE': self.day(-40), 'AMOUNT_DUE': '50',
                 'AMOUNT_PAID': '0'},
            ])
            self.assertRecordValues(c200, [{'total_overdue': 50, 'max_dpd': 40}])
            # the same files again change nothing
            self.sync_file('ARRANGEMENT', list(loans.values()))
