from odoo import api, fields, models
from odoo.exceptions import AccessError

MANAGER_GROUP = 'collection_base.collection_base_group_manager'


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
    can_edit_staffing = fields.Boolean(
        compute='_compute_can_edit_staffing',
        help="Technical: whether the current user may change the supervisor and add agents.")
    round_robin_index = fields.Integer(
        readonly=True, copy=False,
        help="Technical: position in the agent list where the next round-robin assignment starts.")

    @api.depends('member_ids')
    def _compute_case_count(self):
        counts = dict(self.env['collection.case']._read_group(
            [('team_id', 'in', self.ids)], ['team_id'], ['__count']))
        for team in self:
            team.case_count = counts.get(team, 0)

    @api.depends_context('uid')
    def _compute_can_edit_staffing(self):
        self.can_edit_staffing = self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def write(self, vals):
        if self.env.su or not {'supervisor_id', 'member_ids'} & vals.keys() \
                or self.env.user.has_group(MANAGER_GROUP):
            return super().write(vals)
        # supervisors edit their own teams (record rule); whom a team answers to and who is in it
        # decide which cases, promises and field work a supervisor sees: managers decide that
        if 'supervisor_id' in vals:
            moved = self.filtered(lambda team: team.supervisor_id.id != (vals['supervisor_id'] or False))
            if moved:
                raise AccessError(self.env._(
                    "You may not change the supervisor of team %(team)s: only collection managers can.",
                    team=moved[0].display_name))
        members = {team: team.member_ids for team in self}
        result = super().write(vals)
        for team, before in members.items():
            added = team.member_ids - before
            if added:
                raise AccessError(self.env._(
                    "You may not add %(users)s to team %(team)s: only collection managers add agents to a team.",
                    users=", ".join(added.mapped('name')), team=team.display_name))
        return result

    def action_open_cases(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action['domain'] = [('team_id', '=', self.id)]
        action['context'] = {'search_default_group_user': 1}
        return action
