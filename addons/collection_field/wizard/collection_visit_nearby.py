from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools.geo import haversine_m
from ..tools.payload import ItemError, parse_position

MAX_RADIUS = 50000


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
        # the line is the agent's own record: check again that the customer is near the position
        wizard = self.wizard_id
        point = self.env['collection.contact.point'].sudo().browse(
            self.env['collection.visit']._get_address_points(case).get(case.id))
        if not point or not 0 < wizard.radius <= MAX_RADIUS or haversine_m(
                wizard.latitude, wizard.longitude, point.latitude, point.longitude) > wizard.radius:
            raise UserError(self.env._("%(customer)s is not near your position.", customer=self.customer))
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
