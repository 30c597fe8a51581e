from odoo import api, fields, models
from odoo.exceptions import UserError

# (field holding the count, model) of the legal records shown on a case
LEGAL_RECORDS = [
    ('repossession_count', 'collection.repossession'),
    ('mediation_count', 'collection.mediation'),
    ('settlement_count', 'collection.settlement'),
    ('legal_case_count', 'collection.legal.case'),
    ('dispute_count', 'collection.dispute'),
    ('hardship_count', 'collection.hardship.request'),
    ('incident_count', 'collection.recovery.incident'),
]


class CollectionCase(models.Model):
    _inherit = 'collection.case'

    placement_ids = fields.One2many('collection.placement', 'case_id', string="Placements")
    agency_id = fields.Many2one(
        'collection.agency', string="Placed With", compute='_compute_agency_id', search='_search_agency_id',
        help="The agency the case is placed with today.")
    placement_count = fields.Integer(compute='_compute_legal_counts')
    repossession_count = fields.Integer(compute='_compute_legal_counts')
    mediation_count = fields.Integer(compute='_compute_legal_counts')
    settlement_count = fields.Integer(compute='_compute_legal_counts')
    legal_case_count = fields.Integer(compute='_compute_legal_counts')
    dispute_count = fields.Integer(compute='_compute_legal_counts')
    hardship_count = fields.Integer(compute='_compute_legal_counts')
    incident_count = fields.Integer(compute='_compute_legal_counts')
    stage_before_dispute = fields.Char(readonly=True, copy=False)
    held_collateral_count = fields.Integer(
        compute='_compute_held_collateral_count', help="Assets the customer still holds: they may be repossessed.")

    @api.depends('placement_ids.state', 'placement_ids.date_end')
    def _compute_agency_id(self):
        for case in self:
            case.agency_id = case.placement_ids.filtered('is_valid')[:1].agency_id

    def _search_agency_id(self, operator, value):
        return [('placement_ids', 'any', [('is_valid', '=', True), ('agency_id', operator, value)])]

    def _compute_legal_counts(self):
        counts = {}
        for field_name, model in [('placement_count', 'collection.placement'), *LEGAL_RECORDS]:
            # what the user may not read counts as none (e.g. legal cases for agency officers)
            counts[field_name] = dict(self.env[model]._read_group(
                [('case_id', 'in', self.ids)], ['case_id'], ['__count'])) if self.env[model].has_access('read') else {}
        for case in self:
            for field_name, by_case in counts.items():
                case[field_name] = by_case.get(case, 0)

    def _compute_held_collateral_count(self):
        Collateral = self.env['collection.collateral']
        counts = dict(Collateral._read_group(
            [('case_id', 'in', self.ids), ('status', '=', 'held')], ['case_id'], ['__count'],
        )) if Collateral.has_access('read') else {}
        for case in self:
            case.held_collateral_count = counts.get(case, 0)

    def _get_valid_placement(self):
        self.ensure_one()
        return self.placement_ids.filtered('is_valid')[:1]

    def action_open_legal_records(self):
        """Smart buttons: the case's records of the model named in the context."""
        self.ensure_one()
        model = self.env.context.get('legal_model')
        if model not in {model_name for _field, model_name in LEGAL_RECORDS} | {'collection.placement'}:
            raise UserError(self.env._("Cannot open %(model)s records from a case.", model=model))
        return {
            'type': 'ir.actions.act_window',
            'name': self.env['ir.model']._get(model).display_name,
            'res_model': model,
            'view_mode': 'list,form',
            'domain': [('case_id', '=', self.id)],
            'context': {'default_case_id': self.id},
        }

    def action_place_with_agency(self):
        return self.env['collection.placement.assign']._get_action(self)

    def action_register_dispute(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Register a Dispute"),
            'res_model': 'collection.dispute',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_case_id': self.id},
        }
