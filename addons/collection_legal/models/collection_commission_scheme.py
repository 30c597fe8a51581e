from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CollectionCommissionScheme(models.Model):
    _name = 'collection.commission.scheme'
    _description = 'Agency Commission Scheme'
    _inherit = ['mail.thread']
    _order = 'name, id'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    line_ids = fields.One2many('collection.commission.scheme.line', 'scheme_id', string="Rates", copy=True)
    equipment_fee = fields.Monetary(
        string="Fee per Equipment Unit", tracking=True,
        help="Paid for each equipment unit the agency recovered and return management approved.")
    cap_per_placement = fields.Monetary(
        string="Cap per Case", tracking=True,
        help="Most commission on the recoveries of one placed case in one statement (0: no cap).")
    cap_per_statement = fields.Monetary(
        string="Cap per Statement", tracking=True, help="Most commission in one monthly statement (0: no cap).")
    note = fields.Html()
    agency_ids = fields.One2many('collection.agency', 'commission_scheme_id', string="Agencies")

    @api.constrains('equipment_fee', 'cap_per_placement', 'cap_per_statement')
    def _check_amounts(self):
        for scheme in self:
            if min(scheme.equipment_fee, scheme.cap_per_placement, scheme.cap_per_statement) < 0:
                raise ValidationError(self.env._(
                    "Fees and caps of commission scheme %(scheme)s cannot be negative.", scheme=scheme.name))

    def _get_commission(self, bucket, recovered):
        """Commission on ``recovered`` for placements of ``bucket`` with this scheme's tiers
        (marginal: each tier's rate applies to the part of the amount within the tier).
        The statement computes the same in SQL; this is the reference for one amount."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.bucket_id == bucket) \
            or self.line_ids.filtered(lambda line: not line.bucket_id)
        lines = lines.sorted('amount_from')
        commission = 0.0
        for index, line in enumerate(lines):
            upper = lines[index + 1].amount_from if index + 1 < len(lines) else recovered
            commission += line.rate / 100.0 * max(0.0, min(recovered, upper) - line.amount_from)
        return self.currency_id.round(commission)
