from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.collection_ptp import PTP_CHANNELS


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

    @api.depends('case_id', 'action_type_id')
    def _compute_contact_point_id(self):
        for wizard in self:
            if wizard.action_type_id.channel in ('call', 'sms', 'whatsapp') and wizard.case_id:
                wizard.contact_point_id = wizard.case_id._get_primary_phone_point()
            else:
                wizard.contact_point_id = False

    def action_confirm(self):
        """Record the action, and its promise when the result asks for one, in one step."""
        self.ensure_one()
        ptp = self.env['collection.ptp']
        if self.result_code_id.requires_ptp:
            if not self.ptp_amount or not self.ptp_date:
                raise UserError(self.env._(
                    "Result %(code)s needs a promised amount and date (%(case)s).",
                    code=self.result_code_id.name, case=self.case_id.display_name))
            ptp = ptp.create(self._prepare_ptp_values())
        action = self.env['collection.action'].create(self._prepare_action_values(ptp))
        ptp.action_id = action
        return {'type': 'ir.actions.act_window_close'}

    def _prepare_ptp_values(self):
        return {
            'case_id': self.case_id.id,
            'loan_id': self.loan_id.id,
            'amount': self.ptp_amount,
            'date': self.ptp_date,
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
