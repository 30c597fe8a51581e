from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    collection_field_currency_id = fields.Many2one(related='company_id.currency_id', string="Field Currency")

    collection_field_geofence_radius = fields.Integer(
        related='company_id.collection_field_geofence_radius', readonly=False)
    collection_field_accuracy_threshold = fields.Integer(
        related='company_id.collection_field_accuracy_threshold', readonly=False)
    collection_field_max_speed_kmh = fields.Integer(
        related='company_id.collection_field_max_speed_kmh', readonly=False)
    collection_field_future_tolerance = fields.Integer(
        related='company_id.collection_field_future_tolerance', readonly=False)
    collection_field_retention_days = fields.Integer(
        related='company_id.collection_field_retention_days', readonly=False)
    collection_field_cash_limit = fields.Monetary(
        related='company_id.collection_field_cash_limit', readonly=False, currency_field='collection_field_currency_id')
    collection_field_nearby_radius = fields.Integer(
        related='company_id.collection_field_nearby_radius', readonly=False)
