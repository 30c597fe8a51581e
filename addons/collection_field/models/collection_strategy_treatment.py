from odoo import api, fields, models

FIELD_VISIT_METHODS = [
    ('region', 'Agent by region or district'),
    ('nearest', 'Nearest available agent'),
    ('none', 'Unassigned (the supervisor assigns)'),
]


class CollectionStrategyTreatment(models.Model):
    _inherit = 'collection.strategy.treatment'

    field_visit_assign = fields.Selection(
        FIELD_VISIT_METHODS, string="Field Visit",
        help="Plan a field visit for each treated case, where the visit contact policy allows it, "
             "and give it a field agent this way. Empty: no visit.")
    field_visit_days = fields.Integer(
        string="Visit after (days)", default=1, help="The visit is planned this many days after the run date.")

    @api.depends('field_visit_assign', 'field_visit_days')
    def _compute_name(self):
        super()._compute_name()
        for treatment in self.filtered('field_visit_assign'):
            visit = self.env._("field visit in %(days)s days", days=treatment.field_visit_days)
            no_action = self.env._("No action (control group)")
            treatment.name = visit if treatment.name == no_action else f"{treatment.name}, {visit}"

    def _get_communication_fields(self):
        # a visit reaches the customer: the treated case gets a run line
        return super()._get_communication_fields() + ['field_visit_assign']
