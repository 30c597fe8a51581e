import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)

TEST_PAYMENTS_PARAM = 'collection_integration.accept_test_payments'


class PaymentTransaction(models.Model):
    """Online payments of collection payment links become collection payments."""

    _inherit = 'payment.transaction'

    collection_link_id = fields.Many2one('collection.payment.link', string="Collection Payment Link",
                                         index='btree_not_null', readonly=True)
    collection_case_id = fields.Many2one(related='collection_link_id.case_id', string="Collection Case")
    collection_payment_id = fields.Many2one('collection.payment', readonly=True, index='btree_not_null')

    def _post_process(self):
        super()._post_process()
        for tx in self.filtered(lambda t: t.state == 'done' and not t.collection_payment_id):
            if tx.operation == 'refund' and tx.source_transaction_id.collection_payment_id:
                tx._collection_refund()
            elif tx.collection_link_id and tx.operation != 'refund':
                tx._collection_register_payment()

    def _collection_accepts(self):
        """Payments made with a provider in test mode are fake: recorded only where allowed."""
        self.ensure_one()
        if self.provider_id.state != 'test':
            return True
        return self.env['ir.config_parameter'].sudo().get_param(TEST_PAYMENTS_PARAM) in ('1', 'True', 'true')

    def _collection_register_payment(self):
        self.ensure_one()
        link = self.collection_link_id.sudo()
        if not self._collection_accepts():
            link.case_id.message_post(body=self.env._(
                "Transaction %(ref)s was made with %(provider)s in test mode: no payment recorded.",
                ref=self.reference, provider=self.provider_id.name))
            return
        payment, _created = self.env['collection.payment'].sudo()._register_payment({
            'name': self.reference,
            'source_system': (self.provider_code or 'online').upper(),
            'loan_id': link.loan_id.id,
            'amount': self.amount,
            'date': (self.last_state_change or fields.Datetime.now()).date(),
            'channel': 'online',
        })
        self.collection_payment_id = payment
        link._mark_paid(payment)

    def _collection_refund(self):
        """A refund of a link's payment: once the refunds of the transaction add up to the whole
        payment, the payment is reversed; a partial refund is noted on the case for the agent
        (the dues it paid stay paid until the agent reverses or adjusts the payment)."""
        self.ensure_one()
        source = self.source_transaction_id
        payment = source.collection_payment_id.sudo()
        # the refund is handled once: post-processing it again changes nothing
        self.collection_payment_id = payment
        if payment.state != 'posted':
            return
        refunds = source.child_transaction_ids.filtered(lambda t: t.operation == 'refund' and t.state == 'done')
        refunded = -sum(refunds.mapped('amount'))
        if payment.currency_id.compare_amounts(refunded, payment.amount) >= 0:
            payment.action_reverse(self.env._("Refunded online (%(ref)s)", ref=', '.join(refunds.mapped('reference'))))
        else:
            payment.case_id.message_post(body=self.env._(
                "%(amount)s of payment %(payment)s was refunded online (%(ref)s), %(refunded)s of %(total)s in all;"
                " reverse or adjust the payment by hand.",
                amount=self.currency_id.format(-self.amount), payment=payment.name, ref=self.reference,
                refunded=payment.currency_id.format(refunded), total=payment.currency_id.format(payment.amount)))
