"""The compliance engine: may this case be contacted through this channel now?

Public API (other parts of the suite call these, see readme/COMPLIANCE.md)::

    Policy = env['collection.contact.policy']
    check = Policy._check_contact(case, 'sms', contact_point=None, at=None)
    check.allowed, check.reason          # (bool, str); bool(check) == check.allowed
    Policy._check_contact_batch(cases, 'sms', at=None)   # {case_id: reason or False}

Both run the same set-based evaluation (a handful of SQL queries per 20,000 cases), so a
single check and a batch check always agree.
"""
from collections import namedtuple
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date, split_every
from odoo.tools.translate import LazyTranslate

from .res_partner import CONTACT_CHANNELS

_lt = LazyTranslate(__name__)

# "daily <adjective> cap", "<noun> is not allowed" -- per channel, translatable.
CHANNEL_ADJECTIVES = {
    'call': _lt("call"),
    'sms': _lt("SMS"),
    'email': _lt("email"),
    'whatsapp': _lt("WhatsApp"),
    'letter': _lt("letter"),
    'visit': _lt("visit"),
}
CHANNEL_NOUNS = {
    'call': _lt("calls"),
    'sms': _lt("SMS"),
    'email': _lt("email"),
    'whatsapp': _lt("WhatsApp"),
    'letter': _lt("letters"),
    'visit': _lt("visits"),
}
PHONE_CHANNELS = ('call', 'sms', 'whatsapp')
WEEKDAY_FIELDS = ('allow_monday', 'allow_tuesday', 'allow_wednesday', 'allow_thursday',
                  'allow_friday', 'allow_saturday', 'allow_sunday')
BATCH_SIZE = 20000


class ContactCheck(namedtuple('ContactCheck', ['allowed', 'reason'])):
    """Result of :meth:`CollectionContactPolicy._check_contact`: ``(allowed, reason)``.

    ``reason`` is empty when the contact is allowed. The tuple is truthy only when allowed,
    so ``if Policy._check_contact(...):`` reads naturally.
    """
    __slots__ = ()

    def __bool__(self):
        return bool(self.allowed)


# Internal verdict of one case: ``rule`` is a stable code (for run summaries), ``reason``
# the translated sentence, ``point_id`` the contact point the contact would use.
Verdict = namedtuple('Verdict', ['rule', 'reason', 'point_id'])


