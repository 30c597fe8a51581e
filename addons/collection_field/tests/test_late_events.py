import json
from datetime import timedelta

from odoo.tests import tagged

from .common import HOME_LAT, HOME_LON, FieldApiCommon


@tagged('post_install', '-at_install')
class TestLateEvents(FieldApiCommon):
    """Events queued offline and delivered after the visit was cancelled, over the API."""

    def _post_events(self, events):
        return self._post_raw('/collection_field/api/events', json.dumps({'events': events}))

    def test_late_events_of_a_cancelled_visit_are_kept_and_flagged(self):
        visit = self._visit(self.case_a, self.field_agent)
        visit.with_user(self.supervisor).action_cancel()   # while the phone was offline
        response = self._post_events([
            {'type': 'check_in', 'client_id': 'late-ci', 'client_time': self._time(30), 'visit_id': visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 7},
            {'type': 'outcome', 'client_id': 'late-out', 'client_time': self._time(25), 'visit_id': visit.id,
             'result_code': 'PTP', 'ptp_amount': 80, 'ptp_date': str(self.today + timedelta(days=4))},
        ])
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual((body['accepted'], body['duplicates'], body['errors']), (2, 0, []))
        self.assertEqual([(r['client_id'], r['status'], r['is_flagged']) for r in body['results']],
                         [('late-ci', 'stored', True), ('late-out', 'stored', True)])
        for result in body['results']:
            self.assertIn("visit no longer open (Cancelled)", result['flag_reason'])
        # both events are in the agent's chain, flagged, and the chain holds
        events = self.env['collection.field.event'].search(
            [('user_id', '=', self.field_agent.id)], order='sequence')
        self.assertEqual(events.mapped('client_id'), ['late-ci', 'late-out'])
        self.assertTrue(all(events.mapped('is_flagged')))
        self.assertEqual(json.loads(events[0].payload)['latitude'], HOME_LAT + 0.01)
        self.assertTrue(self.env['collection.field.event']._verify_chain(self.field_agent)['ok'])
        # the visit is left as it was: cancelled, no check-in, no outcome, no promise
        self.assertEqual(visit.state, 'cancelled')
        self.assertFalse(visit.checkin_time or visit.geofence_state or visit.result_code_id or visit.action_id)
        self.assertFalse(self.env['collection.ptp'].search([('case_id', '=', self.case_a.id)]))
        self.assertIn("after this visit was cancelled", visit.message_ids[0].body + visit.message_ids[1].body)
        # the same queue delivered again is stored once
        response = self._post_events([
            {'type': 'check_in', 'client_id': 'late-ci', 'client_time': self._time(30), 'visit_id': visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 7}])
        self.assertEqual((response.status_code, response.json()['duplicates']), (200, 1))
