from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    collection_placement_days = fields.Integer(
        string="Placement Validity (days)", default=90,
        help="How long a case stays with a recovery agency when the agency sets no validity of its own.")
    collection_redemption_days = fields.Integer(
        string="Redemption Period (days)", default=14,
        help="Days a customer has to redeem a repossessed asset after the announcement letter.")
    collection_settlement_grace_days = fields.Integer(
        string="Settlement Grace Days", default=5,
        help="Days after an instalment's due date before an unpaid instalment breaches the settlement.")