class CollectionContactPolicy(models.Model):
    _name = 'collection.contact.policy'
    _description = 'Contact Policy'
    _order = 'company_id, sequence, channel'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    channel = fields.Selection(CONTACT_CHANNELS, required=True)
    company_id = fields.Many2one(
        'res.company', index=True,
        help="Leave empty for the policy that applies to every company without its own.")
    hour_from = fields.Float(
        string="Allowed From", default=8.0,
        help="Earliest hour of contact, in the customer's time zone.")
    hour_to = fields.Float(
        string="Allowed Until", default=20.0,
        help="Contact must happen before this hour, in the customer's time zone. 0 to 24 means at any time.")
    allow_monday = fields.Boolean(string="Monday", default=True)
    allow_tuesday = fields.Boolean(string="Tuesday", default=True)
    allow_wednesday = fields.Boolean(string="Wednesday", default=True)
    allow_thursday = fields.Boolean(string="Thursday", default=True)
    allow_friday = fields.Boolean(string="Friday", default=True)
    allow_saturday = fields.Boolean(string="Saturday", default=True)
    allow_sunday = fields.Boolean(string="Sunday", default=False)
    max_per_day = fields.Integer(
        string="Daily Cap",
        help="Most outbound contacts of this channel per customer and calendar day (customer's time zone). 0: no cap.")
    max_per_week = fields.Integer(
        string="7-Day Cap",
        help="Most outbound contacts of this channel per customer over the last 7 days. 0: no cap.")
    requires_consent = fields.Boolean(
        default=True, help="Only customers who consent to this channel are contacted through it.")
    dispute_cooling_days = fields.Integer(
        string="Dispute Cooling-off (days)", default=14,
        help="Days without contact after an action whose result is a dispute.")
    note = fields.Html(string="Legal Basis", help="The regulation or internal rule this policy implements.")

    _channel_company_uniq = models.UniqueIndex(
        '(channel, COALESCE(company_id, 0)) WHERE active',
        "There is already an active contact policy for this channel and company.")

    @api.constrains('hour_from', 'hour_to', 'max_per_day', 'max_per_week', 'dispute_cooling_days')
    def _check_values(self):
        for policy in self:
            if not 0 <= policy.hour_from < policy.hour_to <= 24:
                raise ValidationError(self.env._(
                    "Contact policy %(policy)s: the allowed hours must run from 00:00 to 24:00 at most "
                    "and start before they end.", policy=policy.display_name))
            if min(policy.max_per_day, policy.max_per_week, policy.dispute_cooling_days) < 0:
                raise ValidationError(self.env._(
                    "Contact policy %(policy)s: caps and cooling-off days cannot be negative.",
                    policy=policy.display_name))

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    @api.model
    def _check_contact(self, case, channel, contact_point=None, at=None):
        """May ``case`` be contacted through ``channel`` at ``at``?

        :param case: one ``collection.case``
        :param channel: 'call', 'sms', 'email', 'whatsapp', 'letter' or 'visit' ('note' is
            always allowed: it contacts nobody)
        :param contact_point: the ``collection.contact.point`` to use; by default the case's
            best phone (call, SMS, WhatsApp) or the customer's email address (email)
        :param at: naive UTC datetime of the contact, default now
        :return: :class:`ContactCheck` ``(allowed, reason)``; the reason names the rule
        """
        case.ensure_one()
        verdict = self._evaluate_contact(case, channel, at=at, contact_point=contact_point)[case.id]
        return ContactCheck(not verdict.reason, verdict.reason or '')

    @api.model
    def _check_contact_batch(self, cases, channel, at=None):
        """Batch variant of :meth:`_check_contact` for strategy runs.

        :return: ``{case_id: reason}`` for every case, the reason being ``False`` when allowed
        """
        return {case_id: verdict.reason or False
                for case_id, verdict in self._evaluate_contact(cases, channel, at=at).items()}

    @api.model
    def _get_contactable_phone_points(self, cases):
        """``{case_id: {'id', 'phone_e164', ...}}``: the phone each case may be called or
        texted on, for the cases that have one (set-based; same choice as the checks)."""
        self.env.flush_all()
        evaluation = _Evaluation(self, 'sms', fields.Datetime.now())
        points = {}
        for ids in split_every(BATCH_SIZE, cases.ids, list):
            points.update(self._query_best_phone_points(ids, evaluation))
        return {case_id: point for case_id, point in points.items() if point['contactable']}

    @api.model
    def _get_rule_labels(self):
        """Short, case-independent labels of the rules, to count blocked contacts by rule."""
        _ = self.env._
        return {
            'customer_dnc': _("customer marked do not contact"),
            'tag': _("account tag blocks contact"),
            'dispute': _("dispute"),
            'paused': _("case paused"),
            'consent': _("no consent"),
            'no_phone': _("no phone number that may be contacted"),
            'no_email': _("no email address"),
            'foreign_point': _("contact point of another customer"),
            'invalid_point': _("contact point no longer valid"),
            'point_dnc': _("contact point marked do not contact"),
            'wrong_number': _("wrong number"),
            'point_tag': _("contact point tag blocks contact"),
            'weekday': _("day not allowed"),
            'hours': _("outside allowed hours"),
            'cap_day': _("daily cap reached"),
            'cap_week': _("7-day cap reached"),
            'missing': _("case deleted"),
        }

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    @api.model
    def _evaluate_contact(self, cases, channel, at=None, contact_point=None):
        """``{case_id: Verdict}`` for ``cases``; set-based, a few queries per batch of cases."""
        if channel == 'note':
            return {case_id: Verdict(False, False, False) for case_id in cases.ids}
        if channel not in CHANNEL_NOUNS:
            raise ValueError(f"Unknown contact channel {channel!r}")
        self.env.flush_all()
        evaluation = _Evaluation(self, channel, at or fields.Datetime.now(), contact_point)
        result = {}
        for ids in split_every(BATCH_SIZE, cases.ids, list):
            result.update(self._evaluate_chunk(ids, evaluation))
        return result

    @api.model
    def _get_blocking_tag_ids(self):
        return tuple(self.env['collection.tag'].sudo().search([('is_contact_blocked', '=', True)]).ids)

    @api.model
    def _get_policy_values(self, channel):
        """``{company_id or False: values}`` of the active policies of ``channel``, as plain
        dicts (the evaluation loop reads no ORM field)."""
        result = {}
        for policy in self.sudo().search([('channel', '=', channel)]):
            result[policy.company_id.id] = {
                'hour_from': policy.hour_from,
                'hour_to': policy.hour_to,
                'hours': f"{self._format_hour(policy.hour_from)}-{self._format_hour(policy.hour_to)}",
                'weekdays': tuple(policy[fname] for fname in WEEKDAY_FIELDS),
                'max_per_day': policy.max_per_day,
                'max_per_week': policy.max_per_week,
                'requires_consent': policy.requires_consent,
                'dispute_cooling_days': policy.dispute_cooling_days,
            }
        return result

    @api.model
    def _get_reason_templates(self):
        """The reasons, translated once per evaluation and formatted per case."""
        _ = self.env._
        return {
            'customer_dnc': _("customer %(customer)s is marked do not contact"),
            'tag': _("the account is tagged %(tag)s, which blocks contact"),
            'dispute_stage': _("the case is in dispute"),
            'dispute': _("dispute cooling-off until %(date)s"),
            'paused_until': _("the case is paused until %(date)s"),
            'paused': _("the case is paused"),
            'consent': _("no consent to %(channel)s"),
            'no_email': _("customer %(customer)s has no email address"),
            'no_phone': _("no phone number that may be contacted"),
            'foreign_point': _("%(point)s is not a contact point of this customer"),
            'invalid_point': _("%(point)s is no longer valid"),
            'point_dnc': _("%(point)s is marked do not contact"),
            'wrong_number': _("%(point)s is a wrong number"),
            'point_tag': _("%(point)s is tagged %(tag)s, which blocks contact"),
            'not_phone': _("%(point)s is not a phone number"),
            'weekday': _("%(day)s is not an allowed day for %(channel)s in %(tz)s"),
            'hours': _("outside allowed hours %(hours)s in %(tz)s"),
            'cap_day': _("daily %(channel)s cap of %(cap)s reached"),
            'cap_week': _("7-day %(channel)s cap of %(cap)s reached"),
            'missing': _("the case no longer exists"),
            'phone': _("phone %(value)s"),
            'email': _("email %(value)s"),
            'address': _("address %(value)s"),
        }

    def _evaluate_chunk(self, ids, evaluation):
        channel, at = evaluation.channel, evaluation.at
        rows = self.env.execute_query_dict(SQL("""
            SELECT c.id, c.company_id, c.partner_id, c.stage, c.paused_until,
                   p.name AS partner_name, p.tz, pc.code AS country_code, p.email,
                   COALESCE(p.is_do_not_contact, FALSE) AS is_do_not_contact,
                   COALESCE(p.%(consent)s, FALSE) AS consent,
                   company_partner.tz AS company_tz
              FROM collection_case c
              JOIN res_partner p ON p.id = c.partner_id
         LEFT JOIN res_country pc ON pc.id = p.country_id
              JOIN res_company co ON co.id = c.company_id
              JOIN res_partner company_partner ON company_partner.id = co.partner_id
             WHERE c.id = ANY(%(ids)s)
        """, consent=SQL.identifier(f'consent_{channel}'), ids=ids))
        cases = {row['id']: row for row in rows}
        policies = evaluation.policies
        for row in rows:
            row['policy'] = policies.get(row['company_id']) or policies.get(False)
            row['tz'] = evaluation.resolve_tz(row['tz'], row['country_code'], row['company_tz'])
        tags = self._query_blocking_tags(ids, evaluation.blocking_tag_ids)
        disputes = self._query_last_disputes(ids, at, [row['policy'] for row in rows])
        counts = self._query_contact_counts(rows, channel, at, evaluation)
        contact_point = evaluation.contact_point
        if contact_point:
            point = self._point_values(contact_point, evaluation)
            points = {row['id']: dict(point, foreign=contact_point.partner_id.id != row['partner_id'])
                      for row in rows}
        elif channel in PHONE_CHANNELS:
            points = self._query_best_phone_points(ids, evaluation)
        elif channel == 'email':
            points = self._query_email_points(ids, evaluation)
        else:
            points = {}
        tag_names = evaluation.tag_names(tags.values())
        result = {}
        for case_id in ids:
            row = cases.get(case_id)
            if row is None:  # deleted meanwhile
                result[case_id] = Verdict('missing', evaluation.messages['missing'], False)
                continue
            result[case_id] = self._decide(
                evaluation, row, tag_names.get(tags.get(case_id)), disputes.get(case_id),
                counts.get(case_id, (0, 0)), points.get(case_id))
        return result

    def _decide(self, evaluation, row, blocking_tag, last_dispute, counts, point):
        """The first rule that blocks, as a Verdict, or an allowing Verdict. Plain Python."""
        messages = evaluation.messages
        channel, at = evaluation.channel, evaluation.at
        policy = row['policy']
        tz = row['tz']
        local = evaluation.local_time(tz)
        point_id = point['id'] if point else False

        def block(rule, message, **values):
            return Verdict(rule, messages[message] % values if values else messages[message], point_id)

        if row['is_do_not_contact']:
            return block('customer_dnc', 'customer_dnc', customer=row['partner_name'])
        if blocking_tag:
            return block('tag', 'tag', tag=blocking_tag)
        if row['stage'] == 'dispute':
            return block('dispute', 'dispute_stage')
        if last_dispute and policy and policy['dispute_cooling_days']:
            until = last_dispute + timedelta(days=policy['dispute_cooling_days'])
            if at < until:
                until_local = pytz.utc.localize(until).astimezone(evaluation.zone(tz)).date()
                return block('dispute', 'dispute', date=evaluation.format_date(until_local))
        paused_until = row['paused_until']
        if paused_until and paused_until > local.date():
            return block('paused', 'paused_until', date=evaluation.format_date(paused_until))
        if row['stage'] == 'paused' and not paused_until:
            return block('paused', 'paused')
        if (not policy or policy['requires_consent']) and not row['consent']:
            return block('consent', 'consent', channel=evaluation.noun)
        if channel in PHONE_CHANNELS or evaluation.contact_point:
            verdict = self._decide_point(evaluation, point)
            if verdict:
                return verdict
        elif channel == 'email':
            if not row['email']:
                return block('no_email', 'no_email', customer=row['partner_name'])
            if point and not point['contactable']:
                return self._decide_point(evaluation, point)
        if not policy:
            return Verdict(False, False, point_id)
        if not policy['weekdays'][local.weekday()]:
            return block('weekday', 'weekday', day=evaluation.format_date(local.date(), 'EEEE'),
                         channel=evaluation.noun, tz=tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        if not policy['hour_from'] <= hour < policy['hour_to']:
            return block('hours', 'hours', hours=policy['hours'], tz=tz)
        today_count, week_count = counts
        if policy['max_per_day'] and today_count >= policy['max_per_day']:
            return block('cap_day', 'cap_day', channel=evaluation.adjective, cap=policy['max_per_day'])
        if policy['max_per_week'] and week_count >= policy['max_per_week']:
            return block('cap_week', 'cap_week', channel=evaluation.adjective, cap=policy['max_per_week'])
        return Verdict(False, False, point_id)

    def _decide_point(self, evaluation, point):
        """A blocking Verdict for the contact point, or None when it may be used."""
        messages = evaluation.messages
        if not point:
            if evaluation.channel in PHONE_CHANNELS:
                return Verdict('no_phone', messages['no_phone'], False)
            return None
        label = point['label']
        for rule, blocked in (
            ('foreign_point', point.get('foreign')),
            ('invalid_point', not point['active'] or point['state'] == 'invalid'),
            ('point_dnc', point['is_do_not_call']),
            ('wrong_number', point['state'] == 'wrong_number'),
            ('point_tag', point['tag_name']),
            ('not_phone', evaluation.channel in PHONE_CHANNELS and point['kind'] not in ('mobile', 'phone')),
        ):
            if blocked:
                return Verdict('no_phone' if rule == 'not_phone' else rule,
                               messages[rule] % {'point': label, 'tag': point['tag_name']}, point['id'])
        return None

    @api.model
    def _format_hour(self, value):
        minutes = round(value * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    # ------------------------------------------------------------------
    # Queries (each one statement for a whole batch of cases)
    # ------------------------------------------------------------------

    def _query_blocking_tags(self, ids, blocking_tag_ids):
        """``{case_id: tag_id}`` of a contact-blocking tag on the case or on its customer."""
        if not blocking_tag_ids:
            return {}
        case_tags = self.env['collection.case']._fields['tag_ids']
        partner_tags = self.env['res.partner']._fields['collection_tag_ids']
        rows = self.env.execute_query(SQL("""
            SELECT x.case_id, MIN(x.tag_id)
              FROM (SELECT r.%(case_col)s AS case_id, r.%(case_tag_col)s AS tag_id
                      FROM %(case_rel)s r
                     WHERE r.%(case_col)s = ANY(%(ids)s)
                     UNION ALL
                    SELECT c.id, r.%(partner_tag_col)s
                      FROM collection_case c
                      JOIN %(partner_rel)s r ON r.%(partner_col)s = c.partner_id
                     WHERE c.id = ANY(%(ids)s)) x
             WHERE x.tag_id IN %(tag_ids)s
          GROUP BY x.case_id
        """, case_rel=SQL.identifier(case_tags.relation), case_col=SQL.identifier(case_tags.column1),
            case_tag_col=SQL.identifier(case_tags.column2),
            partner_rel=SQL.identifier(partner_tags.relation), partner_col=SQL.identifier(partner_tags.column1),
            partner_tag_col=SQL.identifier(partner_tags.column2), ids=ids, tag_ids=blocking_tag_ids))
        return dict(rows)

    def _query_last_disputes(self, ids, at, policies):
        """``{case_id: date}`` of the last posted dispute action within the longest cooling-off."""
        days = max((policy['dispute_cooling_days'] for policy in policies if policy), default=0)
        if not days:
            return {}
        rows = self.env.execute_query(SQL("""
            SELECT a.case_id, MAX(a.date)
              FROM collection_action a
             WHERE a.case_id = ANY(%(ids)s)
               AND a.state = 'posted' AND a.result_category = 'dispute'
               AND a.date > %(since)s AND a.date <= %(at)s
          GROUP BY a.case_id
        """, ids=ids, since=at - timedelta(days=days), at=at))
        return dict(rows)

    def _query_contact_counts(self, rows, channel, at, evaluation):
        """``{case_id: (today, last 7 days)}``: posted outbound actions of ``channel`` before ``at``.

        "Today" starts at midnight in each customer's time zone.
        """
        capped = [row for row in rows
                  if row['policy'] and (row['policy']['max_per_day'] or row['policy']['max_per_week'])]
        if not capped:
            return {}
        result = self.env.execute_query(SQL("""
            SELECT s.case_id,
                   COUNT(*) FILTER (WHERE a.date >= s.day_start),
                   COUNT(*)
              FROM unnest(%(ids)s::int[], %(starts)s::timestamp[]) AS s(case_id, day_start)
              JOIN collection_action a ON a.case_id = s.case_id
              JOIN collection_action_type t ON t.id = a.action_type_id
             WHERE a.state = 'posted' AND a.channel = %(channel)s AND t.is_outbound
               AND a.date > %(week_start)s AND a.date <= %(at)s
          GROUP BY s.case_id
        """, ids=[row['id'] for row in capped], starts=[evaluation.day_start(row['tz']) for row in capped],
            channel=channel, week_start=at - timedelta(days=7), at=at))
        return {case_id: (today, week) for case_id, today, week in result}

    def _point_tag_sql(self, blocking_tag_ids):
        """SQL: the name of a contact-blocking tag of contact point ``cp``, or NULL."""
        if not blocking_tag_ids:
            return SQL("NULL::int")
        field = self.env['collection.contact.point']._fields['tag_ids']
        return SQL("""(SELECT MIN(r.%(tag_col)s) FROM %(rel)s r
                        WHERE r.%(point_col)s = cp.id AND r.%(tag_col)s IN %(tag_ids)s)""",
                   rel=SQL.identifier(field.relation), point_col=SQL.identifier(field.column1),
                   tag_col=SQL.identifier(field.column2), tag_ids=blocking_tag_ids)

    def _query_best_phone_points(self, ids, evaluation):
        """``{case_id: point values}``: the phone the case would be called or texted on.

        The same order as ``collection.case._get_primary_phone_point``: contactable first,
        then primary, verified, sequence. When no phone may be used, the best blocked one
        comes back, so that the reason can name it.
        """
        rows = self.env.execute_query_dict(SQL("""
            SELECT DISTINCT ON (c.id) c.id AS case_id, cp.id, cp.kind, cp.value, cp.phone_e164,
                   cp.active, cp.state, COALESCE(cp.is_do_not_call, FALSE) AS is_do_not_call,
                   tag.tag_id
              FROM collection_case c
              JOIN collection_contact_point cp
                ON cp.partner_id = c.partner_id AND cp.active AND cp.kind IN ('mobile', 'phone')
   LEFT JOIN LATERAL (SELECT %(tag_sql)s AS tag_id) tag ON TRUE
             WHERE c.id = ANY(%(ids)s)
          ORDER BY c.id,
                   (NOT COALESCE(cp.is_do_not_call, FALSE)
                    AND cp.state NOT IN ('wrong_number', 'invalid') AND tag.tag_id IS NULL) DESC,
                   COALESCE(cp.is_primary, FALSE) DESC, (cp.state = 'verified') DESC, cp.sequence, cp.id
        """, ids=ids, tag_sql=self._point_tag_sql(evaluation.blocking_tag_ids)))
        return self._rows_to_points(rows, evaluation)

    def _query_email_points(self, ids, evaluation):
        """``{case_id: point values}``: an email contact point holding the customer's address,
        the blocked one first, so that a do-not-contact mark on that address is honoured."""
        rows = self.env.execute_query_dict(SQL("""
            SELECT DISTINCT ON (c.id) c.id AS case_id, cp.id, cp.kind, cp.value, cp.phone_e164,
                   cp.active, cp.state, COALESCE(cp.is_do_not_call, FALSE) AS is_do_not_call,
                   tag.tag_id
              FROM collection_case c
              JOIN res_partner p ON p.id = c.partner_id
              JOIN collection_contact_point cp
                ON cp.partner_id = c.partner_id AND cp.active AND cp.kind = 'email'
               AND lower(trim(cp.value)) = lower(trim(p.email))
   LEFT JOIN LATERAL (SELECT %(tag_sql)s AS tag_id) tag ON TRUE
             WHERE c.id = ANY(%(ids)s)
          ORDER BY c.id,
                   (NOT COALESCE(cp.is_do_not_call, FALSE)
                    AND cp.state NOT IN ('wrong_number', 'invalid') AND tag.tag_id IS NULL),
                   cp.id
        """, ids=ids, tag_sql=self._point_tag_sql(evaluation.blocking_tag_ids)))
        return self._rows_to_points(rows, evaluation)

    def _rows_to_points(self, rows, evaluation):
        tag_names = evaluation.tag_names(row['tag_id'] for row in rows if row['tag_id'])
        result = {}
        for row in rows:
            row['tag_name'] = tag_names.get(row['tag_id'])
            row['label'] = evaluation.point_label(row['kind'], row['phone_e164'] or row['value'])
            row['contactable'] = not (row['is_do_not_call'] or row['tag_name']
                                      or row['state'] in ('wrong_number', 'invalid'))
            result[row.pop('case_id')] = row
        return result

    def _point_values(self, point, evaluation):
        """The values of an explicit contact point, as the queries return them."""
        point = point.sudo()
        tag = point.tag_ids.filtered(lambda t: t.id in evaluation.blocking_tag_ids)[:1]
        values = {
            'id': point.id, 'kind': point.kind, 'value': point.value, 'phone_e164': point.phone_e164,
            'active': point.active, 'state': point.state, 'is_do_not_call': point.is_do_not_call,
            'tag_name': tag.name or False,
            'label': evaluation.point_label(point.kind, point.phone_e164 or point.value),
        }
        values['contactable'] = not (values['is_do_not_call'] or values['tag_name']
                                     or values['state'] in ('wrong_number', 'invalid') or not values['active'])
        return values


class _Evaluation:
    """The state of one evaluation: translations, policies, time zones and formatted dates
    are computed once, so that deciding for each of many cases is plain Python."""

    def __init__(self, policy_model, channel, at, contact_point=None):
        self.env = policy_model.env
        self.channel = channel
        self.at = at
        self.contact_point = contact_point
        self.policies = policy_model._get_policy_values(channel)
        self.blocking_tag_ids = policy_model._get_blocking_tag_ids()
        self.messages = policy_model._get_reason_templates()
        self.noun = self.env._(CHANNEL_NOUNS[channel])
        self.adjective = self.env._(CHANNEL_ADJECTIVES[channel])
        self._zones = {}
        self._locals = {}
        self._day_starts = {}
        self._dates = {}
        self._tag_names = {}
        self._tz_choices = {}

    def resolve_tz(self, tz, country_code, company_tz):
        """The customer's time zone: their own, else their country's when it has only one,
        else the company's, else their country's main one, else UTC."""
        key = (tz, country_code, company_tz)
        if key not in self._tz_choices:
            zones = pytz.country_timezones.get(country_code or '', [])
            if tz in pytz.all_timezones_set:
                choice = tz
            elif len(zones) == 1:
                choice = zones[0]
            elif company_tz in pytz.all_timezones_set:
                choice = company_tz
            else:
                choice = zones[0] if zones else 'UTC'
            self._tz_choices[key] = choice
        return self._tz_choices[key]

    def zone(self, tz):
        if tz not in self._zones:
            self._zones[tz] = pytz.timezone(tz)
        return self._zones[tz]

    def local_time(self, tz):
        """``at`` in time zone ``tz``."""
        if tz not in self._locals:
            self._locals[tz] = pytz.utc.localize(self.at).astimezone(self.zone(tz))
        return self._locals[tz]

    def day_start(self, tz):
        """Midnight of ``at``'s day in ``tz``, as naive UTC."""
        if tz not in self._day_starts:
            zone = self.zone(tz)
            midnight = zone.localize(datetime.combine(self.local_time(tz).date(), time.min))
            self._day_starts[tz] = midnight.astimezone(pytz.utc).replace(tzinfo=None)
        return self._day_starts[tz]

    def format_date(self, value, pattern=False):
        key = (value, pattern)
        if key not in self._dates:
            self._dates[key] = format_date(self.env, value, date_format=pattern)
        return self._dates[key]

    def tag_names(self, tag_ids):
        """``{tag_id: name}`` in the user's language."""
        missing = set(tag_ids) - set(self._tag_names)
        if missing:
            for tag in self.env['collection.tag'].sudo().browse(missing):
                self._tag_names[tag.id] = tag.name
        return self._tag_names

    def point_label(self, kind, value):
        key = 'phone' if kind in ('mobile', 'phone') else kind if kind == 'email' else 'address'
        return self.messages[key] % {'value': value}
