from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.collection_ptp import PTP_CHANNELS
from ..models.collection_ptp_plan import INTERVAL_TYPES


class CollectionActionLog(models.TransientModel):
    _name = 'collection.action.log'
    _description = 'Log a Collection Action'

    case_id = fields.Many2one('collection.case', required=True)
    partner_id = fields.Many2one(related='case_id.partner_id')
    currency_id = fields.Many2one(related='case_id.currency_id')
    loan_id = fields.Many2one('collection.loan', domain="[('case_id', '=', case_id)]")
    action_type_id = fields.Many2one(
        'collection.action.type', string="Type", required=True,
        default=lambda self: self.env.ref('collection_base.collection_action_type_call', raise_if_not_found=False))
    channel = fields.Selection(related='action_type_id.channel')
    contact_point_id = fields.Many2one(
        'collection.contact.point', string="Contact Point",
        domain="[('partner_id', '=', partner_id)]",
        compute='_compute_contact_point_id', store=True, readonly=False)
    result_code_id = fields.Many2one(
        'collection.result.code', string="Result", required=True,
        domain="['|', ('action_type_ids', '=', False), ('action_type_ids', 'in', action_type_id)]")
    requires_ptp = fields.Boolean(related='result_code_id.requires_ptp')
    requires_note = fields.Boolean(related='result_code_id.requires_note')
    requires_next_date = fields.Boolean(related='result_code_id.requires_next_date')
    note = fields.Text()
    duration = fields.Float(string="Duration (min)")
    next_action_date = fields.Date()
    ptp_amount = fields.Monetary(string="Promised Amount")
    ptp_date = fields.Date(string="Promised Date")
    ptp_channel = fields.Selection(PTP_CHANNELS, string="Payment Channel", default='bank_transfer')
    ptp_kind = fields.Selection(
        [('single', 'One payment'), ('plan', 'Instalments')], string="Promise", required=True,
        default='single', help="Instalments record a payment plan: the amount is its total, the date its first.")
    plan_instalment_count = fields.Integer(string="Instalments", default=3)
    plan_interval_number = fields.Integer(string="Every", default=1)
    plan_interval_type = fields.Selection(INTERVAL_TYPES, string="Interval", default='months')
    ptp_policy_message = fields.Char(
        compute='_compute_ptp_policy_message', string="Policy",
        help="What the promise-to-pay policy says of the promise as entered.")
    ptp_policy_blocks = fields.Boolean(compute='_compute_ptp_policy_message')

    @api.depends('case_id', 'action_type_id')
    def _compute_contact_point_id(self):
        for wizard in self:
            if wizard.action_type_id.channel in ('call', 'sms', 'whatsapp') and wizard.case_id:
                wizard.contact_point_id = wizard.case_id._get_primary_phone_point()
            else:
                wizard.contact_point_id = False

    @api.depends('case_id', 'loan_id', 'requires_ptp', 'ptp_kind', 'ptp_amount', 'ptp_date',
                 'plan_instalment_count', 'plan_interval_number', 'plan_interval_type')
    def _compute_ptp_policy_message(self):
        Ptp = self.env['collection.ptp']
        for wizard in self:
            wizard.ptp_policy_message = False
            wizard.ptp_policy_blocks = False
            if not (wizard.requires_ptp and wizard.case_id and wizard.ptp_amount and wizard.ptp_date
                    and Ptp._is_policy_enforced()):
                continue
            is_plan = wizard.ptp_kind == 'plan'
            issues, approval = Ptp._get_policy_issues(
                wizard.case_id, wizard.ptp_amount, wizard.ptp_date, last_date=wizard._get_plan_last_date(),
                loan=wizard.loan_id, is_plan=is_plan)
            if issues:
                wizard.ptp_policy_blocks = True
                wizard.ptp_policy_message = self.env._("Outside the policy: %(issues)s.", issues="; ".join(issues))
            elif approval:
                wizard.ptp_policy_message = approval

    def _get_plan_last_date(self):
        if self.ptp_kind != 'plan':
            return self.ptp_date
        dates = self.env['collection.ptp.plan']._get_instalment_dates(
            self.ptp_date, self.plan_instalment_count, self.plan_interval_number, self.plan_interval_type)
        return dates[-1] if dates else self.ptp_date

    def action_confirm(self):
        """Record the action, and its promise when the result asks for one, in one step."""
        self.ensure_one()
        ptp = self.env['collection.ptp']
        plan = self.env['collection.ptp.plan']
        if self.result_code_id.requires_ptp:
            if not self.ptp_amount or not self.ptp_date:
                raise UserError(self.env._(
                    "Result %(code)s needs a promised amount and date (%(case)s).",
                    code=self.result_code_id.name, case=self.case_id.display_name))
            if self.ptp_kind == 'plan':
                plan = plan.create(self._prepare_plan_values())
                ptp = plan.ptp_ids.sorted('date')[:1]
            else:
                ptp = ptp.create(self._prepare_ptp_values())
        action = self.env['collection.action'].create(self._prepare_action_values(ptp))
        plan.action_id = action
        (ptp | plan.ptp_ids).action_id = action
        return {'type': 'ir.actions.act_window_close'}

    def _prepare_ptp_values(self):
        return {
            'case_id': self.case_id.id,
            'loan_id': self.loan_id.id,
            'amount': self.ptp_amount,
            'date': self.ptp_date,
            'channel': self.ptp_channel,
        }

    def _prepare_plan_values(self):
        return {
            'case_id': self.case_id.id,
            'loan_id': self.loan_id.id,
            'amount_total': self.ptp_amount,
            'first_date': self.ptp_date,
            'instalment_count': self.plan_instalment_count,
            'interval_number': self.plan_interval_number,
            'interval_type': self.plan_interval_type,
            'channel': self.ptp_channel,
        }

    def _prepare_action_values(self, ptp):
        return {
            'case_id': self.case_id.id,
            'loan_id': self.loan_id.id,
            'action_type_id': self.action_type_id.id,
            'contact_point_id': self.contact_point_id.id,
            'result_code_id': self.result_code_id.id,
            'note': self.note,
            'duration': self.duration,
            'next_action_date': self.next_action_date,
            'ptp_id': ptp.id,
            'state': 'posted',
        }
