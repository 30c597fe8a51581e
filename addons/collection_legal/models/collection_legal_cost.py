from odoo import fields, models


class CollectionLegalCost(models.Model):
    _name = 'collection.legal.cost'
    _description = 'Legal Cost'
    _inherit = ['collection.legal.line.mixin']

    cost_type = fields.Selection([
        ('court_fee', 'Court fee'),
        ('lawyer_fee', 'Lawyer fee'),
        ('enforcement', 'Enforcement'),
        ('other', 'Other'),
    ], string="Type", required=True, default='court_fee')
    description = fields.Char()
    amount = fields.Monetary(required=True)
