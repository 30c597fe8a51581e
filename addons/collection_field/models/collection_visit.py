import base64
import uuid
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_amount

from ..tools.geo import haversine_m
from ..tools.payload import (
    ItemError, parse_bool, parse_client_id, parse_number, parse_position, parse_time,
)

VISIT_STATES = [
    ('planned', 'Planned'),
    ('checked_in', 'Checked In'),
    ('done', 'Done'),
    ('failed', 'Failed'),
    ('cancelled', 'Cancelled'),
]
OPEN_STATES = ('planned', 'checked_in')
EVENT_BATCH_MAX = 500
OUTCOME_FIELDS = ('result_code_id', 'note', 'ptp_amount', 'ptp_date', 'cash_amount')
# The keys of a device's event and the visit's fields they fill (for the labels of errors).
EVENT_KEY_FIELDS = {
    'visit_id': 'name', 'result_code': 'result_code_id', 'photos': 'photo_ids', 'data': 'photo_ids',
    'latitude': 'checkin_latitude', 'longitude': 'checkin_longitude', 'accuracy': 'checkin_accuracy',
    'is_mock': 'is_mock_location', 'client_time': 'checkin_time',
}
# What people may write directly; check-ins, outcomes and routes are written by the field code.
AGENT_WRITABLE = frozenset(OUTCOME_FIELDS + ('photo_ids', 'sequence'))
PLANNER_WRITABLE = AGENT_WRITABLE | {'case_id', 'user_id', 'date', 'contact_point_id', 'latitude', 'longitude',
                                     'district'}
FIELD_AGENT_GROUP = 'collection_field.collection_field_group_agent'
SUPERVISOR_GROUP = 'collection_base.collection_base_group_supervisor'
MANAGER_GROUP = 'collection_base.collection_base_group_manager'


