from odoo import fields, models
from odoo.exceptions import UserError


class CollectionVisitPlan(models.TransientModel):
    _name = 'collection.visit.plan'
    _inherit = ['collection.case.selection.mixin']
    _description = 'Plan Field Visits'

    case_ids = fields.Many2many('collection.case', string="Cases")
    date = fields.Date(required=True, default=fields.Date.context_today)
    assign_method = fields.Selection([
        ('agent', 'To an agent'),
        ('region', 'By region or district'),
        ('nearest', 'Nearest available agent'),
        ('none', 'Leave unassigned'),
    ], string="Assign", required=True, default='region')
    user_id = fields.Many2one(
        'res.users', string="Field Agent",
        domain=lambda self: [('group_ids', 'in', self.env.ref('collection_field.collection_field_group_agent').ids)])

    def action_plan(self):
        self.ensure_one()
        if not self.case_ids:
            raise UserError(self.env._("Select the cases to visit."))
        if self.assign_method == 'agent' and not self.user_id:
            raise UserError(self.env._("Pick the field agent who makes the visits."))
        Visit = self.env['collection.visit']
        visits, skipped = Visit._plan_visits(
            self.case_ids, self.date, user=self.user_id if self.assign_method == 'agent' else None,
            assign=self.assign_method if self.assign_method in ('region', 'nearest') else None)
        unassigned = visits.filtered(lambda v: not v.user_id)
        parts = [self.env._("%(count)s visits planned.", count=len(visits))]
        if unassigned and self.assign_method != 'none':
            parts.append(self.env._("%(count)s found no available agent.", count=len(unassigned)))
        if skipped:
            cases = self.env['collection.case'].browse(list(skipped))
            parts.append(self.env._("Not planned: %(list)s.", list="; ".join(
                f"{case.display_name}: {skipped[case.id]}" for case in cases[:10])))
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("Field visits"),
                'message': " ".join(parts),
                'type': 'warning' if skipped or unassigned else 'success',
                'sticky': bool(skipped),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
