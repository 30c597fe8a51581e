from odoo import fields, models
from odoo.tools import SQL


class CollectionStrategyRun(models.Model):
    _inherit = 'collection.strategy.run'

    placement_count = fields.Integer(string="Cases Placed", readonly=True, aggregator='sum')

    def _apply_treatments(self, run_date):
        counts = super()._apply_treatments(run_date)
        counts['placement_count'] = self._treat_placements(run_date)
        return counts

    def _treat_placements(self, run_date):
        """Place the cases of the treatments that ask for it with their agencies, treatment by treatment."""
        self.ensure_one()
        rows = self.env.execute_query(SQL("""
            SELECT w.treatment_id, ARRAY_AGG(w.case_id ORDER BY w.case_id)
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %s AND NOT w.is_excluded AND t.placement_method IS NOT NULL
          GROUP BY w.treatment_id
        """, self.strategy_id.id))
        Placement = self.env['collection.placement']
        placed = 0
        for treatment_id, case_ids in rows:
            treatment = self.env['collection.strategy.treatment'].browse(treatment_id)
            placed += len(Placement._place_cases(
                self.env['collection.case'].browse(case_ids), treatment.placement_agency_ids,
                method=treatment.placement_method, date_start=run_date, days=treatment.placement_days or None))
        return placed

    def _compose_summary(self):
        summary = super()._compose_summary()
        if self.state != 'failed' and self.placement_count:
            summary += "\n" + self.env._("Placed with agencies: %(count)s cases.", count=self.placement_count)
        return summary
