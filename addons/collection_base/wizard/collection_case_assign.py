from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CollectionCaseAssign(models.TransientModel):
    _name = 'collection.case.assign'
    _inherit = ['collection.case.selection.mixin']
    _description = 'Reassign Collection Cases'

    case_ids = fields.Many2many('collection.case', string="Cases", required=True)
    case_count = fields.Integer(compute='_compute_case_count')
    user_id = fields.Many2one(
        'res.users', string="Agent",
        domain=lambda self: [
            ('share', '=', False),
            ('all_group_ids', 'in', self.env.ref('collection_base.collection_base_group_agent').ids)])
    team_id = fields.Many2one('collection.team', string="Team")

    @api.onchange('team_id')
    def _onchange_team_id(self):
        if self.team_id and self.user_id and self.user_id not in self.team_id.member_ids:
            self.user_id = False

    def action_apply(self):
        """Give the selected cases the chosen agent and/or team, in one write."""
        self.ensure_one()
        if not self.user_id and not self.team_id:
            raise UserError(self.env._("Choose an agent, a team or both to reassign the cases to."))
        cases = self.case_ids
        if self.user_id:
            outside = cases.filtered(
                lambda case: (self.team_id or case.team_id)
                and self.user_id not in (self.team_id or case.team_id).member_ids)
            if outside:
                raise UserError(self.env._(
                    "%(agent)s is not a member of the team of %(cases)s.",
                    agent=self.user_id.name, cases=", ".join(outside[:5].mapped('display_name'))))
        denied = cases - cases._filter_reassignable(self.team_id or None)
        if denied:
            raise AccessError(self.env._(
                "You may not reassign %(cases)s: supervisors reassign only the cases of the teams "
                "they supervise, into such a team.",
                cases=", ".join(denied[:5].mapped('display_name'))))
        vals = {}
        if self.user_id:
            vals['user_id'] = self.user_id.id
        if self.team_id:
            vals['team_id'] = self.team_id.id
        cases.write(vals)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._("%(count)s cases reassigned.", count=len(cases)),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
