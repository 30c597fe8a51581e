from datetime import timedelta

from odoo.exceptions import AccessError, UserError
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

    def test_only_the_agent_or_their_supervisor_records_the_outcome(self):
        """Reading a visit (the case's collector, another team's supervisor) does not let anyone
        post its outcome or reorder the agent's route: the agent, their team's supervisor or a
        manager does."""
        visit = self._visit(self.case_a, self.field_agent, result_code_id=self.code_ptp.id, ptp_amount=50.0,
                            ptp_date=self.today + timedelta(days=3))
        other_stop = self._visit(self.case_b, self.field_agent)
        # the case's collector is another field agent, its team the southern supervisor's
        self.case_a.write({'user_id': self.field_agent_2.id, 'team_id': self.field_team_south.id})
        for user in (self.field_agent_2, self.supervisor_2):
            self.assertTrue(visit.with_user(user).read(['state']), user.name)
            for method in ('action_done', 'action_move_down'):
                with self.assertRaisesRegex(AccessError, "assigned to Fiona Field", msg=f"{user.name} {method}"):
                    getattr(visit.with_user(user), method)()
        with self.assertRaisesRegex(AccessError, "assigned to Fiona Field"):
            visit.with_user(self.field_agent_2).write({'note': "not mine"})
        self.assertEqual((visit.state, visit.sequence, other_stop.sequence), ('planned', 1, 2))
        # the agent's supervisor reorders and records
        visit.with_user(self.supervisor).action_move_down()
        self.assertEqual((visit.sequence, other_stop.sequence), (2, 1))
        visit.with_user(self.supervisor).action_done()
        self.assertEqual(visit.state, 'done')
        # the agent and a manager too
        other_stop.with_user(self.field_agent).action_move_down()
        other_stop.with_user(self.manager).write({'result_code_id': self.code_ptp.id, 'ptp_amount': 20.0,
                                                  'ptp_date': self.today + timedelta(days=3)})
        other_stop.with_user(self.manager).action_done()
        self.assertEqual(other_stop.state, 'done')

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
