"""The agent-status examples of the integration guide (docs/integration.md, "Agent status") run
for real: signed with the call centre connector's secret and posted to the Odoo server the test
starts, in order."""
from odoo.tests import HttpCase, tagged

from odoo.addons.collection_base.tests.common import CollectionTestCommon

from .test_external_api import GUIDE, guide_examples

SECRET = 'guide-signing-secret'


@tagged('post_install', '-at_install')
class TestAgentStatusGuide(CollectionTestCommon, HttpCase):

    def test_agent_status_examples(self):
        self.agent.collection_dialer_extension = '2041'
        call_centre = self.env['collection.connector'].create({
            'name': "Call centre", 'code': 'CC', 'system': 'call_center'})
        call_centre.signing_secret = SECRET
        examples = guide_examples('agent status')
        self.assertEqual(len(examples), 4, "the guide's agent-status examples")
        namespace = {'URL': self.base_url(), 'SECRET': SECRET, 'CALL_CENTRE_ID': call_centre.id}
        for name, code in examples:
            with self.subTest(example=name):
                self.env.flush_all()
                with self.allow_requests(all_requests=True):
                    exec(compile(code, f'{GUIDE.name}: {name}', 'exec'), namespace)  # noqa: S102 - the guide's own code
                self.env.invalidate_all()

        self.assertEqual(namespace['logged_in'][0], 200)
        self.assertEqual(namespace['logged_in'][1]['status'], 'updated')
        status, batch = namespace['batch']
        self.assertEqual((status, [event['status'] for event in batch['events']]), (200, ['updated', 'updated']))
        self.assertEqual(namespace['late'][1]['status'], 'late')
        self.assertEqual(namespace['late'][1]['current']['status'], 'wrap_up')
        status, answer = namespace['refused']
        self.assertEqual((status, answer['error']['code'], answer['error']['field']), (400, 'unknown_agent', 'agent'))
        self.assertIn("'9999'", answer['error']['message'])
        history = self.env['collection.agent.status.history'].search([('user_id', '=', self.agent.id)],
                                                                      order='date_start')
        self.assertEqual(history.mapped('status'), ['available', 'paused', 'on_call', 'wrap_up'])
        self.assertEqual(history.filtered(lambda h: h.status == 'paused').reason, 'Coaching')
        self.assertEqual(self.env['collection.agent.status'].search([('user_id', '=', self.agent.id)]).status,
                         'wrap_up')
