from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.collection_placement import PLACEMENT_METHODS


class CollectionPlacementAssign(models.TransientModel):
    """Place selected cases (or validated recovery incidents) with one or several agencies."""
    _name = 'collection.placement.assign'
    _description = 'Place Cases with Agencies'

    case_ids = fields.Many2many('collection.case', string="Cases")
    incident_ids = fields.Many2many(
        'collection.recovery.incident', 'collection_placement_assign_incident_rel', 'assign_id', 'incident_id',
        string="Incidents")
    case_count = fields.Integer(compute='_compute_case_count')
    method = fields.Selection(PLACEMENT_METHODS, required=True, default='manual')
    agency_ids = fields.Many2many('collection.agency', string="Agencies", required=True,
                                  domain="[('company_id', 'in', allowed_company_ids)]")
    days = fields.Integer(string="Validity (days)", help="Leave empty for each agency's own validity.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get('active_model')
        ids = self.env.context.get('active_ids') or []
        if model == 'collection.case':
            values['case_ids'] = [(6, 0, ids)]
        elif model == 'collection.recovery.incident':
            values['incident_ids'] = [(6, 0, ids)]
        return values

    @api.model
    def _get_action(self, records):
        """The wizard's window action for ``records`` (cases or recovery incidents)."""
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Place with an Agency"),
            'res_model': self._name,
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': records._name, 'active_ids': records.ids},
        }

    @api.depends('case_ids', 'incident_ids')
    def _compute_case_count(self):
        for wizard in self:
            wizard.case_count = len(wizard.case_ids | wizard.incident_ids.case_id)

    def action_place(self):
        self.ensure_one()
        if self.method == 'manual' and len(self.agency_ids) != 1:
            raise UserError(self.env._("Placing by hand goes to one agency: choose exactly one."))
        if self.incident_ids:
            self.incident_ids._place_with(self.agency_ids, method=self.method, days=self.days)
            return {'type': 'ir.actions.act_window_close'}
        placements = self.env['collection.placement']._place_cases(
            self.case_ids, self.agency_ids, method=self.method, days=self.days)
        if not placements:
            raise UserError(self.env._("No case was placed: they are all placed already, or the agencies are full."))
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Placements"),
            'res_model': 'collection.placement',
            'view_mode': 'list,form',
            'domain': [('id', 'in', placements.ids)],
        }
