from odoo import api, fields, models
from odoo.tools import SQL

ATTEMPT_RETENTION_DAYS = 90


class CollectionEventAttempt(models.Model):
    """One try to deliver an event to a webhook: the delivery log."""

    _name = 'collection.event.attempt'
    _description = 'Event Delivery Attempt'
    _order = 'id desc'

    delivery_id = fields.Many2one('collection.event.delivery', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='delivery_id.company_id', store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    is_success = fields.Boolean(string="Delivered")
    status_code = fields.Integer(string="HTTP Status", help="0: no HTTP answer (connection refused, timeout).")
    duration_ms = fields.Integer(string="Duration (ms)")
    error = fields.Char()
    response = fields.Text(string="Response (start)")

    @api.autovacuum
    def _gc_attempts(self):
        """The log of attempts is kept ``ATTEMPT_RETENTION_DAYS`` days."""
        self.env.execute_query(SQL(
            "DELETE FROM collection_event_attempt WHERE date < now() AT TIME ZONE 'UTC' - %s * interval '1 day'",
            ATTEMPT_RETENTION_DAYS))
