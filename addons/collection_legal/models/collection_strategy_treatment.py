from odoo import api, fields, models

from .collection_placement import PLACEMENT_METHODS


class CollectionStrategyTreatment(models.Model):
    _inherit = 'collection.strategy.treatment'

    placement_method = fields.Selection(
        [(key, label) for key, label in PLACEMENT_METHODS if key != 'manual'], string="Place with Agency",
        help="Place each treated case with one of the agencies below, this way; cases already placed "
             "stay where they are. Empty: no placement.")
    placement_agency_ids = fields.Many2many(
        'collection.agency', 'collection_strategy_treatment_agency_rel', 'treatment_id', 'agency_id',
        string="Agencies")
    placement_days = fields.Integer(
        string="Placement Validity (days)", help="Empty: each agency's own validity.")

    @api.depends('placement_method', 'placement_agency_ids')
    def _compute_name(self):
        super()._compute_name()
        for treatment in self.filtered('placement_method'):
            placement = self.env._("placement with %(agencies)s", agencies=", ".join(
                treatment.placement_agency_ids.mapped('name')) or self.env._("no agency"))
            no_action = self.env._("No action (control group)")
            treatment.name = placement if treatment.name == no_action else f"{treatment.name}, {placement}"

    def _get_communication_fields(self):
        # a placement changes who works the case: the treated case gets a run line
        return super()._get_communication_fields() + ['placement_method']
