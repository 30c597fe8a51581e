from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .gateway_common import CollectionGatewayCommon

ROLE = 'collection_base.collection_base_group_'


@tagged('post_install', '-at_install')
class TestRecordRules(CollectionGatewayCommon):
    """Who sees which records of the integration: an agent those of his own cases, a supervisor
    those of his team's cases, a manager all of his company's, nobody another company's; received
    messages and event deliveries (technical records) only the collection administrators of
    their company.

    The portfolio: Carla's case (Agnes) and Dora's (Bruno) in Sara's team, Lars's (Olaf) in Otto's
    team, and Olga's (Oscar) at another lender of the same database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_other_team()
        cls.case_2 = cls._create_loan(cls._create_customer("Dora Debtor", 'CIF002'), 'ACC-002', 1).case_id
        cls.case_2.write({'user_id': cls.agent_2.id, 'team_id': cls.team.id})
        cls.case_late = cls._create_loan(cls._create_customer("Lars Late", 'CIF003'), 'ACC-003', 3).case_id
        cls.case_late.write({'user_id': cls.other_agent.id, 'team_id': cls.other_team.id})
        cls.admin = new_test_user(cls.env, 'col_admin', groups=ROLE + 'admin', name="Ada Admin")
        cls.api_user = new_test_user(cls.env, 'col_api', groups='collection_integration.collection_integration_group_api',
                                     name="Call centre integration")
        # another lender in the same database, with its own people
        cls.company_b = cls.env['res.company'].create({'name': "Other Lender", 'country_id': cls.env.ref('base.us').id})

        def user_b(login, role, name):
            return new_test_user(cls.env, login, groups=ROLE + role, name=name, company_id=cls.company_b.id,
                                 company_ids=[Command.set(cls.company_b.ids)])

        cls.agent_b = user_b('col_agent_b', 'agent', "Oscar Agent")
        cls.supervisor_b = user_b('col_super_b', 'supervisor', "Sven Supervisor")
        cls.manager_b = user_b('col_manager_b', 'manager', "Mona Manager")
        cls.admin_b = user_b('col_admin_b', 'admin', "Abel Admin")
        partner_b = cls.env['res.partner'].create({'name': "Olga Other", 'cif': 'CIF900', 'company_id': cls.company_b.id})
        loan_b = cls.env['collection.loan'].with_company(cls.company_b).create(dict(
            cls._prepare_loan_vals(partner_b, 'ACC-900', 1),
            company_id=cls.company_b.id, currency_id=cls.company_b.currency_id.id))
        cls.case_b = loan_b.case_id
        team_b = cls.env['collection.team'].create({
            'name': "Other collections", 'company_id': cls.company_b.id, 'supervisor_id': cls.supervisor_b.id,
            'member_ids': [Command.set(cls.agent_b.ids)]})
        cls.case_b.write({'user_id': cls.agent_b.id, 'team_id': team_b.id})
        cls.cases = cls.case | cls.case_2 | cls.case_late | cls.case_b

    @classmethod
    def _connectors(cls, system, **values):
        """A connector of ``system`` for each of the two companies."""
        code = system.upper()[:6]
        return (cls._create_connector(system, code, **values),
                cls._create_connector(system, code + 'B', company_id=cls.company_b.id, **values))

    def _connector_of(self, connectors, company):
        return next(connector for connector in connectors if connector.company_id == company)

    def _by_case(self, records):
        return {record.case_id: record for record in records}

    def _assert_visibility(self, records, expected):
        """Each user of ``expected`` finds exactly the given records among ``records`` (and reads
        them), and is refused the others, or is refused the model altogether (``AccessError``)."""
        for user, visible in expected.items():
            with self.subTest(model=records._name, user=user.name):
                as_user = records.with_user(user)
                if visible is AccessError:
                    with self.assertRaises(AccessError):
                        as_user.search([('id', 'in', records.ids)])
                    with self.assertRaises(AccessError):
                        as_user[:1].read(['create_date'])
                    continue
                self.assertEqual(sorted(as_user.search([('id', 'in', records.ids)]).ids), sorted(visible.ids))
                visible.with_user(user).read(['create_date'])
                for hidden in records - visible:
                    with self.assertRaises(AccessError):
                        hidden.with_user(user).read(['create_date'])

    def _assert_case_rules(self, records):
        """``records`` (one per case, on field ``case_id``) follow the case's rules."""
        of = self._by_case(records)
        self._assert_visibility(records, {
            self.agent: of[self.case],
            self.agent_2: of[self.case_2],
            self.other_agent: of[self.case_late],
            self.supervisor: of[self.case] | of[self.case_2],
            self.other_supervisor: of[self.case_late],
            self.manager: of[self.case] | of[self.case_2] | of[self.case_late],
            self.agent_b: of[self.case_b],
            self.supervisor_b: of[self.case_b],
            self.manager_b: of[self.case_b],
            self.api_user: AccessError,
        })

    def test_payment_link(self):
        links = self.env['collection.payment.link'].create([
            {'case_id': case.id, 'loan_id': case.loan_ids.id} for case in self.cases])
        self._assert_case_rules(links)
        # what an agent may change, only on his cases
        own = links.filtered(lambda link: link.case_id == self.case)
        own.with_user(self.agent).action_cancel()
        self.assertEqual(own.state, 'cancelled')
        with self.assertRaises(AccessError):
            links.filtered(lambda link: link.case_id == self.case_2).with_user(self.agent).write({'state': 'cancelled'})

    def test_whatsapp_message(self):
        connectors = self._connectors('whatsapp')
        template = self.env['collection.whatsapp.template'].create({
            'name': "Overdue reminder", 'template_name': 'overdue_reminder', 'language': 'en_US'})
        messages = self.env['collection.whatsapp.message'].create([{
            'case_id': case.id, 'connector_id': self._connector_of(connectors, case.company_id).id,
            'template_id': template.id, 'number': f'+1202555{index:04d}',
        } for index, case in enumerate(self.cases)])
        self._assert_case_rules(messages)

    def test_call_record(self):
        """Calls are the supervisors' (their team's calls and the company's unmatched ones, to
        review); agents see the actions the calls became, not the call records."""
        connectors = self._connectors('call_center')
        Call = self.env['collection.call.record']

        def call(call_id, company, case=None):
            return Call.create({
                'connector_id': self._connector_of(connectors, company).id, 'call_id': call_id,
                'number': '+12025550199', 'started_at': fields.Datetime.now(), 'disposition': 'answered',
                'case_id': case.id if case else False, 'state': 'matched' if case else 'unmatched'})

        of = {case: call(f'CALL-{case.id}', case.company_id, case) for case in self.cases}
        unmatched, unmatched_b = call('CALL-X', self.company), call('CALL-XB', self.company_b)
        self._assert_visibility(Call.concat(*of.values(), unmatched, unmatched_b), {
            self.agent: AccessError,
            self.agent_b: AccessError,
            self.api_user: AccessError,
            self.supervisor: of[self.case] | of[self.case_2] | unmatched,
            self.other_supervisor: of[self.case_late] | unmatched,
            self.manager: of[self.case] | of[self.case_2] | of[self.case_late] | unmatched,
            self.supervisor_b: of[self.case_b] | unmatched_b,
            self.manager_b: of[self.case_b] | unmatched_b,
        })

    def test_technical_records(self):
        """Received messages and event deliveries (and their attempts) are for collection
        administrators only, each his company's."""
        call_centres = self._connectors('call_center')
        Inbound = self.env['collection.inbound.message']
        inbound = Inbound.create([{'connector_id': connector.id, 'kind': 'call', 'reference': f'CALL-{connector.code}',
                                   'payload': {'call_id': f'CALL-{connector.code}'}} for connector in call_centres])
        # events of each company and one of no company (a customer shared by the companies),
        # dispatched to each company's webhook
        webhooks = self._connectors('webhook', endpoint_url='http://127.0.0.1:9/')
        Event = self.env['collection.event']
        events = Event._emit('case.assigned', self.case | self.case_b, payload={}) | Event._emit('contact.updated')
        Event._dispatch_pending()
        deliveries = self.env['collection.event.delivery'].search([
            ('event_id', 'in', events.ids), ('connector_id', 'in', [webhook.id for webhook in webhooks])])
        self.assertEqual(len(deliveries), 4, "each company's event to its webhook, the shared one to both")
        # a delivery belongs to the company of its webhook, whatever the event's
        for delivery in deliveries:
            self.assertEqual(delivery.company_id, delivery.connector_id.company_id)
        attempts = self.env['collection.event.attempt'].create([
            {'delivery_id': delivery.id, 'status_code': 500, 'error': "Server error"} for delivery in deliveries])
        for records in (inbound, deliveries, attempts):
            of_a = records.filtered(lambda record: record.company_id == self.company)
            self._assert_visibility(records, {
                self.agent: AccessError,
                self.supervisor: AccessError,
                self.manager: AccessError,
                self.api_user: AccessError,
                self.manager_b: AccessError,
                self.admin: of_a,
                self.admin_b: records - of_a,
            })
