from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import LegalTestCommon


@tagged('post_install', '-at_install')
class TestDisputeHardship(LegalTestCommon):

    def _dispute(self, user=None):
        """A dispute registered by ``user`` (the agent by default), handled by the supervisor."""
        return self.env['collection.dispute'].with_user(user or self.agent).create({
            'case_id': self.case.id, 'dispute_type': 'amount', 'description': "Penalties were charged twice",
        }).with_user(self.supervisor)

    def test_dispute_pauses_contact_until_resolved(self):
        self.case.stage = 'promise'
        first = self._dispute()
        second = self._dispute(self.officer)
        self.assertEqual(self.case.stage, 'dispute')
        self.assertEqual(self.case.stage_before_dispute, 'promise')
        with self.assertRaises(UserError):
            first.action_resolve()  # no resolution written
        first.resolution = "Duplicate penalty reversed"
        first.action_resolve()
        self.assertEqual(self.case.stage, 'dispute', "another dispute is still open")
        second.resolution = "Customer's claim not supported"
        second.action_reject()
        self.assertEqual(self.case.stage, 'promise')
        self.assertFalse(self.case.stage_before_dispute)
        bodies = " ".join(self.case.message_ids.mapped('body'))
        self.assertIn("contact is paused", bodies)
        self.assertIn("contact may resume", bodies)

    def test_contact_policy_blocks_during_dispute(self):
        if 'collection.contact.policy' not in self.env:
            self.skipTest("the compliance engine (collection.contact.policy) is not on main yet")
        Policy = self.env['collection.contact.policy']
        dispute = self._dispute()
        for channel in ('call', 'sms', 'letter'):
            verdict = Policy._check_contact(self.case, channel)
            self.assertFalse(verdict, f"{channel} is blocked during the dispute")
            self.assertIn("dispute", verdict.reason)
        # letters too: a legal letter to the customer is held back, and says why
        settlement = self.env['collection.settlement'].create({'case_id': self.case.id})
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        self.assertFalse(settlement.letter_id)
        self.assertIn("in dispute", settlement.message_ids[0].body)
        # the approval moves the case to Promise to Pay: the open dispute still blocks contact
        self.assertEqual(self.case.stage, 'promise')
        at = self._weekday_afternoon()
        for channel in ('call', 'sms', 'letter'):
            verdict = Policy._check_contact(self.case, channel, at=at)
            self.assertFalse(verdict, f"{channel} stays blocked while the dispute is open")
            self.assertEqual(verdict.reason, f"dispute {dispute.name} is open")
        self.assertEqual(Policy._check_contact_batch(self.case | self.other_case, 'call', at=at),
                         {self.case.id: f"dispute {dispute.name} is open", self.other_case.id: False})
        with self.assertRaisesRegex(UserError, "is open"):
            settlement.action_print_letter()  # a legal notice, held back by the dispute
        dispute.resolution = "Explained"
        dispute.action_resolve()
        self.assertEqual(self.case.stage, 'promise', "closing the dispute leaves the stage the case moved to")
        self.assertFalse(self.case.stage_before_dispute)
        for channel in ('call', 'sms', 'letter'):
            self.assertEqual(Policy._check_contact(self.case, channel, at=at), (True, ''))
        settlement.action_print_letter()
        self.assertTrue(settlement.letter_id)

    def _weekday_afternoon(self):
        """A Wednesday at 16:00 UTC: within every channel's allowed days and hours."""
        day = self.today + timedelta(days=(2 - self.today.weekday()) % 7)
        return datetime.combine(day, time(16, 0))

    def test_officer_disputes_only_placed_cases(self):
        with self.assertRaises(AccessError):
            self.env['collection.dispute'].with_user(self.officer).create({
                'case_id': self.other_case.id, 'description': "not mine"})

    def test_hardship_leads_to_a_plan(self):
        request = self.env['collection.hardship.request'].with_user(self.agent).create({
            'case_id': self.case.id, 'reason': 'job_loss', 'monthly_income': 900.0, 'monthly_expenses': 800.0,
            'outcome': 'plan', 'plan_amount': 80.0, 'plan_count': 4, 'plan_start_date': self.today + timedelta(days=7)})
        self.assertEqual(request.disposable_income, 100.0)
        request.action_submit()
        with self.assertRaises(AccessError):
            request.with_user(self.agent).action_approve()
        request.with_user(self.supervisor).action_approve()
        self.assertEqual(request.state, 'approved')
        self.assertEqual(request.ptp_plan_id.amount_total, 320.0)
        self.assertEqual(request.ptp_plan_id.state, 'open', "approved with the hardship")
        self.assertEqual(len(request.ptp_ids), 4)
        self.assertEqual(request.ptp_ids.mapped('amount'), [80.0] * 4)
        first_date = self.today + timedelta(days=7)
        self.assertEqual(request.ptp_ids.mapped('date'), [first_date + relativedelta(months=n) for n in range(4)])
        self.assertEqual(self.case.stage, 'promise')

    def test_hardship_leads_to_a_settlement(self):
        request = self.env['collection.hardship.request'].with_user(self.agent).create({
            'case_id': self.case.id, 'reason': 'illness', 'outcome': 'settlement', 'plan_count': 6})
        request.action_submit()
        action = request.with_user(self.supervisor).action_approve()
        settlement = request.settlement_id
        self.assertEqual(action['res_id'], settlement.id)
        self.assertEqual((settlement.origin, settlement.hardship_id, settlement.installment_count),
                         ('hardship', request, 6))

    def test_plan_needs_its_terms(self):
        request = self.env['collection.hardship.request'].create({'case_id': self.case.id, 'outcome': 'plan'})
        with self.assertRaises(UserError):
            request.action_submit()
