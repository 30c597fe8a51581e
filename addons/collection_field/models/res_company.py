from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = 'res.company'

    collection_field_geofence_radius = fields.Integer(
        string="Geofence Radius (m)", default=150,
        help="A check-in farther than this from the visit's address is outside the geofence.")
    collection_field_accuracy_threshold = fields.Integer(
        string="Accuracy Threshold (m)", default=100,
        help="A position whose reported accuracy is worse (larger) than this is flagged.")
    collection_field_max_speed_kmh = fields.Integer(
        string="Impossible Speed (km/h)", default=150,
        help="Two consecutive positions of an agent implying a faster move are flagged.")
    collection_field_future_tolerance = fields.Integer(
        string="Clock Tolerance (s)", default=300,
        help="Device times later than the server's time by more than this are refused.")
    collection_field_retention_days = fields.Integer(
        string="Position Retention (days)", default=90,
        help="Location pings older than this are deleted by a scheduled action.")
    collection_field_cash_limit = fields.Monetary(
        string="Cash Limit per Agent", default=1000.0, currency_field='currency_id',
        help="Cash an agent may hold in custody at most; no more cash is collected above it.")
    collection_field_nearby_radius = fields.Integer(
        string="Nearby Radius (m)", default=2000,
        help="Default radius of the search for nearby customers with overdue amounts.")

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._collection_field_create_receipt_sequences()
        return companies

    @api.model
    def _collection_field_create_receipt_sequences(self):
        """Give each company (``self``, else every company) its own cash receipt sequence.

        A new sequence starts after the last number of the shared one, so that no company gets
        a number it already used while companies shared it."""
        companies = self or self.search([])
        Sequence = self.env['ir.sequence'].sudo()
        numbered = Sequence.search([
            ('code', '=', 'collection.cash.receipt'), ('company_id', 'in', companies.ids)]).company_id
        shared = self.env.ref('collection_field.seq_collection_cash_receipt', raise_if_not_found=False)
        Sequence.create([{
            'name': self.env._("Field Cash Receipt (%(company)s)", company=company.name),
            'code': 'collection.cash.receipt',
            'prefix': 'RC/%(year)s/',
            'padding': 6,
            'company_id': company.id,
            'number_next': shared.number_next_actual if shared else 1,
        } for company in companies - numbered])

    @api.constrains('collection_field_geofence_radius', 'collection_field_accuracy_threshold',
                    'collection_field_max_speed_kmh', 'collection_field_future_tolerance',
                    'collection_field_retention_days', 'collection_field_cash_limit',
                    'collection_field_nearby_radius')
    def _check_collection_field_settings(self):
        for company in self:
            values = [company.collection_field_geofence_radius, company.collection_field_accuracy_threshold,
                      company.collection_field_max_speed_kmh, company.collection_field_retention_days,
                      company.collection_field_nearby_radius]
            if min(values) <= 0 or company.collection_field_future_tolerance < 0 \
                    or company.collection_field_cash_limit < 0:
                raise ValidationError(self.env._(
                    "Field settings of %(company)s: radii, thresholds, speed and retention must be positive, "
                    "the clock tolerance and the cash limit cannot be negative.", company=company.name))
