from odoo import fields, models

from ..tools.sms_api import SmsApiCollectionGateway


class ResCompany(models.Model):
    _inherit = 'res.company'

    collection_sms_gateway_id = fields.Many2one(
        'collection.connector', string="SMS Gateway", domain=[('system', '=', 'sms')],
        help="Send this company's SMS through this HTTP gateway instead of Odoo's SMS service.")

    def _get_sms_api_class(self):
        self.ensure_one()
        if self.sudo().collection_sms_gateway_id:
            return SmsApiCollectionGateway
        return super()._get_sms_api_class()
