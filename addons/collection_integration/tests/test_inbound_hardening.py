import json
import time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .gateway_common import CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestInboundHardening(CollectionGatewayHttpCommon):
    """Every signed way in refuses forged, replayed, oversized and malformed requests the same
    way, and stores none of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        connectors = {system: cls._create_connector(system, system.upper()[:6], max_body_kb=1)
                      for system in ('payment', 'call_center', 'sms', 'voice')}
        cls.endpoints = {
            route: f"{route}/{connectors[system].id}"
            for system, route in [('payment', '/collection/payment'), ('call_center', '/collection/call'),
                                  ('call_center', '/collection/agent/status'), ('sms', '/collection/sms/status'),
                                  ('voice', '/collection/voice/result')]
        }
        cls.payment_connector = connectors['payment']
        cls.whatsapp = cls._create_connector('whatsapp', 'WA', max_body_kb=1, whatsapp_phone_number_id='1055')
        cls.whatsapp_path = f'/collection/whatsapp/{cls.whatsapp.id}'

    @mute_logger('odoo.addons.collection_integration.controllers.inbound')
    def test_refusals_on_every_endpoint(self):
        body = {'id': 'x'}
        for route, path in self.endpoints.items():
            with self.subTest(endpoint=route):
                forged = self._post(path, body, secret='attacker')
                self.assertEqual((forged.status_code, forged.json()['error']['code']), (401, 'bad_signature'))
                replay = self._post(path, body, timestamp=time.time() - 3600)
                self.assertEqual((replay.status_code, replay.json()['error']['code']),
                                 (401, 'timestamp_outside_window'))
                garbage = self._post(path, b'{"id": ')
                self.assertEqual((garbage.status_code, garbage.json()['error']['code']), (400, 'malformed_json'))
                oversized = self._post(path, {'id': 'x' * 5000})
                self.assertEqual((oversized.status_code, oversized.json()['error']['code']), (413, 'body_too_large'))
                not_utf8 = self._post(path, b'\xff\xfe{}')
                self.assertEqual(not_utf8.status_code, 400)
                wrong_method = self.url_open(path)
                self.assertIn(wrong_method.status_code, (404, 405))
        self.assertFalse(self.env['collection.inbound.message'].search([]))

    @mute_logger('odoo.addons.collection_integration.controllers.inbound')
    def test_refusals_on_whatsapp_webhook(self):
        """Meta signs the raw body with the app secret and no timestamp (X-Hub-Signature-256);
        the rest is refused as on the other endpoints."""
        path = self.whatsapp_path
        body = {'object': 'whatsapp_business_account', 'entry': []}
        forged = self._post_meta(path, body, secret='attacker')
        self.assertEqual((forged.status_code, forged.json()['error']['code']), (401, 'bad_signature'))
        unsigned = self._post(path, body, sign=False)
        self.assertEqual((unsigned.status_code, unsigned.json()['error']['code']), (401, 'missing_signature'))
        ours = self._post(path, body)  # the suite's own scheme is not Meta's
        self.assertEqual((ours.status_code, ours.json()['error']['code']), (401, 'missing_signature'))
        garbage = self._post_meta(path, b'{"object": ')
        self.assertEqual((garbage.status_code, garbage.json()['error']['code']), (400, 'malformed_json'))
        not_utf8 = self._post_meta(path, b'\xff\xfe{}')
        self.assertEqual((not_utf8.status_code, not_utf8.json()['error']['code']), (400, 'malformed_json'))
        not_object = self._post_meta(path, b'[]')
        self.assertEqual((not_object.status_code, not_object.json()['error']['code']), (400, 'invalid_body'))
        oversized = self._post_meta(path, dict(body, padding='x' * 5000))
        self.assertEqual((oversized.status_code, oversized.json()['error']['code']), (413, 'body_too_large'))
        other_kind = self._post_meta(f'/collection/whatsapp/{self.payment_connector.id}', body)
        self.assertEqual((other_kind.status_code, other_kind.json()['error']['code']), (404, 'unknown_endpoint'))
        # GET is Meta's verification, refused without the verify token
        self.assertEqual(self.url_open(path).status_code, 403)
        self.assertFalse(self.env['collection.inbound.message'].search([]))

    def test_whatsapp_status_replayed(self):
        """Without a timestamp, a captured status callback can be posted again at any time: it is
        accepted (the signature holds) and changes nothing, statuses never moving backwards."""
        template = self.env['collection.whatsapp.template'].create({
            'name': "Reminder", 'template_name': 'reminder', 'language': 'en_US'})
        Message = self.env['collection.whatsapp.message']
        sent, failing = Message.create([{
            'case_id': self.case.id, 'connector_id': self.whatsapp.id, 'template_id': template.id,
            'number': '+12025550101', 'state': 'sent', 'wamid': wamid,
        } for wamid in ('wamid.sent', 'wamid.failing')])
        at = int(time.time()) - 60
        callback = json.dumps({'object': 'whatsapp_business_account', 'entry': [{'id': 'WABA', 'changes': [{
            'field': 'messages', 'value': {'messaging_product': 'whatsapp', 'statuses': [
                {'id': 'wamid.sent', 'status': 'delivered', 'timestamp': str(at - 30)},
                {'id': 'wamid.sent', 'status': 'read', 'timestamp': str(at)},
                {'id': 'wamid.failing', 'status': 'failed', 'timestamp': str(at),
                 'errors': [{'code': 131047, 'title': 'Re-engagement message'}]},
            ]}}]}]}).encode()
        first = self._post_meta(self.whatsapp_path, callback)
        self.assertEqual((first.status_code, first.json()), (200, {'status': 'updated', 'updated': 3, 'unknown': 0}))
        self.env.invalidate_all()
        fields = ['state', 'delivered_date', 'read_date', 'error', 'write_date']
        applied = (sent | failing).read(fields)
        self.assertEqual([m['state'] for m in applied], ['read', 'failed'])
        notes = self.case.message_ids
        self.assertEqual(len(notes.filtered(lambda n: '131047' in (n.body or ''))), 1)

        for _replay in range(2):
            replay = self._post_meta(self.whatsapp_path, callback)
            self.assertEqual((replay.status_code, replay.json()),
                             (200, {'status': 'duplicate', 'updated': 0, 'unknown': 0}))
        self.env.invalidate_all()
        self.assertEqual((sent | failing).read(fields), applied)
        self.assertEqual(self.case.message_ids, notes, "the failure is noted once")
        received = self.env['collection.inbound.message'].search([('connector_id', '=', self.whatsapp.id)])
        self.assertEqual(received.mapped('state'), ['duplicate', 'duplicate', 'done'])
