import re
from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_date, formatLang

from .common import CollectionPtpTestCommon

APPROVAL = 'collection_base.mail_activity_type_ptp_approval'


@tagged('post_install', '-at_install')
class TestPtpPolicy(CollectionPtpTestCommon):

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.currency)

    def _day(self, days):
        return format_date(self.env, self.today + timedelta(days=days))

    def assertRefused(self, message, **values):
        pattern = re.escape(self.case.display_name) + ".*" + re.escape(message)
        with self.assertRaisesRegex(ValidationError, pattern):
            self._promise(**values)

    # Each rule, refused with its message

    def test_latest_date(self):
        self.assertRefused(
            f"promised date {self._day(31)} is later than the latest allowed {self._day(30)}", days=31)
        self.assertEqual(self._promise(days=30).state, 'open', "the last allowed day is allowed")

    def test_date_in_the_past(self):
        self.assertRefused(f"promised date {self._day(-1)} is before {self._day(0)}", days=-1)

    def test_minimum_share_of_case_overdue(self):
        self.assertEqual(self.case.total_overdue, 200.0)
        self.assertRefused(
            f"amount {self._money(10.0)} is below the minimum 25% of the overdue {self._money(200.0)}",
            amount=10.0)
        self.assertEqual(self._promise(amount=50.0).amount, 50.0, "exactly 25% is enough")

    def test_minimum_share_of_loan_overdue(self):
        small = self._create_loan(self.customer, 'ACC-SMALL', overdue_instalments=1)
        self.assertEqual(self.case.total_overdue, 300.0)
        self.assertRefused(
            f"amount {self._money(30.0)} is below the minimum 25% of the overdue {self._money(300.0)}",
            amount=30.0)
        ptp = self._promise(amount=30.0, loan_id=small.id)
        self.assertEqual(ptp.state, 'open', "a promise on one loan is measured against that loan's overdue")

    def test_promises_per_30_days(self):
        self._history('kept', 31)  # made 31 days ago: outside the window
        cancelled = self._promise()
        cancelled.with_user(self.agent).action_cancel()
        self._promise(days=3)
        self._promise(days=6)
        self._promise(days=9)
        self.assertRefused("3 promises in 30 days already", days=12)

    def test_several_rules_named_together(self):
        with self.assertRaises(ValidationError) as caught:
            self._promise(amount=10.0, days=40)
        message = str(caught.exception)
        self.assertIn("later than the latest allowed", message)
        self.assertIn("below the minimum 25%", message)

    def test_policy_on_write(self):
        ptp = self._promise()
        with self.assertRaisesRegex(ValidationError, "later than the latest allowed"):
            ptp.with_user(self.agent).date = self.today + timedelta(days=45)
        with self.assertRaisesRegex(ValidationError, "below the minimum"):
            ptp.with_user(self.agent).amount = 1.0
        ptp.with_user(self.agent).amount = 80.0
        self.assertEqual(ptp.amount, 80.0)

    def test_rule_switched_off(self):
        self.company.collection_ptp_max_days = 0
        self.company.collection_ptp_min_percent = 0
        ptp = self._promise(amount=1.0, days=200)
        self.assertEqual(ptp.state, 'open')

    def test_imports_are_not_policed_unless_asked(self):
        far = self.today + timedelta(days=90)
        imported = self.Ptp.create({'case_id': self.case.id, 'amount': 1.0, 'date': far})
        self.assertEqual(imported.state, 'open', "system code running as superuser is trusted")
        with self.assertRaisesRegex(ValidationError, "later than the latest allowed"):
            self.Ptp.with_context(collection_ptp_enforce_policy=True).create(
                {'case_id': self.case.id, 'amount': 100.0, 'date': far})

    def test_agent_cannot_set_status_by_hand(self):
        ptp = self.Ptp.with_user(self.agent).create({
            'case_id': self.case.id, 'amount': 100.0, 'date': self.today, 'state': 'kept'})
        self.assertEqual(ptp.state, 'open', "an agent cannot create a kept promise")
        with self.assertRaises(AccessError):
            ptp.with_user(self.agent).state = 'kept'
        ptp.with_user(self.manager).state = 'kept'
        self.assertEqual(ptp.state, 'kept', "a manager corrects a status")

    def test_agent_cannot_move_the_policy_dates(self):
        ptp = self.Ptp.with_user(self.agent).create({
            'case_id': self.case.id, 'amount': 100.0, 'date': self.today + timedelta(days=3),
            'recorded_date': self.today + timedelta(days=60)})
        self.assertEqual(ptp.recorded_date, self.today, "the day of the promise is today, whatever is sent")
        with self.assertRaises(AccessError):
            ptp.with_user(self.agent).recorded_date = self.today + timedelta(days=60)
        broken = self._history('broken', 5)
        with self.assertRaises(AccessError):
            broken.with_user(self.agent).evaluated_date = self.today - timedelta(days=200)

    # Settings

    def test_settings_write_the_company_policy(self):
        settings = self.env['res.config.settings'].create({
            'collection_ptp_max_days': 14,
            'collection_ptp_min_percent': 50.0,
            'collection_ptp_max_per_period': 2,
            'collection_ptp_broken_limit': 1,
            'collection_ptp_reminder_days': 3,
        })
        settings.execute()
        self.assertEqual(self.company.collection_ptp_max_days, 14)
        self.assertEqual(self.company.collection_ptp_min_percent, 50.0)
        self.assertEqual(self.company.collection_ptp_reminder_days, 3)
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.company.collection_ptp_min_percent = 120
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.company.collection_ptp_grace_days = -1

    def test_collection_admin_edits_the_policy_without_settings_rights(self):
        """A collection administrator who is no system administrator opens the Collection Policy
        form of their company and saves it; they may change nothing else on the company."""
        admin = new_test_user(self.env, 'col_admin_policy', groups='collection_base.collection_base_group_admin',
                              name="Ada Admin")
        self.assertFalse(admin.has_group('base.group_system'))
        action = self.env['ir.actions.server'].with_user(admin).browse(
            self.env.ref('collection_base.res_company_action_collection_policy').id).run()
        self.assertEqual((action['res_model'], action['res_id']), ('res.company', self.company.id))
        form = Form(self.env['res.company'].with_user(admin).browse(action['res_id']),
                    view='collection_base.res_company_view_form_collection_policy')
        form.collection_ptp_max_days = 21
        form.collection_ptp_min_percent = 40.0
        form.save()
        self.assertEqual(self.company.collection_ptp_max_days, 21)
        self.assertEqual(self.company.collection_ptp_min_percent, 40.0)
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.company.with_user(admin).collection_ptp_min_percent = 120
        with self.assertRaises(AccessError):
            self.company.with_user(admin).write({'collection_ptp_max_days': 10, 'name': "Renamed"})
        other = self.env['res.company'].create({'name': "Not my bank"})
        with self.assertRaises(AccessError):
            other.with_user(admin).collection_ptp_max_days = 10

    def test_agent_cannot_edit_the_policy(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.manager).collection_ptp_max_days = 60
        with self.assertRaises(AccessError):
            self.company.with_user(self.agent).write({'collection_ptp_max_days': 60})
        policy_action = self.env.ref('collection_base.res_company_action_collection_policy')
        with self.assertRaises(AccessError):
            self.env['ir.actions.server'].with_user(self.agent).browse(policy_action.id).run()
        self.assertEqual(self.company.collection_ptp_max_days, 30)

    # Approval after broken promises

    def test_broken_promises_require_approval(self):
        self._history('broken', 100)  # outside the 90-day period
        self._history('broken', 40)
        self.assertEqual(self._promise(days=2).state, 'open', "one broken promise in the period is tolerated")
        self._history('broken', 10)
        ptp = self._promise(days=4)
        self.assertEqual(ptp.state, 'to_approve')
        activity = ptp.activity_ids
        self.assertEqual(activity.activity_type_id, self.env.ref(APPROVAL))
        self.assertEqual(activity.user_id, self.supervisor, "the team supervisor approves")
        self.assertIn("2 broken promises in the last 90 days", activity.note)

    def test_agent_cannot_approve(self):
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise()
        self.assertEqual(ptp.state, 'to_approve')
        with self.assertRaises(AccessError):
            ptp.with_user(self.agent).action_approve()
        with self.assertRaises(AccessError):
            ptp.with_user(self.agent).write({'state': 'open'})
        with self.assertRaises(AccessError):
            ptp.with_user(self.agent_2).action_refuse()
        self.assertEqual(ptp.state, 'to_approve')

    def test_supervisor_approves(self):
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise()
        ptp.with_user(self.supervisor).action_approve()
        self.assertEqual(ptp.state, 'open')
        self.assertFalse(ptp.activity_ids, "the approval activity is done")
        self.assertTrue(any('Approved' in body for body in ptp.message_ids.mapped('body')))

    def test_supervisor_cannot_approve_own_promise(self):
        """Four eyes: a supervisor working a case does not approve the promises on it; a manager does."""
        self.case.user_id = self.supervisor
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise(user=self.supervisor)
        self.assertEqual(ptp.state, 'to_approve')
        self.assertNotEqual(ptp.activity_ids.user_id, self.supervisor, "the approval goes to someone else")
        self.assertTrue(ptp.activity_ids.user_id.has_group('collection_base.collection_base_group_manager'))
        with self.assertRaisesRegex(AccessError, "your own promise"):
            ptp.with_user(self.supervisor).action_approve()
        with self.assertRaisesRegex(AccessError, "your own promise"):
            ptp.with_user(self.supervisor).write({'state': 'open'})
        self.assertEqual(ptp.state, 'to_approve')
        ptp.with_user(self.manager).action_approve()
        self.assertEqual(ptp.state, 'open')

    def test_supervisor_cannot_approve_promise_they_made_for_an_agent(self):
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise(user=self.supervisor)  # recorded by the supervisor on the agent's case
        self.assertEqual((ptp.user_id, ptp.case_id.user_id), (self.supervisor, self.agent))
        with self.assertRaisesRegex(AccessError, "your own promise"):
            ptp.with_user(self.supervisor).action_approve()
        ptp.with_user(self.supervisor).action_refuse()
        self.assertEqual(ptp.state, 'cancelled', "refusing one's own promise is allowed")

    def test_supervisor_refuses(self):
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise()
        ptp.with_user(self.supervisor).action_refuse()
        self.assertEqual(ptp.state, 'cancelled')
        self.assertFalse(ptp.activity_ids)

    def test_approver_without_team_supervisor(self):
        night_team = self.env['collection.team'].create({
            'name': "Night shift", 'supervisor_id': self.manager.id, 'member_ids': [(4, self.agent.id)]})
        self.team.supervisor_id = False
        self.company.collection_ptp_max_per_period = 0
        self._history('broken', 5)
        self._history('broken', 6)
        ptp = self._promise()
        self.assertEqual(ptp.activity_ids.user_id, night_team.supervisor_id, "the supervisor of the agent's team")
        night_team.supervisor_id = False
        other = self._promise(days=6)
        approver = other.activity_ids.user_id
        self.assertTrue(approver.has_group('collection_base.collection_base_group_manager'))
        self.assertNotEqual(approver, self.agent)

    # The action-log wizard

    def _log_form(self, user=None):
        form = Form(self.env['collection.action.log'].with_user(user or self.agent).with_context(
            default_case_id=self.case.id))
        form.result_code_id = self.code_ptp
        return form

    def test_wizard_shows_and_enforces_the_policy(self):
        form = self._log_form()
        form.ptp_amount = 10.0
        form.ptp_date = self.today + timedelta(days=3)
        self.assertIn("below the minimum 25%", form.ptp_policy_message)
        self.assertTrue(form.ptp_policy_blocks)
        wizard = form.save()
        with self.assertRaisesRegex(ValidationError, "below the minimum 25%"):
            wizard.action_confirm()
        self.assertFalse(self.case.ptp_ids, "nothing is recorded")
        self.assertFalse(self.case.action_ids)

    def test_wizard_records_a_promise_waiting_for_approval(self):
        self._history('broken', 5)
        self._history('broken', 6)
        form = self._log_form()
        form.ptp_amount = 120.0
        form.ptp_date = self.today + timedelta(days=3)
        self.assertIn("a supervisor must approve", form.ptp_policy_message)
        self.assertFalse(form.ptp_policy_blocks)
        form.save().action_confirm()
        ptp = self.case.ptp_ids.filtered(lambda p: p.state == 'to_approve')
        self.assertEqual(ptp.amount, 120.0)
        self.assertEqual(ptp.action_id, self.case.action_ids)
        self.assertEqual(self.case.action_ids.ptp_id, ptp)
