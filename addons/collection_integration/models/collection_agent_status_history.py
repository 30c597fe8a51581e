from odoo import api, fields, models

from .collection_agent_status import AGENT_STATUSES


class CollectionAgentStatusHistory(models.Model):
    """One stretch of time an agent spent in one status: from the call centre's timestamp of the
    change to the next change (open while it is the current status). Time per status and day:
    ``collection.agent.status.report``."""

    _name = 'collection.agent.status.history'
    _description = 'Agent Status History'
    _order = 'date_start desc, id desc'
    _rec_name = 'status'

    user_id = fields.Many2one('res.users', string="Agent", required=True, readonly=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    connector_id = fields.Many2one('collection.connector', string="Call Centre", readonly=True, ondelete='set null')
    status = fields.Selection(AGENT_STATUSES, required=True, readonly=True)
    reason = fields.Char(readonly=True)
    call_ref = fields.Char(string="Call", readonly=True)
    date_start = fields.Datetime(string="From", required=True, readonly=True)
    date_end = fields.Datetime(string="To", readonly=True, help="Empty while it is the agent's current status.")
    duration = fields.Float(
        string="Hours", compute='_compute_duration', store=True, aggregator='sum',
        help="Time spent in the status; counted once the status ends.")

    _user_date_idx = models.Index('(user_id, date_start DESC)')
    _open_idx = models.Index('(user_id) WHERE date_end IS NULL')

    @api.depends('date_start', 'date_end')
    def _compute_duration(self):
        for row in self:
            row.duration = (row.date_end - row.date_start).total_seconds() / 3600.0 if row.date_end else 0.0

    @api.model
    def _prepare_values(self, connector, user, event, date_end=False):
        return {
            'user_id': user.id, 'company_id': connector.company_id.id, 'connector_id': connector.id,
            'status': event['status'], 'reason': event['reason'], 'call_ref': event['call_ref'],
            'date_start': event['date'], 'date_end': date_end,
        }

    @api.model
    def _find_same(self, user, event):
        """The row this event already made (the same status, reason and time)."""
        return self.search([('user_id', '=', user.id), ('date_start', '=', event['date']),
                            ('status', '=', event['status']), ('reason', '=', event['reason'])], limit=1)

    @api.model
    def _close_open(self, user, date_end):
        self.search([('user_id', '=', user.id), ('date_end', '=', False)]).write({'date_end': date_end})

    @api.model
    def _insert_late(self, connector, user, event):
        """Write an event older than the current status where it belongs: it cuts the row it
        falls in (or comes before the first one); the current status is left alone."""
        containing = self.search([('user_id', '=', user.id), ('date_start', '<=', event['date'])],
                                 order='date_start desc, id desc', limit=1)
        if containing and (containing.status, containing.reason) == (event['status'], event['reason']):
            return containing
        if containing:
            date_end = containing.date_end
            containing.date_end = event['date']
        else:
            first = self.search([('user_id', '=', user.id)], order='date_start, id', limit=1)
            date_end = first.date_start or event['date']
        return self.create(self._prepare_values(connector, user, event, date_end=date_end))
