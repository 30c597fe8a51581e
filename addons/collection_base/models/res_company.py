from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    collection_ptp_grace_days = fields.Integer(
        string="PTP Grace Days", default=2,
        help="Days after the promised date before an unpaid promise counts as broken.")
