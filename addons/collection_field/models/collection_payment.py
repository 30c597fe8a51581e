from odoo import fields, models
from odoo.exceptions import UserError


class CollectionPayment(models.Model):
    _inherit = 'collection.payment'

    custody_state = fields.Selection([
        ('custody', 'In custody'),
        ('final', 'Final'),
    ], string="Cash Custody", readonly=True, copy=False, tracking=True, index='btree_not_null',
        help="Field cash: held by the agent until a deposit reconciles its receipt, then final.")

    def action_reverse(self, reason=None):
        final = self.filtered(lambda p: p.custody_state == 'final')
        if final:
            raise UserError(self.env._(
                "Payment %(ref)s comes from a reconciled cash receipt and is final.", ref=final[0].name))
        return super().action_reverse(reason=reason)
