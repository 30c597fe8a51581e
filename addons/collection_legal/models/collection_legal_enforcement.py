from odoo import fields, models


class CollectionLegalEnforcement(models.Model):
    _name = 'collection.legal.enforcement'
    _description = 'Enforcement Step'
    _inherit = ['collection.legal.line.mixin']

    step_type = fields.Selection([
        ('garnishment', 'Wage garnishment'),
        ('bank_freeze', 'Bank account freeze'),
        ('seizure', 'Seizure of assets'),
        ('auction', 'Judicial auction'),
        ('other', 'Other'),
    ], string="Step", required=True, default='garnishment')
    description = fields.Char()
    bailiff_id = fields.Many2one('res.partner', string="Bailiff")
    state = fields.Selection([
        ('planned', 'Planned'),
        ('done', 'Done'),
        ('failed', 'Failed'),
    ], required=True, default='planned')
    amount_recovered = fields.Monetary()
