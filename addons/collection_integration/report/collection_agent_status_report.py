from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.collection_agent_status import AGENT_STATUSES


class CollectionAgentStatusReport(models.Model):
    """Time per status, agent and day: the history's stretches cut at midnight in the agent's
    time zone (UTC when the agent has none), the current status counted up to now."""

    _name = 'collection.agent.status.report'
    _description = 'Agent Time per Status'
    _auto = False
    _order = 'date desc, user_id, status'
    _rec_name = 'user_id'
    _depends = {
        'collection.agent.status.history': ['user_id', 'company_id', 'status', 'reason', 'date_start', 'date_end'],
        'res.users': ['partner_id'],
        'res.partner': ['tz'],
    }

    date = fields.Date(string="Day", readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    status = fields.Selection(AGENT_STATUSES, readonly=True)
    reason = fields.Char(readonly=True)
    duration = fields.Float(string="Hours", readonly=True, aggregator='sum')
    is_current = fields.Boolean(string="Ongoing", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                SELECT row_number() OVER (ORDER BY h.id, d.day) AS id,
                       h.user_id, h.company_id, h.status, h.reason, d.day::date AS date,
                       EXTRACT(EPOCH FROM
                           LEAST(z.date_end, (d.day + interval '1 day') AT TIME ZONE z.tz AT TIME ZONE 'UTC')
                           - GREATEST(h.date_start, d.day AT TIME ZONE z.tz AT TIME ZONE 'UTC')) / 3600.0 AS duration,
                       h.date_end IS NULL AS is_current
                  FROM collection_agent_status_history h
                  JOIN res_users u ON u.id = h.user_id
                  JOIN res_partner p ON p.id = u.partner_id
                  LEFT JOIN pg_timezone_names tzn ON tzn.name = p.tz
                 CROSS JOIN LATERAL (
                       SELECT COALESCE(tzn.name, 'UTC') AS tz,
                              COALESCE(h.date_end, GREATEST(h.date_start, now() AT TIME ZONE 'UTC')) AS date_end
                       ) z
                 CROSS JOIN LATERAL generate_series(
                       date_trunc('day', h.date_start AT TIME ZONE 'UTC' AT TIME ZONE z.tz),
                       date_trunc('day', z.date_end AT TIME ZONE 'UTC' AT TIME ZONE z.tz),
                       interval '1 day') AS d(day)
            )
        """, view=SQL.identifier(self._table)))
