from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

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
        """Allocate each payment to its loan's unpaid dues (oldest first) and open promises."""
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
            promises = payment.case_id.ptp_ids.filtered(
                lambda p: p.state == 'open' and (not p.loan_id or p.loan_id == loan)).sorted('date')
            for ptp in promises:
                if remaining <= 0:
                    break
                share = min(remaining, ptp.amount_remaining)
                if share > 0:
                    remaining -= share
                    lines.append({'payment_id': payment.id, 'ptp_id': ptp.id, 'amount': share})
            Allocation.create(lines)
            loan.outstanding_amount = max(loan.outstanding_amount - payment.amount, 0.0)
            promises._refresh_state_from_payments()
        self.env['collection.loan']._recompute_delinquency(self.loan_id.ids)

    def action_reverse(self, reason=None):
        for payment in self:
            if payment.state != 'posted':
                raise UserError(self.env._(
                    "Payment %(ref)s is %(state)s and cannot be reversed.",
                    ref=payment.name, state=payment.state))
            for line in payment.allocation_ids.filtered('due_id'):
                line.due_id.amount_paid -= line.amount
            payment.loan_id.outstanding_amount += payment.amount
            payment.write({'state': 'reversed', 'reversal_reason': reason or self.env._("Reversed")})
            kept = payment.allocation_ids.ptp_id.filtered(lambda p: p.state == 'kept')
            kept.filtered(lambda p: p.currency_id.compare_amounts(p.amount_paid, p.amount) < 0).write(
                {'state': 'open'})
        self.env['collection.loan']._recompute_delinquency(self.loan_id.ids)
        return True
