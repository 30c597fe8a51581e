from odoo.exceptions import UserError
from odoo.tests import tagged

from .gateway_common import CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestVoiceBlast(CollectionGatewayHttpCommon):

    def setUp(self):
        super().setUp()
        self.server = self._start_recorder()
        self.gateway = self._create_connector('voice', 'IVR', endpoint_url=self.server.url + '/v2')
        self.gateway.api_token = 'ivr-token'
        self.second = self._create_loan(self._create_customer("Erin Early", 'CIF004', '+1 202 555 0104'), 'ACC-004',
                                        overdue_instalments=1).case_id
        self.second.write({'user_id': self.agent_2.id, 'team_id': self.team.id})
        self.blocked = self._create_loan(self._create_customer("Dina Dnc", 'CIF005', '+1 202 555 0105'), 'ACC-005',
                                         overdue_instalments=1).case_id
        self.blocked.partner_id.is_do_not_contact = True
        self.blocked.write({'user_id': self.agent.id, 'team_id': self.team.id})
        self.blast = self.env['collection.voice.blast'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=(self.case | self.second | self.blocked).ids,
        ).create({'name': "Early arrears", 'message': "Your payment is overdue. Press 1 to be called back."})
        self.path = f'/collection/voice/result/{self.gateway.id}'

    def test_blast_and_results(self):
        self.assertEqual(self.blast.connector_id, self.gateway, "the company's voice gateway by default")
        self.blast.action_send()
        self.assertEqual(self.blast.state, 'sent')
        request = self.server.requests[0]
        self.assertEqual(request.path, '/v2/blasts')
        self.assertEqual(request.headers['Authorization'], 'Bearer ivr-token')
        self.assertEqual(request.json['callback_url'], f'{self.base_url()}{self.path}')
        self.assertEqual(sorted(c['number'] for c in request.json['contacts']), ['+12025550101', '+12025550104'])
        line_blocked = self.blast.line_ids.filtered(lambda l: l.case_id == self.blocked)
        self.assertEqual(line_blocked.state, 'blocked')
        self.assertIn('do not contact', line_blocked.blocked_reason)
        self.assertEqual(self.blocked.contact_blocked_channel, 'call')

        by_number = {c['number']: int(c['id']) for c in request.json['contacts']}
        response = self._post(self.path, {'results': [
            {'id': by_number['+12025550101'], 'status': 'answered', 'duration': 42, 'keypress': '1',
             'ended_at': '2030-03-06T10:00:00Z'},
            {'id': by_number['+12025550104'], 'status': 'no_answer'},
        ]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {'status': 'updated', 'updated': 2})
        answered = self.blast.line_ids.filtered(lambda l: l.case_id == self.case)
        self.assertRecordValues(answered, [{'state': 'answered', 'duration': 42, 'keypress': '1'}])
        self.assertRecordValues(answered.action_id, [{
            'state': 'posted', 'result_code_id': self.env.ref('collection_integration.collection_result_code_voice_callback').id,
            'action_type_id': self.env.ref('collection_integration.collection_action_type_voice').id,
            'duration': 0.7, 'user_id': self.agent.id}])
        self.assertTrue(self.case.activity_ids.filtered(lambda a: 'Call back' in (a.summary or '')))
        missed = self.blast.line_ids.filtered(lambda l: l.case_id == self.second)
        self.assertEqual(missed.action_id.result_code_id.code, 'VNOANS')
        self.assertEqual(self.blast.state, 'done')
        # the gateway sends a result twice: nothing more happens
        again = self._post(self.path, {'id': by_number['+12025550104'], 'status': 'no_answer'})
        self.assertEqual(again.json()['status'], 'duplicate')
        self.assertEqual(len(self.second.action_ids.filtered(lambda a: a.channel == 'call')), 1)

    def test_bad_results(self):
        self.blast.action_send()
        self.assertEqual(self._post(self.path, {'id': 999999, 'status': 'answered'}).json()['error']['code'],
                         'unknown_call')
        line = self.blast.line_ids.filtered(lambda l: l.state == 'queued')[:1]
        bad = self._post(self.path, {'id': line.id, 'status': 'exploded'})
        self.assertEqual((bad.status_code, bad.json()['error']['field']), (400, 'status'))
        self.assertEqual(self._post(self.path, {'results': 'all'}).status_code, 400)
        self.assertEqual(line.state, 'queued')

    def test_gateway_refuses(self):
        self.server.respond(503, {'error': 'busy'})
        with self.assertRaisesRegex(UserError, "refused the blast"):
            self.blast.action_send()
