from odoo import api, models
from odoo.tools import SQL


class CollectionStrategyRun(models.Model):
    _inherit = 'collection.strategy.run'

    @api.model
    def _write_cases(self, strategy):
        """Strategies assign in SQL, past ``collection.case.write``: the ``case.assigned`` event
        of every case that changes agent is written from the run's work rows, with the same
        payload as ``collection.case._get_assignment_payload``."""
        super()._write_cases(strategy)
        self.env['collection.event']._emit_from_query(SQL("""
            SELECT 'case.assigned', 'collection.case', c.id, c.company_id,
                   jsonb_build_object('case', c.name, 'case_id', c.id, 'cif', p.cif,
                                      'agent', u.login, 'agent_id', c.user_id,
                                      'previous_agent', pu.login, 'team_id', c.team_id)
              FROM collection_strategy_work w
              JOIN collection_case c ON c.id = w.case_id
              JOIN res_partner p ON p.id = c.partner_id
         LEFT JOIN res_users u ON u.id = c.user_id
         LEFT JOIN res_users pu ON pu.id = w.prev_user_id
             WHERE w.strategy_id = %(sid)s AND NOT w.is_excluded
               AND w.user_id IS DISTINCT FROM w.prev_user_id
          ORDER BY c.id
        """, sid=strategy.id))
