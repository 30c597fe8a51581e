import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.payment import utils as payment_utils

from .gateway_common import CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestPaymentLink(CollectionGatewayHttpCommon):
    """A borrower pays the overdue amount or the next instalment online through a link, with
    Odoo's payment engine (the demo provider stands for Stripe, Razorpay, ...)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref('payment.payment_provider_demo')
        cls.provider.write({'state': 'test', 'is_published': True, 'company_id': cls.company.id})
        cls.env['ir.config_parameter'].sudo().set_param('collection_integration.accept_test_payments', '1')
        cls.customer.email = 'carla@example.com'

    def _send_link(self, purpose='overdue', channel='sms'):
        wizard = self.env['collection.payment.link.send'].with_user(self.agent).create({
            'case_id': self.case.id, 'purpose': purpose, 'channel': channel})
        self.assertEqual(wizard.loan_id, self.loan)
        wizard.action_send()
        return self.case.payment_link_ids.filtered(lambda l: l.state == 'active')

    def _pay_online(self, link, browser_amount=None):
        """What the customer's browser does: open the link, land on the payment form, pay with
        the demo provider; then what the provider's notification does: confirm the transaction."""
        opened = self.url_open(f'/collection/pay/{link.id}?token={link.access_token}', allow_redirects=False)
        self.assertEqual(opened.status_code, 303 if opened.status_code == 303 else 302)
        page = self.url_open(opened.headers['Location'])
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'/collection/pay/transaction/{link.id}/{link.access_token}', page.text)
        query = parse_qs(urlparse(opened.headers['Location']).query)
        processing = self.make_jsonrpc_request(f'/collection/pay/transaction/{link.id}/{link.access_token}', {
            'provider_id': self.provider.id,
            'payment_method_id': self.env.ref('payment_demo.payment_method_demo').id,
            'token_id': None,
            'amount': browser_amount or link.amount,
            'flow': 'direct',
            'tokenization_requested': False,
            'landing_route': '/payment/confirmation',
            'is_validation': False,
            'access_token': query['access_token'][0],
        })
        tx = self.env['payment.transaction'].search([('reference', '=', processing['reference'])])
        tx._process('demo', {'reference': tx.reference, 'simulated_state': 'done'})
        tx._post_process()
        return tx

    def test_pay_overdue_by_link(self):
        link = self._send_link()
        self.assertRecordValues(link, [{'amount': 200.0, 'loan_id': self.loan.id, 'purpose': 'overdue'}])
        sms = self.env['sms.sms'].sudo().search([('mail_message_id.res_id', '=', self.case.id)])
        self.assertIn(f'/collection/pay/{link.id}?token={link.access_token}', sms.body)
        self.assertTrue(self.case.action_ids.filtered(lambda a: a.channel == 'sms'), "logged like any SMS")

        tx = self._pay_online(link, browser_amount=1.0)
        self.assertEqual(tx.amount, 200.0, "the link's amount, not the browser's")
        self.assertEqual(tx.collection_link_id, link)
        payment = tx.collection_payment_id
        self.assertRecordValues(payment, [{'name': tx.reference, 'source_system': 'DEMO', 'amount': 200.0,
                                           'loan_id': self.loan.id, 'channel': 'online', 'state': 'posted'}])
        self.assertRecordValues(link, [{'state': 'paid', 'payment_id': payment.id}])
        self.assertEqual(self.loan.overdue_amount, 0.0)
        self.assertEqual(len(self._events('payment.received', payment)), 1)
        # post-processed again (the cron after the browser's poll): still one payment
        tx.is_post_processed = False
        tx._post_process()
        self.assertEqual(self.env['collection.payment'].search_count([('name', '=', tx.reference)]), 1)
        # the link is used up
        used = self.url_open(f'/collection/pay/{link.id}?token={link.access_token}', allow_redirects=False)
        self.assertEqual(used.status_code, 404)

    def _refund(self, tx, amount):
        """What an accountant does on the transaction (*Refund*), then what the provider's
        confirmation and Odoo's post-processing cron do."""
        known = tx.child_transaction_ids
        tx.action_refund(amount_to_refund=amount)
        refund = tx.child_transaction_ids - known
        self.assertRecordValues(refund, [{'operation': 'refund', 'state': 'done', 'amount': -amount}])
        refund._post_process()
        return refund

    def test_full_refund_reverses_payment(self):
        link = self._send_link()
        tx = self._pay_online(link)
        payment = tx.collection_payment_id
        self.assertRecordValues(self.case, [{'total_overdue': 0.0, 'total_outstanding': 300.0}])
        self.assertFalse(self._events('payment.reversed', payment))

        refund = self._refund(tx, 200.0)
        self.assertEqual(refund.collection_payment_id, payment)
        self.assertRecordValues(payment, [{'state': 'reversed', 'reversal_reason': f"Refunded online ({refund.reference})"}])
        self.assertEqual(self.loan.due_ids.filtered(lambda d: d.due_date < self.today).mapped('amount_paid'), [0.0, 0.0])
        self.assertRecordValues(self.loan, [{'overdue_amount': 200.0, 'outstanding_amount': 500.0}])
        self.assertRecordValues(self.case, [{'total_overdue': 200.0, 'total_outstanding': 500.0}])
        reversed_events = self._events('payment.reversed', payment)
        self.assertEqual(len(reversed_events), 1)
        self.assertEqual(reversed_events.payload['state'], 'reversed')
        self.assertEqual(reversed_events.payload['amount'], 200.0)
        self.assertEqual(link.state, 'paid', "the link was paid; its payment, refunded, is reversed")
        # post-processed again: nothing more
        refund.is_post_processed = False
        refund._post_process()
        self.assertEqual(len(self._events('payment.reversed', payment)), 1)
        self.assertEqual(payment.state, 'reversed')

    def test_partial_refunds(self):
        link = self._send_link()
        tx = self._pay_online(link)
        payment = tx.collection_payment_id
        notes = self.case.message_ids

        first = self._refund(tx, 50.0)
        self.assertEqual(payment.state, 'posted', "a partial refund is the agent's to settle")
        note = self.case.message_ids - notes
        self.assertEqual(len(note), 1)
        self.assertIn(f"of payment {payment.name} was refunded online ({first.reference})", note.body)
        self.assertIn("reverse or adjust the payment by hand", note.body)
        self.assertRecordValues(self.case, [{'total_overdue': 0.0, 'total_outstanding': 300.0}])
        self.assertFalse(self._events('payment.reversed', payment))
        # post-processed again: no second note
        first.is_post_processed = False
        first._post_process()
        self.assertEqual(self.case.message_ids - notes, note)

        # the rest refunded: the refunds add up to the payment, which is reversed
        second = self._refund(tx, 150.0)
        self.assertRecordValues(payment, [{
            'state': 'reversed', 'reversal_reason': f"Refunded online ({first.reference}, {second.reference})"}])
        self.assertRecordValues(self.case, [{'total_overdue': 200.0, 'total_outstanding': 500.0}])
        self.assertEqual(len(self._events('payment.reversed', payment)), 1)

    def test_refund_of_reversed_payment(self):
        """A payment the agent already reversed by hand is left as it is."""
        link = self._send_link()
        tx = self._pay_online(link)
        payment = tx.collection_payment_id
        payment.action_reverse("Chargeback announced by the bank")
        self._refund(tx, 200.0)
        self.assertRecordValues(payment, [{'state': 'reversed', 'reversal_reason': "Chargeback announced by the bank"}])
        self.assertEqual(len(self._events('payment.reversed', payment)), 1)
        self.assertRecordValues(self.case, [{'total_overdue': 200.0, 'total_outstanding': 500.0}])

    def test_next_instalment_by_email(self):
        link = self._send_link(purpose='instalment', channel='email')
        self.assertEqual(link.amount, 100.0)
        mails = self.env['mail.mail'].sudo().search([('model', '=', 'collection.case'), ('res_id', '=', self.case.id)])
        self.assertTrue(any(f'/collection/pay/{link.id}?token={link.access_token}' in mail.body_html for mail in mails))
        # a newer link replaces it
        newer = self._send_link(purpose='overdue', channel='sms')  # the daily email cap is 1
        self.assertEqual(link.state, 'cancelled')
        self.assertEqual(self.case.collection_pay_link_url, newer.url)

    def test_refused_links(self):
        link = self._send_link()
        forged = self.url_open(f'/collection/pay/{link.id}?token=guess', allow_redirects=False)
        self.assertEqual(forged.status_code, 404)
        self.assertIn("no longer valid", forged.text)
        link.expiry_date = self.today - timedelta(days=1)
        self.assertEqual(self.url_open(f'/collection/pay/{link.id}?token={link.access_token}').status_code, 404)
        # nothing to pay: no link
        self.loan.due_ids.write({'amount_paid': 100.0})
        self.env['collection.loan']._recompute_delinquency(self.loan.ids)
        with self.assertRaisesRegex(UserError, "no overdue amount"):
            self._send_link()
        # the contact policy decides
        self.customer.is_do_not_contact = True
        with self.assertRaisesRegex(UserError, "blocked"):
            self._send_link(purpose='instalment')

    def test_test_mode_payments_not_recorded(self):
        self.env['ir.config_parameter'].sudo().set_param('collection_integration.accept_test_payments', '0')
        link = self._send_link()
        tx = self._pay_online(link)
        self.assertEqual(tx.state, 'done')
        self.assertFalse(tx.collection_payment_id)
        self.assertEqual(link.state, 'active')
        self.assertTrue(re.search("test mode: no payment recorded", self.case.message_ids[0].body))

    def test_access_token_checked(self):
        link = self._send_link()
        with self.assertRaises(Exception):
            self.make_jsonrpc_request(f'/collection/pay/transaction/{link.id}/{link.access_token}', {
                'provider_id': self.provider.id, 'payment_method_id': None, 'token_id': None, 'amount': 200.0,
                'flow': 'direct', 'tokenization_requested': False, 'landing_route': '/payment/confirmation',
                'is_validation': False,
                'access_token': payment_utils.generate_access_token(self.customer.id, 1.0, self.currency.id),
            })
        self.assertFalse(link.transaction_ids)
