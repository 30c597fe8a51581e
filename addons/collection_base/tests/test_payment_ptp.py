from datetime import timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestPaymentPtp(CollectionTestCommon):

    def _pay(self, reference, amount, **extra):
        return self.env['collection.payment']._register_payment(dict(
            {'name': reference, 'loan_id': self.loan.id, 'amount': amount, 'source_system': 'T24'}, **extra))

    def test_payment_allocates_oldest_due_first(self):
        payment, created = self._pay('PAY-1', 150.0)
        self.assertTrue(created)
        dues = self.loan.due_ids.sorted('due_date')
        self.assertEqual(dues[0].state, 'paid')
        self.assertEqual(dues[1].amount_residual, 50.0)
        self.assertEqual(self.loan.dpd, 30, "DPD now counts from the second instalment")
        self.assertEqual(self.loan.overdue_amount, 50.0)
        self.assertEqual(self.loan.outstanding_amount, 350.0)
        self.assertEqual(self.case.total_overdue, 50.0)
        self.assertEqual(payment.user_id, self.agent, "the case's agent is credited")

    def test_same_reference_counts_once(self):
        first, created = self._pay('PAY-DUP', 100.0)
        second, created_again = self._pay('PAY-DUP', 100.0)
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(first, second)
        self.assertEqual(self.loan.outstanding_amount, 400.0)
        self.assertEqual(len(self.loan.payment_ids), 1)

    def test_reversal_restores_dues(self):
        payment, _created = self._pay('PAY-REV', 200.0)
        self.assertEqual(self.loan.dpd, 0)
        payment.action_reverse("Bounced cheque")
        self.assertEqual(payment.state, 'reversed')
        self.assertEqual(self.loan.dpd, 60)
        self.assertEqual(self.loan.outstanding_amount, 500.0)
        with self.assertRaisesRegex(UserError, "cannot be reversed"):
            payment.action_reverse()

    def test_reversal_after_overpayment_restores_what_was_applied(self):
        """A payment above the outstanding clears it; reversing it brings back the outstanding it
        cleared, not the whole payment."""
        self.loan.outstanding_amount = 150.0
        self.assertEqual(self.case.total_outstanding, 150.0)
        payment, _created = self._pay('PAY-OVER', 200.0)
        self.assertEqual(self.loan.outstanding_amount, 0.0)
        self.assertEqual(payment.outstanding_applied, 150.0)
        self.assertEqual(self.case.total_outstanding, 0.0)
        payment.action_reverse("Bounced cheque")
        self.assertEqual(self.loan.outstanding_amount, 150.0)
        self.assertEqual(self.case.total_outstanding, 150.0)
        self.assertEqual(self.loan.dpd, 60, "the instalments the payment paid are due again")

    def test_invalid_payment_amount(self):
        with self.assertRaisesRegex(ValidationError, "positive amount"):
            self._pay('PAY-NEG', -5.0)

    def test_ptp_kept_by_payment(self):
        ptp = self.env['collection.ptp'].create({'case_id': self.case.id, 'amount': 120.0, 'date': self.today})
        self._pay('PAY-PTP-1', 100.0)
        self.assertEqual(ptp.state, 'open')
        self.assertEqual(ptp.amount_paid, 100.0)
        self._pay('PAY-PTP-2', 20.0)
        self.assertEqual(ptp.state, 'kept')

    def test_ptp_evaluation_with_grace(self):
        Ptp = self.env['collection.ptp']
        self.company.collection_ptp_grace_days = 2
        partial = Ptp.create({'case_id': self.case.id, 'amount': 300.0, 'date': self.today - timedelta(days=4)})
        self._pay('PAY-EVAL', 50.0, date=self.today - timedelta(days=3))
        broken = Ptp.create({'case_id': self.case.id, 'amount': 100.0, 'date': self.today - timedelta(days=5)})
        in_grace = Ptp.create({'case_id': self.case.id, 'amount': 100.0, 'date': self.today - timedelta(days=1)})
        self.case.stage = 'promise'
        Ptp._evaluate_due_promises()
        self.assertEqual(in_grace.state, 'open', "still within the grace days")
        self.assertEqual(partial.state, 'partial')
        self.assertEqual(broken.state, 'broken')
        self.assertEqual(self.case.stage, 'broken')
