from datetime import datetime, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import format_date, mute_logger

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestContactPolicy(CollectionTestCommon):
    """Every rule of the contact policy, evaluated at fixed instants.

    The customer lives in Colombo (UTC+05:30). ``cls.at`` is Wednesday 2030-03-06
    05:00 UTC, 10:30 in Colombo: inside every default window.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Policy = cls.env['collection.contact.policy']
        cls.customer.write({'tz': 'Asia/Colombo', 'email': 'carla@example.com'})
        cls.at = datetime(2030, 3, 6, 5, 0)
        cls.phone = cls.customer.contact_point_ids
        cls.sms = cls.env.ref('collection_base.collection_action_type_sms')
        cls.code_sent = cls.env.ref('collection_base.collection_result_code_sent')
        cls.code_dispute = cls.env.ref('collection_base.collection_result_code_dispute')
        cls.blocking_tag = cls.env['collection.tag'].create({
            'name': "Deceased", 'code': 'DECEASED', 'is_contact_blocked': True})

    def _check(self, channel='call', case=None, at=None, **kwargs):
        return self.Policy._check_contact(case or self.case, channel, at=at or self.at, **kwargs)

    def assertBlocked(self, reason, channel='call', case=None, at=None, **kwargs):
        allowed, message = self._check(channel, case, at, **kwargs)
        self.assertFalse(allowed, f"{channel} should be blocked: {reason}")
        self.assertEqual(message, reason)

    def _post_action(self, action_type, date, code=None, case=None, **values):
        return self.env['collection.action'].create(dict({
            'case_id': (case or self.case).id,
            'action_type_id': action_type.id,
            'result_code_id': (code or self.code_sent).id,
            'date': date,
            'state': 'posted',
        }, **values))

    def test_allowed_contact_passes(self):
        check = self._check('call')
        self.assertTrue(check.allowed)
        self.assertTrue(check, "an allowed check is truthy")
        self.assertEqual(check.reason, '')
        self.assertTrue(self._check('sms'))
        self.assertTrue(self._check('note'), "a note contacts nobody")

    def test_hours_in_customer_time_zone(self):
        evening = datetime(2030, 3, 6, 15, 0)  # 20:30 in Colombo, 15:00 in UTC
        self.assertBlocked("outside allowed hours 08:00-20:00 in Asia/Colombo", 'call', at=evening)
        early = datetime(2030, 3, 6, 2, 0)  # 07:30 in Colombo
        self.assertBlocked("outside allowed hours 08:00-20:00 in Asia/Colombo", 'sms', at=early)
        self.customer.tz = 'Europe/London'
        self.assertTrue(self._check('call', at=evening), "15:00 is fine for a customer in London")
        self.assertTrue(self._check('email', at=datetime(2030, 3, 6, 23, 30)), "email has no hours by default")

    def test_time_zone_falls_back_to_country(self):
        self.customer.write({'tz': False, 'country_id': self.env.ref('base.lk').id})
        evening = datetime(2030, 3, 6, 15, 0)
        self.assertBlocked("outside allowed hours 08:00-20:00 in Asia/Colombo", 'call', at=evening)

    def test_weekday(self):
        sunday = datetime(2030, 3, 10, 5, 0)
        self.assertBlocked("Sunday is not an allowed day for calls in Asia/Colombo", 'call', at=sunday)
        # Saturday 23:00 UTC is already Sunday in Colombo
        self.assertBlocked("Sunday is not an allowed day for SMS in Asia/Colombo", 'sms',
                           at=datetime(2030, 3, 9, 19, 0))
        self.assertTrue(self._check('call', at=datetime(2030, 3, 9, 5, 0)), "Saturday is allowed")

    def test_daily_cap_counts_the_customers_day(self):
        # 00:15 and 05:00 on Wednesday in Colombo; 23:00 on Tuesday doesn't count for the day
        self._post_action(self.sms, datetime(2030, 3, 5, 17, 30))
        self._post_action(self.sms, datetime(2030, 3, 5, 18, 45))
        self.assertTrue(self._check('sms'), "one SMS so far today in Colombo")
        self._post_action(self.sms, datetime(2030, 3, 5, 23, 30))
        self.assertBlocked("daily SMS cap of 2 reached", 'sms')
        self.assertTrue(self._check('call'), "caps are per channel")

    def test_daily_cap_ignores_inbound_and_drafts(self):
        inbound = self.env.ref('collection_base.collection_action_type_inbound_call')
        paid = self.env.ref('collection_base.collection_result_code_paid')
        for hour in (1, 2, 3):
            self._post_action(inbound, datetime(2030, 3, 6, hour, 0), code=paid, note="Says it is paid")
        self.env['collection.action'].create({
            'case_id': self.case.id, 'action_type_id': self.call.id,
            'result_code_id': self.code_no_answer.id, 'date': datetime(2030, 3, 6, 4, 0)})
        self.assertTrue(self._check('call'))
        for hour in (1, 2, 3):
            self._post_action(self.call, datetime(2030, 3, 6, hour, 0), code=self.code_no_answer)
        self.assertBlocked("daily call cap of 3 reached", 'call')

    def test_seven_day_cap(self):
        for days in (1, 2, 3, 4, 5):
            self._post_action(self.sms, self.at - timedelta(days=days))
        self.assertBlocked("7-day SMS cap of 5 reached", 'sms')
        self.assertTrue(self._check('sms', at=self.at + timedelta(days=3)),
                        "the oldest two have left the 7-day window")

    def test_consent(self):
        self.assertBlocked("no consent to WhatsApp", 'whatsapp')
        self.customer.consent_whatsapp = True
        self.assertTrue(self._check('whatsapp'))
        self.customer.consent_sms = False
        self.assertBlocked("no consent to SMS", 'sms')
        policy = self.env.ref('collection_base.collection_contact_policy_sms')
        policy.requires_consent = False
        self.assertTrue(self._check('sms'), "this policy does not ask for consent")

    def test_dispute_cooling_off(self):
        self._post_action(self.call, self.at - timedelta(days=3), code=self.code_dispute,
                          note="The customer says the loan was never disbursed")
        self.assertEqual(self.case.stage, 'dispute')
        self.assertBlocked("the case is in dispute", 'call')
        # the dispute settled at once: the cooling-off still holds contact back
        self.case.stage = 'in_progress'
        until = format_date(self.env, (self.at + timedelta(days=11)).date())
        self.assertBlocked(f"dispute cooling-off until {until}", 'call')
        self.assertBlocked(f"dispute cooling-off until {until}", 'email')
        self.assertTrue(self._check('call', at=self.at + timedelta(days=12)))

    def test_case_in_dispute(self):
        self.case.stage = 'dispute'
        self.assertBlocked("the case is in dispute", 'sms')

    def test_paused_case(self):
        self.case.write({'stage': 'paused', 'paused_until': self.at.date() + timedelta(days=3)})
        until = format_date(self.env, self.at.date() + timedelta(days=3))
        self.assertBlocked(f"the case is paused until {until}", 'call')
        self.assertTrue(self._check('call', at=self.at + timedelta(days=3)), "contact resumes on that date")
        self.case.paused_until = False
        self.assertBlocked("the case is paused", 'call')

    def test_customer_do_not_contact(self):
        self.customer.is_do_not_contact = True
        self.assertBlocked("customer Carla Customer is marked do not contact", 'letter')

    def test_do_not_contact_tag_on_account(self):
        self.case.tag_ids = self.blocking_tag
        self.assertBlocked("the account is tagged Deceased, which blocks contact", 'visit')
        self.case.tag_ids = False
        self.customer.collection_tag_ids = self.blocking_tag
        self.assertBlocked("the account is tagged Deceased, which blocks contact", 'sms')
        self.blocking_tag.is_contact_blocked = False
        self.assertTrue(self._check('sms'))

    def test_do_not_contact_phone(self):
        self.phone.is_do_not_call = True
        self.assertBlocked("phone +12025550101 is marked do not contact", 'call')
        self.assertTrue(self._check('email'), "the phone mark does not stop emails")
        other = self.env['collection.contact.point'].create({
            'partner_id': self.customer.id, 'kind': 'mobile', 'value': '+1 202 555 0177'})
        self.assertTrue(self._check('call'), "the other phone may be called")
        self.assertEqual(self.case._get_primary_phone_point(), other)
        self.assertBlocked("phone +12025550101 is marked do not contact", 'call', contact_point=self.phone)

    def test_phone_tag_and_wrong_number(self):
        self.phone.tag_ids = self.blocking_tag
        self.assertBlocked("phone +12025550101 is tagged Deceased, which blocks contact", 'sms')
        self.phone.tag_ids = False
        self.phone.action_mark_wrong_number()
        self.assertBlocked("phone +12025550101 is a wrong number", 'call')
        self.phone.active = False
        self.assertBlocked("no phone number that may be contacted", 'call')

    def test_email_address_rules(self):
        self.assertTrue(self._check('email'))
        self.customer.email = False
        self.assertBlocked("customer Carla Customer has no email address", 'email')
        self.customer.email = 'carla@example.com'
        self.assertTrue(self._check('email'))
        self.env['collection.contact.point'].create({
            'partner_id': self.customer.id, 'kind': 'email', 'value': 'Carla@example.com',
            'is_do_not_call': True})
        self.assertBlocked("email Carla@example.com is marked do not contact", 'email')

    def test_contact_point_of_another_customer(self):
        other = self._create_customer("Olga Other", 'CIF077', '+1 202 555 0188')
        self.assertBlocked("phone +12025550188 is not a contact point of this customer", 'call',
                           contact_point=other.contact_point_ids)

    def test_company_policy_overrides_the_default(self):
        self.Policy.create({
            'name': "Calls (strict)", 'channel': 'call', 'company_id': self.company.id,
            'hour_from': 9.0, 'hour_to': 17.5, 'max_per_day': 1})
        self.assertBlocked("outside allowed hours 09:00-17:30 in Asia/Colombo", 'call',
                           at=datetime(2030, 3, 6, 12, 30))
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            self.Policy.create({'name': "Twice", 'channel': 'call', 'company_id': self.company.id})
            self.env.flush_all()

    def test_policy_hours_validated(self):
        with self.assertRaisesRegex(ValidationError, "Late calls"):
            self.Policy.create({'name': "Late calls", 'channel': 'call', 'company_id': self.company.id,
                                'hour_from': 20.0, 'hour_to': 8.0})

    def test_batch_agrees_with_single_check(self):
        def case_for(name, cif, **partner_values):
            customer = self._create_customer(name, cif, '+1 202 555 %04d' % (110 + len(cif)))
            customer.write(dict({'tz': 'Asia/Colombo'}, **partner_values))
            return self._create_loan(customer, f'ACC-{cif}', overdue_instalments=1).case_id

        cases = self.case
        cases |= case_for("No Consent", 'C1', consent_sms=False)
        cases |= case_for("Do Not Contact", 'C22', is_do_not_contact=True)
        cases |= case_for("In London", 'C333', tz='Europe/London')
        tagged_case = case_for("Tagged", 'C4444')
        tagged_case.tag_ids = self.blocking_tag
        paused = case_for("Paused", 'C55555')
        paused.write({'stage': 'paused', 'paused_until': self.at.date() + timedelta(days=5)})
        capped = case_for("Capped", 'C666666')
        self._post_action(self.sms, self.at - timedelta(hours=1), case=capped)
        self._post_action(self.sms, self.at - timedelta(hours=2), case=capped)
        wrong = case_for("Wrong", 'C7777777')
        wrong.partner_id.contact_point_ids.action_mark_wrong_number()
        cases |= tagged_case | paused | capped | wrong
        for at in (self.at, datetime(2030, 3, 6, 15, 0)):
            batch = self.Policy._check_contact_batch(cases, 'sms', at=at)
            self.assertEqual(set(batch), set(cases.ids))
            for case in cases:
                single = self.Policy._check_contact(case, 'sms', at=at)
                self.assertEqual(batch[case.id], single.reason or False, case.partner_id.name)
        batch = self.Policy._check_contact_batch(cases, 'sms', at=self.at)
        self.assertFalse(batch[self.case.id])
        self.assertEqual(batch[capped.id], "daily SMS cap of 2 reached")
        self.assertEqual(batch[cases[3].id], "outside allowed hours 08:00-20:00 in Europe/London")
        self.assertEqual(len([reason for reason in batch.values() if reason]), 7)

    def test_batch_query_count_does_not_grow_with_cases(self):
        cases = self.case
        for index in range(6):
            customer = self._create_customer(f"Bulk {index}", f'BULK{index}', '+1 202 555 %04d' % (150 + index))
            cases |= self._create_loan(customer, f'ACC-B{index}', overdue_instalments=1).case_id
        self._post_action(self.sms, self.at - timedelta(hours=1))
        self.Policy._check_contact_batch(cases, 'sms', at=self.at)  # warm the caches

        def count_queries(records):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.Policy._check_contact_batch(records, 'sms', at=self.at)
            return self.cr.sql_log_count - before

        self.assertEqual(count_queries(cases[:2]), count_queries(cases))

    @freeze_time('2030-03-06 05:00:00')
    def test_log_action_after_the_fact_is_not_checked(self):
        self.customer.is_do_not_contact = True
        wizard = Form(self.env['collection.action.log'].with_user(self.agent).with_context(
            default_case_id=self.case.id))
        wizard.result_code_id = self.code_no_answer
        wizard.save().action_confirm()
        self.assertEqual(len(self.case.action_ids), 1, "the call happened: it is recorded")

    @freeze_time('2030-03-06 05:00:00')
    def test_click_to_dial(self):
        action = self.case.with_user(self.agent).action_call()
        self.assertEqual(action['url'], 'tel:+12025550101')
        self.phone.is_do_not_call = True
        with self.assertRaisesRegex(UserError, "phone \\+12025550101 is marked do not contact"):
            self.case.with_user(self.agent).action_call()

    @freeze_time('2030-03-06 05:00:00')
    def test_blocked_contact_is_recorded_on_the_case(self):
        self.customer.consent_sms = False
        try:
            self.case.with_user(self.agent)._check_outbound_contact('sms')
        except UserError as error:
            self.assertIn("no consent to SMS", str(error))
        else:
            self.fail("the SMS should be blocked")
        self.assertEqual(self.case.contact_blocked_reason, "no consent to SMS")
        self.assertEqual(self.case.contact_blocked_channel, 'sms')
        self.assertTrue(self.case.contact_blocked_date)

    def test_agents_read_policies_administrators_edit_them(self):
        policy = self.env.ref('collection_base.collection_contact_policy_sms')
        self.assertEqual(policy.with_user(self.agent).max_per_day, 2)
        with self.assertRaises(AccessError):
            policy.with_user(self.manager).write({'max_per_day': 5})
        admin = self.env.ref('base.user_admin')
        policy.with_user(admin).write({'max_per_day': 5})
        self.assertEqual(policy.max_per_day, 5)
