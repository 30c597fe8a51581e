from odoo import api, fields, models


class CollectionPaymentAllocate(models.TransientModel):
    """Managers count a payment for a promise by hand (see ``collection.payment._allocate_to_promise``)."""
    _name = 'collection.payment.allocate'
    _description = 'Allocate a Payment to a Promise'

    ptp_id = fields.Many2one('collection.ptp', string="Promise", required=True)
    case_id = fields.Many2one(related='ptp_id.case_id')
    currency_id = fields.Many2one(related='ptp_id.currency_id')
    ptp_amount_remaining = fields.Monetary(related='ptp_id.amount_remaining', string="Promise Remaining")
    payment_id = fields.Many2one(
        'collection.payment', string="Payment", required=True,
        domain="[('case_id', '=', case_id), ('state', '=', 'posted')]")
    payment_unallocated = fields.Monetary(
        compute='_compute_payment_unallocated', string="Not Allocated to Promises")
    amount = fields.Monetary(
        compute='_compute_amount', store=True, readonly=False, precompute=True, required=True)

    @api.depends('payment_id')
    def _compute_payment_unallocated(self):
        for wizard in self:
            wizard.payment_unallocated = (
                wizard.payment_id._get_amount_unallocated_to_promises() if wizard.payment_id else 0.0)

    @api.depends('payment_id', 'ptp_id')
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = max(min(wizard.payment_unallocated, wizard.ptp_amount_remaining), 0.0)

    def action_confirm(self):
        self.ensure_one()
        self.payment_id._allocate_to_promise(self.ptp_id, self.amount)
        return {'type': 'ir.actions.act_window_close'}
