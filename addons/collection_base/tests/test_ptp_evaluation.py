from datetime import timedelta

from freezegun import freeze_time

from odoo.addons.sms.tests.common import SMSCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import format_amount, format_date

from .common import CollectionPtpTestCommon

FOLLOWUP = 'collection_base.mail_activity_type_ptp_followup'
REMINDER = 'collection_base.mail_activity_type_ptp_reminder'


@tagged('post_install', '-at_install')
class TestPtpEvaluation(CollectionPtpTestCommon):
    """Payments counted for promises, the daily evaluation and the reminders, on prepared data."""

    def _end_transaction(self):
        """Run what a commit runs before committing: the chatter tracking."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()

    def _case_messages(self):
        return self.case.message_ids.mapped('body')

    # Payments and promises

    def test_payment_after_the_window_does_not_count(self):
        ptp = self._promise(amount=100.0, days=1)
        self._pay('PAY-LATE', 100.0, date=ptp.date + timedelta(days=3))
        self.assertEqual(ptp.amount_paid, 0.0, "paid after the promised date plus 2 grace days")
        self._pay('PAY-GRACE', 100.0, date=ptp.date + timedelta(days=2))
        self.assertEqual(ptp.state, 'kept', "paid on the last grace day")

    def test_payment_on_another_loan_does_not_count_for_a_loan_promise(self):
        other = self._create_loan(self.customer, 'ACC-OTHER', overdue_instalments=1)
        on_loan = self._promise(amount=100.0, loan_id=self.loan.id)
        self._pay('PAY-OTHER', 100.0, loan=other)
        self.assertEqual(on_loan.amount_paid, 0.0)

    def test_kept_promise_moves_case_back_to_work(self):
        self.case.stage = 'promise'
        ptp = self._promise(amount=120.0)
        self._end_transaction()  # tracking starts after the transaction that creates the promise
        self._pay('PAY-K1', 100.0)
        self.assertEqual(ptp.state, 'open')
        self.assertEqual(self.case.stage, 'promise')
        self._pay('PAY-K2', 20.0)
        self.assertEqual(ptp.state, 'kept')
        self.assertEqual(self.case.stage, 'in_progress')
        self.assertEqual(len([b for b in self._case_messages() if 'was kept' in b]), 1)
        self._end_transaction()
        tracked = ptp.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == 'state')
        self.assertEqual(tracked.new_value_char, 'Kept', "the status change shows in the promise's chatter")

    def test_reversal_reopens_a_kept_promise(self):
        ptp = self._promise(amount=100.0)
        payment = self._pay('PAY-BOUNCE', 100.0)
        self.assertEqual(ptp.state, 'kept')
        self.assertEqual(self.case.stage, 'new')
        payment.action_reverse("Cheque bounced")
        self.assertEqual(ptp.amount_paid, 0.0)
        self.assertEqual(ptp.state, 'open')
        self.assertFalse(ptp.evaluated_date)
        self.assertEqual(self.case.stage, 'promise')
        self.assertTrue(any('reopened' in body for body in self._case_messages()))
        self.Ptp._evaluate_due_promises(today=ptp.date + timedelta(days=3))
        self.assertEqual(ptp.state, 'broken', "the next evaluation judges it again")

    def test_late_reported_payment_settles_a_broken_promise(self):
        ptp = self._promise(amount=100.0, days=1)
        self.Ptp._evaluate_due_promises(today=ptp.date + timedelta(days=3))
        self.assertEqual(ptp.state, 'broken')
        self._pay('PAY-SYNC-1', 40.0, date=ptp.date)
        self.assertEqual(ptp.state, 'partial', "a payment dated in the window arrived after the evaluation")
        self._pay('PAY-SYNC-2', 60.0, date=ptp.date + timedelta(days=1))
        self.assertEqual(ptp.state, 'kept')

    def test_manual_allocation_by_manager(self):
        ptp = self._promise(amount=100.0, days=1)
        payment = self._pay('PAY-MANUAL', 150.0, date=ptp.date + timedelta(days=10))
        self.assertEqual(ptp.amount_paid, 0.0)
        with self.assertRaises(AccessError):
            payment.with_user(self.agent)._allocate_to_promise(ptp, 100.0)
        with self.assertRaises(AccessError):
            self.env['collection.payment.allocate'].with_user(self.agent).create({
                'ptp_id': ptp.id, 'payment_id': payment.id})
        wizard = self.env['collection.payment.allocate'].with_user(self.manager).create({
            'ptp_id': ptp.id, 'payment_id': payment.id})
        self.assertEqual(wizard.amount, 100.0, "the promise's remaining, within what the payment has left")
        wizard.action_confirm()
        self.assertEqual(ptp.state, 'kept')
        with self.assertRaisesRegex(UserError, "only .* left to allocate"):
            payment.with_user(self.manager)._allocate_to_promise(self._promise(amount=100.0, days=2), 60.0)

    def test_removed_allocation_reopens(self):
        ptp = self._promise(amount=100.0)
        payment = self._pay('PAY-RM', 100.0)
        payment.allocation_ids.filtered('ptp_id').unlink()
        self.assertEqual(ptp.state, 'open')
        with self.assertRaisesRegex(UserError, "reversing the payment"):
            payment.allocation_ids.filtered('due_id').unlink()

    # Daily evaluation

    def test_broken_promise_consequences(self):
        self.case.stage = 'promise'
        first = self._promise(amount=100.0, days=1)
        second = self._promise(amount=100.0, days=2)
        self.Ptp._evaluate_due_promises(today=self.today + timedelta(days=4))
        self.assertEqual(first.state, 'broken', "promised date + grace days passed")
        self.assertEqual(second.state, 'open', "the last grace day is today")
        self.assertEqual(first.evaluated_date, self.today + timedelta(days=4))
        self.assertEqual(self.case.stage, 'broken')
        followup = self.case.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FOLLOWUP))
        self.assertEqual(followup.user_id, self.agent)
        self.Ptp._evaluate_due_promises(today=self.today + timedelta(days=5))
        self.assertEqual(second.state, 'broken')
        followup = self.case.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FOLLOWUP))
        self.assertEqual(len(followup), 1, "one follow-up call per case while it is pending")
        self.assertEqual(len([b for b in self._case_messages() if 'was broken' in b]), 2, "one note per promise")

    def test_grace_days_per_company(self):
        ptp = self._promise(amount=100.0, days=1)
        self.company.collection_ptp_grace_days = 5
        self.Ptp._evaluate_due_promises(today=ptp.date + timedelta(days=5))
        self.assertEqual(ptp.state, 'open')
        self.Ptp._evaluate_due_promises(today=ptp.date + timedelta(days=6))
        self.assertEqual(ptp.state, 'broken')

    def test_evaluation_in_batches(self):
        promises = self.Ptp.create([{
            'case_id': self.case.id, 'amount': 10.0 + index, 'date': self.today - timedelta(days=10),
        } for index in range(7)])
        self._pay('PAY-B', 10.0, date=self.today - timedelta(days=10))
        self.assertEqual(promises[0].state, 'kept', "kept as soon as paid, before the evaluation")
        counts = self.Ptp._evaluate_due_promises(batch_size=3)
        self.assertEqual(counts, {'kept': 0, 'partial': 0, 'broken': 6})
        self.assertEqual(set(promises.mapped('state')), {'kept', 'broken'})
        self.assertEqual(self.Ptp._evaluate_due_promises(batch_size=3), {'kept': 0, 'partial': 0, 'broken': 0})

    def test_evaluation_cron(self):
        ptp = self.Ptp.create({'case_id': self.case.id, 'amount': 10.0, 'date': self.today - timedelta(days=10)})
        self.env['ir.config_parameter'].sudo().set_param('collection_base.ptp_batch_size', 1)
        with self.enter_registry_test_mode():
            self.env.ref('collection_base.ir_cron_collection_evaluate_promises').method_direct_trigger()
        self.assertEqual(ptp.state, 'broken')

    def _due_promise(self, case, amount, days_ago=10, **values):
        """An open promise made before ``days_ago`` days and due then (its window has passed)."""
        day = self.today - timedelta(days=days_ago)
        return self.Ptp.create(dict({
            'case_id': case.id, 'amount': amount, 'date': day, 'recorded_date': day - timedelta(days=2),
        }, **values))

    def test_batch_evaluation(self):
        """Promises of several cases settled in one run: one UPDATE, then the promises' status
        tracking, the cases' notes (stage changes tracked under them) and the follow-ups in batches."""
        case_b, case_c = self._create_cases('BATCH', 2)
        case_b.write({'user_id': self.agent_2.id, 'stage': 'broken'})
        self.case.stage = 'promise'
        broken = self._due_promise(self.case, 100.0, days_ago=20)
        partial = self._due_promise(self.case, 80.0)
        kept = self._due_promise(case_b, 100.0)
        later = self._due_promise(case_b, 100.0, days_ago=-5)
        unassigned = self._due_promise(case_c, 40.0, user_id=self.agent_2.id)
        self._pay('PAY-PART', 30.0, date=partial.date)
        self._pay('PAY-B', 60.0, loan=case_b.loan_ids, date=kept.date)
        kept.amount = 50.0  # now covered: kept at the evaluation, not before
        self.assertEqual((partial.amount_paid, kept.amount_paid, kept.state), (30.0, 60.0, 'open'))
        broken.activity_schedule(REMINDER, user_id=self.agent.id)
        self._end_transaction()
        cases = self.case | case_b | case_c
        messages_before = self.env['mail.message'].search([('model', '=', 'collection.case'), ('res_id', 'in', cases.ids)])

        counts = self.Ptp._evaluate_due_promises(today=self.today)

        self.assertEqual(counts, {'kept': 1, 'partial': 1, 'broken': 2})
        self.assertEqual(
            (broken.state, partial.state, kept.state, unassigned.state, later.state),
            ('broken', 'partial', 'kept', 'broken', 'open'))
        self.assertEqual(set((broken | partial | kept | unassigned).mapped('evaluated_date')), {self.today})
        self.assertEqual((self.case.stage, case_b.stage, case_c.stage), ('broken', 'promise', 'broken'),
                         "broken; back on promise while another promise is pending; broken")
        # the promises' chatter: their status change, as the ORM's tracking shows it
        for ptp, label in ((broken, 'Broken'), (partial, 'Partly kept'), (kept, 'Kept'), (unassigned, 'Broken')):
            tracked = ptp.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == 'state')
            self.assertEqual((tracked.old_value_char, tracked.new_value_char), ('Open', label), ptp.name)
        # one note per promise on its case, the case's stage change under one of them
        notes = self.env['mail.message'].search(
            [('model', '=', 'collection.case'), ('res_id', 'in', cases.ids)]) - messages_before
        self.assertEqual(len(notes), 4)
        by_case = {case: notes.filtered(lambda m, case=case: m.res_id == case.id) for case in cases}
        self.assertEqual(len(by_case[self.case]), 2)
        for ptp, text, amounts in ((broken, "was broken.", (100.0,)), (partial, "was partly kept:", (80.0, 30.0))):
            body = by_case[self.case].filtered(lambda m, ptp=ptp: f'data-oe-id="{ptp.id}"' in m.body).body
            self.assertIn(text, body)
            self.assertIn(format_date(self.env, ptp.date), body)
            for amount in amounts:
                self.assertIn(f"{amount:.2f}", body)
        self.assertTrue(all(note.subtype_id == self.env.ref('mail.mt_note') for note in notes))
        for case, old, new in ((self.case, 'Promise to Pay', 'Broken Promise'),
                               (case_b, 'Broken Promise', 'Promise to Pay'), (case_c, 'New', 'Broken Promise')):
            tracked = by_case[case].tracking_value_ids
            self.assertEqual((tracked.field_id.name, tracked.old_value_char, tracked.new_value_char),
                             ('stage', old, new), case.name)
        self.assertIn('was kept', by_case[case_b].body)
        # one follow-up call per case with a promise not kept, for its agent or the promise's
        followups = self.env['mail.activity'].search([
            ('res_model', '=', 'collection.case'), ('res_id', 'in', cases.ids),
            ('activity_type_id', '=', self.env.ref(FOLLOWUP).id)])
        self.assertEqual(sorted((a.res_id, a.user_id.id, a.date_deadline) for a in followups), sorted([
            (self.case.id, self.agent.id, self.today), (case_c.id, self.agent_2.id, self.today)]))
        note = followups.filtered(lambda a: a.res_id == self.case.id).note
        self.assertIn(broken.display_name, note)
        self.assertIn(partial.display_name, note)
        self.assertFalse(broken.activity_ids, "the reminder of a closed promise is removed")
        self.assertFalse(self.env['mail.message'].search([
            ('model', '=', 'collection.case'), ('res_id', 'in', cases.ids), ('message_type', '=', 'user_notification'),
        ]) - messages_before, "the agents are not notified of each follow-up")

    def test_batch_evaluation_queries_do_not_grow(self):
        """Settling three times as many promises takes the same number of queries."""
        cases = self._create_cases('QRY', 9)
        cases.write({'user_id': self.agent.id, 'stage': 'in_progress'})

        def evaluate(promises, day):
            self._end_transaction()
            before = self.env.cr.sql_log_count
            counts = self.Ptp._evaluate_due_promises(today=self.today + timedelta(days=day))
            self._end_transaction()
            self.assertEqual(counts['broken'], len(promises))
            return self.env.cr.sql_log_count - before

        evaluate(self._due_promise(cases[0], 10.0, days_ago=10), 0)  # warms the caches up
        few = evaluate(self.Ptp.concat(*(self._due_promise(case, 10.0, days_ago=8) for case in cases[1:3])), 1)
        many = evaluate(self.Ptp.concat(*(self._due_promise(case, 10.0, days_ago=6) for case in cases[3:])), 2)
        self.assertEqual(many, few)

    # Reminders

    def test_reminder_on_the_right_day(self):
        self.company.collection_ptp_reminder_days = 2
        ptp = self._promise(amount=100.0, days=10)
        self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date - timedelta(days=3)), 0, "too early")
        self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date - timedelta(days=2)), 1)
        reminder = ptp.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(REMINDER))
        self.assertEqual(reminder.user_id, self.agent)
        self.assertEqual(reminder.date_deadline, ptp.date - timedelta(days=2))
        self.assertEqual(ptp.reminded_date, ptp.date - timedelta(days=2))
        self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date - timedelta(days=1)), 0, "once")
        self._pay('PAY-REM', 100.0)
        self.assertFalse(ptp.activity_ids, "a kept promise needs no reminder")

    def test_no_reminder_the_day_the_promise_is_made(self):
        ptp = self._promise(amount=100.0, days=1)
        self.assertEqual(self.Ptp._send_due_reminders(today=self.today), 0)
        self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date), 1, "caught up on the due date")
        self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date), 0)


