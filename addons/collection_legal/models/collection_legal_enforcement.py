from odoo import fields, models


class CollectionLegalEnforcement(models.Model):
    _name = 'collection.legal.enforcement'
    _description = 'Enforcement Step'
    _order = 'date, id'

    legal_case_id = fields.Many2one('collection.legal.case', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='legal_case_id.company_id', store=True)
    currency_id = fields.Many2one(related='legal_case_id.currency_id')
    date = fields.Date(required=True, default=fields.Date.context_today)
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
