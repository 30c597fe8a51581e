from odoo import fields, models, tools
from odoo.tools import SQL


class CollectionWorkloadReport(models.Model):
    """Open cases per agent of each team against the team's capacity per agent.

    One row per team and agent: every member, plus anyone else holding open cases of the team
    (capacity 0), plus one row without agent for the team's unassigned open cases.
    """
    _name = 'collection.workload.report'
    _description = 'Agent Workload'
    _auto = False
    _order = 'team_id, load_rate desc'
    _rec_name = 'user_id'
    _depends = {
        'collection.case': ['team_id', 'user_id', 'active', 'stage', 'total_overdue', 'total_outstanding'],
        'collection.team': ['member_ids', 'capacity_per_agent', 'company_id', 'active'],
    }

    team_id = fields.Many2one('collection.team', string="Team", readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    is_member = fields.Boolean(string="Team Member", readonly=True)
    case_count = fields.Integer(string="Open Cases", readonly=True)
    capacity = fields.Integer(readonly=True, help="The team's capacity per agent, for its members.")
    free_capacity = fields.Integer(
        string="Free Capacity", readonly=True, help="Capacity minus open cases; negative when overloaded.")
    load_rate = fields.Float(
        string="Load (%)", readonly=True, aggregator='avg', help="Open cases / capacity.")
    total_overdue = fields.Monetary(string="Overdue", readonly=True)
    total_outstanding = fields.Monetary(string="Outstanding", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                WITH load AS (
                    SELECT c.team_id, c.user_id, COUNT(*) AS case_count,
                           SUM(c.total_overdue) AS total_overdue,
                           SUM(c.total_outstanding) AS total_outstanding
                      FROM collection_case c
                     WHERE c.active AND c.stage != 'closed' AND c.team_id IS NOT NULL
                  GROUP BY c.team_id, c.user_id
                ), pairs AS (
                    SELECT r.team_id, r.user_id FROM collection_team_member_rel r
                     UNION
                    SELECT team_id, user_id FROM load
                )
                SELECT row_number() OVER (ORDER BY p.team_id, p.user_id NULLS LAST) AS id,
                       p.team_id, p.user_id, t.company_id, rc.currency_id,
                       m.user_id IS NOT NULL AS is_member,
                       COALESCE(l.case_count, 0) AS case_count,
                       CASE WHEN m.user_id IS NOT NULL THEN t.capacity_per_agent ELSE 0 END AS capacity,
                       CASE WHEN m.user_id IS NOT NULL THEN t.capacity_per_agent ELSE 0 END
                           - COALESCE(l.case_count, 0) AS free_capacity,
                       CASE WHEN m.user_id IS NOT NULL AND t.capacity_per_agent > 0
                            THEN 100.0 * COALESCE(l.case_count, 0) / t.capacity_per_agent END::float AS load_rate,
                       COALESCE(l.total_overdue, 0) AS total_overdue,
                       COALESCE(l.total_outstanding, 0) AS total_outstanding
                  FROM pairs p
                  JOIN collection_team t ON t.id = p.team_id
                  JOIN res_company rc ON rc.id = t.company_id
             LEFT JOIN collection_team_member_rel m ON m.team_id = p.team_id AND m.user_id = p.user_id
             LEFT JOIN load l ON l.team_id = p.team_id AND l.user_id IS NOT DISTINCT FROM p.user_id
                 WHERE t.active
            )
        """, view=SQL.identifier(self._table)))
