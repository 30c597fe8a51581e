from odoo import fields, models
from odoo.exceptions import UserError

from .collection_payment_reconciliation import DISCREPANCY_KINDS


class CollectionPaymentReconciliationLine(models.Model):
    """One difference between the processor's settlement file and Odoo."""

    _name = 'collection.payment.reconciliation.line'
    _description = 'Payment Reconciliation Discrepancy'
    _order = 'reconciliation_id, kind, reference'
    _rec_name = 'reference'

    reconciliation_id = fields.Many2one(
        'collection.payment.reconciliation', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='reconciliation_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='reconciliation_id.currency_id')
    kind = fields.Selection(DISCREPANCY_KINDS, required=True)
    reference = fields.Char()
    account = fields.Char()
    file_amount = fields.Monetary()
    odoo_amount = fields.Monetary()
    file_state = fields.Char(string="File Status")
    odoo_state = fields.Char(string="Odoo Status")
    file_date = fields.Date()
    payment_id = fields.Many2one('collection.payment', index='btree_not_null', ondelete='set null')
    note = fields.Char()
    is_resolved = fields.Boolean(string="Resolved")

    def action_create_payment(self):
        """Record the payments the file lists and Odoo misses (the notification was lost)."""
        Payment = self.env['collection.payment']
        Payment.check_access('create')
        for line in self:
            if line.kind != 'missing_in_odoo' or line.payment_id:
                raise UserError(self.env._("Line %(ref)s is not a payment missing in Odoo.", ref=line.reference))
            recon = line.reconciliation_id
            loan = Payment._find_loan_for_reconciliation(recon.company_id, line.account)
            payment, _created = Payment._register_payment({
                'name': line.reference, 'source_system': recon.connector_id.code, 'loan_id': loan.id,
                'amount': line.file_amount, 'date': line.file_date, 'channel': 'online',
                'state': 'posted' if line.file_state == 'posted' else 'failed',
            })
            if line.file_state == 'reversed':
                payment.action_reverse(self.env._("Reversed according to the settlement file %(file)s",
                                                  file=recon.file_name or recon.name))
            line.write({'payment_id': payment.id, 'is_resolved': True})
        return True

    def action_mark_resolved(self):
        self.write({'is_resolved': True})
