import base64
import json
from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import HOME_LAT, HOME_LON, FieldTestCommon, make_jpeg


@tagged('post_install', '-at_install')
class TestFieldEvents(FieldTestCommon):

    def setUp(self):
        super().setUp()
        self.visit = self._visit(self.case_a, self.field_agent)
        self.Event = self.env['collection.field.event']

    def _chain(self, agent):
        return self.Event.search([('user_id', '=', agent.id)], order='sequence')

    def test_events_carry_times_and_chain(self):
        self._check_in(self.visit, self.field_agent, HOME_LAT + 0.01, HOME_LON, minutes_ago=5)
        self._record_outcome(self.visit, self.field_agent, code='CASH', cash_amount=20.0, minutes_ago=2)
        self.env['collection.agent.location'].with_user(self.field_agent)._ingest_positions([
            {'client_id': 'p', 'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 4, 'timestamp': self._time(1)}])
        chain = self._chain(self.field_agent)
        self.assertEqual(chain.mapped('event_type'), ['check_in', 'outcome', 'receipt', 'ping_batch'])
        self.assertEqual(chain.mapped('sequence'), [1, 2, 3, 4])
        self.assertEqual(chain[0].prev_hash, '0' * 64)
        for previous, event in zip(chain, chain[1:]):
            self.assertEqual(event.prev_hash, previous.hash)
        for event in chain:
            self.assertEqual(len(event.hash), 64)
            self.assertTrue(event.client_id and event.client_time and event.server_time)
            json.loads(event.payload)
        self.assertEqual(self.Event._verify_chain(self.field_agent), {
            'ok': True, 'checked': 4, 'event_id': False, 'sequence': False, 'reason': False})
        # each agent has a chain of their own
        self._check_in(self._visit(self.case_c, self.field_agent_2), self.field_agent_2, HOME_LAT + 0.09, HOME_LON)
        self.assertEqual(self._chain(self.field_agent_2).sequence, 1)

    def test_tampering_is_found(self):
        for minutes, case in ((9, self.case_a), (8, self.case_b), (7, self.case_c)):
            visit = self.visit if case == self.case_a else self._visit(case, self.field_agent)
            self._check_in(visit, self.field_agent, HOME_LAT, HOME_LON, minutes_ago=minutes)
        chain = self._chain(self.field_agent)
        # someone edits the position recorded in the second event
        payload = json.loads(chain[1].payload)
        payload['latitude'] = payload['latitude'] + 0.01
        self.env.execute_query(SQL("UPDATE collection_field_event SET payload = %s WHERE id = %s",
                                   json.dumps(payload, sort_keys=True, separators=(',', ':')), chain[1].id))
        self.Event.invalidate_model()
        result = self.Event._verify_chain(self.field_agent)
        self.assertFalse(result['ok'])
        self.assertEqual((result['sequence'], result['checked']), (2, 1))
        self.assertIn("does not match its hash", result['reason'])
        notification = self.field_agent.with_user(self.supervisor).action_verify_field_chain()
        self.assertEqual(notification['params']['type'], 'danger')
        self.assertIn("#2", notification['params']['message'])
        # someone deletes the second event instead
        self.env.execute_query(SQL("DELETE FROM collection_field_event WHERE id = %s", chain[1].id))
        result = self.Event._verify_chain(self.field_agent)
        self.assertEqual(result['sequence'], 3)
        self.assertIn("#2 is missing", result['reason'])

    def test_supervisors_verify_their_teams_chains(self):
        """From the Field Events list or the team form; a supervisor verifies the agents of the
        teams they supervise, a manager anyone's, nobody else."""
        self._check_in(self.visit, self.field_agent, HOME_LAT + 0.01, HOME_LON)
        self._check_in(self._visit(self.case_c, self.field_agent_2), self.field_agent_2, HOME_LAT + 0.09, HOME_LON)
        events = self.Event.with_user(self.supervisor).search([('user_id', '=', self.field_agent.id)])
        notification = events.action_verify_chain()
        self.assertEqual(notification['params']['type'], 'success')
        self.assertIn("The 1 field events of Fiona Field form an unbroken chain", notification['params']['message'])
        message = self.field_team.with_user(self.supervisor).action_verify_field_chains()['params']['message']
        self.assertIn("Fiona Field", message)
        self.assertIn("Gus Field", message)
        # another team's supervisor: not from the team form, nor from the user form
        with self.assertRaisesRegex(AccessError, "Fiona Field, Gus Field is not in one of them"):
            self.field_team.with_user(self.supervisor_2).action_verify_field_chains()
        with self.assertRaisesRegex(AccessError, "Fiona Field is not in one of them"):
            self.field_agent.with_user(self.supervisor_2).action_verify_field_chain()
        self.assertEqual(self.field_team_south.with_user(self.supervisor_2).action_verify_field_chains()[
            'params']['type'], 'success')
        # a manager verifies anyone; an agent nobody
        self.assertEqual(self.field_agent.with_user(self.manager).action_verify_field_chain()['params']['type'],
                         'success')
        with self.assertRaisesRegex(AccessError, "Only supervisors"):
            self.Event.with_user(self.field_agent).search([]).action_verify_chain()
        # the list carries the button
        views = self.Event.with_user(self.supervisor).get_views([(False, 'list')])
        self.assertIn('action_verify_chain', views['views']['list']['arch'])

    def test_offline_events_in_device_order(self):
        """A queue delivered late, outcome listed before check-in: applied in the device's order."""
        result = self.Visit.with_user(self.field_agent)._process_events([
            {'type': 'outcome', 'client_id': 'q-2', 'client_time': self._time(50), 'visit_id': self.visit.id,
             'result_code': 'NOTHOME'},
            {'type': 'check_in', 'client_id': 'q-1', 'client_time': self._time(55), 'visit_id': self.visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 9},
        ])
        self.assertEqual(result['accepted'], 2)
        self.assertEqual([r['client_id'] for r in result['results']], ['q-1', 'q-2'])
        self.assertEqual(self.visit.state, 'failed')
        self.assertEqual(self.visit.geofence_state, 'verified')
        self.assertEqual(self.visit.action_id.date, self.visit.done_time)
        self.assertEqual(self._chain(self.field_agent).mapped('client_id'), ['q-1', 'q-2'])
        # the same queue again: stored once
        again = self.Visit.with_user(self.field_agent)._process_events([
            {'type': 'check_in', 'client_id': 'q-1', 'client_time': self._time(55), 'visit_id': self.visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 9}])
        self.assertEqual((again['accepted'], again['duplicates']), (0, 1))

    def test_outcome_of_reassigned_visit_is_kept_and_flagged(self):
        self.visit.user_id = self.field_agent_2   # reassigned while Fiona was offline
        result = self._record_outcome(self.visit, self.field_agent, code='PTP', ptp_amount=100.0,
                               ptp_date=str(self.today + timedelta(days=5)), minutes_ago=20)
        self.assertEqual(result['accepted'], 1, result)
        self.assertEqual(self.visit.state, 'done')
        self.assertTrue(self.visit.is_reassigned_event)
        self.assertTrue(self.visit.is_flagged)
        self.assertEqual(self.visit.outcome_user_id, self.field_agent)
        self.assertEqual(self.visit.ptp_id.amount, 100.0)
        event = self.visit.event_ids
        self.assertTrue(event.is_flagged)
        self.assertIn("reassigned", event.flag_reason)
        # the new agent records an outcome afterwards: kept in their chain, flagged, the visit keeps the first
        result = self._record_outcome(self.visit, self.field_agent_2, code='NOTHOME', client_id='late-2')
        self.assertEqual(result['accepted'], 1)
        self.assertEqual(self.visit.result_code_id.code, 'PTP')
        late = self.Event.search([('client_id', '=', 'late-2')])
        self.assertTrue(late.is_flagged)
        self.assertIn("kept in the event only", late.flag_reason)
        self.assertIn('NOTHOME', late.payload)

    def test_photos_keep_hash_and_exif(self):
        taken = datetime(2026, 3, 4, 10, 11, 12)
        raw = make_jpeg(HOME_LAT + 0.01, HOME_LON, taken)
        result = self._record_outcome(self.visit, self.field_agent, code='NOTHOME',
                               photos=[self._photo(raw), self._photo(b'%PDF-1.4 not an image', 'x.pdf')])
        self.assertEqual(result['accepted'], 0)
        self.assertEqual(result['errors'][0]['field'], 'photos[1].data')
        self.assertIn("not an image", result['errors'][0]['reason'])
        self.assertFalse(self.visit.photo_ids)
        self.assertEqual(self.visit.state, 'planned')
        result = self._record_outcome(self.visit, self.field_agent, code='NOTHOME', photos=[self._photo(raw)])
        self.assertEqual(result['accepted'], 1, result)
        photo = self.visit.photo_ids
        self.assertEqual(len(photo), 1)
        import hashlib
        self.assertEqual(photo.collection_sha256, hashlib.sha256(raw).hexdigest())
        self.assertAlmostEqual(photo.collection_exif_latitude, HOME_LAT + 0.01, places=4)
        self.assertAlmostEqual(photo.collection_exif_longitude, HOME_LON, places=4)
        self.assertEqual(photo.collection_exif_time, taken)
        self.assertIn(photo.collection_sha256, self.visit.event_ids.payload)
        # a photo added from the form is checked the same way
        other = self._visit(self.case_b, self.field_agent)
        Attachment = self.env['ir.attachment'].with_user(self.field_agent)
        bad = Attachment.create({'name': 'notes.txt', 'raw': b'hello'})
        with self.assertRaisesRegex(Exception, "not an image"):
            other.with_user(self.field_agent).write({'photo_ids': [(4, bad.id)]})
        good = Attachment.create({'name': 'door.jpg', 'datas': base64.b64encode(make_jpeg())})
        other.with_user(self.field_agent).write({'photo_ids': [(4, good.id)]})
        self.assertEqual((good.res_model, good.res_id), ('collection.visit', other.id))
        self.assertEqual(len(good.collection_sha256), 64)
        self.assertFalse(good.collection_exif_latitude)
