import time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .gateway_common import CollectionGatewayHttpCommon

APP_SECRET = 'meta-app-secret'


@tagged('post_install', '-at_install')
class TestWhatsapp(CollectionGatewayHttpCommon):

    def setUp(self):
        super().setUp()
        self.server = self._start_recorder()
        self.counter = 0

        def graph(request):
            self.counter += 1
            if request.json['to'].endswith('0199'):
                return 400, {'error': {'code': 131026, 'message': 'Message undeliverable'}}
            return 200, {'messaging_product': 'whatsapp', 'messages': [{'id': f'wamid.{self.counter}'}]}

        self.server.handler = graph
        self.connector = self._create_connector(
            'whatsapp', 'WA', endpoint_url=self.server.url, whatsapp_phone_number_id='1055',
            signing_secret=APP_SECRET)
        self.connector.write({'api_token': 'meta-token', 'verify_token': 'verify-me'})
        self.template = self.env['collection.whatsapp.template'].create({
            'name': "Overdue reminder", 'template_name': 'overdue_reminder', 'language': 'en_US',
            'body_params': "{{ object.partner_id.name }}\n{{ object.name }}",
            'preview': "Dear {{1}}, your account {{2}} is overdue.",
        })
        self.customer.consent_whatsapp = True
        self.path = f'/collection/whatsapp/{self.connector.id}'

    def _meta_post(self, payload, secret=APP_SECRET):
        return self._post_meta(self.path, payload, secret=secret)

    def _statuses(self, *statuses):
        return {'object': 'whatsapp_business_account', 'entry': [{'id': 'WABA', 'changes': [{
            'field': 'messages', 'value': {'messaging_product': 'whatsapp', 'statuses': [
                dict({'recipient_id': '12025550101', 'timestamp': str(int(time.time()))}, **status)
                for status in statuses]}}]}]}

    def _send_from_case(self, case=None):
        wizard = self.env['collection.whatsapp.send'].with_user(self.agent).with_context(
            active_model='collection.case', active_ids=(case or self.case).ids).create({'template_id': self.template.id})
        return wizard.action_send()

    def test_send_and_statuses(self):
        self._send_from_case()
        request = self.server.requests[0]
        self.assertEqual(request.path, '/v21.0/1055/messages')
        self.assertEqual(request.headers['Authorization'], 'Bearer meta-token')
        self.assertEqual(request.json['to'], '12025550101')
        self.assertEqual(request.json['template']['name'], 'overdue_reminder')
        self.assertEqual(request.json['template']['components'][0]['parameters'],
                         [{'type': 'text', 'text': 'Carla Customer'}, {'type': 'text', 'text': self.case.name}])
        message = self.env['collection.whatsapp.message'].search([('case_id', '=', self.case.id)])
        self.assertRecordValues(message, [{'state': 'sent', 'wamid': 'wamid.1', 'number': '+12025550101'}])
        action = self.case.action_ids.filtered(lambda a: a.channel == 'whatsapp')
        self.assertEqual(action.result_code_id, self.env.ref('collection_base.collection_result_code_sent'))

        response = self._meta_post(self._statuses({'id': 'wamid.1', 'status': 'read'},
                                                  {'id': 'wamid.1', 'status': 'delivered'},
                                                  {'id': 'wamid.other', 'status': 'delivered'}))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {'status': 'updated', 'updated': 2, 'unknown': 1})
        self.assertEqual(message.state, 'read')
        self.assertTrue(message.delivered_date and message.read_date)
        # statuses arriving late or twice change nothing
        self._meta_post(self._statuses({'id': 'wamid.1', 'status': 'delivered'}))
        self.assertEqual(message.state, 'read')

    def test_failures(self):
        self._send_from_case()
        message = self.env['collection.whatsapp.message'].search([('case_id', '=', self.case.id)])
        self._meta_post(self._statuses({'id': 'wamid.1', 'status': 'failed',
                                        'errors': [{'code': 131047, 'title': 'Re-engagement message'}]}))
        self.assertRecordValues(message, [{'state': 'failed', 'error': '131047 Re-engagement message'}])
        self.assertIn("failed: 131047", self.case.message_ids[0].body)
        # refused by the Cloud API at once
        other = self._create_loan(self._create_customer("Dario Debtor", 'CIF002', '+1 202 555 0199'), 'ACC-002',
                                  overdue_instalments=1).case_id
        other.partner_id.consent_whatsapp = True
        other.user_id = self.agent
        with self.assertRaisesRegex(UserError, "131026: Message undeliverable"):
            self._send_from_case(other)

    def test_policy_and_queue(self):
        self.customer.consent_whatsapp = False
        with self.assertRaisesRegex(UserError, "blocked"):
            self._send_from_case()
        self.assertFalse(self.server.requests)
        self.customer.consent_whatsapp = True
        # several cases: queued, then sent by the scheduled action
        second = self._create_loan(self._create_customer("Erin Early", 'CIF004', '+1 202 555 0104'), 'ACC-004',
                                   overdue_instalments=1).case_id
        second.partner_id.consent_whatsapp = True
        second.user_id = self.agent
        self._send_from_case(self.case | second)
        messages = self.env['collection.whatsapp.message'].search([('case_id', 'in', (self.case | second).ids)])
        self.assertEqual(messages.mapped('state'), ['queued', 'queued'])
        self.env['collection.whatsapp.message']._cron_send_queued()
        self.assertEqual(messages.mapped('state'), ['sent', 'sent'])
        self.assertEqual(len(self.server.requests), 2)

    @mute_logger('odoo.addons.collection_integration.controllers.inbound')
    def test_webhook_security(self):
        self.assertEqual(self._meta_post(self._statuses(), secret='forged').status_code, 401)
        unsigned = self._post(self.path, self._statuses(), sign=False)
        self.assertEqual(unsigned.json()['error']['code'], 'missing_signature')
        self.assertEqual(self._meta_post({'object': 'page'}).status_code, 400)
        ok = self.url_open(f'{self.path}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=12345')
        self.assertEqual((ok.status_code, ok.text), (200, '12345'))
        refused = self.url_open(f'{self.path}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=12345')
        self.assertEqual(refused.status_code, 403)
