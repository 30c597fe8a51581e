from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.geo import optimize_route, path_legs


class CollectionRoute(models.Model):
    _name = 'collection.route'
    _description = 'Field Route'
    _inherit = ['mail.thread']
    _order = 'date desc, user_id'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    user_id = fields.Many2one('res.users', string="Field Agent", required=True, index=True, readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    start_latitude = fields.Float(digits=(10, 7), help="Where the day starts; the agent's start point by default.")
    start_longitude = fields.Float(digits=(10, 7))
    visit_ids = fields.One2many('collection.visit', 'route_id', string="Stops")
    visit_count = fields.Integer(compute='_compute_counts', string="Stop Count")
    done_count = fields.Integer(compute='_compute_counts', string="Visited")
    total_distance = fields.Float(string="Total (km)", digits=(10, 2), readonly=True)
    optimized_date = fields.Datetime(string="Optimised On", readonly=True)

    # an agent working for two companies on one day has a route in each (same name: the update
    # replaces the former unique(user_id, date) in place)
    _user_date_uniq = models.Constraint(
        'unique(user_id, date, company_id)', "An agent has one route per day and company.")

    @api.depends('user_id', 'date')
    def _compute_name(self):
        for route in self:
            route.name = f"{route.user_id.name or ''} {fields.Date.to_string(route.date) or ''}".strip()

    @api.depends('visit_ids.state')
    def _compute_counts(self):
        for route in self:
            stops = route.visit_ids.filtered(lambda v: v.state != 'cancelled')
            route.visit_count = len(stops)
            route.done_count = len(stops.filtered(lambda v: v.state in ('done', 'failed')))

    @api.model
    def _get_or_create(self, user, day, company=None):
        company = company or user.company_id
        route = self.search([('user_id', '=', user.id), ('date', '=', day), ('company_id', '=', company.id)],
                            limit=1)
        if not route:
            start = user._get_field_start_point() or (0.0, 0.0)
            route = self.create({
                'user_id': user.id, 'date': day, 'company_id': company.id,
                'start_latitude': start[0], 'start_longitude': start[1],
            })
        return route

    def _get_next_sequence(self):
        self.ensure_one()
        sequences = self.visit_ids.mapped('sequence')
        return (max(sequences) + 1) if sequences else 1

    def _get_start(self):
        self.ensure_one()
        if self.start_latitude or self.start_longitude:
            return (self.start_latitude, self.start_longitude)
        return None

    def _get_ordered_visits(self):
        self.ensure_one()
        return self.visit_ids.filtered(lambda v: v.state != 'cancelled').sorted(lambda v: (v.sequence, v.id))

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group('collection_base.collection_base_group_supervisor'):
            raise AccessError(self.env._("A route is ordered with its buttons; only supervisors edit it."))
        return super().write(vals)

    def action_optimize(self):
        """Order the stops from the start point: nearest neighbour, then 2-opt.

        Stops without a position keep their relative order after the positioned ones; visits
        already done stay first, in the order they were made.
        """
        for route in self:
            stops = route._get_ordered_visits()
            finished = stops.filtered(lambda v: v.state in ('done', 'failed')).sorted(
                lambda v: (v.done_time or fields.Datetime.now(), v.id))
            pending = stops - finished
            positioned = pending.filtered('has_target')
            start = route._get_start()
            if finished.filtered('has_target'):
                last = finished.filtered('has_target')[-1]
                start = (last.latitude, last.longitude)
            order = optimize_route(start, [(v.latitude, v.longitude) for v in positioned])
            ordered = list(finished) + [positioned[i] for i in order] + list(pending - positioned)
            route._apply_order(ordered)
            route.sudo().optimized_date = fields.Datetime.now()
        return True

    def _apply_order(self, ordered):
        """Number the stops 1..n in ``ordered`` order and recompute the legs."""
        self.ensure_one()
        for position, visit in enumerate(ordered, start=1):
            if visit.sequence != position:
                visit.sudo().with_context(collection_field_no_legs=True).sequence = position
        self._compute_legs()

    def _compute_legs(self):
        """Length of each leg in the current order (haversine), and the total."""
        for route in self.sudo():
            stops = route._get_ordered_visits()
            positioned = stops.filtered('has_target')
            legs = path_legs(route._get_start(), [(v.latitude, v.longitude) for v in positioned])
            leg_by_visit = {visit.id: leg / 1000.0 for visit, leg in zip(positioned, legs)}
            for visit in stops:
                leg = round(leg_by_visit.get(visit.id, 0.0), 3)
                if visit.leg_distance != leg:
                    visit.with_context(collection_field_no_legs=True).leg_distance = leg
            total = round(sum(leg_by_visit.values()), 3)
            if route.total_distance != total:
                route.total_distance = total

    def action_open_stops(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_field.collection_visit_action_today')
        action.update({
            'domain': [('route_id', '=', self.id)],
            'context': {'create': False},
            'name': self.name,
        })
        return action

    def action_open_track(self):
        """The agent's positions of that day, as a list."""
        self.ensure_one()
        track = self.env['collection.agent.location']._get_day_track(self.user_id, self.date)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Track of %(route)s", route=self.name),
            'res_model': 'collection.agent.location',
            'view_mode': 'list,form',
            'domain': [('id', 'in', track.ids)],
            'context': {'create': False},
        }

    def action_download_geojson(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_url',
            'url': f"/collection_field/track/{self.user_id.id}/{fields.Date.to_string(self.date)}.geojson",
            'target': 'new',
        }
