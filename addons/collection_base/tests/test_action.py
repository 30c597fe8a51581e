from datetime import timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestAction(CollectionTestCommon):

    def _log(self, user=None, **values):
        wizard = Form(self.env['collection.action.log'].with_user(user or self.agent).with_context(
            default_case_id=self.case.id))
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save().action_confirm()

    def test_log_call_with_ptp(self):
        self._log(result_code_id=self.code_ptp, ptp_amount=150.0, ptp_date=self.today)
        action = self.case.action_ids
        self.assertEqual(len(action), 1)
        self.assertEqual(action.state, 'posted')
        self.assertEqual(action.ptp_id.amount, 150.0)
        self.assertEqual(action.contact_point_id.value, '+1 202 555 0101', "the primary phone is proposed")
        self.assertEqual(self.case.stage, 'promise')
        self.assertTrue(self.case.last_contact_date)

    def test_result_code_rules_enforced_on_server(self):
        callback = self.env.ref('collection_base.collection_result_code_callback')
        with self.assertRaisesRegex(ValidationError, "requires a next action date"):
            self.env['collection.action'].create({
                'case_id': self.case.id, 'action_type_id': self.call.id,
                'result_code_id': callback.id, 'state': 'posted'})
        with self.assertRaisesRegex(ValidationError, "requires a promise to pay"):
            self.env['collection.action'].create({
                'case_id': self.case.id, 'action_type_id': self.call.id,
                'result_code_id': self.code_ptp.id, 'state': 'posted'})
        sms = self.env.ref('collection_base.collection_action_type_sms')
        with self.assertRaisesRegex(ValidationError, "does not apply"):
            self.env['collection.action'].create({
                'case_id': self.case.id, 'action_type_id': sms.id,
                'result_code_id': self.code_ptp.id, 'state': 'posted'})

    def test_next_action_offset_and_effects(self):
        self._log(result_code_id=self.code_no_answer)
        self.assertEqual(str(self.case.next_action_date), str(self.today.fromordinal(self.today.toordinal() + 1)))
        self.assertFalse(self.case.last_contact_date, "no answer is not a contact")

    def test_dispute_moves_case_to_dispute_stage(self):
        """A disputed debt sits in the Dispute stage, where the contact policy holds contact back,
        with a review of the dispute planned."""
        dispute = self.env.ref('collection_base.collection_result_code_dispute')
        self._log(result_code_id=dispute, note="Says the loan was never disbursed")
        self.assertEqual(self.case.stage, 'dispute')
        self.assertEqual(self.case.next_action_date, self.today + timedelta(days=14))
        verdict = self.env['collection.contact.policy']._evaluate_contact(self.case, 'call')[self.case.id]
        self.assertEqual(verdict.reason, "the case is in dispute")

    def test_dispute_code_with_pause_still_disputes(self):
        """A dispute code configured to pause the case puts it in Dispute, paused for its days."""
        dispute = self.env.ref('collection_base.collection_result_code_dispute')
        dispute.write({'effect': 'pause', 'pause_days': 10})
        self._log(result_code_id=dispute, note="Disputes the fees")
        self.assertEqual(self.case.stage, 'dispute')
        self.assertEqual(self.case.paused_until, self.today + timedelta(days=10))

    def test_pause_ends_with_the_daily_run(self):
        """The daily recompute moves the cases whose pause has ended back in progress, with a note."""
        ended = self.case
        ended.write({'stage': 'paused', 'paused_until': self.today, 'next_action_date': False})
        running, open_ended = self._create_cases('PAUSE', 2)
        running.write({'stage': 'paused', 'paused_until': self.today + timedelta(days=1)})
        open_ended.write({'stage': 'paused', 'paused_until': False})
        self.env['collection.loan']._cron_recompute_delinquency()
        self.assertRecordValues(ended | running | open_ended, [
            {'stage': 'in_progress', 'paused_until': False, 'next_action_date': self.today},
            {'stage': 'paused', 'paused_until': self.today + timedelta(days=1), 'next_action_date': False},
            {'stage': 'paused', 'paused_until': False, 'next_action_date': False},
        ])
        note = ended.message_ids[0]
        self.assertIn("The pause has ended", note.body)
        self.assertEqual(
            sorted(note.tracking_value_ids.field_id.mapped('name')),
            ['next_action_date', 'paused_until', 'stage'])
        self.assertNotIn("The pause has ended", running.message_ids[:1].body or '')
        self.assertEqual(self.env['collection.case']._resume_paused_cases(), 0, "nothing left to resume")

    def test_wrong_number_marks_contact_point(self):
        self._log(result_code_id=self.env.ref('collection_base.collection_result_code_wrong_number'))
        point = self.customer.contact_point_ids
        self.assertEqual(point.state, 'wrong_number')
        self.assertFalse(self.case._get_primary_phone_point(), "a wrong number is not proposed again")

    def test_contact_point_of_another_customer_refused(self):
        wrong_number = self.env.ref('collection_base.collection_result_code_wrong_number')
        stranger = self._create_customer("Olga Other", 'CIF098', '+1 202 555 0188').contact_point_ids
        Action = self.env['collection.action'].with_user(self.agent)
        values = {'case_id': self.case.id, 'action_type_id': self.call.id, 'result_code_id': wrong_number.id}
        with self.assertRaises(ValidationError) as caught:
            Action.create(dict(values, contact_point_id=stranger.id, state='posted'))
        self.assertIn("call / Wrong number", str(caught.exception))
        self.assertIn("+1 202 555 0188", str(caught.exception))
        self.assertEqual(stranger.state, 'unverified', "another customer's number stays as it was")
        own = self.customer.contact_point_ids
        draft = Action.create(dict(values, contact_point_id=own.id))
        with self.assertRaises(ValidationError):
            draft.contact_point_id = stranger
        # the customer's number, but recorded for another company
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        foreign = self.env['collection.contact.point'].create({
            'partner_id': self.customer.id, 'company_id': other_company.id, 'kind': 'mobile',
            'value': '+1 202 555 0166'})
        with self.assertRaises(UserError):
            draft.with_env(self.env).contact_point_id = foreign
        draft.action_post()
        self.assertEqual(own.state, 'wrong_number')

    def test_posted_action_is_read_only_for_agents(self):
        self._log(result_code_id=self.code_no_answer)
        action = self.case.action_ids
        with self.assertRaisesRegex(UserError, "only a collection manager"):
            action.with_user(self.agent).note = "changed afterwards"
        with self.assertRaises(UserError):
            action.with_user(self.agent).unlink()
        action.with_user(self.manager).note = "corrected by the manager"
        self.assertEqual(action.note, "corrected by the manager")
