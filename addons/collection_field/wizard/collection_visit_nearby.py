from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools.geo import haversine_m
from ..tools.payload import ItemError, parse_position

MAX_RADIUS = 50000
# "Add to today" trusts the agent's stored position (ping or check-in) of the last 30 minutes only
POSITION_MAX_AGE = timedelta(minutes=30)


class CollectionVisitNearby(models.TransientModel):
    _name = 'collection.visit.nearby'
    _description = 'Nearby Customers'

    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    accuracy = fields.Float(string="Accuracy (m)")
    radius = fields.Integer(string="Radius (m)", default=lambda self: self.env.company.collection_field_nearby_radius)
    line_ids = fields.One2many('collection.visit.nearby.line', 'wizard_id', string="Customers")
    position_note = fields.Char(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        last = self.env.user._get_last_field_positions().get(self.env.uid)
        if last and 'latitude' in fields_list:
            values.update(latitude=last['latitude'], longitude=last['longitude'], accuracy=last['accuracy'],
                          position_note=self.env._("Last known position, %(time)s UTC",
                                                   time=fields.Datetime.to_string(last['device_time'])))
        return values

    def action_search(self):
        self.ensure_one()
        try:
            parse_position({'latitude': self.latitude, 'longitude': self.longitude, 'accuracy': self.accuracy})
        except ItemError as error:
            raise UserError(self.env._("Position: %(field)s %(reason)s.", field=error.field, reason=error.reason)) from None
        if not 0 < self.radius <= MAX_RADIUS:
            raise UserError(self.env._("The radius must be positive and at most %(max)s m.", max=MAX_RADIUS))
        found = self.env['collection.case']._search_nearby(self.latitude, self.longitude, self.radius)
        cases = self.env['collection.case'].sudo().browse([row['case_id'] for row in found])
        addresses = self.env['collection.visit']._get_address_points(cases)
        Point = self.env['collection.contact.point'].sudo()
        planned = set(self.env['collection.visit'].sudo().search([
            ('case_id', 'in', cases.ids), ('date', '=', fields.Date.context_today(self)),
            ('state', 'in', ('planned', 'checked_in'))]).case_id.ids)
        self.line_ids = [(5, 0, 0)] + [(0, 0, {
            'case_id': row['case_id'],
            'customer': case.partner_id.name,
            'address': Point.browse(addresses.get(case.id)).street or '',
            'overdue': format_amount(self.env, case.total_overdue, case.currency_id),
            'distance': round(row['distance']),
            'is_planned': case.id in planned,
        }) for row, case in zip(found, cases)]
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'name': self.env._("Nearby Customers"),
        }


class CollectionVisitNearbyLine(models.TransientModel):
    _name = 'collection.visit.nearby.line'
    _description = 'Nearby Customer'
    _order = 'distance, id'

    wizard_id = fields.Many2one('collection.visit.nearby', required=True, ondelete='cascade')
    case_id = fields.Integer(string="Case", readonly=True)
    customer = fields.Char(readonly=True)
    address = fields.Char(readonly=True)
    overdue = fields.Char(readonly=True)
    distance = fields.Integer(string="Distance (m)", readonly=True)
    is_planned = fields.Boolean(string="On a Route Today", readonly=True)

    def action_add_to_route(self):
        """Add this customer to the current agent's route of today."""
        self.ensure_one()
        case = self.env['collection.case'].sudo().browse(self.case_id).exists()
        if not case or case.company_id not in self.env.companies:
            raise UserError(self.env._("This case no longer exists."))
        self._check_near_agent(case)
        visits, skipped = self.env['collection.visit']._plan_visits(
            case, fields.Date.context_today(self), origin='nearby', user=self.env.user)
        if skipped:
            raise UserError(self.env._("%(customer)s cannot be visited today: %(reason)s.",
                                       customer=self.customer, reason=skipped[case.id]))
        self.is_planned = True
        return {
            'type': 'ir.actions.act_window',
            'res_model': self.wizard_id._name,
            'res_id': self.wizard_id.id,
            'view_mode': 'form',
            'target': 'new',
            'name': self.env._("Nearby Customers"),
        }

    def _check_near_agent(self, case):
        """The case must lie within the company's nearby radius of the agent's last stored
        position (a ping or a check-in of the last 30 minutes), not of the position typed in the
        form: an agent puts on their route only the customers they are really near."""
        user = self.env.user
        last = user._get_last_field_positions().get(user.id)
        max_age = int(POSITION_MAX_AGE.total_seconds() // 60)
        if not last or last['device_time'] < fields.Datetime.now() - POSITION_MAX_AGE:
            raise UserError(self.env._(
                "%(case)s cannot be added to today: no position of yours was received in the last %(minutes)s "
                "minutes. Use your position (or check in at a visit) and try again.",
                case=case.display_name, minutes=max_age))
        if last['is_mock_location']:
            raise UserError(self.env._(
                "%(case)s cannot be added to today: your last position came from a mock location.",
                case=case.display_name))
        point = self.env['collection.contact.point'].sudo().browse(
            self.env['collection.visit']._get_address_points(case).get(case.id))
        if not point or not (point.latitude or point.longitude):
            raise UserError(self.env._("%(case)s cannot be added to today: its address has no position.",
                                       case=case.display_name))
        radius = case.company_id.collection_field_nearby_radius
        distance = haversine_m(last['latitude'], last['longitude'], point.latitude, point.longitude)
        if distance > radius:
            raise UserError(self.env._(
                "%(case)s is %(distance)s m from your last position (%(time)s UTC); only customers within "
                "%(radius)s m of it can be added to today.",
                case=case.display_name, distance=round(distance), radius=radius,
                time=fields.Datetime.to_string(last['device_time'])))
