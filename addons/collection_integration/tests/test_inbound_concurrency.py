import json
import logging
import threading
import time
import uuid
from datetime import timedelta

import requests

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.fields import Domain
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools.signature import sign_headers
from .gateway_common import SECRET

# how long anything may take on a slow, busy machine before the test gives up
PATIENCE = 90


@tagged('post_install', '-at_install')
class TestInboundConcurrency(HttpCase):
    """The same payment notification posted twice at once (a processor retrying too early, two
    of its workers): one payment, one answer ``created``, the other ``duplicate``.

    For real: two HTTP requests served in parallel by Odoo's server, each in its own database
    transaction. That takes the test server out of test mode (``registry_test_mode``: its requests
    no longer share the test's cursor), so the records are committed for the test and deleted
    afterwards.

    The order is forced, not left to luck: the test locks the loan's row, so the first request,
    once it has inserted its payment, waits to update the loan; the second is sent then, and
    waits on the first's payment (the unique key of source and reference). When the test lets go,
    the first commits; the second meets the unique key, and Odoo replays it: it finds the first
    one's payment and answers ``duplicate``.
    """

    registry_test_mode = False

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8].upper()
        self.reference = f'PSP-{tag}'
        self.ids = self._committed(lambda env: self._create_records(env, tag))
        self.addCleanup(self._committed, self._delete_records)

    def _committed(self, function):
        """``function(env)``, as the superuser, in a transaction of its own that is committed."""
        with self.registry.cursor() as cr:
            return function(api.Environment(cr, SUPERUSER_ID, {}))

    def _create_records(self, env, tag):
        today = fields.Date.context_today(env.user)
        product = env['collection.product'].create({'name': f"Product {tag}", 'code': f'P{tag}',
                                                   'product_type': 'personal'})
        partner = env['res.partner'].create({'name': f"Carla {tag}", 'cif': f'CIF-{tag}',
                                             'company_id': env.company.id})
        loan = env['collection.loan'].create({
            'name': f'ACC-{tag}', 'partner_id': partner.id, 'product_id': product.id, 'principal': 200.0,
            'outstanding_amount': 200.0, 'installment_amount': 100.0,
            'due_ids': [Command.create({'sequence': 1, 'amount_due': 100.0, 'due_date': today - timedelta(days=30)}),
                        Command.create({'sequence': 2, 'amount_due': 100.0, 'due_date': today + timedelta(days=15)})],
        })
        connector = env['collection.connector'].create({'name': f"Processor {tag}", 'code': f'PSP{tag}',
                                                        'system': 'payment'})
        connector.signing_secret = SECRET
        return {'product': product.id, 'partner': partner.id, 'loan': loan.id, 'account': loan.name,
                'case': loan.case_id.id, 'connector': connector.id}

    def _delete_records(self, env):
        ids = self.ids
        payments = env['collection.payment'].search([('loan_id', '=', ids['loan'])])
        env['collection.event'].search(Domain.OR(
            [('res_model', '=', model), ('res_id', 'in', record_ids)] for model, record_ids in (
                ('collection.payment', payments.ids), ('collection.loan', [ids['loan']]),
                ('collection.case', [ids['case']]), ('res.partner', [ids['partner']])))).unlink()
        payments.unlink()
        env['collection.loan'].browse(ids['loan']).unlink()
        env['collection.case'].browse(ids['case']).unlink()
        env['res.partner'].browse(ids['partner']).unlink()
        env['collection.connector'].browse(ids['connector']).unlink()  # and its received messages
        env['collection.product'].browse(ids['product']).unlink()

    def _post_in_thread(self, answers, key):
        """Post the notification from a thread of its own; its answer lands in ``answers[key]``."""
        body = json.dumps({'type': 'payment.succeeded', 'reference': self.reference,
                           'account': self.ids['account'], 'amount': '100.00'}).encode()
        url = f"{self.base_url()}/collection/payment/{self.ids['connector']}"

        def post():
            try:
                answers[key] = requests.post(url, data=body, timeout=PATIENCE, headers=dict(
                    sign_headers(SECRET, body), **{'Content-Type': 'application/json'}))
            except Exception as error:  # noqa: BLE001 - reported by the test
                answers[key] = error

        thread = threading.Thread(target=post, name=f'post {key}', daemon=True)
        thread.start()
        return thread

    def _wait_for_waiter(self, monitor, blocker_pid, thread):
        """The process id of the database session that waits for a lock ``blocker_pid`` holds."""
        deadline = time.monotonic() + PATIENCE
        while True:
            monitor.execute("SELECT pid FROM pg_locks WHERE NOT granted AND %s = ANY(pg_blocking_pids(pid))",
                            [blocker_pid])
            row = monitor.fetchone()
            monitor.rollback()
            if row:
                return row[0]
            if not thread.is_alive() or time.monotonic() > deadline:
                self.fail(f"{thread.name} did not come to wait on session {blocker_pid}")
            time.sleep(0.05)

    def test_same_reference_at_once(self):
        answers = {}
        # the replay is logged (logging.INFO: Odoo gives the name INFO to its level 25 too); the
        # unique key's error, by the database layer
        with self.assertLogs('odoo.service.model', logging.INFO) as replays, mute_logger('odoo.sql_db'), \
                self.registry.cursor() as locker, self.registry.cursor() as monitor:
            try:
                locker.execute("SELECT pg_backend_pid()")
                locker_pid = locker.fetchone()[0]
                locker.execute("SELECT id FROM collection_loan WHERE id = %s FOR NO KEY UPDATE", [self.ids['loan']])
                first = self._post_in_thread(answers, 'first')
                # the first has inserted its payment and waits to update the loan
                first_pid = self._wait_for_waiter(monitor, locker_pid, first)
                second = self._post_in_thread(answers, 'second')
                # the second waits on the first's payment
                self._wait_for_waiter(monitor, first_pid, second)
            finally:
                locker.rollback()
            first.join(PATIENCE)
            second.join(PATIENCE)
        for key in ('first', 'second'):
            self.assertIsInstance(answers.get(key), requests.Response, f"the {key} request: {answers.get(key)}")
            self.assertEqual(answers[key].status_code, 200, answers[key].text)
        first_answer, second_answer = answers['first'].json(), answers['second'].json()
        self.assertEqual((first_answer['status'], second_answer['status']), ('created', 'duplicate'))
        self.assertEqual(second_answer['payment'], first_answer['payment'])
        self.assertTrue(any("ConcurrencyError" in line and "collection_payment_reference_uniq" in line
                            for line in replays.output), "the second request was replayed after the unique key")

        def committed_state(env):
            payments = env['collection.payment'].search([('name', '=', self.reference)])
            messages = env['collection.inbound.message'].search([('connector_id', '=', self.ids['connector'])],
                                                               order='id')
            loan = env['collection.loan'].browse(self.ids['loan'])
            return {
                'payments': [(p.id, p.amount, p.state) for p in payments],
                'messages': [(m.state, m.http_status, m.res_id) for m in messages],
                'paid': loan.due_ids.mapped('amount_paid'),
                'outstanding': loan.outstanding_amount,
            }

        payment_id = first_answer['payment']['id']
        self.assertEqual(self._committed(committed_state), {
            'payments': [(payment_id, 100.0, 'posted')],
            # the replayed request's first try left nothing behind
            'messages': [('done', 200, payment_id), ('duplicate', 200, payment_id)],
            # allocated once
            'paid': [100.0, 0.0],
            'outstanding': 100.0,
        })
