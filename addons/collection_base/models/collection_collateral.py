from odoo import fields, models


class CollectionCollateral(models.Model):
    _name = 'collection.collateral'
    _description = 'Collateral'
    _inherit = ['mail.thread']
    _order = 'loan_id, id'
    _check_company_auto = True

    name = fields.Char(required=True)
    collateral_type = fields.Selection([
        ('vehicle', 'Vehicle'),
        ('property', 'Property'),
        ('equipment', 'Equipment'),
        ('deposit', 'Deposit'),
        ('other', 'Other'),
    ], string="Type", required=True, default='vehicle')
    loan_id = fields.Many2one('collection.loan', required=True, index=True, ondelete='cascade', check_company=True)
    partner_id = fields.Many2one(related='loan_id.partner_id', store=True, index=True, string="Owner")
    case_id = fields.Many2one(related='loan_id.case_id', store=True, index=True)
    company_id = fields.Many2one(related='loan_id.company_id', store=True)
    currency_id = fields.Many2one(related='loan_id.currency_id')
    source_ref = fields.Char(string="Source Reference", index=True, help="Identifier in the system of record.")
    identifier = fields.Char(
        index='trigram', help="Registration plate, title number or serial number.")
    make = fields.Char()
    model = fields.Char()
    year = fields.Integer()
    value = fields.Monetary(tracking=True)
    valuation_date = fields.Date()
    location = fields.Char()
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    status = fields.Selection([
        ('held', 'Held by customer'),
        ('repossessed', 'Repossessed'),
        ('recovered', 'Recovered'),
        ('released', 'Released'),
        ('sold', 'Sold'),
    ], required=True, default='held', tracking=True)
