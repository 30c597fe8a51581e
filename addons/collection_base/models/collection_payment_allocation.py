from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionPaymentAllocation(models.Model):
    _name = 'collection.payment.allocation'
    _description = 'Payment Allocation'
    _order = 'payment_id, id'

    payment_id = fields.Many2one('collection.payment', required=True, index=True, ondelete='cascade')
    due_id = fields.Many2one('collection.loan.due', index='btree_not_null', ondelete='cascade')
    ptp_id = fields.Many2one('collection.ptp', index='btree_not_null', ondelete='cascade')
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related='payment_id.currency_id')
    company_id = fields.Many2one(related='payment_id.company_id', store=True)
    payment_date = fields.Date(related='payment_id.date', string="Payment Date")
    payment_state = fields.Selection(related='payment_id.state', string="Payment Status")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted_due(self):
        """What a posted payment paid on the instalments is undone by reversing the payment."""
        for line in self:
            if line.due_id and line.payment_id.state == 'posted':
                raise UserError(self.env._(
                    "The instalment allocation of payment %(payment)s is undone by reversing the payment.",
                    payment=line.payment_id.name))

    def unlink(self):
        promises = self.ptp_id
        result = super().unlink()
        promises.exists()._reopen_if_unpaid()
        return result
