import datetime
import logging

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools.inbound import invalid
from ..tools.whatsapp_cloud import WhatsAppCloudClient

_logger = logging.getLogger(__name__)

# a status never goes back: read after delivered after sent (failed ends it)
STATUS_RANK = {'queued': 0, 'sent': 1, 'delivered': 2, 'read': 3, 'failed': 4}
SEND_BATCH = 100


class CollectionWhatsappMessage(models.Model):
    """A WhatsApp template message to a collection customer, with its delivery and read status
    (Meta's webhook, POST /collection/whatsapp/<connector>)."""

    _name = 'collection.whatsapp.message'
    _description = 'WhatsApp Message'
    _order = 'id desc'
    _rec_name = 'number'
    _check_company_auto = True

    case_id = fields.Many2one('collection.case', required=True, index=True, ondelete='cascade', check_company=True)
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    connector_id = fields.Many2one('collection.connector', required=True, ondelete='restrict', index=True)
    template_id = fields.Many2one('collection.whatsapp.template', required=True, ondelete='restrict')
    contact_point_id = fields.Many2one('collection.contact.point')
    number = fields.Char(required=True)
    params = fields.Json(string="Parameters")
    wamid = fields.Char(string="WhatsApp Message ID", index='btree_not_null', copy=False)
    state = fields.Selection([
        ('queued', 'Queued'),
        ('sent', 'Sent'),
        ('delivered', 'Delivered'),
        ('read', 'Read'),
        ('failed', 'Failed'),
    ], required=True, default='queued', index=True)
    error = fields.Char()
    sent_date = fields.Datetime()
    delivered_date = fields.Datetime()
    read_date = fields.Datetime()

    _queued_idx = models.Index("(id) WHERE state = 'queued'")

    # ------------------------------------------------------------------
    # sending
    # ------------------------------------------------------------------

    def _send(self):
        """Post the queued messages to the Cloud API, one call each."""
        clients = {}
        for message in self.filtered(lambda m: m.state == 'queued'):
            connector = message.connector_id.sudo()
            if connector not in clients:
                clients[connector] = WhatsAppCloudClient(
                    connector.whatsapp_phone_number_id, connector.api_token, base_url=connector.endpoint_url or None,
                    version=connector.whatsapp_api_version or 'v21.0', timeout=connector.timeout or 10)
            wamid, result = clients[connector].send_template(
                message.number, message.template_id.template_name, message.template_id.language, message.params or [])
            if wamid:
                message.write({'state': 'sent', 'wamid': wamid, 'sent_date': fields.Datetime.now(), 'error': False})
            else:
                message.write({'state': 'failed', 'error': (result.error or "no message id in the answer")[:500]})
                message._log_failure()

    @api.model
    def _cron_send_queued(self):
        in_cron = bool(self.env.context.get('cron_id'))
        domain = Domain('state', '=', 'queued')
        while True:
            batch = self.search(domain, limit=SEND_BATCH).try_lock_for_update()
            if not batch:
                break
            batch._send()
            if not in_cron:
                break
            if not self.env['ir.cron']._commit_progress(len(batch), remaining=self.search_count(domain)):
                break

    def _log_failure(self):
        for message in self:
            message.case_id.message_post(body=self.env._(
                "The WhatsApp message %(template)s to %(number)s failed: %(error)s",
                template=message.template_id.name, number=message.number, error=message.error or '-'))

    # ------------------------------------------------------------------
    # statuses (Meta's webhook)
    # ------------------------------------------------------------------

    @api.model
    def _receive_webhook(self, connector, payload):
        """Apply the ``statuses`` of a WhatsApp Business webhook; ``(answer, messages)``.

        Meta retries what is not answered 200 and disables a webhook that keeps failing, so
        statuses of messages this database did not send are counted, not refused.

        Meta's signature has no timestamp: a captured callback can be posted again at any time.
        Statuses only move forward (``STATUS_RANK``), so a replayed or late one changes nothing;
        its answer (and the stored inbound message) says ``duplicate``."""
        if payload.get('object') != 'whatsapp_business_account' or not isinstance(payload.get('entry'), list):
            raise invalid('object', "Not a WhatsApp Business Account webhook.")
        statuses = []
        for entry in payload['entry']:
            for change in (entry or {}).get('changes') or []:
                statuses += ((change or {}).get('value') or {}).get('statuses') or []
        by_wamid = {}
        for status in statuses:
            if isinstance(status, dict) and status.get('id') and status.get('status') in STATUS_RANK:
                by_wamid.setdefault(status['id'], []).append(status)
        messages = self.search([('wamid', 'in', list(by_wamid)), ('connector_id', '=', connector.id)])
        updated = 0
        for message in messages:
            for status in sorted(by_wamid[message.wamid], key=lambda s: STATUS_RANK[s['status']]):
                updated += message._apply_status(status)
        unknown = len(set(by_wamid) - set(messages.mapped('wamid')))
        status = 'duplicate' if by_wamid and not updated and not unknown else 'updated'
        return {'status': status, 'updated': updated, 'unknown': unknown}, messages

    def _apply_status(self, status):
        self.ensure_one()
        new = status['status']
        if self.state == 'failed' or STATUS_RANK[new] <= STATUS_RANK[self.state]:
            return 0
        try:
            moment = datetime.datetime.fromtimestamp(int(status.get('timestamp')), datetime.UTC).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError):
            moment = fields.Datetime.now()
        values = {'state': new}
        if new == 'delivered':
            values['delivered_date'] = moment
        elif new == 'read':
            values['read_date'] = moment
            if not self.delivered_date:
                values['delivered_date'] = moment
        elif new == 'failed':
            errors = status.get('errors') or [{}]
            values['error'] = f"{errors[0].get('code', '')} {errors[0].get('title') or errors[0].get('message') or ''}".strip()[:500]
        self.write(values)
        if new == 'failed':
            self._log_failure()
        return 1