class CollectionVisit(models.Model):
    _name = 'collection.visit'
    _description = 'Field Visit'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date desc, user_id, sequence, id'
    _check_company_auto = True

    name = fields.Char(string="Visit", required=True, readonly=True, copy=False, default='/', index='trigram')
    case_id = fields.Many2one(
        'collection.case', string="Case", required=True, index=True, ondelete='cascade', check_company=True,
        tracking=True)
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, index=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='case_id.currency_id')
    total_overdue = fields.Monetary(related='case_id.total_overdue', string="Overdue")
    max_dpd = fields.Integer(related='case_id.max_dpd', string="DPD")
    user_id = fields.Many2one(
        'res.users', string="Field Agent", index=True, tracking=True,
        domain=lambda self: [('group_ids', 'in', self.env.ref(FIELD_AGENT_GROUP).ids)])
    team_id = fields.Many2one('collection.team', string="Team", index='btree_not_null', check_company=True)
    assignee_history_ids = fields.Many2many(
        'res.users', 'collection_visit_assignee_rel', 'visit_id', 'user_id', string="Assigned Agents",
        readonly=True, help="Every agent this visit was assigned to; their offline events are still accepted.")
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    origin = fields.Selection([
        ('manual', 'Planned by hand'),
        ('strategy', 'Strategy'),
        ('nearby', 'Added nearby'),
    ], required=True, default='manual', readonly=True)
    strategy_run_id = fields.Many2one(
        'collection.strategy.run', string="Strategy Run", readonly=True, index='btree_not_null', ondelete='set null')
    sequence = fields.Integer(string="Stop", default=1000)
    route_id = fields.Many2one('collection.route', string="Route", index='btree_not_null', readonly=True,
                               ondelete='set null')
    leg_distance = fields.Float(
        string="Leg (km)", digits=(10, 2), readonly=True,
        help="Distance from the previous stop (or the agent's start point) to this one, as the crow flies.")
    contact_point_id = fields.Many2one(
        'collection.contact.point', string="Address Point",
        domain="[('partner_id', '=', partner_id), ('kind', '=', 'address')]")
    address = fields.Char(compute='_compute_address')
    district = fields.Char(compute='_compute_target', store=True, readonly=False)
    latitude = fields.Float(compute='_compute_target', store=True, readonly=False, digits=(10, 7))
    longitude = fields.Float(compute='_compute_target', store=True, readonly=False, digits=(10, 7))
    has_target = fields.Boolean(compute='_compute_links')
    phone = fields.Char(compute='_compute_links')
    maps_url = fields.Char(string="Navigate", compute='_compute_links')
    tel_url = fields.Char(string="Call", compute='_compute_links')
    state = fields.Selection(VISIT_STATES, required=True, default='planned', tracking=True, index=True, copy=False)

    # check-in
    checkin_time = fields.Datetime(string="Checked In At", readonly=True, copy=False,
                                   help="The device's time of the check-in.")
    checkin_server_time = fields.Datetime(string="Check-in Received", readonly=True, copy=False)
    checkin_latitude = fields.Float(string="Check-in Latitude", readonly=True, copy=False, digits=(10, 7))
    checkin_longitude = fields.Float(string="Check-in Longitude", readonly=True, copy=False, digits=(10, 7))
    checkin_accuracy = fields.Float(string="Accuracy (m)", readonly=True, copy=False)
    checkin_distance = fields.Float(string="Distance to Address (m)", readonly=True, copy=False, digits=(10, 1))
    geofence_state = fields.Selection([
        ('verified', 'Verified'),
        ('outside', 'Outside geofence'),
        ('no_target', 'No address position'),
    ], string="Geofence", readonly=True, copy=False, tracking=True)
    is_low_accuracy = fields.Boolean(string="Low Accuracy", readonly=True, copy=False)
    is_mock_location = fields.Boolean(string="Mock Location", readonly=True, copy=False)
    is_impossible_speed = fields.Boolean(string="Impossible Speed", readonly=True, copy=False)
    is_reassigned_event = fields.Boolean(
        string="From a Former Agent", readonly=True, copy=False,
        help="A check-in or outcome arrived from an agent this visit was reassigned away from.")
    policy_warning = fields.Char(
        string="Contact Policy", readonly=True, copy=False,
        help="Why the contact policy would not allow a visit at the time of the check-in.")
    is_flagged = fields.Boolean(compute='_compute_flags', store=True, index=True, string="Flagged")
    flag_reason = fields.Char(compute='_compute_flags', store=True, string="Flags")

    # outcome
    result_code_id = fields.Many2one(
        'collection.result.code', string="Result", copy=False,
        domain="['|', ('action_type_ids', '=', False), ('action_type_ids.channel', '=', 'visit')]")
    requires_ptp = fields.Boolean(related='result_code_id.requires_ptp')
    note = fields.Text(copy=False)
    ptp_amount = fields.Monetary(string="Promised Amount", copy=False)
    ptp_date = fields.Date(string="Promised Date", copy=False)
    ptp_id = fields.Many2one('collection.ptp', string="Promise to Pay", readonly=True, copy=False)
    cash_amount = fields.Monetary(string="Cash Collected", copy=False)
    receipt_id = fields.Many2one('collection.cash.receipt', string="Receipt", readonly=True, copy=False)
    action_id = fields.Many2one('collection.action', string="Action", readonly=True, copy=False)
    photo_ids = fields.Many2many(
        'ir.attachment', 'collection_visit_photo_rel', 'visit_id', 'attachment_id', string="Photos", copy=False)
    photo_count = fields.Integer(compute='_compute_photo_count')
    done_time = fields.Datetime(string="Outcome At", readonly=True, copy=False)
    outcome_user_id = fields.Many2one('res.users', string="Outcome By", readonly=True, copy=False)
    event_ids = fields.One2many('collection.field.event', 'visit_id', string="Field Events", readonly=True)

    _agent_day_idx = models.Index('(user_id, date, sequence)')
    _open_case_day_uniq = models.UniqueIndex(
        "(case_id, date) WHERE state IN ('planned', 'checked_in')",
        "This case already has an open visit on that day.")
    _flagged_idx = models.Index('(company_id, date DESC) WHERE is_flagged')
    # the field agents' record rules: "the case has an open visit assigned to me"
    _case_agent_state_idx = models.Index('(case_id, user_id, state)')

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends('contact_point_id')
    def _compute_target(self):
        for visit in self:
            point = visit.contact_point_id.sudo()
            visit.latitude = point.latitude
            visit.longitude = point.longitude
            visit.district = point.district

    @api.depends('contact_point_id', 'district')
    def _compute_address(self):
        for visit in self:
            point = visit.contact_point_id.sudo()
            parts = [point.street or point.value, visit.district, point.city] if point else [visit.district]
            visit.address = ", ".join(part for part in parts if part)

    @api.depends('latitude', 'longitude', 'case_id')
    def _compute_links(self):
        for visit in self:
            visit.has_target = bool(visit.latitude or visit.longitude)
            visit.maps_url = (
                f"https://www.google.com/maps/dir/?api=1&destination={visit.latitude:.7f},{visit.longitude:.7f}"
                if visit.has_target else False)
            point = visit.case_id.sudo()._get_primary_phone_point() if visit.case_id else False
            visit.phone = point.phone_e164 if point else False
            visit.tel_url = f"tel:{point.phone_e164}" if point else False

    @api.depends('geofence_state', 'is_low_accuracy', 'is_mock_location', 'is_impossible_speed',
                 'is_reassigned_event', 'policy_warning', 'checkin_accuracy', 'checkin_distance')
    def _compute_flags(self):
        for visit in self:
            reasons = []
            if visit.geofence_state == 'outside':
                reasons.append(self.env._("checked in %(distance)s m from the address",
                                          distance=round(visit.checkin_distance)))
            if visit.is_low_accuracy:
                reasons.append(self.env._("accuracy %(accuracy)s m", accuracy=round(visit.checkin_accuracy)))
            if visit.is_mock_location:
                reasons.append(self.env._("mock location"))
            if visit.is_impossible_speed:
                reasons.append(self.env._("impossible speed since the previous position"))
            if visit.is_reassigned_event:
                reasons.append(self.env._("event from a former agent"))
            if visit.policy_warning:
                reasons.append(visit.policy_warning)
            visit.is_flagged = bool(reasons)
            visit.flag_reason = "; ".join(reasons) or False

    def _compute_photo_count(self):
        for visit in self:
            visit.photo_count = len(visit.photo_ids)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._(
                "Field agents add visits to their day from Nearby Customers; supervisors plan visits."))
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('collection.visit') or '/'
            if vals.get('case_id') and 'contact_point_id' not in vals:
                case = self.env['collection.case'].browse(vals['case_id']).sudo()
                vals['contact_point_id'] = self._get_address_points(case).get(case.id, False)
        visits = super().create(vals_list)
        visits._on_assignment()
        visits.filtered('photo_ids').photo_ids._collection_field_inspect_photos(visits)
        return visits

    def write(self, vals):
        self._check_writable_fields(vals)
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            locked = self.filtered(lambda v: v.state in ('done', 'failed', 'cancelled'))
            if locked and set(OUTCOME_FIELDS + ('photo_ids', 'case_id')) & vals.keys():
                raise UserError(self.env._(
                    "Visit %(visit)s is %(state)s: its outcome can no longer be changed.",
                    visit=locked[0].name, state=dict(VISIT_STATES)[locked[0].state]))
        routes_before = self.route_id
        old_photos = {visit.id: visit.photo_ids for visit in self} if 'photo_ids' in vals else {}
        result = super().write(vals)
        if {'user_id', 'date', 'state'} & vals.keys():
            self._on_assignment()
        elif 'sequence' in vals and not self.env.context.get('collection_field_no_legs'):
            self.route_id._compute_legs()
        if {'latitude', 'longitude', 'contact_point_id'} & vals.keys():
            (routes_before | self.route_id)._compute_legs()
        for visit in self.filtered(lambda v: v.id in old_photos):
            (visit.photo_ids - old_photos[visit.id])._collection_field_inspect_photos(visit)
        return result

    def _check_writable_fields(self, vals):
        """Check-in positions, verdicts, outcomes and states are written by the field code (as
        superuser) from the device's events, never directly: an agent writes the outcome form's
        fields, a supervisor also plans (agent, day, address); managers write anything."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        allowed = PLANNER_WRITABLE if self.env.user.has_group(SUPERVISOR_GROUP) else AGENT_WRITABLE
        forbidden = set(vals) - allowed - {field for field in vals if field.startswith(('message_', 'activity_'))}
        if forbidden:
            raise AccessError(self.env._(
                "You cannot change %(fields)s of visit %(visit)s: check-ins, outcomes and states are recorded "
                "from the field agent's device.",
                fields=", ".join(sorted(self._fields[name].string for name in forbidden if name in self._fields)),
                visit=", ".join(self.mapped('name'))))
        if allowed is AGENT_WRITABLE and AGENT_WRITABLE & vals.keys():
            self._check_worker()

    def _check_worker(self):
        """Only the visit's agent, a supervisor of the agent's team (or of the visit's team) or a
        manager records an outcome or reorders the stops: reading a visit is not enough."""
        user = self.env.user
        if self.env.su or user.has_group(MANAGER_GROUP):
            return
        is_supervisor = user.has_group(SUPERVISOR_GROUP)
        for visit in self.sudo():
            if visit.user_id == user:
                continue
            teams = (visit.team_id | visit.user_id.collection_team_ids).filtered(
                lambda team: team.company_id == visit.company_id)
            if is_supervisor and user in teams.supervisor_id:
                continue
            raise AccessError(self.env._(
                "Visit %(visit)s is assigned to %(agent)s: only they, a supervisor of their team or a manager "
                "may record its outcome or move it on the route.",
                visit=visit.name, agent=visit.user_id.name or self.env._("no agent")))

    def _on_assignment(self):
        """Keep teams, assignment history, the case's field agent and the agents' routes in step."""
        routes = self.route_id
        Route = self.env['collection.route'].sudo()
        for visit in self.sudo():
            values = {}
            agent = visit.user_id
            if agent and agent not in visit.assignee_history_ids:
                values['assignee_history_ids'] = [(4, agent.id)]
            team = agent.collection_team_ids.filtered(lambda t: t.company_id == visit.company_id)[:1]
            if agent and team and visit.team_id != team:
                values['team_id'] = team.id
            if agent and visit.state in OPEN_STATES and visit.case_id.field_user_id != agent:
                visit.case_id.field_user_id = agent
            if agent and visit.state != 'cancelled':
                route = Route._get_or_create(agent, visit.date, visit.company_id)
                if visit.route_id != route:
                    values['route_id'] = route.id
                    values['sequence'] = route._get_next_sequence()
                    routes |= route
            elif visit.route_id:
                values['route_id'] = False
            if values:
                super(CollectionVisit, visit.with_context(collection_field_no_legs=True)).write(values)
        (routes | self.sudo().route_id).exists()._compute_legs()

    # ------------------------------------------------------------------
    # Planning and assignment
    # ------------------------------------------------------------------

    @api.model
    def _get_address_points(self, cases):
        """``{case_id: contact point id}``: the address each case is visited at (primary first,
        then one with a position), in one query."""
        if not cases:
            return {}
        self.env['collection.contact.point'].flush_model()
        rows = self.env.execute_query(SQL("""
            SELECT DISTINCT ON (c.id) c.id, p.id
              FROM collection_case c
              JOIN collection_contact_point p ON p.partner_id = c.partner_id AND p.kind = 'address' AND p.active
             WHERE c.id = ANY(%s)
          ORDER BY c.id, p.is_primary DESC, (p.latitude IS NOT NULL AND p.latitude <> 0) DESC, p.sequence, p.id
        """, cases.ids))
        return dict(rows)

    @api.model
    def _planning_moment(self, day):
        """The UTC moment the contact policy is asked about for visits on ``day``: now for
        today (so that today's visits count towards the caps), else noon in the planner's time
        zone (the policy itself reads the customer's time zone)."""
        if day <= fields.Date.context_today(self):
            return fields.Datetime.now()
        tz = pytz.timezone(self.env.user.tz or self.env.company.partner_id.tz or 'UTC')
        local = tz.localize(datetime.combine(day, time(12, 0)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _get_planning_blocks(self, cases, day):
        """``{case_id: reason}`` of the cases the contact policy does not allow to visit on
        ``day``: caps, days, consent, do-not-contact, disputes, pauses. The allowed hours are
        left to the check-in (a day is planned before its visiting hours start). The 7-day cap
        counts the visits already planned around ``day`` as well as those posted."""
        Policy = self.env['collection.contact.policy'].with_context(collection_field_planning=day)
        verdicts = Policy._check_contact_batch(cases, 'visit', at=self._planning_moment(day))
        return {case_id: reason for case_id, reason in verdicts.items() if reason}

    @api.model
    def _plan_visits(self, cases, day, origin='manual', user=None, assign=None, values=None):
        """Plan one visit per case on ``day``, where the contact policy allows a visit.

        :param cases: ``collection.case`` records
        :param user: the field agent of every visit; otherwise ``assign`` picks agents
        :param assign: ``'region'``, ``'nearest'`` or ``None`` (leave unassigned)
        :param values: more values of every visit (e.g. the strategy run that planned it)
        :return: ``(visits, skipped)`` where ``skipped`` is ``{case_id: reason}``
        """
        day = fields.Date.to_date(day)
        cases = cases.sudo()
        skipped = self._get_planning_blocks(cases, day)
        existing = self.sudo().search([
            ('case_id', 'in', cases.ids), ('date', '=', day), ('state', 'in', OPEN_STATES)])
        for visit in existing:
            skipped.setdefault(visit.case_id.id, self.env._("already planned on that day (%(visit)s)",
                                                             visit=visit.name))
        to_plan = cases.filtered(lambda c: c.id not in skipped)
        addresses = self._get_address_points(to_plan)
        visits = self.sudo().create([{
            'case_id': case.id,
            'date': day,
            'origin': origin,
            'contact_point_id': addresses.get(case.id, False),
            'user_id': user.id if user else False,
            **(values or {}),
        } for case in to_plan])
        if not user and assign:
            visits._assign_agents(assign)
        return visits.with_env(self.env), skipped

    def _assign_agents(self, method='region'):
        """Give each unassigned open visit a field agent.

        ``region``: an agent covering the address's district, else one covering the customer's
        region; ``nearest``: the agent whose last known position (else start point) is nearest.
        Among candidates the one with the fewest visits that day wins. Returns the visits left
        without agent.
        """
        visits = self.filtered(lambda v: not v.user_id and v.state in OPEN_STATES)
        unassigned = self.browse()
        for company in visits.company_id:
            agents = self.env['res.users']._get_field_agents(company)
            load = dict(self.sudo()._read_group(
                [('user_id', 'in', agents.ids), ('date', 'in', list(set(visits.mapped('date')))),
                 ('state', '!=', 'cancelled')], ['user_id'], ['__count']))
            load = {user.id: count for user, count in load.items()}
            positions = {}
            if method == 'nearest':
                last = agents._get_last_field_positions()
                for agent in agents:
                    if agent.id in last:
                        positions[agent.id] = (last[agent.id]['latitude'], last[agent.id]['longitude'])
                    elif agent._get_field_start_point():
                        positions[agent.id] = agent._get_field_start_point()
            districts = {agent.id: agent._get_field_district_names() for agent in agents}
            for visit in visits.filtered(lambda v: v.company_id == company):
                if method == 'nearest':
                    if not visit.has_target or not positions:
                        unassigned |= visit
                        continue
                    chosen = min(positions, key=lambda agent_id: (
                        haversine_m(visit.latitude, visit.longitude, *positions[agent_id]),
                        load.get(agent_id, 0), agent_id))
                else:
                    district = (visit.district or '').strip().lower()
                    region = visit.partner_id.state_id
                    candidates = [a.id for a in agents if district and district in districts[a.id]] or [
                        a.id for a in agents if region and region in a.field_region_ids]
                    if not candidates:
                        unassigned |= visit
                        continue
                    chosen = min(candidates, key=lambda agent_id: (load.get(agent_id, 0), agent_id))
                load[chosen] = load.get(chosen, 0) + 1
                visit.sudo().user_id = chosen
        return unassigned | visits.filtered(lambda v: not v.user_id)

    # ------------------------------------------------------------------
    # Buttons of the "today" screen
    # ------------------------------------------------------------------

    def action_move_up(self):
        return self._move(-1)

    def action_move_down(self):
        return self._move(1)

    def _move(self, step):
        """Swap this stop with its neighbour on the route (the agent reorders the day)."""
        self.ensure_one()
        self._check_worker()
        stops = self.route_id._get_ordered_visits()
        if self not in stops:
            return True
        index = stops.ids.index(self.id)
        other = index + step
        if 0 <= other < len(stops):
            ordered = list(stops)
            ordered[index], ordered[other] = ordered[other], ordered[index]
            self.route_id._apply_order(ordered)
        return True

    def action_open_outcome(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Outcome of %(visit)s", visit=self.partner_id.name),
            'res_model': 'collection.visit',
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(self.env.ref('collection_field.collection_visit_view_form_outcome').id, 'form')],
            'target': 'current',
        }

    def action_cancel(self):
        if not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._("Only a supervisor cancels a visit."))
        self.check_access('write')
        self.filtered(lambda v: v.state in OPEN_STATES).sudo().write({'state': 'cancelled'})

    def action_done(self):
        """Record the outcome typed on the form, as a field event of the current agent."""
        self.ensure_one()
        self._check_worker()
        if self.state not in OPEN_STATES:
            raise UserError(self.env._("Visit %(visit)s already has its outcome.", visit=self.name))
        if not self.result_code_id:
            raise UserError(self.env._("Pick the result of visit %(visit)s first.", visit=self.name))
        data = {
            'result_code': self.result_code_id.id,
            'note': self.note or '',
            'ptp_amount': self.ptp_amount or None,
            'ptp_date': fields.Date.to_string(self.ptp_date) if self.ptp_date else None,
            'cash_amount': self.cash_amount or None,
            'photos': [],
        }
        try:
            self._apply_outcome(self.env.user, str(uuid.uuid4()), fields.Datetime.now(), data)
        except ItemError as error:
            raise UserError(self.env._("Visit %(visit)s, %(field)s: %(reason)s", visit=self.name,
                                       field=self._get_event_key_label(error.field),
                                       reason=error.get_reason(self.env))) from None
        return {'type': 'ir.actions.act_window_close'} if self.env.context.get('dialog') else True

    def action_print_receipt(self):
        self.ensure_one()
        return self.receipt_id.action_print()

    def action_check_in_from_device(self, latitude, longitude, accuracy, is_mock=False, client_id=None,
                                    client_time=None):
        """Check in from the browser's geolocation (the "today" screen's button).

        :return: dict with the verdict for the phone: ``geofence_state``, ``distance``,
            ``flags`` and a ``message``
        """
        self.ensure_one()
        result = self._process_events([{
            'type': 'check_in',
            'client_id': client_id or str(uuid.uuid4()),
            'client_time': client_time or fields.Datetime.to_string(fields.Datetime.now()),
            'visit_id': self.id,
            'latitude': latitude,
            'longitude': longitude,
            'accuracy': accuracy,
            'is_mock': bool(is_mock),
        }])
        if result['errors']:
            error = result['errors'][0]
            raise UserError(self.env._("Check-in refused, %(field)s: %(reason)s",
                                       field=self._get_event_key_label(error['field']), reason=error['reason']))
        self.invalidate_recordset()
        visit = self.sudo()
        if visit.state == 'cancelled':
            message = self.env._("This visit was cancelled: the check-in is kept, flagged for your supervisor.")
            return {'geofence_state': False, 'distance': 0.0, 'is_flagged': True,
                    'flags': visit._get_closed_flag(), 'message': message}
        if visit.geofence_state == 'verified':
            message = self.env._("Checked in %(distance)s m from the address.", distance=round(visit.checkin_distance))
        elif visit.geofence_state == 'outside':
            message = self.env._("Checked in %(distance)s m from the address: outside the geofence.",
                                 distance=round(visit.checkin_distance))
        else:
            message = self.env._("Checked in; the address has no position to compare with.")
        if visit.flag_reason:
            message = f"{message} {self.env._('Flagged: %s', visit.flag_reason)}"
        return {
            'geofence_state': visit.geofence_state,
            'distance': visit.checkin_distance,
            'is_flagged': visit.is_flagged,
            'flags': visit.flag_reason or '',
            'message': message,
        }

    # ------------------------------------------------------------------
    # Field events: check-in, outcome, photo (from the phone or an offline queue)
    # ------------------------------------------------------------------

    @api.model
    def _process_events(self, events):
        """Apply a batch of field events of the current user, in the device's time order.

        Each event has ``client_id``, ``client_time``, ``type`` (``check_in``, ``outcome``,
        ``photo``) and ``visit_id``, plus the type's data. An event already stored (same
        client id) is a duplicate and changes nothing. An event that fails stores nothing and
        gets an error naming the field and the reason; the other events of the batch are kept.

        :return: ``{'accepted', 'duplicates', 'errors', 'results'}``
        :raise ItemError: when the batch itself is not a list or is too long
        """
        if not isinstance(events, list):
            raise ItemError('events', self.env._("must be a list"))
        if len(events) > EVENT_BATCH_MAX:
            raise ItemError('events', self.env._("has %(count)s items; a batch holds at most %(max)s",
                                                 count=len(events), max=EVENT_BATCH_MAX))
        user = self.env.user
        now = fields.Datetime.now()
        tolerance = user.company_id.collection_field_future_tolerance
        Event = self.env['collection.field.event']
        errors, parsed, results = [], [], []
        for index, item in enumerate(events):
            client_id = None
            try:
                if not isinstance(item, dict):
                    raise ItemError('item', self.env._("must be an object"))
                client_id = parse_client_id(item)
                client_time = parse_time(item, 'client_time', now, tolerance)
                event_type = item.get('type')
                if event_type not in ('check_in', 'outcome', 'photo'):
                    raise ItemError('type', self.env._("must be one of %(types)s", types="check_in, outcome, photo"))
                visit_id = item.get('visit_id')
                if not isinstance(visit_id, int) or isinstance(visit_id, bool) or visit_id <= 0:
                    raise ItemError('visit_id', self.env._("must be the id of a visit"))
                data = self._parse_event_data(event_type, item)
            except ItemError as error:
                errors.append(error.as_dict(index, client_id, self.env))
                continue
            parsed.append((client_time, index, client_id, event_type, visit_id, data))
        accepted = duplicates = 0
        for client_time, index, client_id, event_type, visit_id, data in sorted(parsed):
            if Event._find(user, client_id):
                duplicates += 1
                results.append({'index': index, 'client_id': client_id, 'status': 'duplicate'})
                continue
            try:
                with self.env.cr.savepoint():
                    visit = self._get_visit_for_event(user, visit_id)
                    getattr(visit, f'_apply_{event_type}')(user, client_id, client_time, data)
                    self.env.flush_all()
            except ItemError as error:
                errors.append(error.as_dict(index, client_id, self.env))
                continue
            except (UserError, ValidationError, AccessError) as error:
                errors.append(ItemError(self._guess_error_field(event_type, data), str(error)).as_dict(
                    index, client_id, self.env))
                continue
            accepted += 1
            result = {'index': index, 'client_id': client_id, 'status': 'stored', 'visit_id': visit_id}
            event = Event._find(user, client_id)
            if event.is_flagged:
                result.update(is_flagged=True, flag_reason=event.flag_reason)
            results.append(result)
        return {'accepted': accepted, 'duplicates': duplicates, 'errors': sorted(errors, key=lambda e: e['index']),
                'results': results}

    @api.model
    def _get_event_key_label(self, key):
        """The label of the visit field an event's key (``cash_amount``, ``photos[1].data``) fills."""
        name = key.split('[', 1)[0].split('.', 1)[0]
        field = self._fields.get(EVENT_KEY_FIELDS.get(name, name))
        return field._description_string(self.env) if field else key

    @api.model
    def _guess_error_field(self, event_type, data):
        if event_type == 'outcome' and data.get('cash_amount'):
            return 'cash_amount'
        if event_type == 'outcome' and data.get('ptp_amount'):
            return 'ptp_amount'
        return {'photo': 'data', 'check_in': 'visit_id'}.get(event_type, 'visit_id')

    @api.model
    def _parse_event_data(self, event_type, item):
        if event_type == 'check_in':
            latitude, longitude, accuracy = parse_position(item)
            return {'latitude': latitude, 'longitude': longitude, 'accuracy': accuracy,
                    'is_mock': parse_bool(item, 'is_mock')}
        if event_type == 'photo':
            return {'photo': self._parse_photo(item, 'data')}
        code = item.get('result_code')
        if code in (None, ''):
            code = item.get('result_code_id')
        if code in (None, ''):
            raise ItemError('result_code', self.env._("is required"))
        data = {
            'result_code': code,
            'note': item.get('note') or '',
            'ptp_amount': parse_number(item, 'ptp_amount', required=False, minimum=0.0),
            'ptp_date': item.get('ptp_date') or None,
            'cash_amount': parse_number(item, 'cash_amount', required=False, minimum=0.0),
            'photos': [],
        }
        if not isinstance(data['note'], str):
            raise ItemError('note', self.env._("must be text"))
        if data['ptp_date']:
            try:
                data['ptp_date'] = fields.Date.to_string(fields.Date.to_date(data['ptp_date']))
            except (TypeError, ValueError):
                raise ItemError('ptp_date', self.env._("must be a date (YYYY-MM-DD)")) from None
        photos = item.get('photos') or []
        if not isinstance(photos, list):
            raise ItemError('photos', self.env._("must be a list"))
        for position, photo in enumerate(photos):
            data['photos'].append(self._parse_photo(photo, f'photos[{position}].data'))
        return data

    @api.model
    def _parse_photo(self, item, field):
        from ..tools.photo import NotAnImage, inspect_image
        if not isinstance(item, dict) or not isinstance(item.get('data'), str):
            raise ItemError(field, self.env._("must hold the photo as base64 text"))
        try:
            raw = base64.b64decode(item['data'], validate=True)
        except (ValueError, TypeError):
            raise ItemError(field, self.env._("is not valid base64")) from None
        try:
            info = inspect_image(raw)
        except NotAnImage as error:
            raise ItemError(field, self.env._("is not an image (%(error)s)", error=error)) from None
        name = item.get('name') if isinstance(item.get('name'), str) else None
        return {'name': name or f"photo-{info['sha256'][:12]}.{info['format'].lower()}", 'raw': raw, 'info': info}

    @api.model
    def _get_visit_for_event(self, user, visit_id):
        """The visit (as superuser) an event of ``user`` is about: one they are or were assigned."""
        visit = self.sudo().browse(visit_id).exists()
        if not visit:
            raise ItemError('visit_id', self.env._("visit %(visit)s does not exist", visit=visit_id))
        if user not in visit.assignee_history_ids and visit.user_id != user:
            raise ItemError('visit_id', self.env._("visit %(visit)s is not assigned to you", visit=visit_id))
        return visit

    def _get_closed_flag(self):
        """The flag of an event that arrives for a visit no longer open."""
        return self.env._("visit no longer open (%(state)s)", state=dict(VISIT_STATES)[self.state])

    def _event_flags(self, user):
        """(is_reassigned, reason) of an event of ``user`` on this visit (self is sudo)."""
        if self.user_id != user:
            return True, self.env._("visit reassigned to %(agent)s", agent=self.user_id.name or "-")
        return False, False

    def _apply_check_in(self, user, client_id, client_time, data):
        self.ensure_one()
        company = self.company_id
        reassigned, reason = self._event_flags(user)
        distance = (haversine_m(self.latitude, self.longitude, data['latitude'], data['longitude'])
                    if self.has_target else 0.0)
        if not self.has_target:
            geofence = 'no_target'
        else:
            geofence = 'verified' if distance <= company.collection_field_geofence_radius else 'outside'
        low_accuracy = data['accuracy'] > company.collection_field_accuracy_threshold
        payload = dict(data, visit_id=self.id, distance_m=round(distance, 1), geofence=geofence)
        event, _created = self.env['collection.field.event']._record(
            user, 'check_in', client_id, client_time, payload, visit=self, record=self)
        speed = self.env['collection.agent.location'].sudo()._add_check_in_position(
            user, client_id, data['latitude'], data['longitude'], data['accuracy'], client_time,
            data['is_mock'], event)
        check = self.env['collection.contact.policy']._check_contact(self.case_id, 'visit', at=client_time)
        flags = [flag for flag, on in (
            (self.env._("outside the geofence"), geofence == 'outside'),
            (self.env._("low accuracy"), low_accuracy), (self.env._("mock location"), data['is_mock']),
            (self.env._("impossible speed"), speed), (reason, reassigned),
            (check.reason, not check.allowed), (self._get_closed_flag(), self.state == 'cancelled')) if on]
        if flags:
            event._flag("; ".join(flags))
        if self.state == 'cancelled':
            # delivered late for a visit cancelled meanwhile: kept in the chain and flagged only
            self.message_post(body=self.env._(
                "%(agent)s checked in on their device at %(time)s after this visit was cancelled; "
                "the check-in is kept in field event #%(sequence)s.",
                agent=user.name, time=fields.Datetime.to_string(client_time), sequence=event.sequence))
            return
        if self.checkin_time and self.checkin_time <= client_time and self.state != 'planned':
            # a later duplicate check-in of the same visit: the first one stands, the event is kept
            return
        values = {
            'checkin_time': client_time,
            'checkin_server_time': event.server_time,
            'checkin_latitude': data['latitude'],
            'checkin_longitude': data['longitude'],
            'checkin_accuracy': data['accuracy'],
            'checkin_distance': distance,
            'geofence_state': geofence,
            'is_low_accuracy': low_accuracy,
            'is_mock_location': data['is_mock'],
            'is_impossible_speed': speed,
            'policy_warning': (self.env._("contact policy: %(reason)s", reason=check.reason)
                               if not check.allowed else False),
        }
        if reassigned:
            values['is_reassigned_event'] = True
        if self.state == 'planned':
            values['state'] = 'checked_in'
        self.write(values)

    def _apply_photo(self, user, client_id, client_time, data):
        self.ensure_one()
        reassigned, reason = self._event_flags(user)
        if self.state == 'cancelled':
            reason = "; ".join(filter(None, [reason, self._get_closed_flag()]))
        photo = data['photo']
        event, _created = self.env['collection.field.event']._record(
            user, 'photo', client_id, client_time, self._photo_payload(photo), visit=self, record=self,
            is_flagged=bool(reason), flag_reason=reason)
        attachment = self._attach_photos([photo], user)
        event._link_record(attachment)

    @api.model
    def _photo_payload(self, photo):
        info = photo['info']
        return {
            'name': photo['name'], 'sha256': info['sha256'], 'format': info['format'],
            'exif_latitude': info['latitude'], 'exif_longitude': info['longitude'],
            'exif_time': info['taken'].isoformat() if info['taken'] else None,
        }

    def _attach_photos(self, photos, user):
        attachments = self.env['ir.attachment'].sudo().create([{
            'name': photo['name'],
            'raw': photo['raw'],
            'res_model': self._name,
            'res_id': self.id,
        } for photo in photos])
        attachments._collection_field_inspect_photos(self)
        super(CollectionVisit, self).write({'photo_ids': [(4, a.id) for a in attachments]})
        return attachments

    def _apply_outcome(self, user, client_id, client_time, data):
        """Record the outcome: action, promise, cash receipt, photos; the event keeps it all.

        An outcome from an agent the visit was taken from is still recorded when the visit has
        no outcome yet, and flagged; when the visit already has one, the event keeps it (flagged)
        and the visit's chatter says so.
        """
        self.ensure_one()
        visit = self.sudo()
        code = visit._resolve_result_code(data['result_code'])
        reassigned, reason = visit._event_flags(user)
        payload = {key: value for key, value in data.items() if key != 'photos'}
        payload.update(visit_id=visit.id, result_code=code.code,
                       photos=[visit._photo_payload(photo) for photo in data.get('photos', [])],
                       attached_photos=[{'name': photo.name, 'sha256': photo.collection_sha256}
                                        for photo in visit.photo_ids])
        already = visit.state not in OPEN_STATES
        if already:
            reason = "; ".join(filter(None, [reason, self.env._(
                "%(flag)s; this outcome is kept in the event only", flag=visit._get_closed_flag())]))
        event, _created = self.env['collection.field.event']._record(
            user, 'outcome', client_id, client_time, payload, visit=visit, record=visit,
            is_flagged=bool(reassigned or already), flag_reason=reason or False)
        if already:
            visit.message_post(body=self.env._(
                "%(agent)s recorded an outcome (%(code)s) on their device at %(time)s after this visit was %(state)s; "
                "it is kept in field event #%(sequence)s.",
                agent=user.name, code=code.name, time=fields.Datetime.to_string(client_time),
                state=dict(VISIT_STATES)[visit.state], sequence=event.sequence))
            return
        ptp = visit._create_outcome_ptp(user, code, data)
        action = self.env['collection.action'].sudo().create({
            'case_id': visit.case_id.id,
            'action_type_id': self.env.ref('collection_base.collection_action_type_visit').id,
            'contact_point_id': visit.contact_point_id.id,
            'result_code_id': code.id,
            'note': data.get('note') or False,
            'date': client_time,
            'user_id': user.id,
            'ptp_id': ptp.id,
            'external_ref': f"visit:{visit.id}:{client_id}",
            'state': 'posted',
        })
        if ptp:
            ptp.action_id = action
        receipt = self.env['collection.cash.receipt']
        if data.get('cash_amount'):
            try:
                receipt = receipt._create_for_visit(visit, data['cash_amount'], user, client_id, client_time)
            except UserError as error:
                raise ItemError('cash_amount', str(error)) from None
        if data.get('photos'):
            visit._attach_photos(data['photos'], user)
        values = {
            'state': 'done' if code.is_reached else 'failed',
            'result_code_id': code.id,
            'note': data.get('note') or visit.note,
            'ptp_amount': data.get('ptp_amount') or False,
            'ptp_date': data.get('ptp_date') or False,
            'cash_amount': data.get('cash_amount') or 0.0,
            'ptp_id': ptp.id,
            'action_id': action.id,
            'receipt_id': receipt.id,
            'done_time': client_time,
            'outcome_user_id': user.id,
        }
        if reassigned:
            values['is_reassigned_event'] = True
            visit.message_post(body=self.env._(
                "Outcome recorded by %(agent)s, from whom this visit was reassigned, kept and flagged.",
                agent=user.name))
        visit.write(values)
        event._link_record(action)

    def _resolve_result_code(self, code):
        Code = self.env['collection.result.code'].sudo()
        if isinstance(code, int) and not isinstance(code, bool):
            record = Code.browse(code).exists()
        else:
            record = Code.search([('code', '=', str(code))], limit=1)
        if not record:
            raise ItemError('result_code', self.env._("%(code)s is not a result code", code=code))
        visit_type = self.env.ref('collection_base.collection_action_type_visit')
        if not record._applies_to(visit_type):
            raise ItemError('result_code', self.env._("%(code)s does not apply to field visits", code=record.code))
        return record

    def _create_outcome_ptp(self, user, code, data):
        if not (code.requires_ptp or data.get('ptp_amount')):
            return self.env['collection.ptp']
        if not data.get('ptp_amount') or not data.get('ptp_date'):
            raise ItemError('ptp_amount', self.env._(
                "result %(code)s needs a promised amount and date", code=code.code))
        try:
            return self.env['collection.ptp'].sudo().with_context(collection_ptp_enforce_policy=True).create({
                'case_id': self.case_id.id,
                'amount': data['ptp_amount'],
                'date': data['ptp_date'],
                'channel': 'cash',
                'user_id': user.id,
            })
        except (UserError, ValidationError) as error:
            raise ItemError('ptp_amount', str(error)) from None

    # ------------------------------------------------------------------
    # Supervisor views
    # ------------------------------------------------------------------

    @api.model
    def _get_today_domain(self):
        return Domain([('user_id', '=', self.env.uid), ('date', '=', fields.Date.context_today(self)),
                       ('state', '!=', 'cancelled')])

    def _format_cash(self, amount):
        return format_amount(self.env, amount, self.currency_id or self.env.company.currency_id)
