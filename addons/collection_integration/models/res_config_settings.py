from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    collection_sms_gateway_id = fields.Many2one(
        related='company_id.collection_sms_gateway_id', readonly=False)
