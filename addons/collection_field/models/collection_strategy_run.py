from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL


class CollectionStrategyRun(models.Model):
    _inherit = 'collection.strategy.run'

    field_visit_count = fields.Integer(string="Visits Planned", readonly=True, aggregator='sum')
    field_visit_unassigned_count = fields.Integer(
        string="Visits without Agent", readonly=True, aggregator='sum',
        help="Visits planned that found no available field agent; the supervisor assigns them.")
    field_visit_skipped_count = fields.Integer(
        string="Visits Not Planned", readonly=True, aggregator='sum',
        help="Treated cases that got no visit: the contact policy did not allow it that day, "
             "or the case already had a visit planned that day.")
    field_visit_ids = fields.One2many('collection.visit', 'strategy_run_id', string="Visits")

    def _apply_treatments(self, run_date):
        counts = super()._apply_treatments(run_date)
        counts.update(self._treat_field_visits(run_date))
        return counts

    def _treat_field_visits(self, run_date):
        """Plan the visits of the treatments that ask for one, treatment by treatment."""
        self.ensure_one()
        rows = self.env.execute_query(SQL("""
            SELECT t.field_visit_assign, COALESCE(t.field_visit_days, 0), ARRAY_AGG(w.case_id ORDER BY w.case_id)
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %s AND NOT w.is_excluded AND t.field_visit_assign IS NOT NULL
          GROUP BY t.id, t.field_visit_assign, t.field_visit_days
        """, self.strategy_id.id))
        Visit = self.env['collection.visit']
        planned = unassigned = skipped = 0
        for method, days, case_ids in rows:
            visits, blocked = Visit._plan_visits(
                self.env['collection.case'].browse(case_ids), run_date + timedelta(days=days), origin='strategy',
                assign=None if method == 'none' else method, values={'strategy_run_id': self.id})
            planned += len(visits)
            unassigned += len(visits.filtered(lambda v: not v.user_id))
            skipped += len(blocked)
        return {'field_visit_count': planned, 'field_visit_unassigned_count': unassigned,
                'field_visit_skipped_count': skipped}

    def _compose_summary(self):
        summary = super()._compose_summary()
        if self.state != 'failed' and (self.field_visit_count or self.field_visit_skipped_count):
            summary += "\n" + self.env._(
                "Field visits: %(planned)s planned (%(unassigned)s without agent), %(skipped)s not planned "
                "(contact policy, or already planned that day).",
                planned=self.field_visit_count, unassigned=self.field_visit_unassigned_count,
                skipped=self.field_visit_skipped_count)
        return summary

    def action_open_field_visits(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_field.collection_visit_action')
        action.update({'domain': [('strategy_run_id', '=', self.id)], 'context': {}})
        return action
