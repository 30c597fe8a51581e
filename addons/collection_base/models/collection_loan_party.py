from odoo import fields, models


class CollectionLoanParty(models.Model):
    _name = 'collection.loan.party'
    _description = 'Loan Co-borrower or Guarantor'
    _order = 'loan_id, role, id'

    loan_id = fields.Many2one('collection.loan', required=True, index=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string="Person", required=True, index=True)
    role = fields.Selection([
        ('co_borrower', 'Co-borrower'),
        ('guarantor', 'Guarantor'),
    ], required=True, default='guarantor')
    relation = fields.Char(help="Relation to the obligor, e.g. spouse, parent, business partner.")
    company_id = fields.Many2one(related='loan_id.company_id', store=True)

    _loan_partner_role_uniq = models.Constraint(
        'unique(loan_id, partner_id, role)', "This person already has this role on the loan.")
