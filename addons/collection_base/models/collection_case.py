import logging
import re

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, split_every

from ..tools.chatter import log_notes
from ..tools.phone import format_e164
from ..tools.storage import CASE_FILLFACTOR, set_fillfactor
from .res_partner import CONTACT_CHANNELS

_logger = logging.getLogger(__name__)

CASE_STAGES = [
    ('new', 'New'),
    ('in_progress', 'In Progress'),
    ('promise', 'Promise to Pay'),
    ('broken', 'Broken Promise'),
    ('dispute', 'Dispute'),
    ('paused', 'Paused'),
    ('escalated', 'Escalated'),
    ('closed', 'Closed'),
]


class CollectionCase(models.Model):
    _name = 'collection.case'
    _description = 'Collection Case'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'priority desc, next_action_date, max_dpd desc, id'
    _rec_names_search = ['name', 'partner_id.complete_name', 'partner_id.cif']
    _check_company_auto = True

    name = fields.Char(string="Case", compute='_compute_name', store=True, index='trigram', readonly=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, index=True, tracking=True, check_company=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    active = fields.Boolean(default=True)
    stage = fields.Selection(
        CASE_STAGES, required=True, default='new', tracking=True, index=True,
        group_expand='_group_expand_stage')
    priority = fields.Selection([
        ('0', 'Normal'),
        ('1', 'Medium'),
        ('2', 'High'),
        ('3', 'Urgent'),
    ], default='0', tracking=True, index=True)
    user_id = fields.Many2one(
        'res.users', string="Agent", tracking=True, index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]")
    team_id = fields.Many2one('collection.team', string="Team", tracking=True, index=True, check_company=True)
    next_action_date = fields.Date(tracking=True, index=True)
    paused_until = fields.Date(tracking=True, help="No action is expected before this date.")
    last_action_date = fields.Datetime(readonly=True)
    last_contact_date = fields.Datetime(
        readonly=True, help="Last action whose result code reached the customer.")
    last_result_code_id = fields.Many2one('collection.result.code', readonly=True)
    contact_blocked_reason = fields.Char(
        readonly=True, help="Why the last outbound contact to this customer was blocked.")
    contact_blocked_channel = fields.Selection(
        CONTACT_CHANNELS, readonly=True, help="The channel of the last blocked outbound contact.")
    contact_blocked_date = fields.Datetime(readonly=True, help="When the last outbound contact was blocked.")
    tag_ids = fields.Many2many('collection.tag', string="Tags", domain=[('applies_to', 'in', ('account', 'any'))])
    region_id = fields.Many2one(
        'res.country.state', string="Region", related='partner_id.state_id', store=True, index=True)
    phone = fields.Char(related='partner_id.phone')
    email = fields.Char(related='partner_id.email')
    contact_phone = fields.Char(
        string="Phone Number", compute='_compute_contact_phone', search='_search_contact_phone',
        help="The number to call first; searching finds any phone number of the customer, "
             "in international format or as typed.")
    loan_ids = fields.One2many('collection.loan', 'case_id', string="Loans")
    account_number = fields.Char(
        compute='_compute_account_number', search='_search_account_number',
        help="The account number of the case's first loan; searching finds the case of any of its "
             "loans, by the whole number or a part of it.")
    action_ids = fields.One2many('collection.action', 'case_id', string="Actions")
    ptp_ids = fields.One2many('collection.ptp', 'case_id', string="Promises to Pay")
    payment_ids = fields.One2many('collection.payment', 'case_id', string="Payments")
    contact_point_ids = fields.One2many(related='partner_id.contact_point_ids')
    loan_count = fields.Integer(readonly=True)
    total_outstanding = fields.Monetary(readonly=True, aggregator='sum')
    total_overdue = fields.Monetary(readonly=True, aggregator='sum')
    max_dpd = fields.Integer(string="Max DPD", readonly=True, aggregator='max')
    bucket_id = fields.Many2one('collection.bucket', readonly=True, index=True)
    strategy_id = fields.Many2one(
        'collection.strategy', string="Strategy", readonly=True, ondelete='set null',
        help="The strategy that treated this case last.")
    strategy_group = fields.Selection(
        [('champion', "Champion"), ('challenger', "Challenger")], readonly=True,
        help="The champion/challenger group of the case in its strategy; it stays the same from run to run.")
    letter_count = fields.Integer(compute='_compute_letter_count')
    next_ptp_id = fields.Many2one(
        'collection.ptp', string="Next Promise", compute='_compute_next_ptp_id',
        help="The open promise to pay that falls due first.")

    _partner_company_uniq = models.Constraint(
        'unique(partner_id, company_id)', "A customer has one collection case per company.")
    _worklist_idx = models.Index('(user_id, priority DESC, next_action_date) WHERE active')
    _team_worklist_idx = models.Index('(team_id, priority DESC, next_action_date) WHERE active')

    def _auto_init(self):
        result = super()._auto_init()
        set_fillfactor(self.env.cr, self._table, CASE_FILLFACTOR)
        return result

    @api.depends()
    def _compute_name(self):
        for case in self:
            case.name = case._format_name(case.id) if case.id else False

    @api.model
    def _format_name(self, case_id):
        return f"CASE-{case_id:07d}"

    def _compute_letter_count(self):
        counts = dict(self.env['collection.action']._read_group(
            [('case_id', 'in', self.ids), ('channel', '=', 'letter'), ('attachment_id', '!=', False)],
            ['case_id'], ['__count']))
        for case in self:
            case.letter_count = counts.get(case, 0)
    @api.depends('ptp_ids.state', 'ptp_ids.date')
    def _compute_next_ptp_id(self):
        for case in self:
            case.next_ptp_id = case.ptp_ids.filtered(lambda p: p.state == 'open').sorted('date')[:1]

    @api.model
    def _group_expand_stage(self, stages, domain):
        return [key for key, _label in CASE_STAGES]

    @api.depends('partner_id.contact_point_ids.phone_e164')
    def _compute_contact_phone(self):
        for case in self:
            case.contact_phone = case._get_primary_phone_point().value

    def _search_contact_phone(self, operator, value):
        """Cases of the customers with a phone contact point matching ``value``: a number valid in
        the company's country matches its E.164 form, anything else its digits (trigram index of
        ``phone_e164``)."""
        if operator not in ('ilike', '=', '=ilike', 'like', '=like') or not isinstance(value, str):
            return NotImplemented
        digits = re.sub(r'\D', '', value)
        if not digits:
            return Domain.FALSE
        e164 = format_e164(value, self.env.company.country_id.code)
        needle = e164[1:] if e164 else (digits.lstrip('0') or digits)
        return Domain('partner_id.contact_point_ids', 'any', [('phone_e164', 'ilike', needle)])

    @api.depends('loan_ids.name')
    def _compute_account_number(self):
        for case in self:
            case.account_number = case.loan_ids[:1].name

    def _search_account_number(self, operator, value):
        """Cases with a loan whose account number is ``value`` (btree index), or else contains it
        (trigram index). Account numbers are mostly digits, whose trigrams are so common that the
        trigram index alone takes tens of milliseconds even for a whole number."""
        if operator not in ('ilike', '=', '=ilike', 'like', '=like') or not isinstance(value, str):
            return NotImplemented
        term = value.strip()
        if not term:
            return Domain.FALSE
        if operator not in ('=', '=ilike', '=like') and \
                self.env['collection.loan'].search_count([('name', '=', term)], limit=1):
            operator = '='
        return Domain('loan_ids', 'any', [('name', operator, term)])

    @api.depends('name', 'partner_id')
    def _compute_display_name(self):
        for case in self:
            case.display_name = f"{case.name} {case.partner_id.name}" if case.partner_id else case.name

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        cases._compute_name()
        return cases

    def write(self, vals):
        if not self.env.su and {'user_id', 'team_id'} & vals.keys():
            self._check_reassign_rights(vals)
        if 'tag_ids' in vals and not self.env.su and self.env.user._is_collection_agent_only():
            with self.env['collection.tag']._refuse_lifting(self, 'tag_ids'):
                return super().write(vals)
        return super().write(vals)

    @api.model
    def _create_missing(self, pairs, locked=False, totals=False):
        """Create, set-based, the cases of the (``partner_id``, ``company_id``) pairs selected by
        ``pairs`` (SQL) that have none yet, named at once; return how many were created.

        The pairs without case are collected before the INSERT starts writing (a statement
        that fills a table must not scan it row after row), and only they draw case numbers.
        ``locked``: the caller holds an exclusive lock on the table, so no other transaction can
        add a case meanwhile and the INSERT needs no ON CONFLICT (which doubles its cost).
        ``totals``: ``pairs`` also selects the ``loan_count`` and ``total_outstanding`` of the
        active loans the caller is about to link to each new case, all of them without instalments
        due (no DPD, nothing overdue): the cases are created with the totals and the bucket that
        ``_recompute_aggregates_sql`` would give them once the loans are linked, so that the
        caller need not recompute them. Without it, the cases start at zero and without bucket.
        """
        self.env.flush_all()
        if totals:
            counts = SQL("q.loan_count, q.total_outstanding")
            initial = SQL("n.loan_count, n.total_outstanding, 0, 0, %s",
                          self.env['collection.bucket']._bucket_id_sql(SQL("0")))
        else:
            counts = SQL("0 AS loan_count, 0 AS total_outstanding")
            initial = SQL("0, 0, 0, 0, NULL::integer")
        self.env.cr.execute(SQL("""
            WITH todo AS MATERIALIZED (
                SELECT DISTINCT q.partner_id, q.company_id, p.state_id, %(counts)s
                  FROM (%(pairs)s) q
                  JOIN res_partner p ON p.id = q.partner_id
                 WHERE NOT EXISTS (SELECT 1 FROM collection_case c
                                    WHERE c.partner_id = q.partner_id AND c.company_id = q.company_id)
            )
            INSERT INTO collection_case (id, name, partner_id, company_id, region_id, stage, priority, active,
                                         loan_count, total_outstanding, total_overdue, max_dpd, bucket_id,
                                         create_uid, write_uid, create_date, write_date)
            SELECT n.id, 'CASE-' || lpad(n.id::text, 7, '0'), n.partner_id, n.company_id, n.state_id,
                   'new', '0', TRUE, %(initial)s, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (SELECT nextval('collection_case_id_seq') AS id, todo.* FROM todo) n
            %(on_conflict)s
        """, pairs=pairs, uid=self.env.uid, counts=counts, initial=initial,
            on_conflict=SQL() if locked else SQL("ON CONFLICT (partner_id, company_id) DO NOTHING")))
        created = self.env.cr.rowcount
        if created:
            self.invalidate_model()
        return created

    @api.model
    def _ensure_for_loans(self, loan_ids):
        """Create the missing cases of the obligors of ``loan_ids`` and link the loans to them.

        Set-based so that bulk loads (sync, generator) can call it on any number of loans.
        """
        if not loan_ids:
            return
        ids = tuple(loan_ids)
        self._create_missing(SQL("SELECT partner_id, company_id FROM collection_loan WHERE id IN %s", ids))
        self.env.execute_query(SQL("""
            UPDATE collection_loan l
               SET case_id = c.id
              FROM collection_case c
             WHERE l.id IN %(ids)s
               AND c.partner_id = l.partner_id AND c.company_id = l.company_id
               AND l.case_id IS DISTINCT FROM c.id
        """, ids=ids))
        self.env['collection.loan'].invalidate_model(['case_id'])
        self.invalidate_model()

    def _recompute_aggregates(self):
        self._recompute_aggregates_sql(self.ids)

    @api.model
    def _recompute_aggregates_sql(self, case_ids=None):
        """Refresh loan count, outstanding, overdue, max DPD and bucket of cases from their loans."""
        if case_ids is not None and not case_ids:
            return
        self.env.flush_all()
        scope = SQL("AND c.id IN %s", tuple(case_ids)) if case_ids is not None else SQL()
        self.env.execute_query(SQL("""
            WITH agg AS (
                SELECT c.id,
                       COUNT(l.id) AS loan_count,
                       COALESCE(SUM(l.outstanding_amount), 0) AS outstanding,
                       COALESCE(SUM(l.overdue_amount), 0) AS overdue,
                       COALESCE(MAX(l.dpd), 0) AS max_dpd
                  FROM collection_case c
             LEFT JOIN collection_loan l ON l.case_id = c.id AND l.state = 'active'
                 WHERE TRUE %(scope)s
              GROUP BY c.id
            )
            UPDATE collection_case c
               SET loan_count = agg.loan_count,
                   total_outstanding = agg.outstanding,
                   total_overdue = agg.overdue,
                   max_dpd = agg.max_dpd,
                   bucket_id = %(bucket)s
              FROM agg
             WHERE c.id = agg.id
               AND (c.loan_count IS DISTINCT FROM agg.loan_count
                    OR c.total_outstanding IS DISTINCT FROM agg.outstanding
                    OR c.total_overdue IS DISTINCT FROM agg.overdue
                    OR c.max_dpd IS DISTINCT FROM agg.max_dpd
                    OR c.bucket_id IS NULL)
        """, scope=scope, bucket=self.env['collection.bucket']._bucket_id_sql(SQL("agg.max_dpd"))))
        self.invalidate_model(['loan_count', 'total_outstanding', 'total_overdue', 'max_dpd', 'bucket_id'])

    @api.model
    def _resume_paused_cases(self, today=None):
        """Move the paused cases whose pause has ended (``paused_until`` today or before) back to
        *In Progress*, due for an action today when none is planned: one UPDATE, then one note per
        case with the tracked changes. A case paused without an end date stays paused.

        Returns the number of cases resumed.
        """
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        rows = self.env.execute_query(SQL("""
            UPDATE collection_case c
               SET stage = 'in_progress', paused_until = NULL,
                   next_action_date = COALESCE(c.next_action_date, %(today)s),
                   write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
              FROM collection_case old
             WHERE old.id = c.id AND c.stage = 'paused' AND c.paused_until <= %(today)s
         RETURNING c.id, old.paused_until, old.next_action_date
        """, today=today, uid=self.env.uid))
        self.invalidate_model(['stage', 'paused_until', 'next_action_date', 'write_uid', 'write_date'])
        body = self.env._("The pause has ended: the case is back in progress.")
        entries = []
        for case_id, paused_until, next_action_date in rows:
            tracking = {'stage': ('paused', 'in_progress'), 'paused_until': (paused_until, False)}
            if not next_action_date:
                tracking['next_action_date'] = (False, today)
            entries.append((case_id, body, tracking))
        log_notes(self, entries)
        _logger.info("Resumed %s paused cases whose pause ended by %s", len(rows), today)
        return len(rows)

    def _filter_reassignable(self, team=None):
        """Return the cases of ``self`` the current user may reassign (into ``team`` if given).

        Managers reassign any case they can write; supervisors the cases of the teams they
        supervise, and only into such a team; agents none. Record rules still apply on top.
        """
        user = self.env.user
        if self.env.su or user.has_group('collection_base.collection_base_group_manager'):
            return self
        if not user.has_group('collection_base.collection_base_group_supervisor'):
            return self.browse()
        if team and team.supervisor_id != user:
            return self.browse()
        return self.filtered(lambda case: case.team_id.supervisor_id == user)

    def _check_reassign_rights(self, vals):
        """Raise an AccessError when the current user may not apply the agent/team of ``vals``."""
        changing = self.filtered(lambda case: (
            ('user_id' in vals and case.user_id.id != (vals['user_id'] or False))
            or ('team_id' in vals and case.team_id.id != (vals['team_id'] or False))))
        team = self.env['collection.team'].browse(vals.get('team_id') or [])
        denied = changing - changing._filter_reassignable(team or None)
        if denied:
            raise AccessError(self.env._(
                "You may not reassign %(cases)s: only managers, and supervisors within the teams "
                "they supervise, can change the agent or team of a case.",
                cases=", ".join(denied[:5].mapped('display_name')) + (" ..." if len(denied) > 5 else "")))

    def _get_primary_phone_point(self):
        """The contact point to call or text first: primary, then verified, then any contactable."""
        self.ensure_one()
        points = self.partner_id.contact_point_ids.filtered(
            lambda p: p.kind in ('mobile', 'phone') and p._is_contactable())
        return points.sorted(lambda p: (not p.is_primary, p.state != 'verified', p.sequence))[:1]

    def action_log_action(self):
        """Open the follow-up form that records an action (and its PTP) in one step."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Log an Action"),
            'res_model': 'collection.action.log',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_case_id': self.id},
        }

    def action_assign_to_me(self):
        self.write({'user_id': self.env.uid})

    def action_view_letters(self):
        """The letters printed for this case (the PDFs attached by letter actions)."""
        self.ensure_one()
        letters = self.env['collection.action'].search([
            ('case_id', '=', self.id), ('channel', '=', 'letter'), ('attachment_id', '!=', False),
        ]).attachment_id
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Letters"),
            'res_model': 'ir.attachment',
            'view_mode': 'kanban,list,form',
            'domain': [('id', 'in', letters.ids)],
            'context': {'create': False},
        }

    # ------------------------------------------------------------------
    # Outbound contact: compliance and notifications (readme/COMPLIANCE.md,
    # readme/NOTIFICATIONS.md)
    # ------------------------------------------------------------------

    def _check_outbound_contact(self, channel, contact_point=None):
        """Ask the contact policy before an agent contacts this case; raise when blocked.

        A blocked contact is recorded on the case (``contact_blocked_reason``) in its own
        transaction, so that the case keeps showing why although the UserError rolls the
        request back.

        :return: the contact point the contact may use (empty when the channel has none)
        """
        self.ensure_one()
        verdict = self.env['collection.contact.policy']._evaluate_contact(
            self, channel, contact_point=contact_point)[self.id]
        if verdict.reason:
            self._record_contact_blocked(channel, {self.id: verdict.reason}, isolated=True)
            raise UserError(self.env._(
                "Contact with %(case)s by %(channel)s is blocked: %(reason)s.",
                case=self.display_name,
                channel=self._get_channel_label(channel), reason=verdict.reason))
        return self.env['collection.contact.point'].browse(verdict.point_id)

    @api.model
    def _get_channel_label(self, channel):
        return dict(self._fields['contact_blocked_channel']._description_selection(self.env)).get(channel, channel)

    @api.model
    def _record_contact_blocked(self, channel, reasons, isolated=False):
        """Write why contacts were blocked on the cases, set-based.

        :param reasons: ``{case_id: reason}``
        :param isolated: write it in a transaction of its own, for a caller about to raise
            (the request's transaction is rolled back); rows that the request itself holds
            are written in the request's transaction instead, which the rollback undoes
        """
        if not reasons:
            return
        if isolated:
            written = set()
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute(self._contact_blocked_update_sql(channel, reasons, skip_locked=True))
                    written = {case_id for (case_id,) in cr.fetchall()}
            except psycopg2.Error:
                _logger.info("Could not record the blocked contact of cases %s separately", list(reasons))
            reasons = {case_id: reason for case_id, reason in reasons.items() if case_id not in written}
        if reasons:
            self.env.execute_query(self._contact_blocked_update_sql(channel, reasons))
        self.invalidate_model(['contact_blocked_reason', 'contact_blocked_channel', 'contact_blocked_date'])

    @api.model
    def _contact_blocked_update_sql(self, channel, reasons, skip_locked=False):
        return SQL("""
            UPDATE collection_case c
               SET contact_blocked_reason = v.reason,
                   contact_blocked_channel = %(channel)s,
                   contact_blocked_date = %(now)s
              FROM unnest(%(ids)s::int[], %(reasons)s::varchar[]) AS v(id, reason)
             WHERE c.id = v.id %(lock)s
         RETURNING c.id
        """, channel=channel, now=fields.Datetime.now(), ids=list(reasons), reasons=list(reasons.values()),
            lock=SQL("AND c.id IN (SELECT id FROM collection_case WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED)",
                     list(reasons)) if skip_locked else SQL())

    def _clear_contact_blocked(self):
        """Forget the last blocked contact of cases that were just contacted."""
        if not self:
            return
        self.env.execute_query(SQL("""
            UPDATE collection_case
               SET contact_blocked_reason = NULL, contact_blocked_channel = NULL, contact_blocked_date = NULL
             WHERE id = ANY(%s) AND contact_blocked_reason IS NOT NULL
        """, self.ids))
        self.invalidate_recordset(['contact_blocked_reason', 'contact_blocked_channel', 'contact_blocked_date'])

    def action_call(self):
        """Click-to-dial: check the call policy, then dial the best phone through ``tel:``.

        The call's outcome is logged afterwards with "Log Action", which is not checked.
        """
        self.ensure_one()
        point = self._check_outbound_contact('call', self._get_primary_phone_point() or None)
        return {'type': 'ir.actions.act_url', 'url': f'tel:{point.phone_e164}', 'target': 'self'}

    def action_send_sms(self):
        """Open Odoo's SMS composer on the case, once the SMS policy allows it."""
        self.ensure_one()
        self._check_outbound_contact('sms', self._get_primary_phone_point() or None)
        template = self.env.ref(
            'collection_base.collection_sms_template_ptp_reminder' if self.next_ptp_id
            else 'collection_base.collection_sms_template_overdue', raise_if_not_found=False)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Send SMS"),
            'res_model': 'sms.composer',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {
                'default_res_model': self._name,
                'default_res_id': self.id,
                'default_composition_mode': 'comment',
                'default_template_id': template.id if template else False,
            },
        }

    def action_send_email(self):
        """Open Odoo's mail composer on the case, once the email policy allows it."""
        self.ensure_one()
        self._check_outbound_contact('email')
        template = self.env.ref('collection_base.collection_mail_template_overdue_notice', raise_if_not_found=False)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Send Email"),
            'res_model': 'mail.compose.message',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {
                'default_model': self._name,
                'default_res_ids': self.ids,
                'default_composition_mode': 'comment',
                'default_template_id': template.id if template else False,
                'default_email_layout_xmlid': 'mail.mail_notification_layout',
            },
        }

    def _sms_get_recipients_info(self, force_field=False, partner_fallback=True):
        """SMS go to the case's best phone contact point, in E.164."""
        if force_field:
            return super()._sms_get_recipients_info(force_field=force_field, partner_fallback=partner_fallback)
        points = self.env['collection.contact.policy']._get_contactable_phone_points(self)
        result = {}
        for case in self:
            point = points.get(case.id)
            result[case.id] = {
                'partner': case.partner_id,
                'sanitized': point['phone_e164'] if point else False,
                'number': point['phone_e164'] if point else False,
                'partner_store': False,
                'field_store': False,
            }
        return result

    def _send_collection_notification(self, template, channel):
        """Send ``template`` to every case of ``self`` that the contact policy allows.

        For strategies and other bulk senders: compliance is checked for all cases at once,
        blocked cases get their reason on ``contact_blocked_reason``, allowed ones get the
        message (SMS queued as ``sms.sms``, email queued as ``mail.mail``) and one posted
        ``collection.action`` with result "Sent".

        :param template: an ``sms.template`` (channel 'sms') or ``mail.template``
            (channel 'email') on ``collection.case``
        :param channel: 'sms' or 'email'
        :return: ``{'sent': int, 'blocked': {rule summary: int}}``
        """
        expected = self._get_collection_notification_template_models()
        template.ensure_one()
        if channel not in expected:
            raise UserError(self.env._(
                "Notifications by %(channel)s are not supported; use SMS or email.", channel=channel))
        if template._name != expected[channel] or template.model != self._name:
            raise UserError(self.env._(
                "Template %(template)s cannot be sent by %(channel)s on collection cases.",
                template=template.display_name, channel=self._get_channel_label(channel)))
        return self._collection_notify(channel, template=template)

    @api.model
    def _get_collection_notification_template_models(self):
        """``{channel: template model}`` of the channels ``_send_collection_notification``
        sends; another addon adds a channel here and a ``_collection_send_<channel>`` method."""
        return {'sms': 'sms.template', 'email': 'mail.template'}

    def _collection_notify(self, channel, template=None, body=None, force_send=False):
        """Check, send, log and count; see :meth:`_send_collection_notification`.

        ``body`` (SMS only) replaces the template's text, as typed in the SMS composer.
        """
        Policy = self.env['collection.contact.policy']
        verdicts = Policy._evaluate_contact(self, channel)
        blocked = {case_id: verdict for case_id, verdict in verdicts.items() if verdict.reason}
        allowed = self.browse([case_id for case_id, verdict in verdicts.items() if not verdict.reason])
        sender = getattr(allowed, f'_collection_send_{channel}')
        sent_ids, failures = sender(template=template, body=body, force_send=force_send)
        reasons = {case_id: verdict.reason for case_id, verdict in blocked.items()}
        reasons.update(failures)
        self._record_contact_blocked(channel, reasons)
        sent = self.browse(sent_ids)
        note = template.name if template else body
        sent._log_collection_notifications(channel, {case_id: verdicts[case_id].point_id for case_id in sent_ids}, note)
        counts = {}
        labels = Policy._get_rule_labels()
        for verdict in blocked.values():
            label = labels.get(verdict.rule, verdict.rule)
            counts[label] = counts.get(label, 0) + 1
        for reason in failures.values():
            counts[reason] = counts.get(reason, 0) + 1
        return {'sent': len(sent_ids), 'blocked': counts}

    def _collection_send_sms(self, template=None, body=None, force_send=False):
        """Send one SMS per case through Odoo's SMS composer in mass mode.

        :return: (ids of the cases texted, ``{case_id: reason}`` of those Odoo refused)
        """
        if not self:
            return [], {}
        use_template = template if template and (not body or body == template.body) else False
        sms_all = self.with_context(collection_contact_checked=True)._message_sms_schedule_mass(
            body='' if use_template else body, template=use_template,
            mass_keep_log=True, mass_force_send=force_send)
        failure_labels = dict(self.env['sms.sms']._fields['failure_type']._description_selection(self.env))
        sent_ids, failures = [], {}
        for sms in sms_all.sudo():
            case_id = sms.mail_message_id.res_id
            if sms.state in ('error', 'canceled'):
                failures[case_id] = self.env._(
                    "SMS not sent: %(reason)s", reason=failure_labels.get(sms.failure_type, sms.failure_type or ''))
            else:
                sent_ids.append(case_id)
        return sent_ids, failures

    def _collection_send_email(self, template=None, body=None, force_send=False):
        """Queue one email per case from ``template`` (``mail.mail``, sent by the mail queue).

        :return: (ids of the cases emailed, ``{}``)
        """
        if not self:
            return [], {}
        mails = template.send_mail_batch(self.ids, force_send=force_send)
        return [mail.res_id for mail in mails], {}

    def _log_collection_notifications(self, channel, points, note):
        """One posted action with result "Sent" per case of ``self``.

        :param points: ``{case_id: contact point id or False}``
        """
        if not self:
            return
        action_type = self.env.ref(f'collection_base.collection_action_type_{channel}')
        code = self.env.ref('collection_base.collection_result_code_sent')
        now = fields.Datetime.now()
        values = [{
            'case_id': case.id,
            'action_type_id': action_type.id,
            'result_code_id': code.id,
            'contact_point_id': points.get(case.id) or False,
            'note': note,
            'date': now,
            'user_id': self.env.uid,
            'state': 'posted',
        } for case in self]
        Action = self.env['collection.action'].sudo()
        for batch in split_every(1000, values, list):
            Action.create(batch)
        self._clear_contact_blocked()
