from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date

from .common import CollectionTestCommon

# Wednesday, 10:30 in Colombo where the customers live: inside every default window.
NOW = '2030-03-06 05:00:00'


@tagged('post_install', '-at_install')
@freeze_time(NOW)
class TestNotification(SMSCase, MockEmail, CollectionTestCommon):
    """SMS and email sent by agents from a case and by strategies, behind the contact policy.

    Odoo's own SMS and email gateway mocks capture what would leave the server.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({'tz': 'Asia/Colombo', 'email': 'carla@example.com'})
        cls.phone = cls.customer.contact_point_ids
        cls.sms_overdue = cls.env.ref('collection_base.collection_sms_template_overdue')
        cls.sms_ptp = cls.env.ref('collection_base.collection_sms_template_ptp_reminder')
        cls.mail_overdue = cls.env.ref('collection_base.collection_mail_template_overdue_notice')
        cls.type_sms = cls.env.ref('collection_base.collection_action_type_sms')
        cls.type_email = cls.env.ref('collection_base.collection_action_type_email')
        cls.code_sent = cls.env.ref('collection_base.collection_result_code_sent')

    @classmethod
    def _create_case(cls, name, cif, phone, **partner_values):
        customer = cls._create_customer(name, cif, phone)
        customer.write(dict({'tz': 'Asia/Colombo', 'email': f'{cif.lower()}@example.com'}, **partner_values))
        return cls._create_loan(customer, f'ACC-{cif}', overdue_instalments=1).case_id

    def _open_sms_composer(self, case=None):
        action = (case or self.case).with_user(self.agent).action_send_sms()
        self.assertEqual(action['res_model'], 'sms.composer')
        return Form(self.env['sms.composer'].with_user(self.agent).with_context(action['context']))

    def _open_mail_composer(self, case=None):
        action = (case or self.case).with_user(self.agent).action_send_email()
        self.assertEqual(action['res_model'], 'mail.compose.message')
        return Form(self.env['mail.compose.message'].with_user(self.agent).with_context(action['context']))

    def _sent_actions(self, case=None, action_type=None):
        return (case or self.case).action_ids.filtered(
            lambda a: a.result_code_id == self.code_sent and (not action_type or a.action_type_id == action_type))

    def _raise_blocked(self, method, *args):
        """Call ``method`` expecting a blocked contact; no savepoint, so that what the
        blocked call wrote in its own transaction stays visible."""
        try:
            method(*args)
        except UserError as error:
            return str(error)
        self.fail("the contact should have been blocked")

    # ------------------------------------------------------------------
    # Agent, from the case
    # ------------------------------------------------------------------

    def test_agent_sends_sms(self):
        self.case._record_contact_blocked('sms', {self.case.id: "an older reason"})
        composer = self._open_sms_composer()
        self.assertEqual(composer.template_id, self.sms_overdue)
        self.assertEqual(composer.recipient_single_number_itf, '+12025550101')
        overdue = format_amount(self.env, self.case.total_overdue, self.case.currency_id)
        self.assertIn(overdue, composer.body)
        with self.mockSMSGateway():
            composer.save().action_send_sms()
        self.assertEqual(len(self._new_sms), 1)
        self.assertEqual(self._new_sms.number, '+12025550101')
        self.assertIn("Dear Carla Customer", self._new_sms.body)
        self.assertSMSIapSent(['+12025550101'], content=overdue)
        action = self._sent_actions(action_type=self.type_sms)
        self.assertEqual(len(action), 1)
        self.assertEqual(action.state, 'posted')
        self.assertEqual(action.contact_point_id, self.phone)
        self.assertEqual(action.user_id, self.agent)
        self.assertIn("Dear Carla Customer", action.note)
        self.assertFalse(self.case.contact_blocked_reason, "a contact made clears the last blocked one")
        self.assertTrue(self.case.message_ids.filtered(lambda m: m.message_type == 'sms'),
                        "the SMS shows in the case's chatter")

    def test_agent_sms_blocked_before_the_composer_opens(self):
        self.customer.consent_sms = False
        with self.mockSMSGateway():
            error = self._raise_blocked(self.case.with_user(self.agent).action_send_sms)
        self.assertIn("no consent to SMS", error)
        self.assertIn(self.case.name, error)
        self.assertFalse(self._new_sms, "nothing is sent")
        self.assertEqual(self.case.contact_blocked_reason, "no consent to SMS")
        self.assertEqual(self.case.contact_blocked_channel, 'sms')
        self.assertFalse(self._sent_actions())

    def test_agent_sms_blocked_when_sending(self):
        composer = self._open_sms_composer()
        self.phone.is_do_not_call = True
        with self.mockSMSGateway(), self.assertRaisesRegex(UserError, r"phone \+12025550101 is marked do not contact"):
            composer.save().action_send_sms()
        self.assertFalse(self._new_sms)
        self.assertFalse(self._sent_actions())

    def test_agent_sms_outside_hours(self):
        with freeze_time('2030-03-06 16:00:00'), self.mockSMSGateway():
            error = self._raise_blocked(self.case.with_user(self.agent).action_send_sms)
        self.assertIn("outside allowed hours 08:00-20:00 in Asia/Colombo", error)
        self.assertFalse(self._new_sms)

    def test_agent_sms_only_to_known_contact_points(self):
        composer = self._open_sms_composer()
        composer.recipient_single_number_itf = '+1 202 555 0199'
        with self.mockSMSGateway(), self.assertRaisesRegex(UserError, "not a contact point of Carla Customer"):
            composer.save().action_send_sms()
        self.assertFalse(self._new_sms)

    def test_ptp_reminder_is_proposed_with_an_open_promise(self):
        ptp = self.env['collection.ptp'].create({
            'case_id': self.case.id, 'amount': 150.0, 'date': date(2030, 3, 11)})
        self.assertEqual(self.case.next_ptp_id, ptp)
        composer = self._open_sms_composer()
        self.assertEqual(composer.template_id, self.sms_ptp)
        self.assertIn(format_amount(self.env, 150.0, self.case.currency_id), composer.body)
        self.assertIn(format_date(self.env, ptp.date), composer.body)

    def test_agent_sends_email(self):
        composer = self._open_mail_composer()
        self.assertEqual(composer.template_id, self.mail_overdue)
        self.assertIn(self.case.name, composer.subject)
        self.assertIn(self.customer, composer.partner_ids)
        with self.mock_mail_gateway():
            composer.save().action_send_mail()
        mail = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(len(mail), 1)
        self.assertIn("Carla Customer", str(mail.body_html))
        overdue = format_amount(self.env, self.case.total_overdue, self.case.currency_id)
        self.assertIn(overdue.replace('\xa0', '&nbsp;'), str(mail.body_html))
        action = self._sent_actions(action_type=self.type_email)
        self.assertEqual(len(action), 1)
        self.assertEqual(action.note, composer.subject)

    def test_agent_email_blocked(self):
        self.customer.consent_email = False
        with self.mock_mail_gateway():
            error = self._raise_blocked(self.case.with_user(self.agent).action_send_email)
        self.assertIn("no consent to email", error)
        self.assertFalse(self._new_mails)
        self.assertEqual(self.case.contact_blocked_reason, "no consent to email")

    def test_agent_email_blocked_when_sending(self):
        composer = self._open_mail_composer()
        self.case.stage = 'dispute'
        with self.mock_mail_gateway(), self.assertRaisesRegex(UserError, "the case is in dispute"):
            composer.save().action_send_mail()
        self.assertFalse(self._new_mails)
        self.assertFalse(self._sent_actions())

    def test_internal_message_is_not_a_customer_contact(self):
        self.customer.is_do_not_contact = True
        composer = Form(self.env['mail.compose.message'].with_user(self.agent).with_context(
            default_model='collection.case', default_res_ids=self.case.ids, default_composition_mode='comment'))
        composer.partner_ids.add(self.supervisor.partner_id)
        composer.body = "<p>Please look at this case.</p>"
        with self.mock_mail_gateway():
            composer.save().action_send_mail()
        self.assertFalse(self._new_mails.filtered(lambda m: self.customer in m.recipient_ids))
        self.assertFalse(self._sent_actions(), "a message to a colleague is not logged as a contact")

    # ------------------------------------------------------------------
    # Strategies: many cases at once
    # ------------------------------------------------------------------

    def test_batch_sms(self):
        no_consent = self._create_case("No Consent", 'NC1', '+1 202 555 0121', consent_sms=False)
        dnc_phone = self._create_case("Phone Blocked", 'DNC2', '+1 202 555 0122')
        dnc_phone.partner_id.contact_point_ids.is_do_not_call = True
        capped = self._create_case("Capped", 'CAP3', '+1 202 555 0123')
        for hours in (1, 2):
            self.env['collection.action'].create({
                'case_id': capped.id, 'action_type_id': self.type_sms.id, 'result_code_id': self.code_sent.id,
                'date': datetime(2030, 3, 6, 5 - hours, 0), 'state': 'posted'})
        blacklisted = self._create_case("Blacklisted", 'BL4', '+1 202 555 0124')
        self.env['phone.blacklist'].sudo().add('+12025550124')
        cases = self.case | no_consent | dnc_phone | capped | blacklisted
        with self.mockSMSGateway():
            result = cases._send_collection_notification(self.sms_overdue, 'sms')
        self.assertEqual(result['sent'], 1)
        blocked = dict(result['blocked'])
        not_sent = [label for label in blocked if label.startswith("SMS not sent")]
        self.assertEqual(len(not_sent), 1)
        self.assertEqual(blocked.pop(not_sent[0]), 1)
        self.assertEqual(blocked, {
            "no consent": 1, "contact point marked do not contact": 1, "daily cap reached": 1})
        sms = self._new_sms.filtered(lambda s: s.state == 'outgoing')
        self.assertEqual(sms.mapped('number'), ['+12025550101'])
        self.assertIn("Dear Carla Customer", sms.body)
        action = self._sent_actions(action_type=self.type_sms)
        self.assertEqual((len(action), action.contact_point_id), (1, self.phone))
        self.assertEqual(no_consent.contact_blocked_reason, "no consent to SMS")
        self.assertEqual(dnc_phone.contact_blocked_reason, "phone +12025550122 is marked do not contact")
        self.assertEqual(capped.contact_blocked_reason, "daily SMS cap of 2 reached")
        self.assertTrue(blacklisted.contact_blocked_reason.startswith("SMS not sent"))
        self.assertFalse(self.case.contact_blocked_reason)

        # what was sent counts towards the caps of the next runs
        with self.mockSMSGateway():
            self.assertEqual(self.case._send_collection_notification(self.sms_overdue, 'sms')['sent'], 1)
            third = self.case._send_collection_notification(self.sms_overdue, 'sms')
        self.assertEqual(third, {'sent': 0, 'blocked': {"daily cap reached": 1}})
        self.assertEqual(len(self._sent_actions(action_type=self.type_sms)), 2)

    def test_batch_email(self):
        no_email = self._create_case("No Email", 'NE1', '+1 202 555 0131', email=False)
        no_consent = self._create_case("No Consent", 'NC2', '+1 202 555 0132', consent_email=False)
        other = self._create_case("Other Customer", 'OK3', '+1 202 555 0133')
        cases = self.case | no_email | no_consent | other
        with self.mock_mail_gateway():
            result = cases._send_collection_notification(self.mail_overdue, 'email')
        self.assertEqual(result, {'sent': 2, 'blocked': {"no email address": 1, "no consent": 1}})
        mails = self._new_mails.filtered(lambda m: m.model == 'collection.case')
        self.assertEqual(sorted(mails.mapped('res_id')), sorted((self.case | other).ids))
        mail = mails.filtered(lambda m: m.res_id == self.case.id)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn("Carla Customer", str(mail.body_html))
        self.assertEqual(len(self._sent_actions(action_type=self.type_email)), 1)
        self.assertEqual(len(self._sent_actions(other, self.type_email)), 1)
        self.assertEqual(no_email.contact_blocked_reason, "customer No Email has no email address")

    def test_batch_rejects_a_template_of_another_kind(self):
        with self.assertRaisesRegex(UserError, "cannot be sent by SMS"):
            self.case._send_collection_notification(self.mail_overdue, 'sms')
        with self.assertRaisesRegex(UserError, "not supported"):
            self.case._send_collection_notification(self.sms_overdue, 'visit')

    def test_supervisor_texts_a_selection_of_cases(self):
        no_consent = self._create_case("No Consent", 'NC5', '+1 202 555 0125', consent_sms=False)
        other = self._create_case("Other Customer", 'OK6', '+1 202 555 0126')
        cases = self.case | no_consent | other
        cases.write({'team_id': self.team.id})
        composer = Form(self.env['sms.composer'].with_user(self.supervisor).with_context(
            default_composition_mode='mass', default_mass_keep_log=True,
            default_res_model='collection.case', default_res_ids=repr(cases.ids),
            default_template_id=self.sms_overdue.id))
        with self.mockSMSGateway():
            composer.save().action_send_sms()
        self.assertEqual(sorted(self._new_sms.mapped('number')), ['+12025550101', '+12025550126'])
        self.assertEqual(no_consent.contact_blocked_reason, "no consent to SMS")
        self.assertEqual(len(self._sent_actions(action_type=self.type_sms)), 1)
        self.assertEqual(len(self._sent_actions(other, self.type_sms)), 1)
        self.assertFalse(no_consent.action_ids)

    def test_supervisor_emails_a_selection_of_cases(self):
        disputed = self._create_case("Disputed", 'DI7', '+1 202 555 0127')
        disputed.stage = 'dispute'
        cases = self.case | disputed
        cases.write({'team_id': self.team.id})
        composer = Form(self.env['mail.compose.message'].with_user(self.supervisor).with_context(
            default_composition_mode='mass_mail', default_model='collection.case',
            default_res_ids=repr(cases.ids)))
        composer.template_id = self.mail_overdue
        with self.mock_mail_gateway():
            composer.save().action_send_mail()
        self.assertEqual(self._new_mails.mapped('res_id'), self.case.ids)
        self.assertEqual(disputed.contact_blocked_reason, "the case is in dispute")
        self.assertEqual(len(self._sent_actions(action_type=self.type_email)), 1)
        self.assertFalse(disputed.action_ids)
