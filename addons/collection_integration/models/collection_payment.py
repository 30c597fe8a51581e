import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from odoo.addons.collection_base.models.collection_ptp import PTP_CHANNELS

from ..tools.inbound import InboundError, invalid, read_amount, read_choice, read_datetime, read_str

PROCESSOR_EVENTS = ('payment.succeeded', 'payment.failed', 'payment.reversed')


class CollectionPayment(models.Model):
    """Payments in: events for subscribers, a notification to the case's agent, the processor's
    notifications (controllers/inbound.py) and the external API's ``api_post_payment``."""

    _inherit = 'collection.payment'

    # ------------------------------------------------------------------
    # CRUD hooks: outbox events and the agent's notification
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        posted = payments.filtered(lambda p: p.state == 'posted')
        self.env['collection.event']._emit_each('payment.received', posted, lambda p: p._get_event_payload())
        posted._notify_agent()
        return payments

    def write(self, vals):
        reversing = self.filtered(lambda p: p.state != 'reversed') if vals.get('state') == 'reversed' else self.browse()
        result = super().write(vals)
        self.env['collection.event']._emit_each('payment.reversed', reversing, lambda p: p._get_event_payload())
        return result

    def _get_event_payload(self):
        self.ensure_one()
        return {
            'reference': self.name,
            'source': self.source_system,
            'account': self.loan_id.name,
            'loan_source': self.loan_id.source_system,
            'case_id': self.case_id.id,
            'cif': self.partner_id.cif or None,
            'amount': self.amount,
            'currency': self.currency_id.name,
            'date': fields.Date.to_string(self.date),
            'channel': self.channel,
            'state': self.state,
            'reversal_reason': self.reversal_reason or None,
        }

    def _notify_agent(self):
        """Tell the agent of each payment's case at once, in the web client (Odoo's bus)."""
        for payment in self:
            agent = payment.case_id.user_id
            if not agent or agent == self.env.user:
                continue
            agent._bus_send('simple_notification', {
                'type': 'success',
                'title': self.env._("Payment received"),
                'message': self.env._(
                    "%(customer)s paid %(amount)s on %(account)s (%(case)s).",
                    customer=payment.partner_id.name,
                    amount=formatLang(self.env, payment.amount, currency_obj=payment.currency_id),
                    account=payment.loan_id.name, case=payment.case_id.name),
                'sticky': False,
            })

    # ------------------------------------------------------------------
    # Payment processor notifications (POST /collection/payment/<connector>)
    # ------------------------------------------------------------------

    @api.model
    def _receive_processor_notification(self, connector, payload):
        """Apply one notification of a payment processor, idempotently by its reference.

        :return: ``(answer, payment)``; raises :class:`InboundError` for what cannot be applied
        """
        kind = read_choice(payload, 'type', PROCESSOR_EVENTS)
        reference = read_str(payload, 'reference', max_length=100)
        reason = read_str(payload, 'reason', required=False, max_length=500)
        company = connector.company_id
        payment = self.search([
            ('source_system', '=', connector.code), ('name', '=', reference), ('company_id', '=', company.id),
        ], limit=1)
        if kind == 'payment.reversed':
            return self._receive_reversal(payment, reference, reason)
        state = 'posted' if kind == 'payment.succeeded' else 'failed'
        vals = self._read_processor_payment(connector, payload, reference)
        if payment:
            same = payment.state == state and payment.currency_id.compare_amounts(payment.amount, vals['amount']) == 0 \
                and payment.loan_id.id == vals['loan_id']
            if not same:
                raise InboundError(409, 'conflict', (
                    f"Payment {reference} is already recorded as {payment.state} for {payment.amount} on "
                    f"{payment.loan_id.name}; send a payment.reversed notification to undo it."), field='reference')
            return payment._get_inbound_answer('duplicate'), payment
        vals.update(state=state, failure_reason=reason if state == 'failed' else False)
        payment, created = self._register_payment(vals)
        return payment._get_inbound_answer('created' if created else 'duplicate'), payment

    def _receive_reversal(self, payment, reference, reason):
        if not payment:
            raise InboundError(422, 'unknown_payment', f"No payment {reference} from this processor to reverse.",
                               field='reference')
        if payment.state == 'reversed':
            return payment._get_inbound_answer('duplicate'), payment
        if payment.state != 'posted':
            raise InboundError(409, 'conflict', f"Payment {reference} failed; there is nothing to reverse.",
                               field='reference')
        payment.action_reverse(reason or self.env._("Reversed by the payment processor"))
        return payment._get_inbound_answer('reversed'), payment

    @api.model
    def _read_processor_payment(self, connector, payload, reference):
        """The ``collection.payment`` values of a notification, checked field by field."""
        account = read_str(payload, 'account', max_length=100)
        loan_source = read_str(payload, 'loan_source', required=False, max_length=30)
        amount = read_amount(payload, 'amount')
        currency = read_str(payload, 'currency', required=False, max_length=3, pattern=r'[A-Za-z]{3}')
        paid_at = read_datetime(payload, 'paid_at', required=False)
        channel = read_choice(payload, 'channel', dict(PTP_CHANNELS), required=False, default='online')
        if paid_at and paid_at > fields.Datetime.now() + datetime.timedelta(days=1):
            raise invalid('paid_at', "'paid_at' is in the future.")
        loan = self._find_loan(connector.company_id, account, loan_source)
        if currency and currency.upper() != loan.currency_id.name:
            raise invalid('currency', f"'currency' {currency.upper()} is not the currency of loan {account} ({loan.currency_id.name}).",
                          code='currency_mismatch')
        return {
            'name': reference,
            'source_system': connector.code,
            'loan_id': loan.id,
            'amount': amount,
            'date': paid_at.date() if paid_at else fields.Date.context_today(self),
            'channel': channel,
        }

    @api.model
    def _find_loan(self, company, account, loan_source=None, field='account'):
        domain = [('name', '=', account), ('company_id', '=', company.id)]
        if loan_source:
            domain.append(('source_system', '=', loan_source))
        loans = self.env['collection.loan'].search(domain, limit=2)
        if not loans:
            raise InboundError(422, 'unknown_account', f"No loan with account number {account}.", field=field)
        if len(loans) > 1:
            raise invalid(field, f"Account number {account} exists in several source systems; send 'loan_source'.",
                          code='ambiguous_account')
        return loans

    @api.model
    def _find_loan_for_reconciliation(self, company, account):
        try:
            return self._find_loan(company, account)
        except InboundError as error:
            raise UserError(error.message) from None

    def _get_inbound_answer(self, status):
        self.ensure_one()
        return {
            'status': status,
            'payment': {
                'id': self.id, 'reference': self.name, 'state': self.state, 'amount': self.amount,
                'currency': self.currency_id.name, 'account': self.loan_id.name,
            },
        }

    # ------------------------------------------------------------------
    # External API (docs/integration.md)
    # ------------------------------------------------------------------

    @api.model
    def api_post_payment(self, reference, account, amount, date=None, channel='bank_transfer', source='api',
                         loan_source=None):
        """Record a payment received by another system, once per (source, reference).

        :param reference: the payment's reference in ``source`` (the idempotency key)
        :param account: the loan's account number; ``loan_source`` when it exists in several systems
        :param date: ``YYYY-MM-DD``, today by default
        :return: ``{'id', 'created', 'state'}``; ``created`` is False when the reference was known
        """
        self.check_access('create')
        if not reference or not account:
            raise UserError(self.env._("A payment needs a reference and a loan account number."))
        domain = [('name', '=', account)] + ([('source_system', '=', loan_source)] if loan_source else [])
        loans = self.env['collection.loan'].search(domain, limit=2)
        if len(loans) != 1:
            raise UserError(self.env._(
                "Payment %(reference)s: %(problem)s account number %(account)s.", reference=reference, account=account,
                problem=self.env._("no loan you may access has the") if not loans else self.env._("several loans have the")))
        if channel not in dict(PTP_CHANNELS):
            raise UserError(self.env._("Payment %(reference)s: unknown channel %(channel)s.",
                                       reference=reference, channel=channel))
        # the loan was found with the caller's rights; allocating to instalments and promises is
        # the system's doing (the caller may record payments, not edit loans)
        payment, created = self.sudo()._register_payment({
            'name': reference, 'source_system': source or 'api', 'loan_id': loans.id, 'amount': amount,
            'date': date or fields.Date.context_today(self), 'channel': channel,
        })
        return {'id': payment.id, 'created': created, 'state': payment.state}

    def api_reverse_payment(self, reason):
        """Reverse these posted payments (external API); needs the right to write payments."""
        self.check_access('write')
        if not reason:
            raise UserError(self.env._("A reversal needs a reason."))
        self.action_reverse(reason)
        return True
