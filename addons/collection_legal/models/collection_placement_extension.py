from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

MANAGER_GROUP = 'collection_base.collection_base_group_manager'


class CollectionPlacementExtension(models.Model):
    """An officer requests more time on a placement; a collection manager reviews the request,
    a step the officer cannot take by writing the request (collection.legal.approval.mixin)."""
    _name = 'collection.placement.extension'
    _description = 'Placement Extension Request'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'collection.legal.approval.mixin']
    _approval_fields = ('state', 'reviewed_by_id', 'review_date')
    _order = 'create_date desc, id desc'
    _check_company_auto = True

    placement_id = fields.Many2one(
        'collection.placement', required=True, index=True, ondelete='cascade', check_company=True,
        domain="[('state', '=', 'active')]")
    case_id = fields.Many2one(related='placement_id.case_id', store=True, index=True)
    agency_id = fields.Many2one(related='placement_id.agency_id', store=True, index=True)
    company_id = fields.Many2one(related='placement_id.company_id', store=True)
    current_date_end = fields.Date(related='placement_id.date_end', string="Valid Until")
    date_end = fields.Date(string="Extend Until", required=True, tracking=True)
    reason = fields.Text(required=True)
    requested_by_id = fields.Many2one('res.users', string="Requested By", default=lambda self: self.env.user,
                                      readonly=True)
    state = fields.Selection([
        ('requested', 'Requested'),
        ('approved', 'Approved'),
        ('refused', 'Refused'),
    ], required=True, default='requested', tracking=True, index=True, copy=False)
    reviewed_by_id = fields.Many2one('res.users', string="Reviewed By", readonly=True, copy=False)
    review_date = fields.Date(readonly=True, copy=False)
    refuse_reason = fields.Char(tracking=True)

    @api.depends('placement_id', 'date_end')
    def _compute_display_name(self):
        for request in self:
            request.display_name = self.env._(
                "Extension of %(placement)s to %(date)s", placement=request.placement_id.display_name,
                date=request.date_end or '')

    @api.constrains('date_end', 'placement_id')
    def _check_date_end(self):
        for request in self.filtered(lambda r: r.state == 'requested'):
            if request.date_end <= request.placement_id.date_end:
                raise ValidationError(self.env._(
                    "The extension of %(placement)s must end after its current end date %(date)s.",
                    placement=request.placement_id.display_name, date=request.placement_id.date_end))
            if request.placement_id.state != 'active':
                raise ValidationError(self.env._(
                    "Placement %(placement)s is no longer active and cannot be extended.",
                    placement=request.placement_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        managers = self.env.ref(MANAGER_GROUP).all_user_ids.filtered(lambda u: not u.share)
        for request in requests:
            manager = managers.filtered(lambda u: request.company_id in u.company_ids)[:1]
            if manager:
                request.sudo().activity_schedule(
                    'mail.mail_activity_data_todo', user_id=manager.id,
                    summary=self.env._("Approve the placement extension"))
        return requests

    def _check_reviewer(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._(
                "Only a collection manager may approve or refuse an extension request (%(request)s).",
                request=self[:1].display_name))
        for request in self:
            if request.state != 'requested':
                raise UserError(self.env._("%(request)s has already been reviewed.", request=request.display_name))

    def action_approve(self):
        """Move the placement's end date. An expired placement comes back to life when the new end
        date is still to come (its officers see the case again); a recalled one stays recalled."""
        self._check_reviewer()
        today = fields.Date.context_today(self)
        for request in self:
            request._check_extendable(today)
        for request in self:
            placement = request.placement_id.sudo()
            reactivate = placement.state == 'expired'
            placement.write({'date_end': request.date_end, **({'state': 'active'} if reactivate else {})})
            if reactivate:
                body = self.env._("Expired placement reactivated until %(date)s at %(user)s's request.",
                                  date=request.date_end, user=request.requested_by_id.name)
            else:
                body = self.env._("Validity extended to %(date)s at %(user)s's request.",
                                  date=request.date_end, user=request.requested_by_id.name)
            request.placement_id.message_post(body=body)
        self._write_step({'state': 'approved', 'reviewed_by_id': self.env.uid, 'review_date': today})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        return True

    def _check_extendable(self, today):
        """Raise when approving would not give the agency the time asked for."""
        self.ensure_one()
        placement = self.placement_id.sudo()
        if placement.state == 'recalled':
            raise UserError(self.env._(
                "Placement %(placement)s was recalled on %(date)s: its extension cannot be approved, refuse it.",
                placement=placement.display_name, date=placement.recall_date))
        if placement.state != 'expired':
            return
        if self.date_end < today:
            raise UserError(self.env._(
                "Placement %(placement)s has expired and the extension to %(date)s is over too: refuse it.",
                placement=placement.display_name, date=self.date_end))
        other = placement.search([('case_id', '=', placement.case_id.id), ('state', '=', 'active')], limit=1)
        if other:
            raise UserError(self.env._(
                "Placement %(placement)s has expired and the case is now placed with %(agency)s: refuse the "
                "extension.", placement=placement.display_name, agency=other.agency_id.name))

    def action_refuse(self):
        self._check_reviewer()
        self._write_step({'state': 'refused', 'reviewed_by_id': self.env.uid,
                          'review_date': fields.Date.context_today(self)})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        return True
