import base64
import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged

from ..tools.signature import sign_headers
from .common import CollectionSyncCommon
from .gateway_common import SECRET, CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestSyncTour(CollectionSyncCommon, HttpCase):

    def test_admin_syncs_and_reads_the_run(self):
        loans = self.loans() + [dict(self.loans()[0], ARRANGEMENT_ID='AA9', PRODUCT='ZZ')]
        self.extract('CUSTOMER', self.customers())
        self.extract('ARRANGEMENT', loans)

        self.start_tour('/odoo/action-collection_integration.collection_connector_action', 'collection_sync_tour',
                        login='admin')

        run = self.connector.run_ids
        self.assertRecordValues(run, [{'trigger': 'cron', 'state': 'warning', 'verdict': 'balanced_rejects',
                                       'record_count': 7, 'inserted_count': 6, 'rejected_count': 1}])
        self.assertEqual(self.rejects(run), {(6, 'unknown_product')})
        self.assertTrue(self.loan('AA1'))
        self.assertFalse(self.loan('AA9'))


@tagged('post_install', '-at_install')
class TestIntegrationTours(CollectionGatewayHttpCommon):
    """The integration screens in a real browser, each as the user who works them."""

    def test_supervisor_assigns_an_unmatched_call(self):
        call_center = self._create_connector('call_center', 'CC')
        answer = self._post(f'/collection/call/{call_center.id}', {
            'call_id': 'CDR-TOUR-1', 'number': '+1 202 555 0144', 'started_at': '2030-03-06T10:15:00Z',
            'duration': 60, 'disposition': 'no_answer'}).json()
        self.assertEqual(answer['status'], 'unmatched')

        self.start_tour('/odoo', 'collection_call_review_tour', login='col_super')

        record = self.env['collection.call.record'].browse(answer['call_record_id'])
        self.assertRecordValues(record, [{'state': 'matched', 'case_id': self.case.id}])
        self.assertRecordValues(record.action_id, [{'case_id': self.case.id, 'state': 'posted',
                                                    'result_code_id': self.code_no_answer.id}])
        self.assertEqual(record.contact_point_id.phone_e164, '+12025550144')

    def test_admin_sends_a_dead_letter_again(self):
        server = self._start_recorder()
        server.handler = lambda request: (503, {'error': 'maintenance'})
        # what the fixtures emitted happened before the webhook existed
        self.Event.search([('state', '=', 'pending')]).write({'state': 'no_subscriber', 'is_dispatched': True})
        hook = self._create_connector('webhook', 'CRM', name="CRM webhook", endpoint_url=server.url + '/hooks',
                                      webhook_max_attempts=1)
        hook.event_type_ids = self.env.ref('collection_integration.collection_event_type_payment_received')
        payment, _created = self.env['collection.payment']._register_payment({
            'name': 'P-TOUR-1', 'loan_id': self.loan.id, 'amount': 50.0})
        self.Event._deliver_due()
        delivery = self._events('payment.received', payment).delivery_ids
        self.assertEqual(delivery.state, 'dead')

        self.start_tour('/odoo', 'collection_outbox_tour', login='admin')

        self.assertRecordValues(delivery, [{'state': 'pending', 'attempt_count': 0}])
        server.handler = None
        self.Event._deliver_due()
        self.assertEqual(delivery.state, 'sent')
        self.assertEqual(delivery.attempt_ids.mapped('status_code'), [200, 503])

    def test_agent_sends_a_payment_link(self):
        self.start_tour('/odoo', 'collection_pay_link_tour', login='col_agent')

        link = self.case.payment_link_ids
        self.assertRecordValues(link, [{'state': 'active', 'amount': 200.0, 'loan_id': self.loan.id,
                                        'purpose': 'overdue'}])
        sms = self.env['sms.sms'].sudo().search([('mail_message_id.res_id', '=', self.case.id)])
        self.assertIn(f'/collection/pay/{link.id}?token={link.access_token}', sms.body)

    def test_supervisor_watches_agent_status(self):
        call_center = self._create_connector('call_center', 'CC')
        # the browser posts the prepared request a little later: a wide window for slow runners
        call_center.signature_window = 900
        path = f'/collection/agent/status/{call_center.id}'
        now = datetime.now().replace(microsecond=0)
        self.agent.collection_dialer_extension = '2041'
        self.assertEqual(self._post(path, {
            'agent': '2041', 'status': 'available', 'timestamp': (now - timedelta(minutes=30)).isoformat() + 'Z',
        }).json()['status'], 'updated')
        # what the call centre will post while the supervisor watches, signed now
        body = json.dumps({'agent': '2041', 'status': 'on_call', 'call_id': 'CDR-TOUR-2',
                           'timestamp': (now - timedelta(minutes=1)).isoformat() + 'Z'})
        request = {'url': path, 'body': body,
                   'headers': dict(sign_headers(SECRET, body.encode()), **{'Content-Type': 'application/json'})}
        cookie = base64.b64encode(json.dumps(request).encode()).decode()

        self.start_tour('/odoo', 'collection_agent_status_tour', login='col_super',
                        cookies={'collection_tour_call_centre': cookie})

        status = self.env['collection.agent.status'].search([('user_id', '=', self.agent.id)])
        self.assertRecordValues(status, [{'status': 'on_call', 'call_ref': 'CDR-TOUR-2'}])
        self.assertEqual(
            self.env['collection.agent.status'].search([('user_id', '=', self.agent_2.id)]).status, 'unknown',
            "the board lists the team's agents never reported")
