from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestPlanning(FieldTestCommon):

    def test_plan_by_district_then_region(self):
        visits, skipped = self.Visit._plan_visits(self.case_a | self.case_b | self.case_c, self.today, assign='region')
        self.assertFalse(skipped)
        by_case = {visit.case_id: visit for visit in visits}
        # Old Town and Harbour are Fiona's districts, Uptown is Gus's
        self.assertEqual(by_case[self.case_a].user_id, self.field_agent)
        self.assertEqual(by_case[self.case_b].user_id, self.field_agent)
        self.assertEqual(by_case[self.case_c].user_id, self.field_agent_2)
        self.assertEqual(by_case[self.case_a].team_id, self.field_team)
        self.assertEqual(by_case[self.case_a].contact_point_id.district, 'Old Town')
        self.assertAlmostEqual(by_case[self.case_a].latitude, HOME_LAT + 0.01, places=6)
        # a district nobody covers falls back to the region; the least loaded agent of it wins
        case_d = self._create_field_case("Dan Elsewhere", 'F-D', HOME_LAT, HOME_LON + 0.05, 'Midtown')
        visit_d, _skipped = self.Visit._plan_visits(case_d, self.today, assign='region')
        self.assertEqual(visit_d.user_id, self.field_agent_2)
        # no agent for the region: left unassigned
        case_e = self._create_field_case("Eve Okla", 'F-E', 35.4, -97.5, 'Downtown', state=self.state_ok)
        self.field_agent_3.is_field_available = False
        visit_e, _skipped = self.Visit._plan_visits(case_e, self.today, assign='region')
        self.assertFalse(visit_e.user_id)

    def test_plan_to_nearest_agent(self):
        visits, _skipped = self.Visit._plan_visits(self.case_a | self.case_c, self.today, assign='nearest')
        by_case = {visit.case_id: visit for visit in visits}
        self.assertEqual(by_case[self.case_a].user_id, self.field_agent)    # starts at HOME
        self.assertEqual(by_case[self.case_c].user_id, self.field_agent_2)  # starts 0.1 north
        # the last known position counts before the start point
        self.env['collection.agent.location'].with_user(self.field_agent_2)._ingest_positions([{
            'client_id': 'p1', 'latitude': HOME_LAT + 0.02, 'longitude': HOME_LON + 0.01, 'accuracy': 5,
            'timestamp': self._time(1)}])
        visits, _skipped = self.Visit._plan_visits(self.case_b, self.today + timedelta(days=1), assign='nearest')
        self.assertEqual(visits.user_id, self.field_agent_2)

    def test_policy_caps_and_blocks(self):
        self.case_b.partner_id.is_do_not_contact = True
        # a visit posted today reaches the daily cap of one visit
        self.env['collection.action'].create({
            'case_id': self.case_c.id, 'action_type_id': self.visit_type.id,
            'result_code_id': self.env.ref('collection_field.collection_result_code_not_home').id,
            'state': 'posted'})
        visits, skipped = self.Visit._plan_visits(
            self.case_a | self.case_b | self.case_c, self.today, user=self.field_agent)
        self.assertEqual(visits.case_id, self.case_a)
        self.assertIn("do not contact", skipped[self.case_b.id])
        self.assertIn("cap", skipped[self.case_c.id])
        # planning the same case twice on a day is refused with a reason
        _visits, skipped = self.Visit._plan_visits(self.case_a, self.today, user=self.field_agent)
        self.assertIn("already planned", skipped[self.case_a.id])
        # a day the policy does not allow
        policy = self.env.ref('collection_base.collection_contact_policy_visit')
        weekday_fields = ['allow_monday', 'allow_tuesday', 'allow_wednesday', 'allow_thursday',
                          'allow_friday', 'allow_saturday', 'allow_sunday']
        tomorrow = self.today + timedelta(days=1)
        policy[weekday_fields[tomorrow.weekday()]] = False
        _visits, skipped = self.Visit._plan_visits(self.case_a, tomorrow, user=self.field_agent)
        self.assertIn("not an allowed day", skipped[self.case_a.id])

    def test_plan_wizard(self):
        (self.case_a | self.case_c).team_id = self.field_team
        wizard = Form(self.env['collection.visit.plan'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=(self.case_a | self.case_c).ids))
        wizard.assign_method = 'agent'
        wizard.user_id = self.field_agent
        result = wizard.save().action_plan()
        self.assertEqual(result['params']['type'], 'success')
        visits = self.Visit.search([('case_id', 'in', (self.case_a | self.case_c).ids)])
        self.assertEqual(visits.user_id, self.field_agent)
        self.assertEqual(len(visits.route_id), 1)

    def test_week_cap_counts_planned_visits(self):
        """Five visits over five days against a 7-day cap of two: two are planned, three blocked."""
        planned, blocked = self.Visit, {}
        for shift in range(1, 6):
            visits, skipped = self.Visit._plan_visits(
                self.case_a, self.today + timedelta(days=shift), user=self.field_agent)
            planned |= visits
            blocked.update({shift: reason for reason in skipped.values()})
        self.assertEqual(sorted(planned.mapped('date')),
                         [self.today + timedelta(days=1), self.today + timedelta(days=2)])
        self.assertEqual(sorted(blocked), [3, 4, 5])
        for reason in blocked.values():
            self.assertIn("7-day visit cap of 2 reached", reason)
        # the window holds the day whichever order the days are planned in
        for shift in (6, 4):
            visits, skipped = self.Visit._plan_visits(
                self.case_b, self.today + timedelta(days=shift), user=self.field_agent)
            self.assertTrue(visits, skipped)
        visits, skipped = self.Visit._plan_visits(self.case_b, self.today + timedelta(days=1), user=self.field_agent)
        self.assertFalse(visits)
        self.assertIn("7-day visit cap", skipped[self.case_b.id])
        # a week later the cap allows a visit again; a cancelled visit frees its place
        visits, _skipped = self.Visit._plan_visits(self.case_a, self.today + timedelta(days=9), user=self.field_agent)
        self.assertTrue(visits)
        planned.filtered(lambda v: v.date == self.today + timedelta(days=2)).with_user(self.supervisor).action_cancel()
        visits, _skipped = self.Visit._plan_visits(self.case_a, self.today + timedelta(days=3), user=self.field_agent)
        self.assertTrue(visits)
        # the wizard says which cases were not planned and why
        wizard = Form(self.env['collection.visit.plan'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=self.case_a.ids))
        wizard.date = self.today + timedelta(days=4)
        wizard.assign_method = 'agent'
        wizard.user_id = self.field_agent
        result = wizard.save().action_plan()
        self.assertEqual(result['params']['type'], 'warning')
        self.assertIn("0 visits planned", result['params']['message'])
        self.assertIn("7-day visit cap of 2 reached", result['params']['message'])

    def test_week_cap_counts_posted_and_planned_visits(self):
        """A visit posted three days ago and one planned in three days fill a cap of two."""
        self.env['collection.action'].create({
            'case_id': self.case_a.id, 'action_type_id': self.visit_type.id,
            'result_code_id': self.env.ref('collection_field.collection_result_code_not_home').id,
            'date': fields.Datetime.now() - timedelta(days=3), 'state': 'posted'})
        self.assertTrue(self.Visit._plan_visits(self.case_a, self.today + timedelta(days=3), user=self.field_agent)[0])
        _visits, skipped = self.Visit._plan_visits(self.case_a, self.today + timedelta(days=1), user=self.field_agent)
        self.assertIn("7-day visit cap", skipped[self.case_a.id])
        # six days on, the posted visit has left the window: one planned visit only
        visits, skipped = self.Visit._plan_visits(self.case_a, self.today + timedelta(days=6), user=self.field_agent)
        self.assertTrue(visits, skipped)
