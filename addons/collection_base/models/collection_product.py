from odoo import fields, models


class CollectionProduct(models.Model):
    _name = 'collection.product'
    _description = 'Loan Product'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    product_type = fields.Selection([
        ('personal', 'Personal loan'),
        ('auto', 'Auto loan'),
        ('mortgage', 'Mortgage'),
        ('card', 'Credit card'),
        ('sme', 'SME loan'),
        ('telco', 'Telco arrears'),
        ('invoice', 'Trade invoice'),
    ], required=True, default='personal')
    company_id = fields.Many2one('res.company', default=lambda self: self.env.company)
    has_collateral = fields.Boolean(help="Loans of this product are secured by a collateral.")
    loan_count = fields.Integer(compute='_compute_loan_count')

    _code_company_uniq = models.Constraint(
        'unique(code, company_id)', "A product code must be unique per company.")

    def _compute_loan_count(self):
        counts = dict(self.env['collection.loan']._read_group(
            [('product_id', 'in', self.ids)], ['product_id'], ['__count']))
        for product in self:
            product.loan_count = counts.get(product, 0)
