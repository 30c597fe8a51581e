from odoo import fields, models

PTP_CHANNELS = [
    ('cash', 'Cash'),
    ('bank_transfer', 'Bank transfer'),
    ('card', 'Card'),
    ('online', 'Online'),
    ('mobile_money', 'Mobile money'),
    ('branch', 'Branch'),
    ('other', 'Other'),
]


class CollectionPtpMixin(models.AbstractModel):
    """What a promise to pay and a payment plan share: the case and loan it is made on, the
    customer, the agent, the day it was made, the channel, the action that recorded it.

    The inheriting model sets ``_check_company_auto``.
    """
    _name = 'collection.ptp.mixin'
    _description = 'Promise to Pay Terms'

    case_id = fields.Many2one(
        'collection.case', required=True, index=True, ondelete='cascade', check_company=True)
    loan_id = fields.Many2one(
        'collection.loan', index='btree_not_null', check_company=True,
        domain="[('case_id', '=', case_id)]")
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, index=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='case_id.currency_id')
    user_id = fields.Many2one(
        'res.users', string="Agent", default=lambda self: self.env.user, index=True, tracking=True)
    recorded_date = fields.Date(
        string="Made On", required=True, default=fields.Date.context_today, copy=False,
        help="The day the customer made the promise or agreed to the plan; the policy's limits count from it.")
    channel = fields.Selection(PTP_CHANNELS, default='bank_transfer')
    action_id = fields.Many2one('collection.action', string="Recorded By Action", readonly=True, copy=False)
