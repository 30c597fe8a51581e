import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date, formatLang

from ..tools.chatter import log_notes
from .collection_ptp_approval_mixin import APPROVAL_ACTIVITY, MANAGER_GROUP
from .collection_ptp_mixin import PTP_CHANNELS  # noqa: F401 -- imported from here by other files

_logger = logging.getLogger(__name__)

PTP_STATES = [
    ('to_approve', 'To Approve'),
    ('open', 'Open'),
    ('kept', 'Kept'),
    ('partial', 'Partly kept'),
    ('broken', 'Broken'),
    ('cancelled', 'Cancelled'),
]
# States in which a promise can still receive payments and be kept.
PTP_PENDING_STATES = ('to_approve', 'open')
REMINDER_ACTIVITY = 'collection_base.mail_activity_type_ptp_reminder'
FOLLOWUP_ACTIVITY = 'collection_base.mail_activity_type_ptp_followup'
REMINDER_SMS_TEMPLATE = 'collection_base.collection_sms_template_ptp_reminder'
POLICY_PERIOD_DAYS = 30
# Set by the system (creation, evaluation, reminders), not by agents: the policy counts from them.
PTP_SYSTEM_FIELDS = ('state', 'recorded_date', 'evaluated_date', 'reminded_date')


class CollectionPtp(models.Model):
    _name = 'collection.ptp'
    _description = 'Promise to Pay'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'collection.ptp.mixin', 'collection.ptp.approval.mixin']
    _order = 'date, id'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    plan_id = fields.Many2one(
        'collection.ptp.plan', string="Plan", index='btree_not_null', ondelete='cascade', readonly=True,
        copy=False, check_company=True)
    amount = fields.Monetary(required=True, tracking=True)
    date = fields.Date(string="Promised Date", required=True, tracking=True, index=True)
    state = fields.Selection(
        PTP_STATES, required=True, default='open', tracking=True, index=True, copy=False)
    allocation_ids = fields.One2many('collection.payment.allocation', 'ptp_id', string="Payments")
    amount_paid = fields.Monetary(compute='_compute_amount_paid', store=True, string="Paid")
    amount_remaining = fields.Monetary(compute='_compute_amount_paid', store=True, string="Remaining")
    evaluated_date = fields.Date(readonly=True, copy=False)
    reminded_date = fields.Date(string="Reminded On", readonly=True, copy=False)

    _open_date_idx = models.Index("(date) WHERE state = 'open'")
    _case_recorded_idx = models.Index("(case_id, recorded_date)")

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
                raise ValidationError(self.env._(
                    "The promise of %(case)s must be for a positive amount.", case=ptp.case_id.display_name))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        privileged = self.env.su or self.env.user.has_group(MANAGER_GROUP)
        enforce = self._is_policy_enforced()
        approvals = {}
        for index, vals in enumerate(vals_list):
            if vals.get('plan_id') and not self.env.su:
                raise UserError(self.env._("The promises of a payment plan are created by the plan."))
            if not privileged:
                for fname in PTP_SYSTEM_FIELDS:
                    vals.pop(fname, None)
            if enforce and not vals.get('plan_id') and vals.get('case_id') and vals.get('date'):
                reason = self._check_policy(
                    self.env['collection.case'].browse(vals['case_id']),
                    vals.get('amount') or 0.0,
                    fields.Date.to_date(vals['date']),
                    loan=self.env['collection.loan'].browse(vals.get('loan_id')),
                    recorded_date=fields.Date.to_date(vals.get('recorded_date')),
                )
                if reason:
                    vals['state'] = 'to_approve'
                    approvals[index] = reason
        ptps = super().create(vals_list)
        for index, reason in approvals.items():
            ptps[index]._request_approval(reason)
        return ptps

    def write(self, vals):
        if not self.env.su:
            if 'plan_id' in vals:
                raise UserError(self.env._("The promises of a payment plan are created by the plan."))
            if 'case_id' in vals and any(ptp.case_id.id != vals['case_id'] for ptp in self):
                raise UserError(self.env._(
                    "Promise %(ptp)s cannot move to another case: cancel it and record a new one.",
                    ptp=self[:1].display_name))
            if 'state' in vals:
                self._check_state_change(vals['state'])
            system_fields = set(PTP_SYSTEM_FIELDS[1:]) & vals.keys()
            if system_fields and not self.env.user.has_group(MANAGER_GROUP):
                raise AccessError(self.env._(
                    "Only a collection manager may change %(fields)s of promise %(ptp)s.",
                    fields=", ".join(self._fields[fname].string for fname in sorted(system_fields)),
                    ptp=self[:1].display_name))
        if self._is_policy_enforced() and {'amount', 'date', 'loan_id'} & vals.keys():
            Loan = self.env['collection.loan']
            for ptp in self.filtered(lambda p: not p.plan_id and p.state in PTP_PENDING_STATES):
                self._check_policy(
                    ptp.case_id, vals.get('amount', ptp.amount),
                    fields.Date.to_date(vals['date']) if 'date' in vals else ptp.date,
                    loan=Loan.browse(vals['loan_id']) if 'loan_id' in vals else ptp.loan_id,
                    recorded_date=ptp.recorded_date, rules=('date', 'amount'))
        return super().write(vals)

    def _check_state_change(self, new_state):
        """People change a promise's status only through its buttons: an agent cancels a pending
        promise, a supervisor approves one; payments and the daily evaluation set the rest, and
        only managers may correct a status by hand."""
        changing = self.filtered(lambda p: p.state != new_state)
        if not changing or self.env.user.has_group(MANAGER_GROUP):
            return
        if new_state == 'cancelled' and all(p.state in PTP_PENDING_STATES for p in changing):
            return
        if new_state == 'open' and all(p.state == 'to_approve' for p in changing):
            changing._check_can_approve()
            return
        raise AccessError(self.env._(
            "The status of promise %(ptp)s is set by payments and the daily evaluation; "
            "only a collection manager may change it by hand.", ptp=changing[0].display_name))

    # ------------------------------------------------------------------
    # Policy
    # ------------------------------------------------------------------

    @api.model
    def _is_policy_enforced(self):
        """The policy binds people: imports and system code running as superuser are not checked
        unless they ask for it with the ``collection_ptp_enforce_policy`` context key."""
        return not self.env.su or bool(self.env.context.get('collection_ptp_enforce_policy'))

    @api.model
    def _get_policy_issues(self, case, amount, first_date, last_date=None, loan=None, recorded_date=None,
                           is_plan=False, rules=None):
        """Measure a promise, or a plan as a whole, against the policy of the case's company.

        :param amount: the promised amount (a plan's total)
        :param first_date: the promised date (a plan's first date)
        :param last_date: a plan's last date
        :param rules: limit the check to some of ``date``, ``amount``, ``count``, ``broken``
        :return: ``(issues, approval_reason)``: the rules broken, as phrases, and why a supervisor
            must approve (``False`` when no approval is needed)
        """
        company = case.company_id
        currency = case.currency_id
        recorded = recorded_date or fields.Date.context_today(self)
        last_date = last_date or first_date
        issues = []

        def checks(rule):
            return rules is None or rule in rules

        if checks('date'):
            if first_date < recorded:
                issues.append(self.env._(
                    "promised date %(date)s is before %(today)s, the day the promise is made",
                    date=format_date(self.env, first_date), today=format_date(self.env, recorded)))
            if company.collection_ptp_max_days:
                latest = recorded + timedelta(days=company.collection_ptp_max_days)
                if first_date > latest:
                    issues.append(self.env._(
                        "promised date %(date)s is later than the latest allowed %(latest)s",
                        date=format_date(self.env, first_date), latest=format_date(self.env, latest)))
            if is_plan and company.collection_ptp_plan_max_days:
                latest = recorded + timedelta(days=company.collection_ptp_plan_max_days)
                if last_date > latest:
                    issues.append(self.env._(
                        "last promised date %(date)s is later than the latest allowed %(latest)s for a plan",
                        date=format_date(self.env, last_date), latest=format_date(self.env, latest)))
        percent = company.collection_ptp_min_percent
        if checks('amount') and percent:
            overdue = loan.overdue_amount if loan else case.total_overdue
            minimum = currency.round(overdue * percent / 100.0)
            if overdue > 0 and currency.compare_amounts(amount, minimum) < 0:
                issues.append(self.env._(
                    "amount %(amount)s is below the minimum %(percent)s%% of the overdue %(overdue)s",
                    amount=formatLang(self.env, amount, currency_obj=currency),
                    percent=f"{percent:g}",
                    overdue=formatLang(self.env, overdue, currency_obj=currency)))
        most = company.collection_ptp_max_per_period
        if checks('count') and most:
            made = self._count_commitments(case, Domain([
                ('state', '!=', 'cancelled'),
                ('recorded_date', '>', recorded - timedelta(days=POLICY_PERIOD_DAYS)),
                ('recorded_date', '<=', recorded),
            ]))
            if made >= most:
                issues.append(self.env._(
                    "%(count)s promises in %(days)s days already (the policy allows %(most)s)",
                    count=made, days=POLICY_PERIOD_DAYS, most=most))
        approval = False
        limit = company.collection_ptp_broken_limit
        if checks('broken') and limit:
            period = company.collection_ptp_broken_period_days
            domain = Domain('state', '=', 'broken')
            if period:
                domain &= Domain('evaluated_date', '>', recorded - timedelta(days=period))
            broken = self._count_commitments(case, domain)
            if broken >= limit:
                approval = self.env._(
                    "%(count)s broken promises in the last %(days)s days, a supervisor must approve.",
                    count=broken, days=period)
        return issues, approval

    @api.model
    def _check_policy(self, case, amount, first_date, last_date=None, loan=None, recorded_date=None,
                      is_plan=False, rules=None):
        """Raise a ValidationError naming the case and the rules broken; return the approval reason."""
        issues, approval = self._get_policy_issues(
            case, amount, first_date, last_date=last_date, loan=loan, recorded_date=recorded_date,
            is_plan=is_plan, rules=rules)
        if issues:
            what = self.env._("The payment plan") if is_plan else self.env._("The promise to pay")
            raise ValidationError(self.env._(
                "%(what)s on %(case)s is outside the policy: %(issues)s.",
                what=what, case=case.display_name, issues="; ".join(issues)))
        return approval

    @api.model
    def _count_commitments(self, case, domain):
        """Count a case's promises matching ``domain``, a plan's promises counting as one."""
        groups = self.sudo()._read_group(
            Domain('case_id', '=', case.id) & domain, ['plan_id'], ['__count'])
        return sum(1 if plan else count for plan, count in groups)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_approve(self):
        self._check_can_approve()
        self.plan_id.action_approve()
        singles = self.filtered(lambda p: not p.plan_id and p.state == 'to_approve')
        singles.write({'state': 'open'})
        singles._close_approval(self.env._("Approved"))
        return True

    def action_refuse(self):
        self._check_can_approve(refusing=True)
        self.plan_id.action_refuse()
        singles = self.filtered(lambda p: not p.plan_id and p.state == 'to_approve')
        singles.write({'state': 'cancelled'})
        singles._close_approval(self.env._("Refused"))
        return True

    def action_cancel(self):
        to_cancel = self.filtered(lambda p: p.state in PTP_PENDING_STATES)
        to_cancel.write({'state': 'cancelled'})
        to_cancel.activity_unlink([APPROVAL_ACTIVITY, REMINDER_ACTIVITY])
        return True

    def action_allocate_payment(self):
        """Open the manual allocation of a payment of the case to this promise (managers)."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Allocate a Payment"),
            'res_model': 'collection.payment.allocate',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_ptp_id': self.id},
        }

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------

    def _get_payment_window_end(self):
        """The last day a payment may be dated to count for this promise: its date plus grace days."""
        self.ensure_one()
        return self.date + timedelta(days=self.company_id.collection_ptp_grace_days)

    def _refresh_state_from_payments(self):
        """Settle promises whose payments changed: a covered promise is kept at once, without
        waiting for the evaluation; a broken one that receives a late-reported payment dated
        within its window becomes partly kept."""
        today = fields.Date.context_today(self)
        covered = self.filtered(
            lambda p: p.state not in ('kept', 'cancelled')
            and p.currency_id.compare_amounts(p.amount_paid, p.amount) >= 0)
        covered.sudo().write({'state': 'kept', 'evaluated_date': today})
        late = (self - covered).filtered(lambda p: p.state == 'broken' and p.amount_paid > 0)
        late.sudo().write({'state': 'partial'})
        covered._on_kept()

    def _reopen_if_unpaid(self):
        """Reopen kept or partly kept promises that lost payments (a reversal, a removed allocation):
        the next evaluation judges them again."""
        reopened = self.filtered(
            lambda p: p.state in ('kept', 'partial')
            and p.currency_id.compare_amounts(p.amount_paid, p.amount) < 0)
        reopened.sudo().write({'state': 'open', 'evaluated_date': False})
        for ptp in reopened:
            ptp.case_id.message_post(body=self.env._(
                "Promise %(ptp)s reopened: %(paid)s of %(amount)s is paid now.",
                ptp=ptp._get_html_link(),
                paid=formatLang(self.env, ptp.amount_paid, currency_obj=ptp.currency_id),
                amount=formatLang(self.env, ptp.amount, currency_obj=ptp.currency_id)))
        reopened.case_id.filtered(lambda c: c.stage in ('new', 'in_progress')).sudo().write({'stage': 'promise'})
        return reopened

    # ------------------------------------------------------------------
    # Events: kept, partly kept, broken
    # ------------------------------------------------------------------

    def _on_kept(self):
        """A note on the case per kept promise; the case goes back to work (or stays on promise
        while other promises are pending)."""
        if not self:
            return
        cases = self.case_id.filtered(lambda c: c.stage in ('promise', 'broken'))
        pending = set(self.sudo().search([
            ('case_id', 'in', cases.ids), ('state', 'in', PTP_PENDING_STATES)]).case_id.ids)
        stages = {case: 'promise' if case.id in pending else 'in_progress' for case in cases}
        bodies = {
            ptp: self.env._("Promise %(ptp)s of %(amount)s due %(date)s was kept.", **ptp._get_note_values())
            for ptp in self
        }
        self._log_case_notes(bodies, stages)
        self.activity_unlink([APPROVAL_ACTIVITY, REMINDER_ACTIVITY])

    def _on_not_kept(self, today):
        """A note on the case per broken or partly kept promise, the case to 'broken' when a
        promise is broken, and one follow-up call for the case's agent."""
        if not self:
            return
        broken_cases = self.filtered(lambda p: p.state == 'broken').case_id
        stages = dict.fromkeys(broken_cases.filtered(lambda c: c.stage in ('new', 'in_progress', 'promise')), 'broken')
        bodies = {}
        for ptp in self:
            if ptp.state == 'broken':
                bodies[ptp] = self.env._(
                    "Promise %(ptp)s of %(amount)s due %(date)s was broken.", **ptp._get_note_values())
            else:
                bodies[ptp] = self.env._(
                    "Promise %(ptp)s of %(amount)s due %(date)s was partly kept: %(paid)s paid.",
                    paid=formatLang(self.env, ptp.amount_paid, currency_obj=ptp.currency_id), **ptp._get_note_values())
        self._log_case_notes(bodies, stages)
        self.activity_unlink([REMINDER_ACTIVITY])
        self._schedule_followup(today)

    def _get_note_values(self):
        self.ensure_one()
        return {
            'ptp': self._get_html_link(),
            'amount': formatLang(self.env, self.amount, currency_obj=self.currency_id),
            'date': format_date(self.env, self.date),
        }

    def _log_case_notes(self, bodies, stages):
        """Move cases to new stages and log the promises' notes on their cases, in batches.

        :param bodies: ``{promise: note}``, one note per promise on its case
        :param stages: ``{case: new stage}``; the stage change is tracked under the case's first
            note (one batch write, instead of a tracking message per case)
        """
        previous = {case.id: case.stage for case, stage in stages.items() if case.stage != stage}
        by_stage = defaultdict(list)
        for case, stage in stages.items():
            if case.id in previous:
                by_stage[stage].append(case.id)
        Case = self.env['collection.case'].sudo().with_context(tracking_disable=True)
        for stage, case_ids in by_stage.items():
            Case.browse(case_ids).write({'stage': stage})
        entries = []
        for ptp, body in bodies.items():
            case_id = ptp.case_id.id
            tracking = {'stage': (previous.pop(case_id), stages[ptp.case_id])} if case_id in previous else None
            entries.append((case_id, body, tracking))
        log_notes(self.env['collection.case'], entries)

    def _schedule_followup(self, today):
        """One follow-up call per case for its agent (or the promise's), unless one is still open;
        all of them in one create, without an email to each agent."""
        if self.env.context.get('mail_activity_automation_skip'):
            return self.env['mail.activity']
        followup_type = self.env.ref(FOLLOWUP_ACTIVITY)
        Activity = self.env['mail.activity'].sudo().with_context(mail_activity_quick_update=True)
        open_followups = set(Activity.search([
            ('res_model', '=', 'collection.case'), ('res_id', 'in', self.case_id.ids),
            ('activity_type_id', '=', followup_type.id),
        ]).mapped('res_id'))
        model_id = self.env['ir.model']._get_id('collection.case')
        vals_list = []
        for case, ptps in self.grouped('case_id').items():
            if case.id in open_followups:
                continue
            vals_list.append({
                'res_model_id': model_id,
                'res_id': case.id,
                'res_name': case.display_name,  # read for all the cases at once, not activity by activity
                'activity_type_id': followup_type.id,
                'automated': True,
                'summary': followup_type.summary,
                'note': self.env._("Call back about %(ptps)s.", ptps=", ".join(ptps.mapped('display_name'))),
                'date_deadline': today,
                'user_id': (case.user_id or ptps[0].user_id or self.env.user).id,
            })
        return Activity.create(vals_list)

    # ------------------------------------------------------------------
    # Daily evaluation and reminders
    # ------------------------------------------------------------------

    @api.model
    def _get_batch_size(self):
        return int(self.env['ir.config_parameter'].sudo().get_param('collection_base.ptp_batch_size', 1000))

    @api.model
    def _get_due_promises_domain(self, today):
        """Open promises whose date plus the grace days of their company has passed."""
        per_company = [
            Domain('company_id', '=', company.id)
            & Domain('date', '<', today - timedelta(days=company.collection_ptp_grace_days))
            for company in self.env['res.company'].sudo().search([])
        ]
        return Domain('state', '=', 'open') & Domain.OR(per_company)

    @api.model
    def _get_reminder_domain(self, today):
        """Open promises falling due within the reminder days of their company, not yet reminded,
        and not made today (the agent just spoke to the customer)."""
        per_company = [
            Domain('company_id', '=', company.id)
            & Domain('date', '<=', today + timedelta(days=company.collection_ptp_reminder_days))
            for company in self.env['res.company'].sudo().search([('collection_ptp_reminder_days', '>', 0)])
        ]
        return Domain([
            ('state', '=', 'open'),
            ('reminded_date', '=', False),
            ('date', '>=', today),
            ('recorded_date', '<', today),
        ]) & Domain.OR(per_company)

    @api.model
    def _process_in_batches(self, domain, process, batch_size=None):
        """Run ``process(records)`` over the open promises matching ``domain``, earliest date first,
        by batches of rows locked with ``SKIP LOCKED`` so that several workers share the work; in a
        scheduled action each batch is committed and its progress reported.

        ``process`` must take the records out of ``domain`` (the evaluation closes them, the
        reminder stamps them). Returns the number of records processed.
        """
        batch_size = batch_size or self._get_batch_size()
        in_cron = bool(self.env.context.get('cron_id'))
        processed = set()
        skipped = []  # locked by another worker
        while True:
            batch = self.search(domain & Domain('id', 'not in', skipped), order='date, id', limit=batch_size)
            if not batch:
                break
            if processed.intersection(batch.ids):
                _logger.error("Promises %s are still to process after processing them; stopping.",
                              sorted(processed.intersection(batch.ids))[:10])
                break
            locked = batch.try_lock_for_update()
            skipped += (batch - locked).ids
            if locked:
                process(locked)
                processed.update(locked.ids)
            if in_cron:
                remaining = self.search_count(domain & Domain('id', 'not in', skipped))
                if not self.env['ir.cron']._commit_progress(len(locked), remaining=remaining):
                    break
        return len(processed)

    @api.model
    def _evaluate_due_promises(self, today=None, batch_size=None):
        """Close the open promises whose date plus grace days has passed: kept, partly kept or
        broken. Returns the count per outcome, and logs one summary line."""
        today = today or fields.Date.context_today(self)
        counts = dict.fromkeys(('kept', 'partial', 'broken'), 0)

        def evaluate(promises):
            for state, count in promises._evaluate(today).items():
                counts[state] += count

        self._process_in_batches(self._get_due_promises_domain(today), evaluate, batch_size)
        _logger.info("Promise evaluation of %s: %s kept, %s partly kept, %s broken",
                     today, counts['kept'], counts['partial'], counts['broken'])
        return counts

    def _evaluate(self, today):
        """Settle these open promises on ``today`` from the payments counted for them, set-based:
        one UPDATE of their states, their status changes tracked in one batch of messages, then
        the notes, case stages and follow-up calls of each outcome in batches."""
        states = {}
        for ptp in self:
            if ptp.currency_id.compare_amounts(ptp.amount_paid, ptp.amount) >= 0:
                states[ptp.id] = 'kept'
            elif ptp.amount_paid > 0:
                states[ptp.id] = 'partial'
            else:
                states[ptp.id] = 'broken'
        previous = {ptp.id: ptp.state for ptp in self}
        self._write_evaluation(states, today)
        log_notes(self, [(ptp_id, '', {'state': (previous[ptp_id], state)}) for ptp_id, state in states.items()])
        kept = self.filtered(lambda p: states[p.id] == 'kept')
        kept._on_kept()
        (self - kept)._on_not_kept(today)
        counts = dict.fromkeys(('kept', 'partial', 'broken'), 0)
        for state in states.values():
            counts[state] += 1
        return counts

    def _write_evaluation(self, states, today):
        """Set the evaluation's outcome on these promises in one UPDATE (not through ``write``:
        addons that react to a promise kept or broken extend this method too).

        :param states: ``{promise id: new state}``
        """
        self.flush_recordset()
        self.env.execute_query(SQL("""
            UPDATE collection_ptp p
               SET state = v.state, evaluated_date = %(today)s,
                   write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
              FROM UNNEST(%(ids)s::int[], %(states)s::varchar[]) AS v(id, state)
             WHERE p.id = v.id
        """, today=today, uid=self.env.uid, ids=list(states), states=list(states.values())))
        self.invalidate_recordset(['state', 'evaluated_date', 'write_uid', 'write_date'])
        # the plans' states and amounts, the cases' next promise
        self.modified(['state', 'evaluated_date'])

    @api.model
    def _cron_evaluate_promises(self):
        self._evaluate_due_promises()

    @api.model
    def _send_due_reminders(self, today=None, batch_size=None):
        """Remind the agents (an activity) and the customers (a message) of the promises falling due
        within the reminder days. Returns the number of promises reminded."""
        today = today or fields.Date.context_today(self)
        count = self._process_in_batches(
            self._get_reminder_domain(today), lambda promises: promises._remind(today), batch_size)
        _logger.info("Promise reminders of %s: %s promises", today, count)
        return count

    def _remind(self, today):
        for ptp in self:
            ptp.sudo().activity_schedule(
                REMINDER_ACTIVITY, date_deadline=today,
                user_id=(ptp.user_id or ptp.case_id.user_id or self.env.user).id,
                summary=self.env._("Promise due %(date)s", date=format_date(self.env, ptp.date)),
                note=self.env._(
                    "%(customer)s promised %(amount)s for %(date)s.",
                    customer=ptp.partner_id.name,
                    amount=formatLang(self.env, ptp.amount_remaining, currency_obj=ptp.currency_id),
                    date=format_date(self.env, ptp.date)))
        self._send_reminder_notification()
        self.sudo().write({'reminded_date': today})

    def _send_reminder_notification(self):
        """Send the customers one SMS per case about its next promise, through the notification
        engine (``collection.case._send_collection_notification``): the contact policy decides,
        blocked cases get their reason, sent ones a logged action. A blocked SMS is not retried.

        Returns the engine's summary (``{}`` when the reminder template was deleted).
        """
        template = self.env.ref(REMINDER_SMS_TEMPLATE, raise_if_not_found=False)
        if not template or not self:
            return {}
        return self.case_id._send_collection_notification(template, 'sms')

    @api.model
    def _cron_send_reminders(self):
        self._send_due_reminders()
