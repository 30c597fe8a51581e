from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestOutcomeForm(FieldTestCommon):
    """The phone form an agent fills at the door, through the view as the agent."""

    def test_promise_from_the_form(self):
        visit = self._visit(self.case_a, self.field_agent)
        self._check_in(visit, self.field_agent, HOME_LAT + 0.01, HOME_LON)
        form = Form(visit.with_user(self.field_agent), view='collection_field.collection_visit_view_form_outcome')
        form.result_code_id = self.code_ptp
        form.ptp_amount = 120.0
        form.ptp_date = self.today + timedelta(days=7)
        form.note = "Will pay on Friday"
        form.save().action_done()
        self.assertEqual(visit.state, 'done')
        self.assertEqual((visit.ptp_id.amount, visit.ptp_id.user_id), (120.0, self.field_agent))
        self.assertEqual(visit.action_id.channel, 'visit')
        self.assertEqual(visit.action_id.user_id, self.field_agent)
        self.assertEqual(self.case_a.stage, 'promise')
        events = visit.event_ids.sorted('sequence')
        self.assertEqual(events.mapped('event_type'), ['check_in', 'outcome'])
        # once done, the outcome is locked for the agent
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            visit.with_user(self.field_agent).write({'note': "changed my mind"})
        with self.assertRaisesRegex(UserError, "already has its outcome"):
            visit.with_user(self.field_agent).action_done()

    def test_promise_outside_the_policy(self):
        self.company.collection_ptp_max_days = 10
        visit = self._visit(self.case_a, self.field_agent)
        result = self._record_outcome(visit, self.field_agent, code='PTP', ptp_amount=100.0,
                                      ptp_date=str(self.today + timedelta(days=40)))
        self.assertEqual(result['errors'][0]['field'], 'ptp_amount')
        self.assertIn("latest allowed", result['errors'][0]['reason'])
        self.assertEqual(visit.state, 'planned')
        result = self._record_outcome(visit, self.field_agent, code='PTP', client_id='no-amount')
        self.assertIn("needs a promised amount", result['errors'][0]['reason'])

    def test_views_load(self):
        Form(self.env['res.config.settings'])
        Form(self.env['collection.visit.plan'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=self.case.ids))
        deposit = Form(self.env['collection.cash.deposit'].with_user(self.field_agent))
        deposit.branch = "Harbour branch"
        self.assertEqual(deposit.save().user_id, self.field_agent)
        for xmlid in ('collection_visit_view_kanban_today', 'collection_visit_view_list', 'collection_visit_view_form'):
            self.Visit.with_user(self.field_agent).get_views([(self.env.ref(f'collection_field.{xmlid}').id,
                                                             xmlid.split('_')[-1] if 'today' not in xmlid else 'kanban')])

    def test_cancelled_visit_keeps_late_events_flagged(self):
        visit = self._visit(self.case_a, self.field_agent)
        with self.assertRaises(UserError):
            visit.with_user(self.field_agent).action_cancel()
        visit.with_user(self.supervisor).action_cancel()
        self.assertEqual(visit.state, 'cancelled')
        result = self._check_in(visit, self.field_agent, HOME_LAT, HOME_LON)
        self.assertEqual((result['accepted'], result['errors']), (1, []))
        self.assertIn("no longer open", result['results'][0]['flag_reason'])
        self.assertEqual((visit.state, visit.checkin_time), ('cancelled', False))
