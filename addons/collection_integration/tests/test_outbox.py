from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..tools.signature import verify_signature
from .gateway_common import SECRET, CollectionGatewayCommon


@tagged('post_install', '-at_install')
class TestOutboxEvents(CollectionGatewayCommon):
    """The events written when money, promises, assignments and contacts change."""

    def _pay(self, reference, amount):
        payment, _created = self.env['collection.payment']._register_payment({
            'name': reference, 'loan_id': self.loan.id, 'amount': amount, 'source_system': 'T24'})
        return payment

    def test_payment_events(self):
        payment = self._pay('P-1', 100.0)
        event = self._events('payment.received', payment)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.company_id, self.company)
        self.assertEqual(event.payload, {
            'reference': 'P-1', 'source': 'T24', 'account': 'ACC-001', 'loan_source': 'manual',
            'case_id': self.case.id, 'cif': 'CIF001', 'amount': 100.0, 'currency': self.currency.name,
            'date': fields.Date.to_string(self.today), 'channel': 'bank_transfer', 'state': 'posted',
            'reversal_reason': None,
        })
        self.assertEqual(event.state, 'pending')
        payment.action_reverse("bounced")
        reversed_event = self._events('payment.reversed', payment)
        self.assertEqual(reversed_event.payload['reversal_reason'], "bounced")
        failed, _created = self.env['collection.payment']._register_payment({
            'name': 'P-F', 'loan_id': self.loan.id, 'amount': 10.0, 'state': 'failed'})
        self.assertFalse(self._events('payment.received', failed))

    def test_promise_events(self):
        Ptp = self.env['collection.ptp']
        kept = Ptp.create({'case_id': self.case.id, 'amount': 50.0, 'date': self.today + timedelta(days=3)})
        broken = Ptp.create({'case_id': self.case.id, 'amount': 40.0, 'date': self.today - timedelta(days=10),
                             'recorded_date': self.today - timedelta(days=12)})
        self.assertEqual(len(self._events('ptp.created', kept | broken)), 2)
        self._pay('P-2', 50.0)
        self.assertEqual(kept.state, 'kept')
        self.assertEqual(self._events('ptp.kept', kept).payload['amount_paid'], 50.0)
        Ptp._evaluate_due_promises(today=self.today)
        self.assertEqual(broken.state, 'broken')
        self.assertEqual(len(self._events('ptp.broken', broken)), 1)
        self.assertFalse(self._events('ptp.broken', kept))

    def test_evaluation_events(self):
        """The daily evaluation settles promises in one UPDATE: its kept and broken promises still
        get their events, once each."""
        Ptp = self.env['collection.ptp']
        day = self.today - timedelta(days=10)
        covered, broken = Ptp.create([{
            'case_id': self.case.id, 'amount': amount, 'date': day, 'recorded_date': day - timedelta(days=2),
        } for amount in (100.0, 40.0)])
        self.env['collection.payment']._register_payment({
            'name': 'P-E', 'loan_id': self.loan.id, 'amount': 60.0, 'date': day, 'source_system': 'T24'})
        covered.amount = 50.0  # covered now, settled by the evaluation
        self.assertEqual((covered.state, covered.amount_paid), ('open', 60.0))
        Ptp._evaluate_due_promises(today=self.today)
        self.assertEqual((covered.state, broken.state), ('kept', 'broken'))
        kept_event = self._events('ptp.kept', covered)
        self.assertEqual(len(kept_event), 1)
        self.assertEqual((kept_event.payload['state'], kept_event.payload['amount_paid']), ('kept', 60.0))
        self.assertEqual(len(self._events('ptp.broken', broken)), 1)
        self.assertFalse(self._events('ptp.broken', covered) | self._events('ptp.kept', broken))

    def test_assignment_and_contact_events(self):
        before = self._events('case.assigned', self.case)
        self.case.user_id = self.agent_2
        event = self._events('case.assigned', self.case) - before
        self.assertEqual(len(event), 1)
        self.assertEqual((event.payload['agent'], event.payload['previous_agent']), ('col_agent2', 'col_agent'))
        self.case.write({'user_id': self.agent_2.id, 'priority': '2'})
        self.assertEqual(self._events('case.assigned', self.case) - before, event, "same agent: no new event")

        point = self.customer.contact_point_ids
        point.action_mark_wrong_number()
        created, updated = self._events('contact.updated', point).sorted('id')
        self.assertEqual((created.payload['change'], created.payload['state']), ('created', 'unverified'))
        self.assertEqual((updated.payload['change'], updated.payload['state']), ('updated', 'wrong_number'))
        point.note = "called twice"
        self.assertEqual(len(self._events('contact.updated', point)), 2, "a note alone is not an event")
        new_point = self.env['collection.contact.point'].create({
            'partner_id': self.customer.id, 'kind': 'email', 'value': 'carla@example.com'})
        self.assertEqual(self._events('contact.updated', new_point).payload['change'], 'created')

    def test_strategy_assignment_events(self):
        """A strategy run assigns cases in SQL; each case it gives another agent is told once."""
        team = self.env['collection.team'].create({'name': "Second line", 'member_ids': [(6, 0, self.agent_2.ids)]})
        strategy = self.env['collection.strategy'].create({
            'name': "To the second line", 'domain': str([('id', '=', self.case.id)]), 'schedule_type': 'manual'})
        strategy.champion_treatment_ids.write({'team_id': team.id, 'assign_method': 'round_robin'})
        before = self._events('case.assigned', self.case)
        strategy._run()
        event = self._events('case.assigned', self.case) - before
        self.assertEqual(self.case.user_id, self.agent_2)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.payload, self.case._get_assignment_payload(self.agent))
        self.assertEqual(event.payload['previous_agent'], 'col_agent')
        strategy._run()
        self.assertEqual(self._events('case.assigned', self.case) - before, event, "same agent: no new event")


