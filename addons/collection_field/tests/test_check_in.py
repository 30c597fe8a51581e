from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestCheckIn(FieldTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = (HOME_LAT + 0.01, HOME_LON)

    def setUp(self):
        super().setUp()
        self.visit = self._visit(self.case_a, self.field_agent)

    def test_verified_within_geofence(self):
        # about 55 m north of the address
        result = self.visit.with_user(self.field_agent).action_check_in_from_device(
            self.target[0] + 0.0005, self.target[1], 12.0, client_id='c-1')
        self.assertEqual(result['geofence_state'], 'verified')
        self.assertAlmostEqual(result['distance'], 55.6, delta=1)
        self.assertFalse(result['is_flagged'])
        self.assertEqual(self.visit.state, 'checked_in')
        self.assertEqual(self.visit.checkin_accuracy, 12.0)
        self.assertTrue(self.visit.checkin_server_time)
        self.assertFalse(self.visit.is_flagged)
        position = self.env['collection.agent.location'].search([('user_id', '=', self.field_agent.id)])
        self.assertEqual(position.source, 'check_in')

    def test_outside_geofence_is_flagged(self):
        result = self.visit.with_user(self.field_agent).action_check_in_from_device(
            self.target[0] + 0.005, self.target[1], 12.0)
        self.assertEqual(result['geofence_state'], 'outside')
        self.assertTrue(self.visit.is_flagged)
        self.assertIn("from the address", self.visit.flag_reason)
        flagged = self.Visit.with_user(self.supervisor).search(
            safe_eval(self.env.ref('collection_field.collection_visit_action_flagged').domain))
        self.assertIn(self.visit, flagged)
        # a wider geofence in the settings accepts it
        self.company.collection_field_geofence_radius = 1000
        other = self._visit(self.case_b, self.field_agent)
        result = other.with_user(self.field_agent).action_check_in_from_device(
            HOME_LAT + 0.02 + 0.005, HOME_LON + 0.01, 12.0)
        self.assertEqual(result['geofence_state'], 'verified')

    def test_low_accuracy_and_mock_location(self):
        self.visit.with_user(self.field_agent).action_check_in_from_device(
            self.target[0], self.target[1], 250.0, is_mock=True)
        self.assertEqual(self.visit.geofence_state, 'verified')
        self.assertTrue(self.visit.is_low_accuracy)
        self.assertTrue(self.visit.is_mock_location)
        self.assertIn("mock location", self.visit.flag_reason)
        self.assertIn("accuracy 250 m", self.visit.flag_reason)
        event = self.visit.event_ids
        self.assertTrue(event.is_flagged)

    def test_impossible_speed(self):
        # a ping 25 km away two minutes before the check-in: 750 km/h
        self.env['collection.agent.location'].with_user(self.field_agent)._ingest_positions([{
            'client_id': 'far', 'latitude': self.target[0] + 0.225, 'longitude': self.target[1],
            'accuracy': 10, 'timestamp': self._time(2)}])
        self._check_in(self.visit, self.field_agent, *self.target, minutes_ago=1)
        self.assertTrue(self.visit.is_impossible_speed)
        self.assertIn("impossible speed", self.visit.flag_reason)
        # a plausible move (1.4 km in a minute) is not flagged
        other = self._visit(self.case_b, self.field_agent)
        self._check_in(other, self.field_agent, HOME_LAT + 0.02, HOME_LON + 0.01)
        self.assertFalse(other.is_impossible_speed)

    def test_policy_hours_flag_the_check_in(self):
        policy = self.env.ref('collection_base.collection_contact_policy_visit')
        now_hour = fields.Datetime.now().hour
        # allow only a window at least an hour away from now (the customer's time zone is UTC)
        start = (now_hour + 3) % 24
        policy.write({'hour_from': min(start, 22), 'hour_to': min(start, 22) + 1})
        self.case_a.partner_id.tz = 'UTC'
        self._check_in(self.visit, self.field_agent, *self.target)
        self.assertEqual(self.visit.state, 'checked_in')
        self.assertIn("outside allowed hours", self.visit.policy_warning)
        self.assertTrue(self.visit.is_flagged)

    def test_retry_is_stored_once(self):
        self._check_in(self.visit, self.field_agent, *self.target)
        result = self._check_in(self.visit, self.field_agent, *self.target)
        self.assertEqual((result['accepted'], result['duplicates']), (0, 1))
        self.assertEqual(len(self.visit.event_ids), 1)
        self.assertEqual(self.env['collection.agent.location'].search_count([('user_id', '=', self.field_agent.id)]), 1)

    def test_bad_input(self):
        future = fields.Datetime.to_string(fields.Datetime.now() + timedelta(hours=1))
        cases = [
            ({'latitude': 91.0}, 'latitude'),
            ({'longitude': -181.0}, 'longitude'),
            ({'accuracy': None}, 'accuracy'),
            ({'client_time': future}, 'client_time'),
            ({'client_id': ''}, 'client_id'),
            ({'visit_id': 999999999}, 'visit_id'),
        ]
        for values, field in cases:
            event = dict({'type': 'check_in', 'client_id': f'bad-{field}', 'client_time': self._time(),
                          'visit_id': self.visit.id, 'latitude': self.target[0], 'longitude': self.target[1],
                          'accuracy': 5.0}, **values)
            result = self.Visit.with_user(self.field_agent)._process_events([event])
            self.assertEqual(result['accepted'], 0, field)
            self.assertEqual(result['errors'][0]['field'], field, result)
            self.assertTrue(result['errors'][0]['reason'])
        self.assertFalse(self.visit.event_ids)
        self.assertEqual(self.visit.state, 'planned')
        with self.assertRaisesRegex(UserError, "Check-in refused, Check-in Latitude: must be at most 90"):
            self.visit.with_user(self.field_agent).action_check_in_from_device(95.0, 0.0, 5.0)

    def test_someone_elses_visit(self):
        result = self._check_in(self.visit, self.field_agent_2, *self.target)
        self.assertEqual(result['errors'][0]['field'], 'visit_id')
        self.assertIn("not assigned to you", result['errors'][0]['reason'])
