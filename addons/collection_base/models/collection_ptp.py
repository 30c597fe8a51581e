from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

PTP_CHANNELS = [
    ('cash', 'Cash'),
    ('bank_transfer', 'Bank transfer'),
    ('card', 'Card'),
    ('online', 'Online'),
    ('mobile_money', 'Mobile money'),
    ('branch', 'Branch'),
    ('other', 'Other'),
]


class CollectionPtp(models.Model):
    _name = 'collection.ptp'
    _description = 'Promise to Pay'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date, id'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    case_id = fields.Many2one(
        'collection.case', required=True, index=True, ondelete='cascade', check_company=True)
    loan_id = fields.Many2one(
        'collection.loan', index='btree_not_null', check_company=True,
        domain="[('case_id', '=', case_id)]")
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, index=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='case_id.currency_id')
    user_id = fields.Many2one('res.users', string="Agent", default=lambda self: self.env.user, index=True, tracking=True)
    amount = fields.Monetary(required=True, tracking=True)
    date = fields.Date(string="Promised Date", required=True, tracking=True, index=True)
    channel = fields.Selection(PTP_CHANNELS, default='bank_transfer')
    action_id = fields.Many2one('collection.action', string="Recorded By Action", readonly=True, copy=False)
    state = fields.Selection([
        ('open', 'Open'),
        ('kept', 'Kept'),
        ('partial', 'Partly kept'),
        ('broken', 'Broken'),
        ('cancelled', 'Cancelled'),
    ], required=True, default='open', tracking=True, index=True, copy=False)
    allocation_ids = fields.One2many('collection.payment.allocation', 'ptp_id', string="Payments")
    amount_paid = fields.Monetary(compute='_compute_amount_paid', store=True, string="Paid")
    amount_remaining = fields.Monetary(compute='_compute_amount_paid', store=True, string="Remaining")
    evaluated_date = fields.Date(readonly=True, copy=False)

    _open_date_idx = models.Index("(date) WHERE state = 'open'")

    @api.depends('case_id', 'date')
    def _compute_name(self):
        for ptp in self:
            ptp.name = self.env._(
                "PTP %(case)s %(date)s", case=ptp.case_id.name or '', date=ptp.date or '')

    @api.depends('allocation_ids.amount', 'allocation_ids.payment_id.state', 'amount')
    def _compute_amount_paid(self):
        for ptp in self:
            paid = sum(ptp.allocation_ids.filtered(lambda a: a.payment_id.state == 'posted').mapped('amount'))
            ptp.amount_paid = paid
            ptp.amount_remaining = max(ptp.amount - paid, 0.0)

    @api.constrains('amount')
    def _check_amount(self):
        for ptp in self:
            if ptp.amount <= 0:
                raise UserError(self.env._(
                    "The promise of %(case)s must be for a positive amount.", case=ptp.case_id.display_name))

    def action_cancel(self):
        self.filtered(lambda p: p.state == 'open').write({'state': 'cancelled'})

    @api.model
    def _get_grace_days(self):
        return self.env.company.collection_ptp_grace_days

    def _refresh_state_from_payments(self):
        """A promise whose payments cover it is kept at once, without waiting for evaluation."""
        for ptp in self.filtered(lambda p: p.state == 'open'):
            if ptp.currency_id.compare_amounts(ptp.amount_paid, ptp.amount) >= 0:
                ptp.write({'state': 'kept', 'evaluated_date': fields.Date.context_today(self)})

    @api.model
    def _evaluate_due_promises(self, today=None):
        """Close the open promises whose date plus grace days has passed: kept, partly kept or broken."""
        today = today or fields.Date.context_today(self)
        grace = self._get_grace_days()
        due = self.search([('state', '=', 'open'), ('date', '<', today - timedelta(days=grace))])
        for state, predicate in (
            ('kept', lambda p: p.currency_id.compare_amounts(p.amount_paid, p.amount) >= 0),
            ('partial', lambda p: p.amount_paid > 0),
            ('broken', lambda p: True),
        ):
            batch = due.filtered(predicate)
            batch.write({'state': state, 'evaluated_date': today})
            due -= batch
            if state == 'broken':
                batch.case_id.filtered(lambda c: c.stage == 'promise').write({'stage': 'broken'})
        return True

    @api.model
    def _cron_evaluate_promises(self):
        self._evaluate_due_promises()
