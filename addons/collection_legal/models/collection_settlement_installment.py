from odoo import api, fields, models
from odoo.exceptions import UserError


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

    # ------------------------------------------------------------
    # CRUD: the schedule is the offer's, fixed once submitted
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        installments = super().create(vals_list)
        installments._check_schedule_editable()
        return installments

    def write(self, vals):
        self._check_schedule_editable()
        result = super().write(vals)
        if 'settlement_id' in vals:
            self._check_schedule_editable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_fixed_schedule(self):
        self._check_schedule_editable()

    def _check_schedule_editable(self):
        """Only an offer's schedule changes by hand: once submitted, the approval covers it, and
        afterwards payments (as superuser) fill it in."""
        if self.env.su:
            return
        fixed = self.settlement_id.filtered(lambda s: s.state != 'draft')
        if fixed:
            labels = dict(fixed._fields['state']._description_selection(self.env))
            raise UserError(self.env._(
                "Settlement %(name)s is %(state)s: its schedule is fixed and its instalments cannot be added, "
                "changed or deleted.", name=fixed[0].name, state=labels[fixed[0].state]))
