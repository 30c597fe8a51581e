from odoo import api, fields, models


class CollectionTeam(models.Model):
    _name = 'collection.team'
    _description = 'Collection Team'
    _inherit = ['mail.thread']
    _order = 'sequence, name'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    supervisor_id = fields.Many2one('res.users', string="Supervisor", tracking=True)
    member_ids = fields.Many2many(
        'res.users', 'collection_team_member_rel', 'team_id', 'user_id', string="Agents")
    capacity_per_agent = fields.Integer(
        default=300, help="How many open cases an agent of this team should hold at most.")
    region_ids = fields.Many2many(
        'res.country.state', string="Regions",
        help="Regions this team works; strategies assigning by region use them.")
    case_count = fields.Integer(compute='_compute_case_count')
    round_robin_index = fields.Integer(
        readonly=True, copy=False,
        help="Technical: position in the agent list where the next round-robin assignment starts.")

    @api.depends('member_ids')
    def _compute_case_count(self):
        counts = dict(self.env['collection.case']._read_group(
            [('team_id', 'in', self.ids)], ['team_id'], ['__count']))
        for team in self:
            team.case_count = counts.get(team, 0)

    def action_open_cases(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action['domain'] = [('team_id', '=', self.id)]
        action['context'] = {'search_default_group_user': 1}
        return action
