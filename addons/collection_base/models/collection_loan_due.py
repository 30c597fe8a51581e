from odoo import api, fields, models


class CollectionLoanDue(models.Model):
    _name = 'collection.loan.due'
    _description = 'Loan Instalment Due'
    _order = 'loan_id, due_date, id'

    loan_id = fields.Many2one('collection.loan', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='loan_id.company_id', store=True)
    currency_id = fields.Many2one(related='loan_id.currency_id')
    sequence = fields.Integer(string="Instalment No.")
    due_date = fields.Date(required=True)
    amount_due = fields.Monetary(required=True)
    amount_paid = fields.Monetary()
    amount_residual = fields.Monetary(compute='_compute_amount_residual', store=True)
    state = fields.Selection([
        ('open', 'Open'),
        ('partial', 'Partly paid'),
        ('paid', 'Paid'),
    ], compute='_compute_amount_residual', store=True)

    _loan_unpaid_idx = models.Index('(loan_id, due_date) WHERE amount_residual > 0')

    @api.depends('amount_due', 'amount_paid')
    def _compute_amount_residual(self):
        for due in self:
            due.amount_residual = max(due.amount_due - due.amount_paid, 0.0)
            if not due.amount_paid:
                due.state = 'open'
            elif due.amount_residual > 0:
                due.state = 'partial'
            else:
                due.state = 'paid'
