from odoo import api, fields, models
from odoo.fields import Domain

from .collection_agent_status import AGENT_STATUSES


class ResUsers(models.Model):
    _inherit = 'res.users'

    collection_dialer_extension = fields.Char(
        string="Dialer Extension", help="Your extension on the call centre's dialer: click-to-dial rings it first.")
    collection_agent_status = fields.Selection(
        AGENT_STATUSES, string="Agent Status", compute='_compute_collection_agent_status',
        groups='collection_base.collection_base_group_supervisor',
        help="What the call centre last said this agent is doing.")
    collection_agent_status_since = fields.Datetime(
        string="Agent Status Since", compute='_compute_collection_agent_status',
        groups='collection_base.collection_base_group_supervisor')

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ['collection_dialer_extension']

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ['collection_dialer_extension']

    def _compute_collection_agent_status(self):
        # the status rows follow the record rules of the reader: a supervisor sees the status
        # of their teams' agents only
        statuses = {status.user_id.id: status for status in self.env['collection.agent.status'].search(
            [('user_id', 'in', self.ids)])}
        for user in self:
            status = statuses.get(user.id)
            user.collection_agent_status = status.status if status else False
            user.collection_agent_status_since = status.date if status else False

    @api.model
    def _collection_search_agents(self, reference, company):
        """The active internal users of ``company`` whose login or dialer extension is
        ``reference`` (what a call centre calls its agents)."""
        return self.sudo().search(Domain.AND([
            Domain('login', '=', reference) | Domain('collection_dialer_extension', '=', reference),
            [('share', '=', False), ('company_ids', 'in', company.ids)],
        ]))
