from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.collection_payment_link import LINK_PURPOSES

TEMPLATES = {
    'sms': 'collection_integration.collection_sms_template_pay_link',
    'email': 'collection_integration.collection_mail_template_pay_link',
}


class CollectionPaymentLinkSend(models.TransientModel):
    """Create a payment link for a loan of the case and send it by SMS or email."""

    _name = 'collection.payment.link.send'
    _description = 'Send a Payment Link'

    case_id = fields.Many2one('collection.case', required=True)
    currency_id = fields.Many2one(related='loan_id.currency_id')
    loan_id = fields.Many2one('collection.loan', domain="[('case_id', '=', case_id)]",
                              compute='_compute_loan_id', store=True, readonly=False)
    purpose = fields.Selection(LINK_PURPOSES, required=True, default='overdue')
    amount = fields.Monetary(compute='_compute_amount', help="What the customer will be asked to pay.")
    channel = fields.Selection([('sms', 'SMS'), ('email', 'Email')], required=True, default='sms')
    validity_days = fields.Integer(string="Valid For (days)", default=7, required=True)

    @api.depends('case_id')
    def _compute_loan_id(self):
        for wizard in self:
            loans = wizard.case_id.loan_ids.filtered(lambda l: l.state == 'active')
            wizard.loan_id = loans.sorted(lambda l: (-l.overdue_amount, -l.dpd))[:1]

    @api.depends('loan_id', 'purpose')
    def _compute_amount(self):
        Link = self.env['collection.payment.link']
        for wizard in self:
            wizard.amount = Link._get_amount(wizard.loan_id, wizard.purpose) if wizard.loan_id else 0.0

    def action_send(self):
        self.ensure_one()
        if not self.loan_id:
            raise UserError(self.env._("Choose the loan the link pays (%(case)s).", case=self.case_id.display_name))
        if self.validity_days < 1:
            raise UserError(self.env._("A payment link must be valid for at least a day."))
        case = self.case_id
        case._check_outbound_contact(self.channel)
        link = self.env['collection.payment.link'].create({
            'case_id': case.id, 'loan_id': self.loan_id.id, 'purpose': self.purpose,
            'expiry_date': fields.Date.context_today(self) + timedelta(days=self.validity_days),
        })
        result = case._send_collection_notification(self.env.ref(TEMPLATES[self.channel]), self.channel)
        if not result['sent']:
            raise UserError(self.env._("The payment link was not sent: %(reasons)s.",
                                       reasons=", ".join(result['blocked']) or "-"))
        link.message_post(body=self.env._("Sent by %(channel)s.", channel=dict(
            self._fields['channel']._description_selection(self.env))[self.channel]))
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._("Payment link %(link)s for %(amount)s sent.", link=link.name,
                                      amount=self.currency_id.format(link.amount)),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
