import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.json_http import JsonHttpClient

# the systems the core-banking sync loads from (collection_connector.py)
SYNC_SYSTEMS = ('t24', 'way4', 'los', 'other')
GATEWAY_SYSTEMS = [
    ('payment', 'Payment processor'),
    ('call_center', 'Call centre'),
    ('dialer', 'Dialer'),
    ('sms', 'SMS gateway'),
    ('whatsapp', 'WhatsApp Business'),
    ('voice', 'Voice gateway'),
    ('webhook', 'Webhook subscriber'),
]
# where each kind of connector receives what its system sends (controllers/inbound.py)
INBOUND_ROUTES = {
    'payment': '/collection/payment/%s',
    'call_center': '/collection/call/%s',
    'sms': '/collection/sms/status/%s',
    'whatsapp': '/collection/whatsapp/%s',
    'voice': '/collection/voice/result/%s',
}
AGENT_STATUS_ROUTE = '/collection/agent/status/%s'
SECRET_FIELDS = ('signing_secret', 'api_token', 'verify_token')


class CollectionConnector(models.Model):
    """Connectors to the systems around collection besides core banking: payment processors,
    call centre and dialer, SMS / WhatsApp / voice gateways and webhook subscribers.

    They share the sync connectors' record (name, code, company, endpoint, timeout, secrets on
    the company) and add what an HTTP integration needs: a signing secret for HMAC signatures,
    a bearer token for the gateway's API, the accepted clock skew and body size of inbound
    requests, and for webhooks the events subscribed to and the retry policy.
    """

    _inherit = 'collection.connector'

    system = fields.Selection(
        selection_add=GATEWAY_SYSTEMS, ondelete=dict.fromkeys([code for code, _label in GATEWAY_SYSTEMS], 'cascade'))
    is_sync_connector = fields.Boolean(compute='_compute_is_sync_connector')
    inbound_url = fields.Char(
        string="Inbound URL", compute='_compute_inbound_url',
        help="Give this URL to the other system: it posts its notifications here, signed with the signing secret.")
    agent_status_url = fields.Char(
        string="Agent Status URL", compute='_compute_inbound_url',
        help="Call centre: where it posts its agents' status changes, signed like the call records.")
    agent_stale_minutes = fields.Integer(
        string="Agent Status Stale After (min)", default=15,
        help="Call centre: an agent whose status (other than offline) is not repeated for this long shows as "
             "Unknown. The call centre should repeat each agent's status more often. 0: never.")
    signing_secret = fields.Char(
        compute='_compute_gateway_secrets', inverse='_inverse_gateway_secrets', groups='base.group_system',
        help="Shared secret of the HMAC-SHA256 signatures, both ways. For WhatsApp: the Meta app secret.")
    api_token = fields.Char(
        string="API Token", compute='_compute_gateway_secrets', inverse='_inverse_gateway_secrets',
        groups='base.group_system',
        help="Bearer token sent to the gateway's API (WhatsApp: the system user access token).")
    verify_token = fields.Char(
        compute='_compute_gateway_secrets', inverse='_inverse_gateway_secrets', groups='base.group_system',
        help="WhatsApp: the token Meta sends back when the webhook is registered.")
    signature_window = fields.Integer(
        string="Signature Window (s)", default=300,
        help="How far the timestamp of a signed request may be from now; older requests are refused as replays.")
    max_body_kb = fields.Integer(
        string="Body Limit (KB)", default=256,
        help="Larger inbound requests are refused with HTTP 413 (1024 KB at most).")
    # webhook subscribers
    event_type_ids = fields.Many2many(
        'collection.event.type', 'collection_connector_event_type_rel', 'connector_id', 'event_type_id', string="Events",
        help="The events delivered to this webhook; empty: every event.")
    webhook_max_attempts = fields.Integer(
        string="Attempts", default=8,
        help="Delivery attempts before an event is given up (dead letter).")
    webhook_retry_minutes = fields.Integer(
        string="First Retry After (min)", default=1,
        help="Wait before the first retry; each following wait doubles.")
    delivery_ids = fields.One2many('collection.event.delivery', 'connector_id', string="Deliveries")
    delivery_pending_count = fields.Integer(compute='_compute_delivery_counts')
    delivery_dead_count = fields.Integer(compute='_compute_delivery_counts')
    # gateways
    sms_sender = fields.Char(string="Sender", help="Sender id or number the SMS gateway sends from.")
    whatsapp_phone_number_id = fields.Char(
        string="Phone Number ID", help="The WhatsApp Business phone number id messages are sent from.")
    whatsapp_api_version = fields.Char(string="Graph API Version", default='v21.0')
    # what came in
    inbound_message_ids = fields.One2many('collection.inbound.message', 'connector_id', string="Received")
    inbound_error_count = fields.Integer(compute='_compute_inbound_error_count')

    @api.depends('system')
    def _compute_is_sync_connector(self):
        for connector in self:
            connector.is_sync_connector = connector.system in SYNC_SYSTEMS

    @api.depends('system')
    def _compute_inbound_url(self):
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        for connector in self:
            route = INBOUND_ROUTES.get(connector.system)
            connector.inbound_url = f"{base_url}{route % connector.id}" if route and connector.id else False
            connector.agent_status_url = f"{base_url}{AGENT_STATUS_ROUTE % connector.id}" \
                if connector.system == 'call_center' and connector.id else False

    @api.depends('company_id')
    def _compute_gateway_secrets(self):
        secrets_ = self.env['collection.connector.secret'].sudo().search([('connector_id', 'in', self.ids)])
        by_key = {(s.connector_id.id, s.company_id.id): s for s in secrets_}
        for connector in self:
            secret = by_key.get((connector.id, connector.company_id.id))
            for fname in SECRET_FIELDS:
                connector[fname] = secret[fname] if secret else False

    def _inverse_gateway_secrets(self):
        Secret = self.env['collection.connector.secret'].sudo()
        for connector in self:
            values = {fname: connector[fname] for fname in SECRET_FIELDS}
            secret = Secret.search([('connector_id', '=', connector.id), ('company_id', '=', connector.company_id.id)])
            if secret:
                secret.write(values)
            else:
                Secret.create(dict(values, connector_id=connector.id, company_id=connector.company_id.id))

    def _compute_delivery_counts(self):
        counts = {(connector.id, state): count for connector, state, count in
                  self.env['collection.event.delivery']._read_group(
                      [('connector_id', 'in', self.ids), ('state', 'in', ('pending', 'dead'))],
                      ['connector_id', 'state'], ['__count'])}
        for connector in self:
            connector.delivery_pending_count = counts.get((connector.id, 'pending'), 0)
            connector.delivery_dead_count = counts.get((connector.id, 'dead'), 0)

    def _compute_inbound_error_count(self):
        counts = dict(self.env['collection.inbound.message']._read_group(
            [('connector_id', 'in', self.ids), ('state', '=', 'error')], ['connector_id'], ['__count']))
        for connector in self:
            connector.inbound_error_count = counts.get(connector, 0)

    @api.constrains('system', 'endpoint_url', 'signature_window', 'max_body_kb', 'webhook_max_attempts',
                    'webhook_retry_minutes', 'agent_stale_minutes')
    def _check_gateway_settings(self):
        for connector in self.filtered(lambda c: not c.is_sync_connector):
            if connector.endpoint_url and not connector.endpoint_url.startswith(('http://', 'https://')):
                raise ValidationError(self.env._(
                    "The endpoint of %(connector)s must be an http:// or https:// URL.", connector=connector.name))
            if connector.system == 'webhook' and not connector.endpoint_url:
                raise ValidationError(self.env._(
                    "The webhook %(connector)s needs the URL events are posted to.", connector=connector.name))
            if connector.signature_window < 1 or not 1 <= connector.max_body_kb <= 1024:
                raise ValidationError(self.env._(
                    "%(connector)s: the signature window must be positive and the body limit between 1 and 1024 KB.",
                    connector=connector.name))
            if connector.agent_stale_minutes < 0:
                raise ValidationError(self.env._(
                    "%(connector)s: the minutes after which an agent status is stale cannot be negative.",
                    connector=connector.name))
            if connector.webhook_max_attempts < 1 or connector.webhook_retry_minutes < 1:
                raise ValidationError(self.env._(
                    "%(connector)s: a webhook needs at least one attempt and a retry delay of one minute or more.",
                    connector=connector.name))

    def _get_or_create_cron(self):
        """Gateways and webhooks have no sync to schedule."""
        if not self.is_sync_connector:
            return self.env['ir.cron']
        return super()._get_or_create_cron()

    @api.model
    def _get_gateway(self, system, company=None, raise_if_missing=True):
        """The active connector of ``system`` of ``company`` (the current one by default)."""
        company = company or self.env.company
        connector = self.sudo().search([('system', '=', system), ('company_id', '=', company.id)], limit=1)
        if not connector and raise_if_missing:
            label = dict(self._fields['system']._description_selection(self.env)).get(system, system)
            raise UserError(self.env._(
                "No active %(system)s connector is configured for %(company)s.", system=label, company=company.name))
        return connector

    def action_generate_signing_secret(self):
        """Replace the signing secret by a new random one (the other side must be told)."""
        if not self.env.user.has_group('base.group_system'):
            raise UserError(self.env._("Only system administrators may change connector secrets."))
        for connector in self:
            connector.signing_secret = secrets.token_urlsafe(32)
        return True

    def action_open_deliveries(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_event_delivery_action')
        action['domain'] = [('connector_id', '=', self.id)]
        return action

    def action_open_inbound_messages(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'collection_integration.collection_inbound_message_action')
        action['domain'] = [('connector_id', '=', self.id)]
        return action

    def _get_http_client(self, **kwargs):
        """A :class:`JsonHttpClient` on this connector's endpoint, token and secret."""
        self.ensure_one()
        sudo = self.sudo()
        return JsonHttpClient(
            self.endpoint_url, token=sudo.api_token, secret=sudo.signing_secret,
            timeout=self.timeout or 10, **kwargs)
