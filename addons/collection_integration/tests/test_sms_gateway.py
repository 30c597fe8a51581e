from odoo.tests import tagged

from ..tools.signature import verify_signature
from .gateway_common import SECRET, CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestSmsGateway(CollectionGatewayHttpCommon):
    """SMS of the collection notifications through the company's HTTP gateway, and its delivery
    reports."""

    def setUp(self):
        super().setUp()
        self.server = self._start_recorder()
        self.server.handler = lambda request: (200, {'results': [
            {'id': message['id'], 'status': 'invalid_number' if message['to'].endswith('0199') else 'accepted',
             'message': 'bad number' if message['to'].endswith('0199') else None}
            for message in request.json['messages']]})
        self.gateway = self._create_connector('sms', 'SMSGW', endpoint_url=self.server.url + '/v1/sms',
                                              sms_sender='LENDER')
        self.gateway.api_token = 'gateway-token'
        self.company.collection_sms_gateway_id = self.gateway
        self.template = self.env.ref('collection_base.collection_sms_template_overdue')

    def _sms_of(self, case):
        return self.env['sms.sms'].sudo().search([('mail_message_id.res_id', '=', case.id),
                                                  ('mail_message_id.model', '=', 'collection.case')])

    def test_send_and_delivery_reports(self):
        other = self._create_loan(self._create_customer("Dario Debtor", 'CIF002', '+1 202 555 0199'), 'ACC-002',
                                  overdue_instalments=1).case_id
        result = (self.case | other)._collection_notify('sms', template=self.template, force_send=True)
        # both allowed by the policy; the gateway refuses one number, which the case then shows
        self.assertEqual(result, {'sent': 1, 'blocked': {'SMS not sent: Wrong Number Format': 1}})
        self.assertEqual(other.contact_blocked_reason, 'SMS not sent: Wrong Number Format')
        self.assertEqual(len(self.server.requests), 1, "one gateway call for the batch")
        request = self.server.requests[0]
        self.assertEqual(request.path, '/v1/sms')
        self.assertEqual(request.headers['Authorization'], 'Bearer gateway-token')
        verify_signature(SECRET, request.body, request.headers['X-Collection-Timestamp'],
                         request.headers['X-Collection-Signature'], window=60)
        body = request.json
        self.assertEqual(body['sender'], 'LENDER')
        self.assertEqual(body['callback_url'], f'{self.base_url()}/collection/sms/status/{self.gateway.id}')
        self.assertEqual(sorted(m['to'] for m in body['messages']), ['+12025550101', '+12025550199'])
        self.assertIn('Carla Customer', next(m['text'] for m in body['messages'] if m['to'] == '+12025550101'))

        sms_ok, sms_bad = self._sms_of(self.case), self._sms_of(other)
        self.assertEqual(sms_ok.state, 'pending')
        self.assertRecordValues(sms_bad, [{'state': 'error', 'failure_type': 'sms_number_format'}])

        path = f'/collection/sms/status/{self.gateway.id}'
        response = self._post(path, {'id': sms_ok.uuid, 'status': 'delivered'})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {'status': 'updated', 'count': 1})
        self.assertEqual(sms_ok.state, 'sent')
        self.assertTrue(sms_ok.to_delete)

        # a later failure report of another SMS, in a batch
        second = self.case._collection_notify('sms', template=self.template, force_send=True)
        self.assertEqual(second['sent'], 1)
        self.assertEqual(len(self.server.requests), 2)
        sms_2 = self._sms_of(self.case) - sms_ok
        response = self._post(path, {'reports': [{'id': sms_2.uuid, 'status': 'undelivered', 'error': 'handset off'}]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sms_2.state, 'error')
        self.assertIn("was not delivered (undelivered: handset off)", self.case.message_ids[0].body)

    def test_tracked_sms_notification(self):
        """An SMS posted on the chatter to a partner is tracked: reports update its notification."""
        self.customer.phone = '+1 202 555 0101'
        message = self.case._message_sms(body="Please call us back", partner_ids=self.customer.ids)
        sms = self.env['sms.sms'].sudo().search([('mail_message_id', '=', message.id)])
        sms.send()
        notification = message.notification_ids
        self.assertEqual(notification.notification_status, 'pending')
        response = self._post(f'/collection/sms/status/{self.gateway.id}', {'id': sms.uuid, 'status': 'delivered'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(notification.notification_status, 'sent')

    def test_bad_delivery_reports(self):
        path = f'/collection/sms/status/{self.gateway.id}'
        unknown = self._post(path, {'id': 'a' * 32, 'status': 'delivered'})
        self.assertEqual(unknown.status_code, 422)
        self.assertEqual(unknown.json()['error']['code'], 'unknown_message')
        bad_id = self._post(path, {'id': '../../etc', 'status': 'delivered'})
        self.assertEqual((bad_id.status_code, bad_id.json()['error']['field']), (400, 'id'))
        bad_status = self._post(path, {'id': 'a' * 32, 'status': 'teleported'})
        self.assertEqual((bad_status.status_code, bad_status.json()['error']['field']), (400, 'status'))
        self.assertEqual(self._post(path, {'reports': []}).status_code, 400)
        self.assertEqual(self._post(path, {'id': 'a' * 32, 'status': 'delivered'}, secret='forged').status_code, 401)

    def test_gateway_down(self):
        self.server.handler = lambda request: (503, {'error': 'maintenance'})
        result = self.case._collection_notify('sms', template=self.template, force_send=True)
        self.assertEqual(result, {'sent': 0, 'blocked': {'SMS not sent: Server Error': 1}})
        self.assertRecordValues(self._sms_of(self.case), [{'state': 'error', 'failure_type': 'sms_server'}])

    def test_without_gateway_odoo_service(self):
        self.company.collection_sms_gateway_id = False
        self.assertNotEqual(self.company._get_sms_api_class().__name__, 'SmsApiCollectionGateway')
