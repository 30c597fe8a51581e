from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = 'res.company'

    # Promise-to-pay policy (see readme/PROMISES.md); 0 disables a limit.
    collection_ptp_grace_days = fields.Integer(
        string="PTP Grace Days", default=2,
        help="Days after the promised date before an unpaid promise counts as broken.")
    collection_ptp_max_days = fields.Integer(
        string="PTP Latest Date (days ahead)", default=30,
        help="A promise may fall due at most this many days after the day it is made.")
    collection_ptp_plan_max_days = fields.Integer(
        string="Plan Latest Date (days ahead)", default=180,
        help="The last promise of a payment plan may fall due at most this many days after the day "
             "the plan is made.")
    collection_ptp_min_percent = fields.Float(
        string="PTP Minimum Share of Overdue (%)", default=10.0,
        help="A promise (or a plan's total) must cover at least this share of the overdue amount: "
             "the loan's when the promise names a loan, the case's otherwise.")
    collection_ptp_max_per_period = fields.Integer(
        string="PTP Maximum per 30 Days", default=3,
        help="At most this many promises (a plan counts as one) may be made on a case within 30 days.")
    collection_ptp_broken_limit = fields.Integer(
        string="Broken Promises Before Approval", default=2,
        help="When a case has this many broken promises in the period below, a new promise waits for "
             "a supervisor's approval.")
    collection_ptp_broken_period_days = fields.Integer(
        string="Broken Promises Period (days)", default=90)
    collection_ptp_reminder_days = fields.Integer(
        string="PTP Reminder (days before)", default=1,
        help="This many days before a promise falls due, its agent gets a reminder activity and the "
             "customer a reminder message.")

    @api.model
    def _get_collection_policy_fields(self):
        """The fields of the *Collection Policy* form: collection administrators change them
        without the rights on companies (Settings stays for system administrators). Addons add
        the company fields of their own policies."""
        return [
            'collection_ptp_grace_days', 'collection_ptp_max_days', 'collection_ptp_plan_max_days',
            'collection_ptp_min_percent', 'collection_ptp_max_per_period', 'collection_ptp_broken_limit',
            'collection_ptp_broken_period_days', 'collection_ptp_reminder_days',
        ]

    @api.constrains(
        'collection_ptp_grace_days', 'collection_ptp_max_days', 'collection_ptp_plan_max_days',
        'collection_ptp_min_percent', 'collection_ptp_max_per_period', 'collection_ptp_broken_limit',
        'collection_ptp_broken_period_days', 'collection_ptp_reminder_days')
    def _check_collection_ptp_policy(self):
        for company in self:
            numbers = [
                company.collection_ptp_grace_days, company.collection_ptp_max_days,
                company.collection_ptp_plan_max_days, company.collection_ptp_max_per_period,
                company.collection_ptp_broken_limit, company.collection_ptp_broken_period_days,
                company.collection_ptp_reminder_days,
            ]
            if any(number < 0 for number in numbers):
                raise ValidationError(self.env._(
                    "The promise-to-pay policy of %(company)s cannot have negative days or counts.",
                    company=company.name))
            if not 0 <= company.collection_ptp_min_percent <= 100:
                raise ValidationError(self.env._(
                    "The minimum share of the overdue amount of %(company)s must be between 0 and 100%%.",
                    company=company.name))

    def write(self, vals):
        if (vals and not self.env.su and set(vals) <= set(self._get_collection_policy_fields())
                and self.env.user.has_group('collection_base.collection_base_group_admin')):
            # policy fields only, on companies the user may read (record rules): as res.users does
            # for the fields users may change on themselves, write them as the superuser
            self.check_access('read')
            return super(ResCompany, self.sudo()).write(vals)
        return super().write(vals)

    @api.model
    def action_open_collection_policy(self):
        """The collection policy of the current company."""
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Collection Policy"),
            'res_model': 'res.company',
            'res_id': self.env.company.id,
            'view_mode': 'form',
            'views': [(self.env.ref('collection_base.res_company_view_form_collection_policy').id, 'form')],
            'target': 'current',
        }
