from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

SUPERVISOR_GROUP = 'collection_base.collection_base_group_supervisor'


class CollectionDispute(models.Model):
    """A dispute pauses contact until every dispute of the case is resolved or rejected: the contact
    policy blocks a case with an open dispute whatever its stage, and the case is put in the Dispute
    stage meanwhile (other steps may move it on; closing the last dispute then leaves it there)."""
    _name = 'collection.dispute'
    _description = 'Dispute'
    _inherit = ['collection.legal.document.mixin', 'collection.legal.approval.mixin']
    _order = 'id desc'
    _approval_fields = ('state', 'date_closed')
    _approval_override_group = SUPERVISOR_GROUP

    loan_id = fields.Many2one('collection.loan', string="Loan", check_company=True,
                              domain="[('case_id', '=', case_id)]")
    dispute_type = fields.Selection([
        ('amount', 'Amount is wrong'),
        ('paid', 'Already paid'),
        ('identity', 'Not my debt / fraud'),
        ('service', 'Product or service complaint'),
        ('other', 'Other'),
    ], string="Type", required=True, default='amount', tracking=True)
    description = fields.Text(required=True)
    state = fields.Selection([
        ('open', 'Open'),
        ('resolved', 'Resolved'),
        ('rejected', 'Rejected'),
    ], required=True, default='open', tracking=True, index=True, copy=False)
    opened_by_id = fields.Many2one('res.users', string="Registered By", default=lambda self: self.env.user,
                                   readonly=True)
    date_open = fields.Date(string="Registered On", default=fields.Date.context_today, readonly=True)
    date_closed = fields.Date(string="Closed On", readonly=True, copy=False)
    resolution = fields.Text(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for case in disputes.case_id:
            sudo_case = case.sudo()
            if sudo_case.stage != 'dispute':
                sudo_case.write({'stage_before_dispute': sudo_case.stage, 'stage': 'dispute'})
        disputes._post_on_case(self.env._("dispute registered: contact is paused until it is resolved."))
        return disputes

    def _close(self, state):
        if not self.env.su and not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._(
                "Only a collection supervisor may resolve or reject dispute %(name)s.", name=self[:1].name))
        for dispute in self:
            if dispute.state != 'open':
                raise UserError(self.env._("Dispute %(name)s is already closed.", name=dispute.name))
            if not (dispute.resolution or '').strip():
                raise UserError(self.env._("Write how dispute %(name)s ends before closing it.", name=dispute.name))
        self._write_step({'state': state, 'date_closed': fields.Date.context_today(self)})
        for case in self.case_id:
            still_open = self.search_count([('case_id', '=', case.id), ('state', '=', 'open')])
            if still_open:
                continue
            if case.stage == 'dispute':
                case.sudo().write({'stage': case.stage_before_dispute or 'in_progress', 'stage_before_dispute': False})
            elif case.stage_before_dispute:
                case.sudo().stage_before_dispute = False
        self._post_on_case(self.env._("dispute closed: contact may resume."))
        return True

    def action_resolve(self):
        return self._close('resolved')

    def action_reject(self):
        return self._close('rejected')
