import time

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools.signature import compute_signature
from .gateway_common import CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestPaymentEndpoint(CollectionGatewayHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.processor = cls._create_connector('payment', 'PSP')
        cls.path = f'/collection/payment/{cls.processor.id}'
        cls.Payment = cls.env['collection.payment']
        cls.Message = cls.env['collection.inbound.message']

    def _notification(self, reference='PSP-1', **values):
        return dict({
            'type': 'payment.succeeded', 'reference': reference, 'account': 'ACC-001', 'amount': '150.00',
            'currency': self.currency.name, 'paid_at': str(self.today), 'channel': 'card',
        }, **values)

    def _payments(self, reference):
        return self.Payment.search([('source_system', '=', 'PSP'), ('name', '=', reference)])

    def test_payment_recorded_once(self):
        response = self._post(self.path, self._notification())
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(answer['status'], 'created')
        payment = self._payments('PSP-1')
        self.assertEqual(answer['payment']['id'], payment.id)
        self.assertRecordValues(payment, [{
            'state': 'posted', 'amount': 150.0, 'loan_id': self.loan.id, 'channel': 'card', 'date': self.today,
            'user_id': self.agent.id,
        }])
        # the oldest instalment is paid, the second one half
        dues = self.loan.due_ids.sorted('due_date')
        self.assertEqual(dues[:2].mapped('amount_paid'), [100.0, 50.0])
        self.assertEqual(len(self._events('payment.received', payment)), 1)
        self.assertEqual(self._events('payment.received', payment).payload['reference'], 'PSP-1')
        # the agent is told at once (Odoo's bus, written when the request's transaction commits)
        bus = self.env['bus.bus'].sudo().search([('message', 'like', 'PSP-1'), ('message', 'like', 'ACC-001')])
        self.assertFalse(bus, "the notification names the account, not the reference")
        notes = self.env['bus.bus'].sudo().search([('message', 'like', 'simple_notification'),
                                                   ('message', 'like', 'ACC-001')])
        self.assertEqual(len(notes), 1)
        self.assertIn(f'"res.partner",{self.agent.partner_id.id}]', notes.channel)
        message = self.Message.search([('connector_id', '=', self.processor.id)])
        self.assertRecordValues(message, [{'state': 'done', 'reference': 'PSP-1', 'http_status': 200,
                                           'res_model': 'collection.payment', 'res_id': payment.id}])

        # the processor sends it again (a retry): same answer, nothing recorded twice
        again = self._post(self.path, self._notification())
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()['status'], 'duplicate')
        self.assertEqual(again.json()['payment']['id'], payment.id)
        self.assertEqual(len(self._payments('PSP-1')), 1)
        self.assertEqual(len(self._events('payment.received', payment)), 1)
        self.assertEqual(dues[:2].mapped('amount_paid'), [100.0, 50.0])

    def test_same_reference_other_amount_conflicts(self):
        self._post(self.path, self._notification())
        response = self._post(self.path, self._notification(amount=99))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()['error']['code'], 'conflict')
        self.assertEqual(response.json()['error']['field'], 'reference')
        self.assertEqual(self._payments('PSP-1').amount, 150.0)

    @mute_logger('odoo.addons.collection_integration.controllers.inbound')
    def test_forged_signature_refused(self):
        response = self._post(self.path, self._notification(), secret='not-the-secret')
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {'error': {
            'code': 'bad_signature', 'message': "The signature does not match the body."}})
        # a body changed after signing is refused the same way
        headers = {'X-Collection-Timestamp': str(int(time.time()))}
        headers['X-Collection-Signature'] = 'sha256=' + compute_signature(
            'test-signing-secret', headers['X-Collection-Timestamp'], b'{"amount": 1}')
        tampered = self._post(self.path, self._notification(), sign=False, headers=headers)
        self.assertEqual(tampered.status_code, 401)
        unsigned = self._post(self.path, self._notification(), sign=False)
        self.assertEqual(unsigned.status_code, 401)
        self.assertEqual(unsigned.json()['error']['code'], 'missing_signature')
        self.assertFalse(self._payments('PSP-1'))
        self.assertFalse(self.Message.search([('connector_id', '=', self.processor.id)]),
                         "unauthenticated requests are not stored")

    @mute_logger('odoo.addons.collection_integration.controllers.inbound')
    def test_replay_outside_window_refused(self):
        response = self._post(self.path, self._notification(), timestamp=time.time() - 301)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()['error']['code'], 'timestamp_outside_window')
        future = self._post(self.path, self._notification(), timestamp=time.time() + 400)
        self.assertEqual(future.json()['error']['code'], 'timestamp_outside_window')
        self.assertFalse(self._payments('PSP-1'))
        inside = self._post(self.path, self._notification(), timestamp=time.time() - 200)
        self.assertEqual(inside.status_code, 200)

    def test_oversized_and_malformed_bodies(self):
        self.processor.max_body_kb = 1
        big = self._post(self.path, self._notification(note='x' * 2000))
        self.assertEqual(big.status_code, 413)
        self.assertEqual(big.json()['error']['code'], 'body_too_large')
        malformed = self._post(self.path, b'{"type": "payment.succeeded", ')
        self.assertEqual(malformed.status_code, 400)
        self.assertEqual(malformed.json()['error']['code'], 'malformed_json')
        not_object = self._post(self.path, b'[1, 2]')
        self.assertEqual(not_object.status_code, 400)
        self.assertEqual(not_object.json()['error']['code'], 'invalid_body')
        self.assertFalse(self.Payment.search([('source_system', '=', 'PSP')]))

    def test_invalid_fields_named(self):
        cases = [
            ({'amount': None}, 'amount', 'missing_field'),
            ({'amount': '-5'}, 'amount', 'invalid_field'),
            ({'amount': 'ten'}, 'amount', 'invalid_field'),
            ({'currency': 'EUR' if self.currency.name != 'EUR' else 'USD'}, 'currency', 'currency_mismatch'),
            ({'paid_at': '01/02/2024'}, 'paid_at', 'invalid_field'),
            ({'type': 'payment.maybe'}, 'type', 'invalid_field'),
            ({'channel': 'pigeon'}, 'channel', 'invalid_field'),
            ({'reference': ''}, 'reference', 'missing_field'),
        ]
        for values, field, code in cases:
            with self.subTest(field=field, values=values):
                response = self._post(self.path, dict(self._notification(reference=f'BAD-{field}'), **values))
                self.assertEqual(response.status_code, 400, response.text)
                error = response.json()['error']
                self.assertEqual((error['field'], error['code']), (field, code))
                self.assertIn(field, error['message'])
        self.assertFalse(self.Payment.search([('source_system', '=', 'PSP')]))

    def test_unknown_account_kept_and_applied_later(self):
        response = self._post(self.path, self._notification(reference='PSP-9', account='ACC-NEW'))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()['error'], {
            'code': 'unknown_account', 'field': 'account', 'message': "No loan with account number ACC-NEW."})
        message = self.Message.search([('reference', '=', 'PSP-9')])
        self.assertRecordValues(message, [{'state': 'error', 'error_code': 'unknown_account', 'http_status': 422}])
        # the loan arrives with the next sync; an administrator applies the notification again
        loan = self._create_loan(self.customer, 'ACC-NEW', overdue_instalments=1)
        message.with_user(self.env.ref('base.user_admin')).action_apply_again()
        self.assertRecordValues(message, [{'state': 'done', 'attempt_count': 2, 'http_status': 200}])
        self.assertEqual(self._payments('PSP-9').loan_id, loan)

    def test_failure_and_reversal(self):
        failed = self._post(self.path, self._notification(reference='PSP-F', type='payment.failed',
                                                          reason='insufficient funds'))
        self.assertEqual(failed.json()['status'], 'created')
        payment = self._payments('PSP-F')
        self.assertRecordValues(payment, [{'state': 'failed', 'failure_reason': 'insufficient funds'}])
        self.assertFalse(payment.allocation_ids)
        self.assertFalse(self._events('payment.received', payment))
        no_reversal = self._post(self.path, {'type': 'payment.reversed', 'reference': 'PSP-F'})
        self.assertEqual(no_reversal.status_code, 409)

        self._post(self.path, self._notification(reference='PSP-2', amount=100))
        payment = self._payments('PSP-2')
        self.assertEqual(self.loan.due_ids.sorted('due_date')[0].amount_paid, 100.0)
        reversal = {'type': 'payment.reversed', 'reference': 'PSP-2', 'reason': 'chargeback'}
        response = self._post(self.path, reversal)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()['status'], 'reversed')
        self.assertRecordValues(payment, [{'state': 'reversed', 'reversal_reason': 'chargeback'}])
        self.assertEqual(self.loan.due_ids.sorted('due_date')[0].amount_paid, 0.0)
        self.assertEqual(len(self._events('payment.reversed', payment)), 1)
        self.assertEqual(self._post(self.path, reversal).json()['status'], 'duplicate')
        self.assertEqual(len(self._events('payment.reversed', payment)), 1)
        unknown = self._post(self.path, {'type': 'payment.reversed', 'reference': 'NOPE'})
        self.assertEqual(unknown.status_code, 422)
        self.assertEqual(unknown.json()['error']['code'], 'unknown_payment')

    def test_unknown_endpoints(self):
        self.assertEqual(self._post('/collection/payment/999999', self._notification()).status_code, 404)
        webhook = self._create_connector('webhook', 'HOOK', endpoint_url='http://127.0.0.1:9/')
        wrong_kind = self._post(f'/collection/payment/{webhook.id}', self._notification())
        self.assertEqual(wrong_kind.status_code, 404)
        self.assertEqual(wrong_kind.json()['error']['code'], 'unknown_endpoint')
        self.processor.active = False
        self.assertEqual(self._post(self.path, self._notification()).status_code, 404)
