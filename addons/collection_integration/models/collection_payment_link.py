import secrets
from datetime import timedelta
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, formatLang

from odoo.addons.payment import utils as payment_utils

LINK_PURPOSES = [
    ('overdue', 'Overdue amount'),
    ('instalment', 'Next instalment'),
]


class CollectionPaymentLink(models.Model):
    """A link a borrower opens to pay the overdue amount, or the next instalment, of a loan online
    with any of Odoo's payment providers (``/collection/pay/<id>?token=...``).

    The confirmed transaction is post-processed into a ``collection.payment`` of the loan whose
    reference is the transaction's (the idempotency key); the link is then paid.
    """

    _name = 'collection.payment.link'
    _description = 'Payment Link'
    _inherit = ['mail.thread']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(string="Reference", readonly=True, copy=False)
    case_id = fields.Many2one('collection.case', required=True, index=True, ondelete='cascade', check_company=True)
    loan_id = fields.Many2one('collection.loan', required=True, index=True, check_company=True,
                              domain="[('case_id', '=', case_id)]")
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Customer")
    user_id = fields.Many2one(related='case_id.user_id', string="Agent")
    team_id = fields.Many2one(related='case_id.team_id', string="Team")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='loan_id.currency_id', store=True)
    purpose = fields.Selection(LINK_PURPOSES, required=True, default='overdue')
    amount = fields.Monetary(required=True, readonly=True, tracking=True)
    access_token = fields.Char(required=True, readonly=True, copy=False, default=lambda self: secrets.token_urlsafe(24),
                               groups='collection_base.collection_base_group_agent')
    expiry_date = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) + timedelta(days=7))
    state = fields.Selection([
        ('active', 'Active'),
        ('paid', 'Paid'),
        ('cancelled', 'Cancelled'),
    ], required=True, default='active', index=True, tracking=True)
    url = fields.Char(string="Link", compute='_compute_url', groups='collection_base.collection_base_group_agent')
    transaction_ids = fields.One2many('payment.transaction', 'collection_link_id', string="Transactions",
                                      readonly=True)
    payment_id = fields.Many2one('collection.payment', readonly=True, index='btree_not_null')

    _active_idx = models.Index("(loan_id) WHERE state = 'active'")

    @api.depends('access_token')
    def _compute_url(self):
        for link in self:
            link.url = f"{link.get_base_url()}/collection/pay/{link.id}?token={link.access_token}" if link.id else False

    @api.model
    def _get_amount(self, loan, purpose):
        """What the link asks for: the loan's overdue amount, or its next unpaid instalment."""
        if purpose == 'overdue':
            return loan.overdue_amount
        today = fields.Date.context_today(self)
        due = loan.due_ids.filtered(lambda d: d.amount_residual > 0 and d.due_date >= today).sorted('due_date')[:1]
        return due.amount_residual

    @api.model_create_multi
    def create(self, vals_list):
        Loan = self.env['collection.loan']
        for vals in vals_list:
            loan = Loan.browse(vals['loan_id'])
            amount = self._get_amount(loan, vals.get('purpose') or 'overdue')
            if loan.currency_id.compare_amounts(amount, 0.0) <= 0:
                raise UserError(self.env._(
                    "Loan %(loan)s has no %(what)s to pay by link.", loan=loan.name,
                    what=dict(LINK_PURPOSES)[vals.get('purpose') or 'overdue'].lower()))
            vals['amount'] = amount
        links = super().create(vals_list)
        for link in links:
            link.name = f"{link.case_id.name}-L{link.id}"
        # one active link per loan: the new one replaces the older ones
        self.search([('loan_id', 'in', links.loan_id.ids), ('state', '=', 'active'), ('id', 'not in', links.ids)]).write(
            {'state': 'cancelled'})
        return links

    def _is_usable(self, token):
        self.ensure_one()
        return bool(token) and consteq(self.sudo().access_token, token) and self.state == 'active' \
            and self.expiry_date >= fields.Date.context_today(self)

    def _get_payment_url(self):
        """Odoo's payment page (``/payment/pay``) for this link's amount, customer and company."""
        self.ensure_one()
        link = self.sudo()
        params = {
            'amount': link.amount,
            'currency_id': link.currency_id.id,
            'partner_id': link.partner_id.id,
            'company_id': link.company_id.id,
            'reference': link.name,
            'access_token': payment_utils.generate_access_token(link.partner_id.id, link.amount, link.currency_id.id),
            'collection_link_id': link.id,
            'collection_token': link.access_token,
        }
        return f"/payment/pay?{urlencode(params)}"

    def action_cancel(self):
        self.filtered(lambda link: link.state == 'active').write({'state': 'cancelled'})

    def _mark_paid(self, payment):
        for link in self:
            link.write({'state': 'paid', 'payment_id': payment.id})
            link.case_id.message_post(body=self.env._(
                "%(customer)s paid %(amount)s online with payment link %(link)s.",
                customer=link.partner_id.name, link=link.name,
                amount=formatLang(self.env, payment.amount, currency_obj=payment.currency_id)))
