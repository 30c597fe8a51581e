"""Inbound endpoints: what payment processors, the call centre (calls, agent status) and the
message gateways post.

Every endpoint answers JSON. A request goes through, in this order:

1. the connector in the URL must exist, be active and be of the right kind (404);
2. the body must fit the connector's limit (413), read at most once up to that limit;
3. the signature must hold and its timestamp be inside the connector's window (401);
4. the body must be a JSON object (400);
5. then it is stored (``collection.inbound.message``) and applied: 200 with the outcome, or
   a structured error naming the field and the reason (400, 409, 422).

See docs/integration.md for the formats.
"""
import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..tools.signature import (
    SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify_meta_signature, verify_signature,
)

_logger = logging.getLogger(__name__)

# no connector accepts more (collection.connector.max_body_kb); Odoo refuses larger bodies first
MAX_BODY_BYTES = 1024 * 1024
ROUTE_OPTIONS = {'type': 'http', 'auth': 'public', 'methods': ['POST'], 'csrf': False, 'save_session': False,
                 'max_content_length': MAX_BODY_BYTES}


class CollectionInboundController(http.Controller):

    @http.route('/collection/payment/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_payment_notification(self, connector_id, **kwargs):
        return self._handle(connector_id, 'payment', 'payment', reference_key='reference')

    @http.route('/collection/call/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_call_record(self, connector_id, **kwargs):
        return self._handle(connector_id, 'call_center', 'call', reference_key='call_id')

    @http.route('/collection/agent/status/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_agent_status(self, connector_id, **kwargs):
        return self._handle(connector_id, 'call_center', 'agent_status', reference_key='agent')

    @http.route('/collection/sms/status/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_sms_status(self, connector_id, **kwargs):
        return self._handle(connector_id, 'sms', 'sms_status', reference_key='id')

    @http.route('/collection/voice/result/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_voice_result(self, connector_id, **kwargs):
        return self._handle(connector_id, 'voice', 'voice_result', reference_key='id')

    @http.route('/collection/whatsapp/<int:connector_id>', type='http', auth='public', methods=['GET'],
                csrf=False, save_session=False)
    def collection_whatsapp_verify(self, connector_id, **kwargs):
        """Meta's webhook registration: echo ``hub.challenge`` when the verify token matches."""
        connector = self._get_connector(connector_id, 'whatsapp')
        token = kwargs.get('hub.verify_token')
        if not connector or kwargs.get('hub.mode') != 'subscribe' or not token \
                or not connector.verify_token or token != connector.verify_token:
            return request.make_response('Forbidden', status=403)
        return request.make_response(kwargs.get('hub.challenge', ''), headers=[('Content-Type', 'text/plain')])

    @http.route('/collection/whatsapp/<int:connector_id>', **ROUTE_OPTIONS)
    def collection_whatsapp_webhook(self, connector_id, **kwargs):
        return self._handle(connector_id, 'whatsapp', 'whatsapp', signature='meta')

    # ------------------------------------------------------------------

    @staticmethod
    def _json(status, data):
        return request.make_json_response(data, status=status)

    def _error(self, status, code, message, field=None):
        error = {'code': code, 'message': message}
        if field:
            error['field'] = field
        return self._json(status, {'error': error})

    @staticmethod
    def _get_connector(connector_id, system):
        connector = request.env['collection.connector'].sudo().browse(connector_id).exists()
        if not connector or not connector.active or connector.system != system:
            return None
        return connector

    def _read_body(self, connector):
        """The raw body, or None when it is larger than the connector allows."""
        limit = connector.max_body_kb * 1024
        length = request.httprequest.content_length
        if length is not None and length > limit:
            return None
        try:
            body = request.httprequest.get_data()
        except RequestEntityTooLarge:
            return None
        return None if len(body) > limit else body

    def _handle(self, connector_id, system, kind, reference_key=None, signature='collection'):
        connector = self._get_connector(connector_id, system)
        if not connector:
            return self._error(404, 'unknown_endpoint', "No active connector answers at this address.")
        body = self._read_body(connector)
        if body is None:
            return self._error(413, 'body_too_large', f"The body is larger than {connector.max_body_kb} KB.")
        headers = request.httprequest.headers
        try:
            if signature == 'meta':
                verify_meta_signature(connector.signing_secret, body, headers.get('X-Hub-Signature-256'))
            else:
                verify_signature(connector.signing_secret, body, headers.get(TIMESTAMP_HEADER),
                                 headers.get(SIGNATURE_HEADER), connector.signature_window)
        except SignatureError as error:
            _logger.warning("Collection %s endpoint of connector %s refused a request from %s: %s",
                            kind, connector.code, request.httprequest.remote_addr, error.code)
            return self._error(401, error.code, error.message)
        try:
            payload = json.loads(body.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as error:
            return self._error(400, 'malformed_json', f"The body is not valid JSON: {error}")
        if not isinstance(payload, dict):
            return self._error(400, 'invalid_body', "The body must be a JSON object.")
        reference = payload.get(reference_key) if reference_key else None
        status, answer = request.env['collection.inbound.message']._receive(
            connector, kind, payload, reference=str(reference) if isinstance(reference, (str, int)) else None,
            remote_addr=request.httprequest.remote_addr)
        return self._json(status, answer)
