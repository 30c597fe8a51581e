import hashlib
import hmac
import json
import time
from datetime import date, timedelta

from odoo import fields
from odoo.tests import HttpCase

from odoo.addons.collection_base.tests.common import CollectionTestCommon

from ..tools.signature import sign_headers
from .http_recorder import HttpRecorder

SECRET = 'test-signing-secret'


def picture_values(rows, keys):
    """The rows of a customer's picture (``collection_get_picture``, called in Python or through an
    API) reduced to ``keys``: relations to their id, dates to ``YYYY-MM-DD``."""
    def value(field_value):
        if isinstance(field_value, (list, tuple)):
            return field_value[0]
        if isinstance(field_value, date):
            return fields.Date.to_string(field_value)
        return field_value
    return [{key: value(row[key]) for key in keys} for row in rows]


class CollectionGatewayCommon(CollectionTestCommon):
    """The collection fixtures (a case of Carla Customer on loan ACC-001 with two overdue
    instalments of 100, worked by Agnes Agent) and gateway helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Connector = cls.env['collection.connector']
        cls.Event = cls.env['collection.event']
        # contact at any hour and day, whenever the suite runs (the policy's rules are tested in
        # collection_base; here they must not depend on the clock)
        cls.env['collection.contact.policy'].search([]).write({
            'hour_from': 0.0, 'hour_to': 24.0, 'allow_saturday': True, 'allow_sunday': True})

    @classmethod
    def _create_connector(cls, system, code, **values):
        connector = cls.Connector.create(dict({
            'name': f"{system} {code}", 'code': code, 'system': system,
        }, **values))
        connector.signing_secret = values.get('signing_secret', SECRET)
        return connector

    @classmethod
    def _create_history(cls):
        """What a customer's picture holds besides loans and contact points: the car securing
        ACC-001, a call 25 days ago in which Carla promised 40 for 20 days ago, and the payment of
        40 that kept the promise (paid on the oldest instalment, which keeps 60 to pay).

        :return: ``(collateral, action, promise, payment)``
        """
        collateral = cls.env['collection.collateral'].create({
            'loan_id': cls.loan.id, 'name': "Toyota Corolla", 'collateral_type': 'vehicle', 'identifier': 'KDA 123A',
            'value': 9000.0})
        promise = cls.env['collection.ptp'].create({
            'case_id': cls.case.id, 'amount': 40.0, 'date': cls.today - timedelta(days=20),
            'recorded_date': cls.today - timedelta(days=25), 'channel': 'bank_transfer'})
        action = cls.env['collection.action'].create({
            'case_id': cls.case.id, 'action_type_id': cls.call.id, 'result_code_id': cls.code_ptp.id,
            'ptp_id': promise.id, 'user_id': cls.agent.id, 'state': 'posted', 'note': "Pays 40 by transfer",
            'date': fields.Datetime.now() - timedelta(days=25), 'contact_point_id': cls.customer.contact_point_ids.id})
        payment, _created = cls.env['collection.payment']._register_payment({
            'name': 'T24-PAY-1', 'source_system': 'T24', 'loan_id': cls.loan.id, 'amount': 40.0,
            'date': cls.today - timedelta(days=21), 'channel': 'bank_transfer'})
        return collateral, action, promise, payment

    def _assert_picture_history(self, picture, history):
        """``picture`` shows, with their values, the records ``_create_history`` returned."""
        collateral, action, promise, payment = history
        bank_mobile = self.customer.contact_point_ids.filtered(lambda p: p.source == 'bank')

        def day(days):
            return fields.Date.to_string(self.today + timedelta(days=days))

        expected = {
            'collateral': [{'id': collateral.id, 'loan_id': self.loan.id, 'name': "Toyota Corolla",
                            'collateral_type': 'vehicle', 'identifier': 'KDA 123A', 'value': 9000.0}],
            'actions': [{'id': action.id, 'case_id': self.case.id, 'action_type_id': self.call.id,
                         'result_code_id': self.code_ptp.id, 'user_id': self.agent.id, 'ptp_id': promise.id,
                         'contact_point_id': bank_mobile.id, 'note': "Pays 40 by transfer"}],
            'promises': [{'id': promise.id, 'case_id': self.case.id, 'amount': 40.0, 'date': day(-20), 'state': 'kept',
                          'amount_paid': 40.0, 'amount_remaining': 0.0, 'channel': 'bank_transfer'}],
            'payments': [{'id': payment.id, 'loan_id': self.loan.id, 'name': 'T24-PAY-1', 'source_system': 'T24',
                          'amount': 40.0, 'date': day(-21), 'state': 'posted'}],
            'contacts': [{'id': bank_mobile.id, 'kind': 'mobile', 'phone_e164': '+12025550101', 'source': 'bank',
                          'is_primary': True, 'is_do_not_call': False}],
            # the payment went to the oldest instalment; the other four are unpaid
            'dues': [{'loan_id': self.loan.id, 'due_date': day(days), 'amount_residual': residual}
                     for days, residual in ((-60, 60.0), (-30, 100.0), (15, 100.0), (45, 100.0), (75, 100.0))],
        }
        for part, rows in expected.items():
            with self.subTest(part=part):
                self.assertEqual(picture_values(picture[part], rows[0]), rows)

    def _start_recorder(self):
        recorder = HttpRecorder().start()
        self.addCleanup(recorder.stop)
        return recorder

    def _events(self, name, records=None):
        domain = [('name', '=', name)]
        if records is not None:
            domain += [('res_model', '=', records._name), ('res_id', 'in', records.ids)]
        return self.Event.search(domain)


class CollectionGatewayHttpCommon(CollectionGatewayCommon, HttpCase):
    """The same, with Odoo's HTTP server, and signed JSON posts to it."""

    def _post(self, path, payload, secret=SECRET, timestamp=None, headers=None, sign=True):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        all_headers = {'Content-Type': 'application/json'}
        if sign:
            all_headers.update(sign_headers(secret, body, timestamp=timestamp if timestamp is not None else time.time()))
        all_headers.update(headers or {})
        return self.url_open(path, data=body, headers=all_headers)

    def _post_meta(self, path, payload, secret=SECRET):
        """A post signed the way Meta signs the WhatsApp webhook (``X-Hub-Signature-256``, the
        HMAC of the raw body: no timestamp)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signature = 'sha256=' + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self._post(path, body, sign=False, headers={'X-Hub-Signature-256': signature})
