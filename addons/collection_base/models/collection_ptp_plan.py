from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .collection_ptp import PTP_PENDING_STATES, PTP_STATES, REMINDER_ACTIVITY
from .collection_ptp_approval_mixin import APPROVAL_ACTIVITY, MANAGER_GROUP

INTERVAL_TYPES = [
    ('days', 'Days'),
    ('weeks', 'Weeks'),
    ('months', 'Months'),
]
MAX_INSTALMENTS = 120
# What a plan may not change once its promises exist: cancel it and make a new one.
PLAN_TERMS = {
    'case_id', 'loan_id', 'amount_total', 'instalment_count', 'interval_number', 'interval_type',
    'first_date', 'recorded_date',
}


class CollectionPtpPlan(models.Model):
    """Several promises made in one agreement: a total paid in instalments at a regular interval.

    The plan generates its promises (``collection.ptp`` with ``plan_id``); each promise is paid,
    kept, partly kept or broken on its own, and the plan's state follows them (``_compute_state``).
    """
    _name = 'collection.ptp.plan'
    _description = 'Payment Plan'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'collection.ptp.mixin', 'collection.ptp.approval.mixin']
    _order = 'first_date desc, id desc'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    amount_total = fields.Monetary(string="Total", required=True, tracking=True)
    instalment_count = fields.Integer(string="Instalments", required=True, default=3)
    interval_number = fields.Integer(string="Every", required=True, default=1)
    interval_type = fields.Selection(INTERVAL_TYPES, string="Interval", required=True, default='months')
    first_date = fields.Date(string="First Promised Date", required=True, tracking=True)
    last_date = fields.Date(string="Last Promised Date", compute='_compute_last_date', store=True)
    ptp_ids = fields.One2many('collection.ptp', 'plan_id', string="Promises", readonly=True)
    state = fields.Selection(
        PTP_STATES, compute='_compute_state', store=True, tracking=True, index=True,
        help="To approve while waiting for a supervisor; broken as soon as one promise is broken; "
             "partly kept when a promise was partly kept and none broken; kept when all are kept; "
             "cancelled when all are cancelled; open otherwise.")
    amount_paid = fields.Monetary(compute='_compute_amounts', store=True, string="Paid")
    amount_remaining = fields.Monetary(compute='_compute_amounts', store=True, string="Remaining")
    next_date = fields.Date(
        string="Next Promised Date", compute='_compute_amounts', store=True,
        help="The date of the first promise still pending.")

    @api.depends('case_id', 'instalment_count', 'amount_total')
    def _compute_name(self):
        for plan in self:
            plan.name = self.env._(
                "Plan %(case)s: %(count)s instalments", case=plan.case_id.name or '', count=plan.instalment_count)

    @api.depends('first_date', 'instalment_count', 'interval_number', 'interval_type')
    def _compute_last_date(self):
        for plan in self:
            dates = self._get_instalment_dates(
                plan.first_date, plan.instalment_count, plan.interval_number, plan.interval_type)
            plan.last_date = dates[-1] if dates else plan.first_date

    @api.depends('ptp_ids.state')
    def _compute_state(self):
        for plan in self:
            states = set(plan.ptp_ids.mapped('state'))
            if not states:
                plan.state = 'open'
            elif states == {'cancelled'}:
                plan.state = 'cancelled'
            else:
                states.discard('cancelled')
                for state in ('to_approve', 'broken', 'partial', 'open'):
                    if state in states:
                        plan.state = state
                        break
                else:
                    plan.state = 'kept'

    @api.depends('ptp_ids.amount_paid', 'ptp_ids.state', 'ptp_ids.date', 'amount_total')
    def _compute_amounts(self):
        for plan in self:
            promises = plan.ptp_ids.filtered(lambda p: p.state != 'cancelled')
            plan.amount_paid = sum(promises.mapped('amount_paid'))
            plan.amount_remaining = sum(promises.mapped('amount_remaining'))
            pending = promises.filtered(lambda p: p.state in PTP_PENDING_STATES).sorted('date')
            plan.next_date = pending[:1].date

    @api.constrains('instalment_count', 'interval_number', 'amount_total')
    def _check_terms(self):
        for plan in self:
            if not 2 <= plan.instalment_count <= MAX_INSTALMENTS:
                raise ValidationError(self.env._(
                    "The plan on %(case)s needs between 2 and %(most)s instalments.",
                    case=plan.case_id.display_name, most=MAX_INSTALMENTS))
            if plan.interval_number < 1:
                raise ValidationError(self.env._(
                    "The instalments of the plan on %(case)s must be at least one %(unit)s apart.",
                    case=plan.case_id.display_name, unit=plan.interval_type))
            if plan.currency_id.compare_amounts(plan.amount_total, 0.0) <= 0:
                raise ValidationError(self.env._(
                    "The plan on %(case)s must be for a positive amount.", case=plan.case_id.display_name))

    @api.model
    def _get_instalment_dates(self, first_date, count, interval_number, interval_type):
        """The promised dates of a plan: ``first_date``, then one every ``interval_number`` units.
        Months are counted from the first date (31 Jan, 28 Feb, 31 Mar), not chained."""
        if not first_date or count < 1 or interval_number < 1 or not interval_type:
            return []
        return [first_date + relativedelta(**{interval_type: interval_number * index}) for index in range(count)]

    def _get_schedule(self):
        """``[(date, amount)]`` of the plan's promises: equal instalments, the rounding on the last."""
        self.ensure_one()
        currency = self.currency_id
        dates = self._get_instalment_dates(
            self.first_date, self.instalment_count, self.interval_number, self.interval_type)
        instalment = currency.round(self.amount_total / self.instalment_count)
        last = currency.round(self.amount_total - instalment * (self.instalment_count - 1))
        if currency.compare_amounts(instalment, 0.0) <= 0 or currency.compare_amounts(last, 0.0) <= 0:
            raise ValidationError(self.env._(
                "The plan on %(case)s is too small for %(count)s instalments.",
                case=self.case_id.display_name, count=self.instalment_count))
        amounts = [instalment] * (self.instalment_count - 1) + [last]
        return list(zip(dates, amounts))

    @api.model_create_multi
    def create(self, vals_list):
        Ptp = self.env['collection.ptp']
        approvals = {}
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            for vals in vals_list:
                vals.pop('recorded_date', None)
        if Ptp._is_policy_enforced():
            for index, vals in enumerate(vals_list):
                if not (vals.get('case_id') and vals.get('first_date')):
                    continue
                first_date = fields.Date.to_date(vals['first_date'])
                dates = self._get_instalment_dates(
                    first_date, vals.get('instalment_count', 3), vals.get('interval_number', 1),
                    vals.get('interval_type', 'months'))
                reason = Ptp._check_policy(
                    self.env['collection.case'].browse(vals['case_id']),
                    vals.get('amount_total') or 0.0, first_date,
                    last_date=dates[-1] if dates else first_date,
                    loan=self.env['collection.loan'].browse(vals.get('loan_id')),
                    recorded_date=fields.Date.to_date(vals.get('recorded_date')),
                    is_plan=True)
                if reason:
                    approvals[index] = reason
        plans = super().create(vals_list)
        for index, plan in enumerate(plans):
            plan._generate_promises('to_approve' if index in approvals else 'open')
            if index in approvals:
                plan._request_approval(approvals[index])
        return plans

    def write(self, vals):
        terms = PLAN_TERMS & vals.keys()
        fixed = self.filtered('ptp_ids') if terms else self.browse()
        if fixed:
            raise UserError(self.env._(
                "The terms of %(plan)s are set: cancel it and make a new plan.", plan=fixed[0].name))
        return super().write(vals)

    def _generate_promises(self, state='open'):
        """Create the plan's promises. They are created as superuser: the plan as a whole has
        passed the policy and the access rights."""
        self.ensure_one()
        self.env['collection.ptp'].sudo().create([{
            'plan_id': self.id,
            'case_id': self.case_id.id,
            'loan_id': self.loan_id.id,
            'user_id': self.user_id.id,
            'amount': amount,
            'date': date,
            'recorded_date': self.recorded_date,
            'channel': self.channel,
            'action_id': self.action_id.id,
            'state': state,
        } for date, amount in self._get_schedule()])

    def action_approve(self):
        self._check_can_approve()
        plans = self.filtered(lambda p: p.state == 'to_approve')
        plans.ptp_ids.filtered(lambda p: p.state == 'to_approve').write({'state': 'open'})
        plans._close_approval(self.env._("Approved"))
        return True

    def action_refuse(self):
        self._check_can_approve(refusing=True)
        plans = self.filtered(lambda p: p.state == 'to_approve')
        plans.ptp_ids.filtered(lambda p: p.state == 'to_approve').write({'state': 'cancelled'})
        plans._close_approval(self.env._("Refused"))
        return True

    def action_cancel(self):
        """Cancel the promises still pending; those already settled keep their outcome."""
        self.ptp_ids.action_cancel()
        self.activity_unlink([APPROVAL_ACTIVITY, REMINDER_ACTIVITY])
        return True

    def action_open_promises(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_ptp_action')
        action['domain'] = [('plan_id', '=', self.id)]
        action['context'] = {'create': False}
        return action
