from odoo import fields, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    collection_region_ids = fields.Many2many(
        'res.country.state', 'collection_user_region_rel', 'user_id', 'state_id', string="Collection Regions",
        help="Regions this agent works; strategies assigning by region give them the cases of these regions.")
