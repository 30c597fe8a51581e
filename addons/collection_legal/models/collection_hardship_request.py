from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

SUPERVISOR_GROUP = 'collection_base.collection_base_group_supervisor'


class CollectionHardshipRequest(models.Model):
    """A customer in hardship asks for relief: it ends in a settlement (a discount, approved at its
    tier) or in a payment plan (promises to pay spread over months)."""
    _name = 'collection.hardship.request'
    _description = 'Hardship Request'
    _inherit = ['collection.legal.document.mixin', 'collection.legal.approval.mixin']
    _order = 'id desc'
    _approval_fields = ('state', 'reviewed_by_id')
    _approval_override_group = SUPERVISOR_GROUP

    reason = fields.Selection([
        ('job_loss', 'Job loss'),
        ('illness', 'Illness or injury'),
        ('bereavement', 'Bereavement'),
        ('disaster', 'Natural disaster'),
        ('business', 'Business failure'),
        ('other', 'Other'),
    ], required=True, default='job_loss', tracking=True)
    description = fields.Text()
    monthly_income = fields.Monetary()
    monthly_expenses = fields.Monetary()
    disposable_income = fields.Monetary(compute='_compute_disposable_income',
                                        help="Income less expenses: what a plan can ask each month.")
    state = fields.Selection([
        ('draft', 'Draft'),
        ('submitted', 'Submitted'),
        ('approved', 'Approved'),
        ('rejected', 'Rejected'),
    ], required=True, default='draft', tracking=True, index=True, copy=False)
    outcome = fields.Selection(
        [('settlement', 'Settlement'), ('plan', 'Payment plan')], required=True, default='plan', tracking=True)
    plan_amount = fields.Monetary(string="Monthly Amount")
    plan_count = fields.Integer(string="Months", default=6)
    plan_start_date = fields.Date(
        string="First Payment", default=lambda self: fields.Date.context_today(self) + relativedelta(days=14))
    settlement_id = fields.Many2one('collection.settlement', readonly=True, copy=False)
    ptp_plan_id = fields.Many2one('collection.ptp.plan', string="Payment Plan", readonly=True, copy=False)
    ptp_ids = fields.One2many(related='ptp_plan_id.ptp_ids', string="Promises")
    reviewed_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    rejection_reason = fields.Char(tracking=True)

    @api.depends('monthly_income', 'monthly_expenses')
    def _compute_disposable_income(self):
        for request in self:
            request.disposable_income = request.monthly_income - request.monthly_expenses

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        requests._post_on_case(self.env._("hardship request registered."))
        return requests

    def action_submit(self):
        for request in self:
            if request.state != 'draft':
                raise UserError(self.env._("Hardship request %(name)s is already submitted.", name=request.name))
            if request.outcome == 'plan' and (request.plan_amount <= 0 or request.plan_count < 2
                                              or not request.plan_start_date):
                raise UserError(self.env._(
                    "Give the monthly amount, the months (two or more) and the first payment date of the plan "
                    "of %(name)s.", name=request.name))
        self._write_step({'state': 'submitted'})
        return True

    def action_approve(self):
        """Supervisor: approve; a plan becomes promises to pay, a settlement opens as an offer."""
        if not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._("Only a collection supervisor may approve hardship request %(name)s.",
                                         name=self[:1].name))
        action = True
        for request in self:
            if request.state != 'submitted':
                raise UserError(self.env._("Hardship request %(name)s is not submitted.", name=request.name))
            request._write_step({'state': 'approved', 'reviewed_by_id': self.env.uid})
            if request.outcome == 'settlement':
                request.settlement_id = self.env['collection.settlement'].create({
                    'case_id': request.case_id.id, 'origin': 'hardship', 'hardship_id': request.id,
                    'payment_type': 'installments', 'installment_count': request.plan_count or 1,
                    'first_due_date': request.plan_start_date,
                })
                request._post_on_case(self.env._("hardship approved: settlement %(settlement)s opened.",
                                                 settlement=request.settlement_id.name))
                action = request.settlement_id._get_records_action()
            else:
                request._create_plan()
        return action

    def _create_plan(self):
        """A payment plan of monthly promises. The supervisor's approval of the hardship stands for
        the plan's: it is created as superuser, outside the standard promise policy (a hardship plan
        is an exception to it by nature)."""
        self.ensure_one()
        self.ptp_plan_id = self.env['collection.ptp.plan'].sudo().create({
            'case_id': self.case_id.id,
            'user_id': self.case_id.user_id.id or self.env.uid,
            'amount_total': self.plan_amount * self.plan_count,
            'instalment_count': self.plan_count,
            'interval_number': 1,
            'interval_type': 'months',
            'first_date': self.plan_start_date,
        })
        self.case_id.sudo().stage = 'promise'
        self._post_on_case(self.env._("hardship approved: a plan of %(count)s monthly payments.",
                                      count=self.plan_count))

    def action_reject(self):
        if not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._("Only a collection supervisor may reject hardship request %(name)s.",
                                         name=self[:1].name))
        self.filtered(lambda r: r.state == 'submitted')._write_step(
            {'state': 'rejected', 'reviewed_by_id': self.env.uid})
        return True
