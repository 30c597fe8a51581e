from odoo import fields, models


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
