import json


from odoo.tests import new_test_user, tagged

from .common import HOME_LAT, HOME_LON, FieldApiCommon


@tagged('post_install', '-at_install')
class TestFieldHttp(FieldApiCommon):
    """The endpoints over real HTTP: API key (bearer) and session (JSON-RPC)."""

    def _post(self, path, body, key=None):
        return self._post_raw(path, json.dumps(body), key)

    def _position(self, client_id, **values):
        return dict({'client_id': client_id, 'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 6,
                     'timestamp': self._time(1)}, **values)

    def test_pings_with_api_key(self):
        response = self._post('/collection_field/api/pings', {
            'device_id': 'phone-7', 'positions': [self._position('a'), self._position('b')]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {'accepted': 2, 'duplicates': 0, 'errors': []})
        # bad items: 400 with the field and the reason of each, the valid ones stored
        response = self._post('/collection_field/api/pings', {'positions': [
            self._position('c'), self._position('d', latitude=-95), self._position('e', accuracy=None)]})
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body['accepted'], 1)
        self.assertEqual([(e['index'], e['field']) for e in body['errors']], [(1, 'latitude'), (2, 'accuracy')])
        stored = self.env['collection.agent.location'].search([('user_id', '=', self.field_agent.id)])
        self.assertEqual(sorted(stored.mapped('client_id')), ['a', 'b', 'c'])
        # over the limit, not JSON, no key
        response = self._post('/collection_field/api/pings', {'positions': [self._position(str(i)) for i in range(501)]})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()['errors'][0]['field'], 'positions')
        response = self._post_raw('/collection_field/api/pings', '{oops')
        self.assertEqual((response.status_code, response.json()['errors'][0]['field']), (400, 'body'))
        response = self.url_open('/collection_field/api/pings', data='{}', headers={'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, 401)

    def test_events_with_api_key(self):
        visit = self._visit(self.case_a, self.field_agent)
        response = self._post('/collection_field/api/events', {'events': [{
            'type': 'check_in', 'client_id': 'e1', 'client_time': self._time(), 'visit_id': visit.id,
            'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 7}]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['accepted'], 1)
        self.assertEqual(visit.geofence_state, 'verified')

    def test_session_json_rpc_and_geojson(self):
        self.authenticate('field_agent', 'field_agent')
        response = self.make_jsonrpc_request('/collection_field/pings', {'positions': [
            self._position('s1'), self._position('s2', longitude=200)]})
        self.assertEqual(response['accepted'], 1)
        self.assertEqual(response['errors'][0]['field'], 'longitude')
        response = self.make_jsonrpc_request('/collection_field/nearby', {
            'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 10, 'radius': 1500})
        self.assertEqual([case['case_id'] for case in response['cases']], [self.case_a.id])
        visit = self._visit(self.case_a, self.field_agent)
        response = self.make_jsonrpc_request('/collection_field/events', {'events': [
            {'type': 'check_in', 'client_id': 'rpc-1', 'client_time': self._time(), 'visit_id': visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON, 'accuracy': 5},
            {'type': 'check_in', 'client_id': 'rpc-2', 'client_time': self._time(), 'visit_id': visit.id,
             'latitude': HOME_LAT + 0.01, 'longitude': HOME_LON},
        ]})
        self.assertEqual(response['accepted'], 1)
        self.assertEqual((response['errors'][0]['index'], response['errors'][0]['field']), (1, 'accuracy'))
        self.assertEqual(visit.state, 'checked_in')
        day = self._time()[:10]
        response = self.url_open(f'/collection_field/track/{self.field_agent.id}/{day}.geojson')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/geo+json')
        self.assertEqual(response.json()['features'][0]['properties']['agent_id'], self.field_agent.id)
        # another agent's track is empty for a field agent
        response = self.url_open(f'/collection_field/track/{self.field_agent_2.id}/{day}.geojson')
        self.assertEqual(response.json()['features'], [])
        self.authenticate('col_super', 'col_super')
        response = self.url_open(f'/collection_field/team/{self.field_team.id}/positions.geojson')
        features = response.json()['features']
        self.assertEqual([f['properties']['agent'] for f in features], ["Fiona Field"])

    def test_nearby_only_for_field_work(self):
        """Listing the overdue customers around a position is for field agents, supervisors and
        managers: a back-office agent or another internal user (an agency officer) is refused."""
        new_test_user(self.env, 'plain_officer', groups='base.group_user', name="Olga Officer")
        params = {'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 10, 'radius': 1500}
        for login in ('col_agent', 'plain_officer'):
            self.authenticate(login, login)
            response = self.make_jsonrpc_request('/collection_field/nearby', params)
            self.assertEqual(response['status'], 403, login)
            self.assertEqual(response['cases'], [], login)
            self.assertEqual(response['errors'][0]['field'], 'user', login)
        for login in ('field_agent', 'col_super', 'col_manager'):
            self.authenticate(login, login)
            response = self.make_jsonrpc_request('/collection_field/nearby', params)
            self.assertEqual([case['case_id'] for case in response['cases']], [self.case_a.id], login)
        # the search stays in the user's current company
        other = self.env['res.company'].create({'name': "Other Lender"})
        self.field_agent.write({'company_ids': [(4, other.id)], 'company_id': other.id})
        self.authenticate('field_agent', 'field_agent')
        response = self.make_jsonrpc_request('/collection_field/nearby', params)
        self.assertEqual((response['errors'], response['cases']), ([], []))
