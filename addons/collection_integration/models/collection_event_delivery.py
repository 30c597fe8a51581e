from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

DELIVERY_STATES = [
    ('pending', 'Pending'),
    ('sent', 'Delivered'),
    ('dead', 'Dead letter'),
    ('cancelled', 'Cancelled'),
]


class CollectionEventDelivery(models.Model):
    """One event to deliver to one webhook subscriber, with its retry state.

    Written in bulk by :meth:`collection.event._dispatch_pending`, sent by the scheduled action
    (:meth:`collection.event._cron_deliver`): at least once, retried with exponentially growing
    waits, and given up (dead letter) after the connector's last attempt.
    """

    _name = 'collection.event.delivery'
    _description = 'Event Delivery'
    _order = 'id desc'
    _rec_name = 'name'

    event_id = fields.Many2one('collection.event', required=True, index=True, ondelete='cascade', readonly=True)
    connector_id = fields.Many2one(
        'collection.connector', string="Webhook", required=True, index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one(
        'res.company', index=True, readonly=True,
        help="The webhook's company (also for an event of no company, e.g. a customer the companies share).")
    name = fields.Char(string="Event Name", readonly=True, index=True)
    state = fields.Selection(DELIVERY_STATES, required=True, default='pending', index=True, readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    next_try = fields.Datetime(string="Next Attempt", readonly=True)
    sent_date = fields.Datetime(string="Delivered On", readonly=True)
    last_status_code = fields.Integer(string="Last HTTP Status", readonly=True)
    last_error = fields.Char(readonly=True)
    attempt_ids = fields.One2many('collection.event.attempt', 'delivery_id', string="Attempts Log", readonly=True)

    _event_connector_uniq = models.Constraint(
        'unique(event_id, connector_id)', "An event is delivered once per webhook.")
    _due_idx = models.Index("(next_try, id) WHERE state = 'pending'")

    @api.depends('name', 'connector_id')
    def _compute_display_name(self):
        for delivery in self:
            delivery.display_name = f"{delivery.name} → {delivery.connector_id.name}"

    def action_retry(self):
        """Deliver again now, with a fresh set of attempts (dead letters, cancelled ones)."""
        if not self.env.user.has_group('collection_base.collection_base_group_admin'):
            raise UserError(self.env._("Only collection administrators may send events again."))
        self.write({'state': 'pending', 'attempt_count': 0, 'next_try': fields.Datetime.now(), 'last_error': False})
        self.event_id.sudo().write({'state': 'pending'})
        self.env['collection.event']._trigger_delivery()
        return True

    def action_cancel(self):
        if not self.env.user.has_group('collection_base.collection_base_group_admin'):
            raise UserError(self.env._("Only collection administrators may cancel deliveries."))
        self.filtered(lambda d: d.state == 'pending').write({'state': 'cancelled', 'next_try': False})
        self.event_id._refresh_delivery_state()
        return True

    def _get_retry_delay(self, attempt_count):
        """Wait before the attempt after attempt number ``attempt_count``: the connector's first
        delay, doubled at each attempt."""
        self.ensure_one()
        return timedelta(minutes=self.connector_id.webhook_retry_minutes * 2 ** (attempt_count - 1))

    def _send(self):
        """Post each delivery of ``self`` once; log the attempt, then schedule the next one or
        close the delivery (delivered, or dead after the last attempt)."""
        now = fields.Datetime.now()
        clients = {}
        attempts = []
        for delivery in self:
            connector = delivery.connector_id
            if not connector.active or not connector.endpoint_url:
                delivery.write({'state': 'cancelled', 'next_try': False,
                                'last_error': self.env._("The webhook is archived or has no URL.")})
                continue
            if connector not in clients:
                clients[connector] = connector._get_http_client()
            count = delivery.attempt_count + 1
            event = delivery.event_id
            result = clients[connector].post('', event._get_webhook_body(delivery, count), headers={
                'X-Collection-Event': event.name,
                'X-Collection-Event-Id': str(event.id),
                'X-Collection-Delivery': str(delivery.id),
            })
            values = {'attempt_count': count, 'last_status_code': result.status, 'last_error': result.error[:500] or False}
            if result.ok:
                values.update(state='sent', sent_date=now, next_try=False)
            elif count >= connector.webhook_max_attempts:
                values.update(state='dead', next_try=False)
            else:
                values['next_try'] = now + delivery._get_retry_delay(count)
            delivery.write(values)
            attempts.append({
                'delivery_id': delivery.id,
                'date': now,
                'is_success': result.ok,
                'status_code': result.status,
                'duration_ms': int(result.duration * 1000),
                'error': result.error[:500] or False,
                'response': result.text or False,
            })
        self.env['collection.event.attempt'].create(attempts)
        self.event_id._refresh_delivery_state()
