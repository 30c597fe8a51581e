from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    collection_connector_secret_ids = fields.One2many(
        'collection.connector.secret', 'company_id', string="Connector Credentials",
        groups='base.group_system')
