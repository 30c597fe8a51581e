from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

SETTLEMENT_ORIGINS = [
    ('negotiation', 'Negotiation'),
    ('mediation', 'Mediation board'),
    ('hardship', 'Hardship request'),
    ('legal', 'Legal case'),
]
ADMIN_GROUP = 'collection_base.collection_base_group_admin'
# What the approval covers: fixed once the offer is submitted.
SETTLEMENT_TERMS = (
    'case_id', 'loan_ids', 'interest_amount', 'penalty_amount', 'discount_penalty_pct', 'discount_interest_pct',
    'discount_principal_pct', 'payment_type', 'installment_count', 'first_due_date', 'grace_days',
)


class CollectionSettlement(models.Model):
    _name = 'collection.settlement'
    _description = 'Negotiated Settlement'
    _inherit = ['collection.legal.document.mixin', 'collection.legal.approval.mixin']
    _order = 'id desc'
    _approval_fields = ('state', 'approved_by_id', 'approval_date')
    _approval_override_group = ADMIN_GROUP

    user_id = fields.Many2one('res.users', string="Negotiated By", default=lambda self: self.env.user, tracking=True)
    origin = fields.Selection(SETTLEMENT_ORIGINS, required=True, default='negotiation')
    mediation_id = fields.Many2one('collection.mediation', readonly=True, copy=False)
    hardship_id = fields.Many2one('collection.hardship.request', readonly=True, copy=False)
    legal_case_id = fields.Many2one('collection.legal.case', string="Legal Case", copy=False)
    state = fields.Selection([
        ('draft', 'Offer'),
        ('to_approve', 'To Approve'),
        ('active', 'Active'),
        ('completed', 'Completed'),
        ('breached', 'Breached'),
        ('cancelled', 'Cancelled'),
    ], required=True, default='draft', tracking=True, index=True, copy=False)
    loan_ids = fields.Many2many(
        'collection.loan', string="Loans", compute='_compute_loan_ids', store=True, readonly=False, precompute=True,
        domain="[('case_id', '=', case_id), ('state', '=', 'active')]")
    # balance and discount
    balance_amount = fields.Monetary(
        string="Balance", compute='_compute_balance_amount', store=True, precompute=True, tracking=True,
        help="What the settled loans owe when the offer is made: refreshed when the schedule is generated and "
             "at submission, checked again at approval.")
    interest_amount = fields.Monetary(string="of which Interest", tracking=True)
    penalty_amount = fields.Monetary(string="of which Penalties", tracking=True)
    principal_amount = fields.Monetary(string="of which Principal", compute='_compute_amounts', store=True)
    discount_penalty_pct = fields.Float(string="Discount on Penalties (%)", digits=(5, 2), tracking=True)
    discount_interest_pct = fields.Float(string="Discount on Interest (%)", digits=(5, 2), tracking=True)
    discount_principal_pct = fields.Float(string="Discount on Principal (%)", digits=(5, 2), tracking=True)
    discount_amount = fields.Monetary(compute='_compute_amounts', store=True)
    discount_pct = fields.Float(
        string="Discount (%)", compute='_compute_amounts', store=True, digits=(5, 2),
        help="The discount as a share of the balance: it decides who approves.")
    settlement_amount = fields.Monetary(compute='_compute_amounts', store=True, tracking=True)
    tier_id = fields.Many2one('collection.settlement.tier', string="Approval Tier", compute='_compute_tier_id')
    approved_by_id = fields.Many2one('res.users', string="Approved By", readonly=True, copy=False, tracking=True)
    approval_date = fields.Date(readonly=True, copy=False)
    # schedule
    payment_type = fields.Selection(
        [('lump_sum', 'Lump sum'), ('installments', 'Instalments')], required=True, default='lump_sum')
    installment_count = fields.Integer(string="Instalments", default=1)
    first_due_date = fields.Date(default=lambda self: fields.Date.context_today(self) + relativedelta(days=7))
    installment_ids = fields.One2many('collection.settlement.installment', 'settlement_id', string="Schedule",
                                      copy=True)
    amount_paid = fields.Monetary(compute='_compute_paid', store=True)
    amount_remaining = fields.Monetary(compute='_compute_paid', store=True)
    grace_days = fields.Integer(default=lambda self: self.env.company.collection_settlement_grace_days)
    breach_escalation = fields.Selection(
        [('collection', 'Back to collection'), ('legal', 'Legal action')], required=True, default='collection',
        help="What a breach does: the case goes back to its agent with a high priority, or a legal case opens.")
    breach_date = fields.Date(readonly=True, copy=False)
    letter_id = fields.Many2one('ir.attachment', string="Settlement Letter", readonly=True, copy=False)

    @api.depends('case_id')
    def _compute_loan_ids(self):
        for settlement in self:
            settlement.loan_ids = settlement.case_id.loan_ids.filtered(lambda loan: loan.state == 'active')

    @api.depends('loan_ids')
    def _compute_balance_amount(self):
        for settlement in self:
            settlement.balance_amount = sum(settlement.loan_ids.mapped('outstanding_amount'))

    @api.depends('balance_amount', 'interest_amount', 'penalty_amount', 'discount_penalty_pct',
                 'discount_interest_pct', 'discount_principal_pct')
    def _compute_amounts(self):
        for settlement in self:
            principal = settlement.balance_amount - settlement.interest_amount - settlement.penalty_amount
            currency = settlement.currency_id or self.env.company.currency_id
            discount = currency.round(
                settlement.penalty_amount * settlement.discount_penalty_pct / 100
                + settlement.interest_amount * settlement.discount_interest_pct / 100
                + principal * settlement.discount_principal_pct / 100)
            settlement.principal_amount = principal
            settlement.discount_amount = discount
            settlement.discount_pct = 100.0 * discount / settlement.balance_amount if settlement.balance_amount else 0.0
            settlement.settlement_amount = settlement.balance_amount - discount

    @api.depends('discount_pct', 'company_id')
    def _compute_tier_id(self):
        Tier = self.env['collection.settlement.tier']
        for settlement in self:
            try:
                settlement.tier_id = Tier._get_tier(settlement.discount_pct, settlement.company_id)
            except UserError:
                settlement.tier_id = False

    @api.depends('installment_ids.amount', 'installment_ids.amount_paid')
    def _compute_paid(self):
        for settlement in self:
            settlement.amount_paid = sum(settlement.installment_ids.mapped('amount_paid'))
            settlement.amount_remaining = sum(settlement.installment_ids.mapped('amount')) - settlement.amount_paid

    @api.constrains('interest_amount', 'penalty_amount', 'balance_amount', 'discount_penalty_pct',
                    'discount_interest_pct', 'discount_principal_pct')
    def _check_amounts(self):
        for settlement in self:
            if min(settlement.interest_amount, settlement.penalty_amount) < 0 \
                    or settlement.interest_amount + settlement.penalty_amount > settlement.balance_amount:
                raise ValidationError(self.env._(
                    "Interest and penalties of settlement %(name)s must be parts of its balance.",
                    name=settlement.name))
            for pct in (settlement.discount_penalty_pct, settlement.discount_interest_pct,
                        settlement.discount_principal_pct):
                if not 0 <= pct <= 100:
                    raise ValidationError(self.env._(
                        "Discounts of settlement %(name)s are between 0 and 100%%.", name=settlement.name))

    @api.constrains('loan_ids', 'case_id')
    def _check_loans(self):
        for settlement in self.sudo():  # a loan the user cannot see is foreign all the same
            foreign = settlement.loan_ids.filtered(lambda loan: loan.case_id != settlement.case_id)
            if foreign:
                raise ValidationError(self.env._(
                    "Loan %(loan)s is not a loan of case %(case)s: settlement %(name)s cannot settle it.",
                    loan=foreign[0].name, case=settlement.case_id.display_name, name=settlement.name))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any('balance_amount' in vals for vals in vals_list):
            raise AccessError(self.env._(
                "The balance of a settlement is what its loans owe: it is computed, not typed in."))
        settlements = super().create(vals_list)
        settlements._post_on_case(self.env._("settlement offer opened."))
        return settlements

    def write(self, vals):
        if not self.env.su and 'tier_id' in vals:
            raise AccessError(self.env._(
                "The approval tier of settlement %(name)s follows from its discount: it cannot be chosen.",
                name=self[:1].name))
        if not self.env.su and 'balance_amount' in vals:
            for settlement in self:
                if settlement.currency_id.compare_amounts(vals['balance_amount'], settlement.balance_amount):
                    raise AccessError(self.env._(
                        "The balance of settlement %(name)s is what its loans owe (%(owed)s), computed: "
                        "it cannot be set to %(balance)s.", name=settlement.name,
                        owed=settlement._format(settlement._get_owed_amount()),
                        balance=settlement._format(vals['balance_amount'])))
        return super().write(vals)

    def _get_approved_terms(self):
        self.ensure_one()
        return SETTLEMENT_TERMS if self.state != 'draft' else ()

    def _get_owed_amount(self):
        """What the settled loans owe now."""
        self.ensure_one()
        return sum(self.loan_ids.mapped('outstanding_amount'))

    def _refresh_balance(self):
        """Bring the balance of draft offers to what their loans owe now; the discount, the amount to
        pay and the approval tier follow. Returns the settlements whose balance changed."""
        changed = self.browse()
        for settlement in self.filtered(lambda s: s.state == 'draft'):
            owed = settlement._get_owed_amount()
            if settlement.currency_id.compare_amounts(owed, settlement.balance_amount):
                settlement._write_step({'balance_amount': owed})
                changed |= settlement
        return changed

    # ------------------------------------------------------------
    # SCHEDULE AND APPROVAL
    # ------------------------------------------------------------

    def action_generate_schedule(self):
        """Equal instalments, monthly from the first due date (one for a lump sum); the last one
        takes the rounding difference."""
        self._check_state('draft')
        self._refresh_balance()
        for settlement in self:
            count = 1 if settlement.payment_type == 'lump_sum' else settlement.installment_count
            if count < 1 or not settlement.first_due_date:
                raise UserError(self.env._(
                    "Settlement %(name)s needs a first due date and at least one instalment.", name=settlement.name))
            currency = settlement.currency_id
            share = currency.round(settlement.settlement_amount / count)
            lines = []
            for index in range(count):
                amount = share if index < count - 1 else currency.round(settlement.settlement_amount - share * (count - 1))
                lines.append((0, 0, {
                    'sequence': index + 1,
                    'due_date': settlement.first_due_date + relativedelta(months=index),
                    'amount': amount,
                }))
            settlement.installment_ids = [(5, 0, 0), *lines]
        return True

    def action_submit(self):
        """Submit the offer at the balance its loans owe now: the tier follows from it."""
        self._check_state('draft')
        refreshed = self._refresh_balance()
        for settlement in self:
            if not settlement.installment_ids:
                settlement.action_generate_schedule()
            scheduled = sum(settlement.installment_ids.mapped('amount'))
            if settlement.currency_id.compare_amounts(scheduled, settlement.settlement_amount):
                if settlement in refreshed:
                    raise UserError(self.env._(
                        "The loans of %(name)s now owe %(balance)s: the amount to pay becomes %(amount)s "
                        "(%(discount).2f%% discount). Generate the schedule again before submitting it.",
                        name=settlement.name, balance=settlement._format(settlement.balance_amount),
                        amount=settlement._format(settlement.settlement_amount), discount=settlement.discount_pct))
                raise UserError(self.env._(
                    "The schedule of %(name)s adds up to %(scheduled)s, not the settlement amount %(amount)s.",
                    name=settlement.name, scheduled=settlement._format(scheduled),
                    amount=settlement._format(settlement.settlement_amount)))
            if not settlement.tier_id:
                raise UserError(self.env._(
                    "No approval tier covers the %(discount).2f%% discount of %(name)s.",
                    discount=settlement.discount_pct, name=settlement.name))
        self._write_step({'state': 'to_approve'})
        for settlement in self:
            approver = settlement.tier_id.group_id.all_user_ids.filtered(
                lambda user: not user.share and settlement.company_id in user.company_ids)[:1]
            if approver:
                settlement.sudo().activity_schedule(
                    'mail.mail_activity_data_todo', user_id=approver.id,
                    summary=self.env._("Approve settlement (%(discount).2f%% discount)",
                                       discount=settlement.discount_pct))
        return True

    def _check_approver(self):
        """Approving, refusing and cancelling an approved settlement are for its tier's group."""
        for settlement in self:
            tier = settlement.tier_id
            if not self.env.su and tier.group_id not in self.env.user.all_group_ids:
                raise AccessError(self.env._(
                    "Settlement %(name)s has a %(discount).2f%% discount: it is approved by %(group)s, "
                    "which %(user)s is not.", name=settlement.name, discount=settlement.discount_pct,
                    group=tier.group_id.full_name or self.env._("an approval tier"), user=self.env.user.name))

    def action_approve(self):
        """Approve at the settlement's tier: refused to users below it, and refused when the loans
        no longer owe the balance offered."""
        self._check_state('to_approve')
        self._check_approver()
        for settlement in self:
            owed = settlement._get_owed_amount()
            if settlement.currency_id.compare_amounts(owed, settlement.balance_amount):
                raise UserError(self.env._(
                    "The loans of %(name)s now owe %(owed)s, not the balance of %(balance)s it was submitted with: "
                    "refuse it so that the offer is made again on what they owe (its discount and approval tier "
                    "follow).", name=settlement.name, owed=settlement._format(owed),
                    balance=settlement._format(settlement.balance_amount)))
        self._write_step({'state': 'active', 'approved_by_id': self.env.uid,
                          'approval_date': fields.Date.context_today(self)})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        for settlement in self:
            settlement._post_on_case(self.env._(
                "settlement approved: %(amount)s instead of %(balance)s (%(discount).2f%% discount).",
                amount=settlement._format(settlement.settlement_amount),
                balance=settlement._format(settlement.balance_amount), discount=settlement.discount_pct))
            settlement.letter_id = settlement._print_legal_letter(
                settlement._get_letter_template('settlement'), raise_if_blocked=False)
            settlement.case_id.sudo().stage = 'promise'
        return True

    def action_refuse(self):
        """Back to an offer: for the users who may approve it."""
        self._check_state('to_approve')
        self._check_approver()
        self._write_step({'state': 'draft'})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        return True

    def action_cancel(self):
        """The negotiator withdraws an offer; an approved settlement is cancelled at its tier."""
        self._check_state('draft', 'to_approve', 'active')
        self.filtered(lambda s: s.state == 'active')._check_approver()
        self._write_step({'state': 'cancelled'})
        return True

    def action_print_letter(self):
        self._check_state('active', 'completed')
        for settlement in self:
            settlement.letter_id = settlement._print_legal_letter(settlement._get_letter_template('settlement'))
        return True

    # ------------------------------------------------------------
    # TRACKING
    # ------------------------------------------------------------

    def _get_payments_since_approval(self):
        """Posted payments on the settled loans from the approval date on, oldest first."""
        self.ensure_one()
        return self.env['collection.payment'].sudo().search([
            ('loan_id', 'in', self.loan_ids.ids),
            ('state', '=', 'posted'),
            ('date', '>=', self.approval_date),
        ], order='date, id')

    def _refresh_installments(self):
        """Spread the payments received since approval over the instalments in due order."""
        for settlement in self.filtered(lambda s: s.state == 'active'):
            available = sum(settlement._get_payments_since_approval().mapped('amount'))
            for installment in settlement.installment_ids.sorted(lambda i: (i.due_date, i.sequence)):
                paid = min(available, installment.amount)
                available -= paid
                if installment.currency_id.compare_amounts(installment.amount_paid, paid):
                    installment.sudo().amount_paid = paid
            if all(i.state == 'paid' for i in settlement.installment_ids):
                settlement._complete()

    def _complete(self):
        """Fully paid: the discount is forgiven, the settled loans are closed."""
        self.ensure_one()
        self.sudo().state = 'completed'
        self.loan_ids.sudo().write({'outstanding_amount': 0.0, 'state': 'closed'})
        self._post_on_case(self.env._("settlement completed: %(amount)s paid; the settled loans are closed.",
                                      amount=self._format(self.amount_paid)))
        if not self.case_id.loan_ids.filtered(lambda loan: loan.state == 'active'):
            self.case_id.sudo().stage = 'closed'

    @api.model
    def _cron_check_breaches(self):
        self._check_breaches()

    @api.model
    def _check_breaches(self, today=None):
        """Breach the active settlements with an instalment unpaid past its due date and the grace days."""
        today = today or fields.Date.context_today(self)
        active = self.search([('state', '=', 'active')])
        active._refresh_installments()
        breached = active.filtered(lambda s: s.state == 'active' and any(
            i.state != 'paid' and i.due_date + relativedelta(days=s.grace_days) < today for i in s.installment_ids))
        for settlement in breached:
            settlement._breach(today)
        return breached

    def _breach(self, today):
        self.ensure_one()
        missed = self.installment_ids.filtered(
            lambda i: i.state != 'paid' and i.due_date + relativedelta(days=self.grace_days) < today)
        missed.sudo().write({'is_missed': True})
        self.sudo().write({'state': 'breached', 'breach_date': today})
        case = self.case_id.sudo()
        message = self.env._("settlement breached: instalment of %(date)s not paid after %(days)s grace days.",
                             date=missed[:1].due_date, days=self.grace_days)
        if self.breach_escalation == 'legal':
            legal_case = self.env['collection.legal.case'].sudo().create({
                'case_id': case.id, 'origin': 'settlement', 'settlement_id': self.id,
                'claim_amount': case.total_outstanding,
            })
            self.legal_case_id = legal_case
            case.write({'stage': 'escalated', 'priority': '3'})
            message += " " + self.env._("Legal case %(legal)s opened.", legal=legal_case.name)
        else:
            case.write({'stage': 'broken', 'priority': '3'})
            if case.user_id:
                case.activity_schedule('mail.mail_activity_data_todo', user_id=case.user_id.id,
                                       summary=self.env._("Settlement breached: follow up"))
            message += " " + self.env._("Back to collection.")
        self._post_on_case(message)
