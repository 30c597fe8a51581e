from odoo import fields, models

AGENT_GROUP = 'collection_base.collection_base_group_agent'
SUPERVISOR_GROUP = 'collection_base.collection_base_group_supervisor'


class ResUsers(models.Model):
    _inherit = 'res.users'

    collection_region_ids = fields.Many2many(
        'res.country.state', 'collection_user_region_rel', 'user_id', 'state_id', string="Collection Regions",
        help="Regions this agent works; strategies assigning by region give them the cases of these regions.")
    collection_team_ids = fields.Many2many(
        'collection.team', 'collection_team_member_rel', 'user_id', 'team_id', string="Collection Teams",
        readonly=True, help="The collection teams this user is an agent of.")

    def _is_collection_agent_only(self):
        """Whether this user works cases without supervising: such a user may add contact points
        and contact blocks, but neither edits the bank's contact data nor lifts a block."""
        self.ensure_one()
        return self.has_group(AGENT_GROUP) and not self.has_group(SUPERVISOR_GROUP)
