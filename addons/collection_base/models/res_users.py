from odoo import fields, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    collection_region_ids = fields.Many2many(
        'res.country.state', 'collection_user_region_rel', 'user_id', 'state_id', string="Collection Regions",
        help="Regions this agent works; strategies assigning by region give them the cases of these regions.")
    collection_team_ids = fields.Many2many(
        'collection.team', 'collection_team_member_rel', 'user_id', 'team_id', string="Collection Teams",
        readonly=True, help="The collection teams this user is an agent of.")