@tagged('post_install', '-at_install')
@freeze_time('2030-03-06 05:00:00')  # a Wednesday, 10:30 in Colombo: inside the contact hours
class TestPtpReminderSms(SMSCase, CollectionPtpTestCommon):
    """The customer's reminder goes through the notification engine and its contact policy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.tz = 'Asia/Colombo'

    def test_reminder_sms(self):
        ptp = self._promise(amount=120.0, days=2)
        with self.mockSMSGateway():
            self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date - timedelta(days=1)), 1)
        self.assertEqual(len(self._new_sms), 1)
        self.assertEqual(self._new_sms.number, '+12025550101')
        self.assertIn(format_amount(self.env, 120.0, self.currency), self._new_sms.body)
        self.assertEqual(self.case.action_ids.action_type_id, self.env.ref('collection_base.collection_action_type_sms'))

    def test_blocked_reminder_still_reminds_the_agent(self):
        self.customer.consent_sms = False
        ptp = self._promise(amount=120.0, days=2)
        with self.mockSMSGateway():
            self.assertEqual(self.Ptp._send_due_reminders(today=ptp.date - timedelta(days=1)), 1)
        self.assertFalse(self._new_sms)
        self.assertTrue(self.case.contact_blocked_reason)
        self.assertTrue(ptp.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(REMINDER)))
