from odoo import fields, models


class CollectionLegalCost(models.Model):
    _name = 'collection.legal.cost'
    _description = 'Legal Cost'
    _order = 'date, id'

    legal_case_id = fields.Many2one('collection.legal.case', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='legal_case_id.company_id', store=True)
    currency_id = fields.Many2one(related='legal_case_id.currency_id')
    date = fields.Date(required=True, default=fields.Date.context_today)
    cost_type = fields.Selection([
        ('court_fee', 'Court fee'),
        ('lawyer_fee', 'Lawyer fee'),
        ('enforcement', 'Enforcement'),
        ('other', 'Other'),
    ], string="Type", required=True, default='court_fee')
    description = fields.Char()
    amount = fields.Monetary(required=True)
