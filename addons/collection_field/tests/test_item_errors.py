import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.collection_base.tests.common import translated_env

from .common import HOME_LAT, HOME_LON, FieldApiCommon

FRENCH = {
    "must be at most %(maximum)s (got %(value)s)": "doit valoir au plus %(maximum)s (reçu %(value)s)",
    "is not valid JSON": "n'est pas du JSON valide",
    "visit %(visit)s is not assigned to you": "la visite %(visit)s ne vous est pas attribuée",
}


@tagged('post_install', '-at_install')
class TestItemErrors(FieldApiCommon):
    """The errors of the devices' endpoints are in the agent's language; the fields stay codes."""

    def setUp(self):
        super().setUp()
        translated_env(self, 'collection_field', 'fr_FR', FRENCH)
        self.field_agent.lang = 'fr_FR'

    def test_errors_in_the_agents_language(self):
        response = self._post_raw('/collection_field/api/pings', json.dumps({'positions': [
            {'client_id': 'p1', 'latitude': 95, 'longitude': HOME_LON, 'accuracy': 5, 'timestamp': self._time(1)}]}))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()['errors'], [
            {'field': 'latitude', 'reason': "doit valoir au plus 90 (reçu 95)", 'index': 0, 'client_id': 'p1'}])
        response = self._post_raw('/collection_field/api/events', '{oops')
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()['errors'], [{'field': 'body', 'reason': "n'est pas du JSON valide"}])
        visit = self._visit(self.case_c, self.field_agent_2)
        response = self._post_raw('/collection_field/api/events', json.dumps({'events': [
            {'type': 'check_in', 'client_id': 'e1', 'client_time': self._time(), 'visit_id': visit.id,
             'latitude': HOME_LAT, 'longitude': HOME_LON, 'accuracy': 5}]}))
        self.assertEqual(response.json()['errors'], [
            {'field': 'visit_id', 'reason': f"la visite {visit.id} ne vous est pas attribuée",
             'index': 0, 'client_id': 'e1'}])
        # in English for an agent who reads English
        self.field_agent.lang = 'en_US'
        response = self._post_raw('/collection_field/api/events', '{oops')
        self.assertEqual(response.json()['errors'][0]['reason'], "is not valid JSON")

    def test_form_errors_name_the_fields_label(self):
        self.field_agent_2.field_cash_limit = 10.0
        visit = self._visit(self.case_c, self.field_agent_2)
        visit.with_user(self.field_agent_2).write({
            'result_code_id': self.env.ref('collection_field.collection_result_code_cash_collected').id,
            'cash_amount': 100.0})
        with self.assertRaisesRegex(UserError, rf"Visit {visit.name}, Cash Collected: .* exceed the limit"):
            visit.with_user(self.field_agent_2).action_done()
