from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import formatLang

from .collection_ptp import PTP_CHANNELS


class CollectionPayment(models.Model):
    _name = 'collection.payment'
    _description = 'Collection Payment'
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, index='trigram', copy=False, tracking=True)
    source_system = fields.Char(
        string="Source", required=True, default='manual',
        help="Who reported the payment (core banking, processor, field cash, manual).")
    loan_id = fields.Many2one('collection.loan', required=True, index=True, check_company=True, tracking=True)
    case_id = fields.Many2one(related='loan_id.case_id', store=True, index=True)
    partner_id = fields.Many2one(related='loan_id.partner_id', store=True, index=True, string="Customer")
    company_id = fields.Many2one(related='loan_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='loan_id.currency_id', store=True)
    user_id = fields.Many2one(
        'res.users', string="Collected By", index='btree_not_null',
        help="The agent credited with the payment; the case's agent when not given.")
    team_id = fields.Many2one('collection.team', index='btree_not_null')
    amount = fields.Monetary(required=True, tracking=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    channel = fields.Selection(PTP_CHANNELS, default='bank_transfer', required=True)
    state = fields.Selection([
        ('posted', 'Posted'),
        ('reversed', 'Reversed'),
        ('failed', 'Failed'),
    ], required=True, default='posted', tracking=True, index=True, copy=False)
    failure_reason = fields.Char(readonly=True)
    reversal_reason = fields.Char(readonly=True, tracking=True)
    allocation_ids = fields.One2many('collection.payment.allocation', 'payment_id', readonly=True)
    outstanding_applied = fields.Monetary(
        string="Applied to Outstanding", readonly=True, copy=False,
        help="How much of the payment reduced the loan's outstanding; less than the amount when the "
             "payment exceeded the outstanding. A reversal adds back exactly this.")

    _reference_uniq = models.Constraint(
        'unique(source_system, name, company_id)',
        "A payment reference must be unique per source and company.")

    @api.constrains('amount')
    def _check_amount(self):
        for payment in self:
            if payment.amount <= 0:
                raise ValidationError(self.env._(
                    "Payment %(ref)s must have a positive amount.", ref=payment.name))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get('user_id') and vals.get('loan_id'):
                case = self.env['collection.loan'].browse(vals['loan_id']).case_id
                vals['user_id'] = case.user_id.id
                vals.setdefault('team_id', case.team_id.id)
        payments = super().create(vals_list)
        payments.filtered(lambda p: p.state == 'posted')._allocate()
        return payments

    @api.model
    def _register_payment(self, vals):
        """Record a payment idempotently: the same reference from the same source counts once.

        Returns ``(payment, created)``.
        """
        loan = self.env['collection.loan'].browse(vals['loan_id'])
        company_id = vals.get('company_id') or loan.company_id.id
        existing = self.search([
            ('source_system', '=', vals.get('source_system', 'manual')),
            ('name', '=', vals['name']),
            ('company_id', '=', company_id),
        ], limit=1)
        if existing:
            return existing, False
        return self.create(vals), True

    def _allocate(self):
        """Allocate each payment to its loan's unpaid dues (oldest first) and to the promises it
        counts for (``_get_allocatable_promises``), then settle those promises."""
        Allocation = self.env['collection.payment.allocation']
        for payment in self:
            loan = payment.loan_id
            remaining = payment.amount
            lines = []
            for due in loan.due_ids.filtered(lambda d: d.amount_residual > 0).sorted('due_date'):
                if remaining <= 0:
                    break
                share = min(remaining, due.amount_residual)
                due.amount_paid += share
                remaining -= share
                lines.append({'payment_id': payment.id, 'due_id': due.id, 'amount': share})
            remaining = payment.amount
            promises = payment._get_allocatable_promises()
            for ptp in promises:
                if payment.currency_id.compare_amounts(remaining, 0.0) <= 0:
                    break
                share = min(remaining, ptp.amount_remaining)
                remaining -= share
                lines.append({'payment_id': payment.id, 'ptp_id': ptp.id, 'amount': share})
            Allocation.create(lines)
            applied = min(payment.amount, max(loan.outstanding_amount, 0.0))
            payment.outstanding_applied = applied
            loan.outstanding_amount -= applied
            promises._refresh_state_from_payments()
        self.env['collection.loan']._recompute_delinquency(self.loan_id.ids)

    def _get_allocatable_promises(self):
        """The promises this payment counts for, the earliest promised date first: the case's
        promises on the payment's loan (or on no loan in particular), not fully paid, not cancelled,
        and whose date plus grace days is not before the payment's date. A promise already judged
        broken or partly kept still receives a late-reported payment dated within that window."""
        self.ensure_one()
        return self.case_id.ptp_ids.filtered(
            lambda p: p.state in ('to_approve', 'open', 'partial', 'broken')
            and (not p.loan_id or p.loan_id == self.loan_id)
            and self.date <= p._get_payment_window_end()
            and p.currency_id.compare_amounts(p.amount_remaining, 0.0) > 0
        ).sorted(lambda p: (p.date, p.id))

    def _get_amount_unallocated_to_promises(self):
        self.ensure_one()
        return self.amount - sum(self.allocation_ids.filtered('ptp_id').mapped('amount'))

    def _allocate_to_promise(self, ptp, amount):
        """Count ``amount`` of this payment for ``ptp`` by hand, whatever the dates (managers).

        For a payment the automatic allocation did not give to the promise: paid late, on another
        loan of the case, or received before the promise was recorded.
        """
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group('collection_base.collection_base_group_manager'):
            raise AccessError(self.env._("Only a collection manager may allocate payments by hand."))
        currency = self.currency_id
        problem = False
        if self.state != 'posted':
            problem = self.env._("the payment is not posted")
        elif ptp.case_id != self.case_id:
            problem = self.env._("the promise is on another case")
        elif ptp.state == 'cancelled':
            problem = self.env._("the promise is cancelled")
        elif currency.compare_amounts(amount, 0.0) <= 0:
            problem = self.env._("the amount must be positive")
        elif currency.compare_amounts(amount, self._get_amount_unallocated_to_promises()) > 0:
            problem = self.env._("the payment has only %(left)s left to allocate to promises",
                                 left=formatLang(self.env, self._get_amount_unallocated_to_promises(),
                                                 currency_obj=currency))
        elif currency.compare_amounts(amount, ptp.amount_remaining) > 0:
            problem = self.env._("the promise has only %(left)s left to pay", left=formatLang(
                self.env, ptp.amount_remaining, currency_obj=currency))
        if problem:
            raise UserError(self.env._(
                "Payment %(payment)s cannot be allocated to %(ptp)s: %(problem)s.",
                payment=self.name, ptp=ptp.display_name, problem=problem))
        self.env['collection.payment.allocation'].create({'payment_id': self.id, 'ptp_id': ptp.id, 'amount': amount})
        ptp.message_post(body=self.env._(
            "%(amount)s of payment %(payment)s allocated by hand.",
            amount=formatLang(self.env, amount, currency_obj=currency), payment=self.name))
        ptp._refresh_state_from_payments()

    def action_reverse(self, reason=None):
        for payment in self:
            if payment.state != 'posted':
                raise UserError(self.env._(
                    "Payment %(ref)s is %(state)s and cannot be reversed.",
                    ref=payment.name, state=payment.state))
            for line in payment.allocation_ids.filtered('due_id'):
                line.due_id.amount_paid -= line.amount
            payment.loan_id.outstanding_amount += payment.outstanding_applied
            payment.write({'state': 'reversed', 'reversal_reason': reason or self.env._("Reversed")})
            payment.allocation_ids.ptp_id._reopen_if_unpaid()
        self.env['collection.loan']._recompute_delinquency(self.loan_id.ids)
        return True
