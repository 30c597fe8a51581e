from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionAction(models.Model):
    _name = 'collection.action'
    _description = 'Collection Action'
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    case_id = fields.Many2one(
        'collection.case', required=True, index=True, ondelete='cascade', check_company=True)
    loan_id = fields.Many2one(
        'collection.loan', index='btree_not_null', check_company=True,
        domain="[('case_id', '=', case_id)]")
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, index=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    action_type_id = fields.Many2one('collection.action.type', required=True, string="Type")
    channel = fields.Selection(related='action_type_id.channel', store=True)
    contact_point_id = fields.Many2one(
        'collection.contact.point', string="Contact Point", check_company=True,
        domain="[('partner_id', '=', partner_id)]")
    result_code_id = fields.Many2one(
        'collection.result.code', string="Result",
        domain="['|', ('action_type_ids', '=', False), ('action_type_ids', 'in', action_type_id)]")
    result_category = fields.Selection(related='result_code_id.category', store=True)
    note = fields.Text()
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration = fields.Float(string="Duration (min)")
    recording_url = fields.Char(string="Recording")
    user_id = fields.Many2one('res.users', string="Agent", default=lambda self: self.env.user, index=True)
    next_action_date = fields.Date()
    ptp_id = fields.Many2one('collection.ptp', string="Promise to Pay", copy=False)
    state = fields.Selection([
        ('draft', 'Draft'),
        ('posted', 'Posted'),
    ], required=True, default='draft', index=True, copy=False)
    external_ref = fields.Char(
        string="External Reference", index='btree_not_null', copy=False,
        help="Identifier of the record in the system that produced it (dialer, gateway).")
    attachment_id = fields.Many2one(
        'ir.attachment', string="Document", readonly=True, copy=False, index='btree_not_null',
        help="The document sent with this action, e.g. the printed letter.")

    _case_date_idx = models.Index('(case_id, date DESC)')
    # contact policy: caps count posted actions per case and channel over the last days
    _case_channel_date_idx = models.Index("(case_id, channel, date) WHERE state = 'posted'")

    @api.constrains('state', 'result_code_id', 'action_type_id', 'note', 'next_action_date', 'ptp_id')
    def _check_result_code_rules(self):
        for action in self.filtered(lambda a: a.state == 'posted'):
            action._validate_result_rules()

    @api.constrains('contact_point_id', 'case_id')
    def _check_contact_point(self):
        # sudo: the point may be one the user cannot read, which is the very case to refuse clearly
        for action in self.sudo():
            point = action.contact_point_id
            if point and point.partner_id != action.case_id.partner_id:
                raise ValidationError(self.env._(
                    "Action %(action)s on %(case)s cannot use contact point %(point)s: it is not a "
                    "contact point of the case's customer %(customer)s.",
                    action=action.display_name, case=action.case_id.display_name,
                    point=point.display_name, customer=action.case_id.partner_id.display_name))

    def _validate_result_rules(self):
        """Raise a ValidationError when the result code's requirements are not met."""
        self.ensure_one()
        code = self.result_code_id
        if not code:
            if self.action_type_id.channel != 'note':
                raise ValidationError(self.env._(
                    "The %(type)s action on %(case)s needs a result code.",
                    type=self.action_type_id.name, case=self.case_id.display_name))
            return
        if not code._applies_to(self.action_type_id):
            raise ValidationError(self.env._(
                "Result code %(code)s does not apply to %(type)s actions (%(case)s).",
                code=code.name, type=self.action_type_id.name, case=self.case_id.display_name))
        if code.requires_note and not (self.note or '').strip():
            raise ValidationError(self.env._(
                "Result code %(code)s requires a note (%(case)s).", code=code.name, case=self.case_id.display_name))
        if code.requires_next_date and not self.next_action_date:
            raise ValidationError(self.env._(
                "Result code %(code)s requires a next action date (%(case)s).",
                code=code.name, case=self.case_id.display_name))
        if code.requires_ptp and not self.ptp_id:
            raise ValidationError(self.env._(
                "Result code %(code)s requires a promise to pay (%(case)s).",
                code=code.name, case=self.case_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        actions = super().create(vals_list)
        actions.filtered(lambda a: a.state == 'posted')._apply_result()
        return actions

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group('collection_base.collection_base_group_manager'):
            posted = self.filtered(lambda a: a.state == 'posted')
            if posted:
                raise UserError(self.env._(
                    "Action %(action)s is posted: only a collection manager may change it.",
                    action=posted[0].display_name))
        to_post = self.filtered(lambda a: a.state == 'draft') if vals.get('state') == 'posted' else self.browse()
        result = super().write(vals)
        to_post._apply_result()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if self.env.user.has_group('collection_base.collection_base_group_manager'):
            return
        for action in self:
            if action.state == 'posted':
                raise UserError(self.env._(
                    "Action %(action)s is posted and cannot be deleted.", action=action.display_name))

    @api.depends('action_type_id', 'result_code_id', 'date')
    def _compute_display_name(self):
        for action in self:
            parts = [action.action_type_id.name, action.result_code_id.name]
            action.display_name = " / ".join(p for p in parts if p) or self.env._("Action")

    def action_post(self):
        self.filtered(lambda a: a.state == 'draft').write({'state': 'posted'})

    def _apply_result(self):
        """Apply the result codes' effects on the cases and contact points of posted actions."""
        for action in self:
            code = action.result_code_id
            case = action.case_id
            case_vals = {'last_action_date': action.date, 'last_result_code_id': code.id}
            if code.is_reached:
                case_vals['last_contact_date'] = action.date
            if action.next_action_date:
                case_vals['next_action_date'] = action.next_action_date
            elif code.next_action_days:
                case_vals['next_action_date'] = action.date.date() + timedelta(days=code.next_action_days)
            stage = action._get_stage_after_result()
            if stage:
                case_vals['stage'] = stage
            if code.effect == 'pause':
                case_vals['paused_until'] = action.date.date() + timedelta(days=code.pause_days)
            elif code.effect == 'escalate':
                case_vals['priority'] = '3'
            case.sudo().write(case_vals)
            if code.category == 'wrong_number' and action.contact_point_id:
                action.contact_point_id.sudo().state = 'wrong_number'

    def _get_stage_after_result(self):
        self.ensure_one()
        code = self.result_code_id
        by_effect = {'close': 'closed', 'escalate': 'escalated', 'pause': 'paused'}
        # a disputed debt sits in the Dispute stage (contact held back until the dispute is
        # settled), also when its code pauses the case: closing or escalating still win
        if code.effect in by_effect and not (code.category == 'dispute' and code.effect == 'pause'):
            return by_effect[code.effect]
        by_category = {'ptp': 'promise', 'dispute': 'dispute'}
        if code.category in by_category:
            return by_category[code.category]
        if self.case_id.stage == 'new':
            return 'in_progress'
        return False
