from odoo import api, fields, models


class CollectionSettlementInstallment(models.Model):
    _name = 'collection.settlement.installment'
    _description = 'Settlement Instalment'
    _order = 'settlement_id, due_date, sequence, id'

    settlement_id = fields.Many2one('collection.settlement', required=True, index=True, ondelete='cascade')
    case_id = fields.Many2one(related='settlement_id.case_id', store=True, index=True)
    company_id = fields.Many2one(related='settlement_id.company_id', store=True)
    currency_id = fields.Many2one(related='settlement_id.currency_id')
    sequence = fields.Integer(string="No.")
    due_date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True, copy=False)
    amount_residual = fields.Monetary(string="Due", compute='_compute_state', store=True)
    state = fields.Selection([
        ('open', 'Open'),
        ('partial', 'Partly paid'),
        ('paid', 'Paid'),
    ], compute='_compute_state', store=True)
    is_missed = fields.Boolean(string="Missed", readonly=True, copy=False)

    @api.depends('amount', 'amount_paid')
    def _compute_state(self):
        for installment in self:
            installment.amount_residual = max(installment.amount - installment.amount_paid, 0.0)
            currency = installment.currency_id or self.env.company.currency_id
            if currency.is_zero(installment.amount_residual):
                installment.state = 'paid'
            elif installment.amount_paid:
                installment.state = 'partial'
            else:
                installment.state = 'open'
