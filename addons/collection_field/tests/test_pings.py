from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..tools.payload import ItemError
from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestPings(FieldTestCommon):

    def _positions(self, count, prefix='p', start_minutes_ago=60, step_m=0.0005):
        return [{
            'client_id': f'{prefix}-{index}',
            'latitude': HOME_LAT + index * step_m,
            'longitude': HOME_LON,
            'accuracy': 8.0,
            'timestamp': self._time(start_minutes_ago - index * 0.5),
        } for index in range(count)]

    def test_batch_stored_once(self):
        Location = self.env['collection.agent.location'].with_user(self.field_agent)
        positions = self._positions(50)
        result = Location._ingest_positions(positions, device_id='phone-1')
        self.assertEqual(result, {'accepted': 50, 'duplicates': 0, 'errors': []})
        # the device retries the same batch (its answer got lost): nothing is stored twice
        result = Location._ingest_positions(positions, device_id='phone-1')
        self.assertEqual(result, {'accepted': 0, 'duplicates': 50, 'errors': []})
        stored = Location.search([])
        self.assertEqual(len(stored), 50)
        self.assertEqual(set(stored.mapped('device_id')), {'phone-1'})
        # one chained event for the stored batch
        events = self.env['collection.field.event'].search([('user_id', '=', self.field_agent.id)])
        self.assertEqual(events.event_type, 'ping_batch')
        self.assertEqual(stored.event_id, events)
        self.assertIn('"count":50', events.payload)

    def test_batch_limit_and_bad_items(self):
        Location = self.env['collection.agent.location'].with_user(self.field_agent)
        with self.assertRaisesRegex(ItemError, "at most 500"):
            Location._ingest_positions(self._positions(501))
        future = fields.Datetime.to_string(fields.Datetime.now() + timedelta(hours=2))
        positions = self._positions(5)
        positions[1]['latitude'] = 123.0
        del positions[2]['accuracy']
        positions[3]['timestamp'] = future
        positions.append({'client_id': 'x', 'latitude': 'north', 'longitude': 1, 'accuracy': 1, 'timestamp': 0})
        positions.append("not an object")
        result = Location._ingest_positions(positions)
        self.assertEqual(result['accepted'], 2)
        errors = {error['index']: error for error in result['errors']}
        self.assertEqual(errors[1]['field'], 'latitude')
        self.assertIn("at most 90", errors[1]['reason'])
        self.assertEqual(errors[2]['field'], 'accuracy')
        self.assertEqual(errors[3]['field'], 'timestamp')
        self.assertIn("future", errors[3]['reason'])
        self.assertEqual(errors[5]['field'], 'latitude')
        self.assertEqual(errors[6]['field'], 'item')
        self.assertEqual(errors[1]['client_id'], 'p-1')
        self.assertEqual(sorted(Location.search([]).mapped('client_id')), ['p-0', 'p-4'])

    def test_speed_flag_and_late_batch(self):
        Location = self.env['collection.agent.location'].with_user(self.field_agent)
        Location._ingest_positions([
            {'client_id': 'a', 'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 5, 'timestamp': self._time(30)},
            {'client_id': 'b', 'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 5,
             'timestamp': self._time(25)},
            # 50 km in 5 minutes
            {'client_id': 'c', 'latitude': HOME_LAT + 0.46, 'longitude': HOME_LON, 'accuracy': 5,
             'timestamp': self._time(20)},
        ])
        flagged = Location.search([('is_speed_flagged', '=', True)])
        self.assertEqual(flagged.mapped('client_id'), ['c'])
        # a batch queued offline arrives later; it is judged against the positions around it
        Location._ingest_positions([
            {'client_id': 'late', 'latitude': HOME_LAT + 0.3, 'longitude': HOME_LON, 'accuracy': 5,
             'timestamp': self._time(29)},
        ])
        self.assertTrue(Location.search([('client_id', '=', 'late')]).is_speed_flagged)
        self.assertTrue(self.env['collection.field.event'].search(
            [('user_id', '=', self.field_agent.id)], order='sequence desc', limit=1).is_late)

    def test_track_geojson_and_retention(self):
        Location = self.env['collection.agent.location'].with_user(self.field_agent)
        # a track of yesterday noon (UTC), whatever the hour the test runs at
        now = fields.Datetime.now()
        day = now.date() - timedelta(days=1)
        noon = fields.Datetime.to_datetime(day) + timedelta(hours=12)
        Location._ingest_positions(self._positions(3, start_minutes_ago=(now - noon).total_seconds() / 60))
        old = fields.Datetime.now() - timedelta(days=100)
        Location._ingest_positions([{'client_id': 'old', 'latitude': HOME_LAT, 'longitude': HOME_LON,
                                     'accuracy': 5, 'timestamp': fields.Datetime.to_string(old)}])
        track = Location._get_day_track(self.field_agent, day)
        geojson = track._to_geojson()
        self.assertEqual(geojson['type'], 'FeatureCollection')
        line = geojson['features'][0]
        self.assertEqual(line['geometry']['type'], 'LineString')
        self.assertEqual(line['geometry']['coordinates'][0], [HOME_LON, HOME_LAT])
        self.assertEqual(len(geojson['features']), 1 + len(track))
        self.assertEqual(track.sorted('device_time'), track)
        route = self.env['collection.route']._get_or_create(self.field_agent, day)
        self.assertEqual(route.with_user(self.field_agent).action_open_track()['domain'][0][2], track.ids)
        # retention: the 100-day-old position goes, the others stay
        self.company.collection_field_retention_days = 90
        deleted = self.env['collection.agent.location']._cron_clean_positions()
        self.assertEqual(deleted, 1)
        self.assertFalse(self.env['collection.agent.location'].search([('client_id', '=', 'old')]))
        self.assertEqual(self.env['collection.agent.location'].search_count([('user_id', '=', self.field_agent.id)]), 3)

    def test_last_positions_of_team(self):
        for agent, lat in ((self.field_agent, HOME_LAT), (self.field_agent_2, HOME_LAT + 0.1)):
            self.env['collection.agent.location'].with_user(agent)._ingest_positions([
                {'client_id': 'one', 'latitude': lat, 'longitude': HOME_LON, 'accuracy': 5, 'timestamp': self._time(10)},
                {'client_id': 'two', 'latitude': lat + 0.001, 'longitude': HOME_LON, 'accuracy': 5,
                 'timestamp': self._time(5)},
            ])
        last = self.field_team._get_last_positions()
        self.assertEqual(len(last), 2)
        self.assertEqual(set(last.mapped('client_id')), {'two'})
        self.assertEqual(last.user_id, self.field_agent | self.field_agent_2)
