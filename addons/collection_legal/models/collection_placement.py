import heapq
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .collection_mediation import OPEN_STATES as MEDIATION_OPEN_STATES

_logger = logging.getLogger(__name__)

PLACEMENT_METHODS = [
    ('manual', "By hand"),
    ('round_robin', "Round-robin"),
    ('capacity', "By free capacity"),
    ('weighted', "Weighted by recovery rate"),
]


class CollectionPlacement(models.Model):
    _name = 'collection.placement'
    _description = 'Case Placed with an Agency'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date_start desc, id desc'
    _check_company_auto = True

    case_id = fields.Many2one(
        'collection.case', string="Case", required=True, index=True, ondelete='cascade', check_company=True)
    agency_id = fields.Many2one(
        'collection.agency', string="Agency", required=True, index=True, tracking=True, check_company=True)
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='case_id.currency_id')
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Customer")
    state = fields.Selection([
        ('active', 'Active'),
        ('recalled', 'Recalled'),
        ('expired', 'Expired'),
    ], required=True, default='active', tracking=True, index=True, copy=False)
    method = fields.Selection(PLACEMENT_METHODS, required=True, default='manual', readonly=True)
    date_start = fields.Date(string="Valid From", required=True, default=fields.Date.context_today, tracking=True)
    date_end = fields.Date(string="Valid Until", required=True, tracking=True)
    recall_date = fields.Date(readonly=True, tracking=True, copy=False)
    recall_reason = fields.Char(tracking=True, copy=False)
    date_valid_to = fields.Date(
        string="Effective End", compute='_compute_date_valid_to', store=True,
        help="Last day the placement counts for the agency: its end date, or the recall date.")
    is_valid = fields.Boolean(
        string="Valid Today", compute='_compute_is_valid', search='_search_is_valid',
        help="Active and within its validity period today: the agency's officers see the case.")
    bucket_id = fields.Many2one(
        'collection.bucket', string="Bucket at Placement", readonly=True,
        help="The case's bucket when it was placed: the commission rate follows it.")
    amount_placed = fields.Monetary(
        readonly=True, help="The case's outstanding amount when it was placed.")
    dpd_at_placement = fields.Integer(string="DPD at Placement", readonly=True)
    extension_ids = fields.One2many('collection.placement.extension', 'placement_id', string="Extension Requests")
    recovered_amount = fields.Monetary(compute='_compute_recovered_amount', string="Recovered")

    _case_active_uniq = models.UniqueIndex(
        "(case_id) WHERE state = 'active'", "A case is placed with one agency at a time.")
    _agency_validity_idx = models.Index('(agency_id, date_start, date_valid_to)')
    _active_end_idx = models.Index("(date_end) WHERE state = 'active'")

    @api.depends('date_end', 'recall_date')
    def _compute_date_valid_to(self):
        for placement in self:
            ends = [day for day in (placement.date_end, placement.recall_date) if day]
            placement.date_valid_to = min(ends) if ends else False

    @api.depends('state', 'date_start', 'date_end')
    @api.depends_context('tz')
    def _compute_is_valid(self):
        today = fields.Date.context_today(self)
        for placement in self:
            placement.is_valid = placement.state == 'active' and placement.date_start <= today <= placement.date_end

    def _search_is_valid(self, operator, value):
        if operator != 'in':
            return NotImplemented
        today = fields.Date.context_today(self)
        return [('state', '=', 'active'), ('date_start', '<=', today), ('date_end', '>=', today)]

    def _compute_recovered_amount(self):
        recovered = {}
        if self.ids:
            self.env.flush_all()
            recovered = dict(self.env.execute_query(SQL("""
                SELECT pl.id, SUM(p.amount)
                  FROM collection_placement pl
                  JOIN collection_payment p ON p.case_id = pl.case_id AND p.state = 'posted'
                                           AND p.date BETWEEN pl.date_start AND pl.date_valid_to
                 WHERE pl.id IN %s
              GROUP BY pl.id
            """, tuple(self.ids))))
        for placement in self:
            placement.recovered_amount = recovered.get(placement.id, 0.0)

    @api.depends('agency_id', 'case_id')
    def _compute_display_name(self):
        for placement in self:
            placement.display_name = f"{placement.agency_id.name or ''} / {placement.case_id.name or ''}"

    @api.constrains('date_start', 'date_end')
    def _check_dates(self):
        for placement in self:
            if placement.date_end < placement.date_start:
                raise ValidationError(self.env._(
                    "The placement of %(case)s with %(agency)s cannot end before it starts.",
                    case=placement.case_id.display_name, agency=placement.agency_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        Case = self.env['collection.case']
        Agency = self.env['collection.agency']
        for vals in vals_list:
            case = Case.browse(vals['case_id'])
            # what the case is at placement (the form sends these read-only fields empty)
            for fname, value in (('bucket_id', case.bucket_id.id), ('amount_placed', case.total_outstanding),
                                 ('dpd_at_placement', case.max_dpd)):
                if not vals.get(fname):
                    vals[fname] = value
            if not vals.get('date_end'):
                start = fields.Date.to_date(vals.get('date_start')) or fields.Date.context_today(self)
                vals['date_end'] = start + timedelta(days=Agency.browse(vals['agency_id'])._get_placement_days())
        placements = super().create(vals_list)
        for placement in placements:
            placement.case_id.message_post(
                body=self.env._("Placed with %(agency)s until %(date)s.",
                                agency=placement.agency_id.name, date=placement.date_end),
                subtype_xmlid='mail.mt_note')
        return placements

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_recall(self):
        """Take the cases back from their agency today: its officers lose access at once."""
        today = fields.Date.context_today(self)
        states = dict(self._fields['state']._description_selection(self.env))
        for placement in self:
            if placement.state != 'active':
                raise UserError(self.env._(
                    "Placement %(placement)s is %(state)s and cannot be recalled.",
                    placement=placement.display_name, state=states[placement.state]))
        self.write({'state': 'recalled', 'recall_date': today})
        for placement in self:
            placement.case_id.message_post(
                body=self.env._("Recalled from %(agency)s%(reason)s.", agency=placement.agency_id.name,
                                reason=f": {placement.recall_reason}" if placement.recall_reason else ""),
                subtype_xmlid='mail.mt_note')
        self._release_hearings()
        return True

    def action_request_extension(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Request an Extension"),
            'res_model': 'collection.placement.extension',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_placement_id': self.id},
        }

    def action_open_case(self):
        self.ensure_one()
        return self.case_id._get_records_action()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _cron_expire_placements(self):
        """Placements past their end date expire (set-based); one log line per run."""
        self._expire_placements()

    @api.model
    def _expire_placements(self, today=None):
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        rows = self.env.execute_query(SQL("""
            UPDATE collection_placement
               SET state = 'expired', write_date = NOW() AT TIME ZONE 'UTC', write_uid = %(uid)s
             WHERE state = 'active' AND date_end < %(today)s
         RETURNING id
        """, today=today, uid=self.env.uid))
        self.invalidate_model(['state'])
        self.browse(row[0] for row in rows)._release_hearings()
        _logger.info("Agency placements: %s expired on %s", len(rows), today)
        return len(rows)

    def _release_hearings(self):
        """The agency's officers leave the cases' open mediations and the hearings still to come
        (and so their calendar events), once the placements end (recall, expiry)."""
        now = fields.Datetime.now()
        # sudo: the hearings and mediations of the case, whoever may read them
        Hearing = self.env['collection.mediation.hearing'].sudo()
        for agency, placements in self.grouped('agency_id').items():
            officers = agency.officer_ids
            if not officers:
                continue
            cases = placements.case_id
            released = Hearing.search([
                ('case_id', 'in', cases.ids), ('officer_id', 'in', officers.ids),
                ('outcome', '=', 'pending'), ('date_start', '>=', now)])
            released.officer_id = False
            court = self.env['collection.legal.hearing'].sudo().search([
                ('case_id', 'in', cases.ids), ('user_id', 'in', officers.ids), ('date_start', '>=', now)])
            court.user_id = False
            self.env['collection.mediation'].sudo().search([
                ('case_id', 'in', cases.ids), ('officer_id', 'in', officers.ids),
                ('state', 'in', MEDIATION_OPEN_STATES)]).officer_id = False
            for hearing in [*released, *court]:
                hearing.case_id.message_post(body=self.env._(
                    "%(hearing)s on %(date)s: %(agency)s no longer attends it (placement ended); "
                    "choose who does.", hearing=hearing.display_name, agency=agency.name,
                    date=fields.Datetime.to_string(hearing.date_start)), subtype_xmlid='mail.mt_note')

    @api.model
    def _place_cases(self, cases, agencies, method='round_robin', date_start=None, days=None):
        """Place ``cases`` with ``agencies``; cases already placed are left where they are.

        :param method: 'round_robin' (agencies in turn, continuing after the last agency that got a
            case by round-robin), 'capacity' (the agency with the most free room first; cases beyond
            the agencies' total capacity stay unplaced) or 'weighted' (shares proportional to each
            agency's past recovery rate, spread evenly), or 'manual' (all to the first agency)
        :param days: validity; each agency's own validity when not given
        :returns: collection.placement records created (one INSERT, no message per case)
        """
        agencies = agencies.filtered('active').sorted('id')
        if not cases or not agencies:
            return self.browse()
        date_start = date_start or fields.Date.context_today(self)
        self.env.flush_all()
        placed = {case_id for (case_id,) in self.env.execute_query(SQL(
            "SELECT case_id FROM collection_placement WHERE state = 'active' AND case_id IN %s",
            tuple(cases.ids)))}
        todo = cases.filtered(lambda case: case.id not in placed).sorted(
            lambda case: (-case.total_outstanding, case.id))
        if not todo:
            return self.browse()
        assignment = getattr(self, f'_assign_{method}')(todo, agencies)
        if not assignment:
            return self.browse()
        case_ids, agency_ids = zip(*assignment)
        validity = {agency.id: days or agency._get_placement_days() for agency in agencies}
        rows = self.env.execute_query(SQL("""
            INSERT INTO collection_placement (
                case_id, agency_id, company_id, partner_id, state, method, date_start, date_end, date_valid_to,
                bucket_id, amount_placed, dpd_at_placement, create_uid, write_uid, create_date, write_date)
            SELECT c.id, src.agency_id, c.company_id, c.partner_id, 'active', %(method)s, %(start)s,
                   %(start)s::date + src.days, %(start)s::date + src.days,
                   c.bucket_id, c.total_outstanding, c.max_dpd, %(uid)s, %(uid)s,
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM UNNEST(%(cases)s::int[], %(agencies)s::int[], %(days)s::int[])
                   WITH ORDINALITY AS src(case_id, agency_id, days, position)
              JOIN collection_case c ON c.id = src.case_id
          ORDER BY src.position
            ON CONFLICT DO NOTHING
         RETURNING id
        """, method=method, start=date_start, uid=self.env.uid, cases=list(case_ids), agencies=list(agency_ids),
            days=[validity[agency_id] for agency_id in agency_ids]))
        placements = self.browse(row[0] for row in rows)
        counts = {}
        for agency_id in agency_ids:
            counts[agency_id] = counts.get(agency_id, 0) + 1
        for agency in agencies.filtered(lambda a: a.id in counts):
            # sudo: a supervisor places cases without managing the agency
            agency.sudo().message_post(body=self.env._(
                "%(count)s cases placed (%(method)s).", count=counts[agency.id],
                method=dict(self._fields['method']._description_selection(self.env))[method]),
                subtype_xmlid='mail.mt_note',
                author_id=self.env.user.partner_id.id)
        return placements

    def _assign_manual(self, cases, agencies):
        return [(case.id, agencies[0].id) for case in cases]

    def _assign_round_robin(self, cases, agencies):
        last = self.search([('agency_id', 'in', agencies.ids), ('method', '=', 'round_robin')],
                           order='id desc', limit=1).agency_id
        ids = agencies.ids
        start = (ids.index(last.id) + 1) % len(ids) if last else 0
        return [(case.id, ids[(start + index) % len(ids)]) for index, case in enumerate(cases)]

    def _assign_capacity(self, cases, agencies):
        loads = dict(self._read_group(
            [('agency_id', 'in', agencies.ids), ('is_valid', '=', True)], ['agency_id'], ['__count']))
        unlimited = len(cases)
        heap = []
        for agency in agencies:
            free = (agency.capacity - loads.get(agency, 0)) if agency.capacity else unlimited
            if free > 0:
                heap.append((-free, agency.id))
        heapq.heapify(heap)
        assignment = []
        for case in cases:
            if not heap:
                break
            free, agency_id = heapq.heappop(heap)
            assignment.append((case.id, agency_id))
            if free + 1 < 0:
                heapq.heappush(heap, (free + 1, agency_id))
        return assignment

    def _assign_weighted(self, cases, agencies):
        """Smooth weighted round-robin on the agencies' recovery rates (equal when none has one)."""
        scores = agencies._get_scorecard()
        weights = {agency.id: scores.get(agency.id, {}).get('recovery_rate', 0.0) for agency in agencies}
        if not any(weights.values()):
            weights = dict.fromkeys(weights, 1.0)
        total = sum(weights.values())
        current = dict.fromkeys(weights, 0.0)
        assignment = []
        for case in cases:
            for agency_id, weight in weights.items():
                current[agency_id] += weight
            chosen = max(current, key=lambda agency_id: (current[agency_id], -agency_id))
            current[chosen] -= total
            assignment.append((case.id, chosen))
        return assignment
