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