@tagged('post_install', '-at_install')
class TestEventDelivery(CollectionGatewayCommon):
    """Webhooks: signed posts, retries with growing waits, dead letters, delivery log."""

    def setUp(self):
        super().setUp()
        # what the fixtures emitted happened before any webhook existed
        self.Event.search([('state', '=', 'pending')]).write({'state': 'no_subscriber', 'is_dispatched': True})
        self.server = self._start_recorder()
        self.hook = self._create_connector('webhook', 'CRM', endpoint_url=self.server.url + '/hooks/collection',
                                           webhook_max_attempts=3, webhook_retry_minutes=2)
        self.hook.event_type_ids = self.env.ref('collection_integration.collection_event_type_payment_received')
        self.Delivery = self.env['collection.event.delivery']

    def _due_now(self):
        """Move the scheduled retries to now, as if their time had come."""
        self.Delivery.search([('state', '=', 'pending')]).write({'next_try': fields.Datetime.now() - timedelta(seconds=1)})

    def test_signed_delivery(self):
        all_events = self._create_connector('webhook', 'DWH', endpoint_url=self.server.url + '/dwh')
        payment, _created = self.env['collection.payment']._register_payment({
            'name': 'P-1', 'loan_id': self.loan.id, 'amount': 100.0, 'source_system': 'T24'})
        self.case.user_id = self.agent_2
        self.assertEqual(self.Event._deliver_due(), 3, "payment to both webhooks, assignment to the catch-all one")

        self.assertEqual(sorted(r.path for r in self.server.requests), ['/dwh', '/dwh', '/hooks/collection'])
        request = next(r for r in self.server.requests if r.path == '/hooks/collection')
        self.assertEqual(request.headers['X-Collection-Event'], 'payment.received')
        verify_signature(SECRET, request.body, request.headers['X-Collection-Timestamp'],
                         request.headers['X-Collection-Signature'], window=60)
        event = self._events('payment.received', payment)
        body = request.json
        self.assertEqual(body['id'], event.id)
        self.assertEqual(body['event'], 'payment.received')
        self.assertEqual(body['record'], {'model': 'collection.payment', 'id': payment.id})
        self.assertEqual(body['data']['reference'], 'P-1')
        self.assertEqual(body['delivery']['attempt'], 1)
        self.assertEqual(request.headers['X-Collection-Event-Id'], str(event.id))

        self.assertEqual(event.state, 'sent')
        self.assertEqual(event.delivery_ids.connector_id, self.hook | all_events)
        self.assertEqual(set(event.delivery_ids.mapped('state')), {'sent'})
        attempt = event.delivery_ids.attempt_ids[:1]
        self.assertTrue(attempt.is_success)
        self.assertEqual(attempt.status_code, 200)
        self.assertEqual(self.Event._deliver_due(), 0, "delivered once")

    def test_unsubscribed_events(self):
        self.case.user_id = self.agent_2
        event = self._events('case.assigned', self.case)[:1]
        self.assertEqual(event.state, 'pending')
        self.Event._deliver_due()
        self.assertEqual(event.state, 'no_subscriber')
        self.assertFalse(self.server.requests)

    def test_retries_then_dead_letter(self):
        self.server.respond(500, {'error': 'down'})
        self.server.respond(503, {'error': 'maintenance'})
        self.server.respond(200)
        payment, _created = self.env['collection.payment']._register_payment({
            'name': 'P-1', 'loan_id': self.loan.id, 'amount': 100.0})
        event = self._events('payment.received', payment)
        before = fields.Datetime.now()
        self.Event._deliver_due()
        delivery = event.delivery_ids
        self.assertRecordValues(delivery, [{'state': 'pending', 'attempt_count': 1, 'last_status_code': 500}])
        self.assertAlmostEqual(delivery.next_try, before + timedelta(minutes=2), delta=timedelta(seconds=30))
        self.assertEqual(self.Event._deliver_due(), 0, "not due yet")
        self._due_now()
        before = fields.Datetime.now()
        self.Event._deliver_due()
        self.assertRecordValues(delivery, [{'state': 'pending', 'attempt_count': 2, 'last_status_code': 503}])
        self.assertAlmostEqual(delivery.next_try, before + timedelta(minutes=4), delta=timedelta(seconds=30))
        self._due_now()
        self.Event._deliver_due()
        self.assertRecordValues(delivery, [{'state': 'sent', 'attempt_count': 3, 'last_status_code': 200}])
        self.assertEqual(delivery.attempt_ids.mapped('status_code'), [200, 503, 500])
        self.assertEqual([r.json['delivery']['attempt'] for r in self.server.requests], [1, 2, 3])
        self.assertEqual(event.state, 'sent')

        # a receiver that stays down: dead letter after the third attempt, sent again by hand
        self.server.handler = lambda request: (500, {'error': 'down'})
        payment_2, _created = self.env['collection.payment']._register_payment({
            'name': 'P-2', 'loan_id': self.loan.id, 'amount': 10.0})
        event_2 = self._events('payment.received', payment_2)
        for _attempt in range(3):
            self.Event._deliver_due()
            self._due_now()
        self.assertRecordValues(event_2.delivery_ids, [{'state': 'dead', 'attempt_count': 3, 'next_try': False}])
        self.assertEqual(event_2.state, 'dead')
        self.Event._deliver_due()
        self.assertEqual(event_2.delivery_ids.attempt_count, 3, "a dead letter is not retried")
        self.server.handler = None
        event_2.delivery_ids.with_user(self.env.ref('base.user_admin')).action_retry()
        self.assertEqual(event_2.state, 'pending')
        self.Event._deliver_due()
        self.assertEqual(event_2.delivery_ids.state, 'sent')
        self.assertEqual(event_2.state, 'sent')

    def test_unreachable_receiver(self):
        self.server.stop()
        self.env['collection.payment']._register_payment({'name': 'P-1', 'loan_id': self.loan.id, 'amount': 10.0})
        self.Event._deliver_due()
        delivery = self.Delivery.search([('connector_id', '=', self.hook.id)])
        self.assertEqual(delivery.state, 'pending')
        self.assertEqual(delivery.last_status_code, 0)
        self.assertIn('ConnectionError', delivery.last_error)
        self.assertFalse(delivery.attempt_ids.is_success)
        self.server = self._start_recorder()  # the cleanup stops a running one

    def test_company_isolation(self):
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        other_hook = self._create_connector('webhook', 'OTHER', endpoint_url=self.server.url + '/other',
                                            company_id=other_company.id)
        self.env['collection.payment']._register_payment({'name': 'P-1', 'loan_id': self.loan.id, 'amount': 10.0})
        self.Event._deliver_due()
        self.assertEqual([r.path for r in self.server.requests], ['/hooks/collection'])
        self.assertFalse(self.Delivery.search([('connector_id', '=', other_hook.id)]))
