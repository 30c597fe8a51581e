import hashlib
import hmac
import json
import time

from odoo.tests import HttpCase

from odoo.addons.collection_base.tests.common import CollectionTestCommon

from ..tools.signature import sign_headers
from .http_recorder import HttpRecorder

SECRET = 'test-signing-secret'


class CollectionGatewayCommon(CollectionTestCommon):
    """The collection fixtures (a case of Carla Customer on loan ACC-001 with two overdue
    instalments of 100, worked by Agnes Agent) and gateway helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Connector = cls.env['collection.connector']
        cls.Event = cls.env['collection.event']
        # contact at any hour and day, whenever the suite runs (the policy's rules are tested in
        # collection_base; here they must not depend on the clock)
        cls.env['collection.contact.policy'].search([]).write({
            'hour_from': 0.0, 'hour_to': 24.0, 'allow_saturday': True, 'allow_sunday': True})

    @classmethod
    def _create_connector(cls, system, code, **values):
        connector = cls.Connector.create(dict({
            'name': f"{system} {code}", 'code': code, 'system': system,
        }, **values))
        connector.signing_secret = values.get('signing_secret', SECRET)
        return connector

    def _start_recorder(self):
        recorder = HttpRecorder().start()
        self.addCleanup(recorder.stop)
        return recorder

    def _events(self, name, records=None):
        domain = [('name', '=', name)]
        if records is not None:
            domain += [('res_model', '=', records._name), ('res_id', 'in', records.ids)]
        return self.Event.search(domain)


class CollectionGatewayHttpCommon(CollectionGatewayCommon, HttpCase):
    """The same, with Odoo's HTTP server, and signed JSON posts to it."""

    def _post(self, path, payload, secret=SECRET, timestamp=None, headers=None, sign=True):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        all_headers = {'Content-Type': 'application/json'}
        if sign:
            all_headers.update(sign_headers(secret, body, timestamp=timestamp if timestamp is not None else time.time()))
        all_headers.update(headers or {})
        return self.url_open(path, data=body, headers=all_headers)

    def _post_meta(self, path, payload, secret=SECRET):
        """A post signed the way Meta signs the WhatsApp webhook (``X-Hub-Signature-256``, the
        HMAC of the raw body: no timestamp)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signature = 'sha256=' + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self._post(path, body, sign=False, headers={'X-Hub-Signature-256': signature})
