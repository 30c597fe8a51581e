from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    collection_ptp_grace_days = fields.Integer(related='company_id.collection_ptp_grace_days', readonly=False)
    collection_ptp_max_days = fields.Integer(related='company_id.collection_ptp_max_days', readonly=False)
    collection_ptp_plan_max_days = fields.Integer(related='company_id.collection_ptp_plan_max_days', readonly=False)
    collection_ptp_min_percent = fields.Float(related='company_id.collection_ptp_min_percent', readonly=False)
    collection_ptp_max_per_period = fields.Integer(
        related='company_id.collection_ptp_max_per_period', readonly=False)
    collection_ptp_broken_limit = fields.Integer(related='company_id.collection_ptp_broken_limit', readonly=False)
    collection_ptp_broken_period_days = fields.Integer(
        related='company_id.collection_ptp_broken_period_days', readonly=False)
    collection_ptp_reminder_days = fields.Integer(related='company_id.collection_ptp_reminder_days', readonly=False)
