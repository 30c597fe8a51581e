from odoo import fields, models


class CollectionTag(models.Model):
    _name = 'collection.tag'
    _description = 'Collection Tag'
    _order = 'name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Stable code used by integrations and strategy rules.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
    applies_to = fields.Selection(
        [('account', 'Account'), ('phone', 'Phone number'), ('any', 'Any')],
        default='any', required=True)
    is_strategy_excluded = fields.Boolean(
        string="Exclude from Strategies",
        help="Cases carrying this tag are skipped by every strategy run.")
    is_contact_blocked = fields.Boolean(
        string="Block Contact",
        help="No outbound contact is allowed while this tag is set.")
    route_team_id = fields.Many2one(
        'collection.team', string="Route to Team",
        help="Cases carrying this tag are assigned to this team by strategies.")

    _code_uniq = models.Constraint('unique(code)', "A tag code must be unique.")
