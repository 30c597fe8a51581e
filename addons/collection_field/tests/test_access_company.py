from odoo.tests import new_test_user, tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon

GROUP = 'collection_base.collection_base_group_'


@tagged('post_install', '-at_install')
class TestFieldAccessCompanies(FieldTestCommon):
    """The field records (visits, routes, receipts, deposits, events, positions) per company, and
    per team: a field agent working for two companies, a manager and a supervisor of each company,
    and the supervisor of another team of the first company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env['res.company'].create({'name': "Second Lender"})
        cls.field_agent.write({'company_ids': [(4, cls.company_2.id)]})
        only_2 = {'company_id': cls.company_2.id, 'company_ids': [(6, 0, cls.company_2.ids)]}
        cls.manager_c2 = new_test_user(cls.env, 'col_manager_c2', groups=GROUP + 'manager', name="Mia Second", **only_2)
        cls.supervisor_c2 = new_test_user(cls.env, 'col_super_c2', groups=GROUP + 'supervisor', name="Sid Second",
                                          **only_2)
        cls.team_c2 = cls.env['collection.team'].create({
            'name': "Field Second", 'supervisor_id': cls.supervisor_c2.id, 'company_id': cls.company_2.id,
            'member_ids': [(6, 0, cls.field_agent.ids)],
        })
        env_2 = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company_2.ids))
        partner = env_2['res.partner'].create({'name': "Zoe Second", 'cif': 'F-Z', 'company_id': cls.company_2.id})
        env_2['collection.contact.point'].create({
            'partner_id': partner.id, 'kind': 'address', 'value': "Zoe's home", 'company_id': cls.company_2.id,
            'latitude': HOME_LAT + 0.015, 'longitude': HOME_LON, 'is_primary': True})
        cls.case_2 = env_2['collection.loan'].create({
            'name': 'ACC-F-Z', 'partner_id': partner.id, 'product_id': cls.product.id, 'principal': 100,
            'outstanding_amount': 100, 'installment_amount': 50, 'company_id': cls.company_2.id,
            'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 50})],
        }).case_id
        cls.case_south = cls._create_field_case("Dora South", 'F-D', HOME_LAT - 0.05, HOME_LON, 'Bay')
        cls.visit_1 = cls.Visit.create({'case_id': cls.case_a.id, 'user_id': cls.field_agent.id})
        cls.visit_2 = cls.Visit.create({'case_id': cls.case_2.id, 'user_id': cls.field_agent.id})
        cls.visit_south = cls.Visit.create({'case_id': cls.case_south.id, 'user_id': cls.field_agent_3.id})

    def _seen(self, user, model, companies=None):
        env = self.env(user=user)
        if companies:
            env = env(context=dict(env.context, allowed_company_ids=companies.ids))
        return env[model].search([])

    def assertSees(self, user, model, expected, companies=None):
        self.assertEqual(self._seen(user, model, companies), expected, f"{user.name} {model}")

    def test_visits_and_routes_per_company(self):
        self.assertEqual((self.visit_1.company_id, self.visit_2.company_id), (self.company, self.company_2))
        self.assertEqual(self.visit_2.team_id, self.team_c2)
        # one route per agent, day and company
        route_1, route_2 = self.visit_1.route_id, self.visit_2.route_id
        self.assertNotEqual(route_1, route_2)
        self.assertEqual((route_1.company_id, route_2.company_id), (self.company, self.company_2))
        self.assertEqual((route_1.visit_ids, route_2.visit_ids), (self.visit_1, self.visit_2))
        self.assertEqual((route_1.user_id, route_1.date), (route_2.user_id, route_2.date))
        for model, first, second in (('collection.visit', self.visit_1, self.visit_2),
                                     ('collection.route', route_1, route_2)):
            self.assertSees(self.manager, model, first | self.visit_south if model == 'collection.visit'
                            else first | self.visit_south.route_id)
            self.assertSees(self.manager_c2, model, second)
            self.assertSees(self.supervisor, model, first)
            self.assertSees(self.supervisor_c2, model, second)
            self.assertSees(self.field_agent, model, first, companies=self.company)
            self.assertSees(self.field_agent, model, second, companies=self.company_2)
            self.assertSees(self.field_agent, model, first | second, companies=self.company | self.company_2)
        # the cases follow the visits, company by company
        self.assertSees(self.field_agent, 'collection.case', self.case_2, companies=self.company_2)
        self.assertSees(self.field_agent, 'collection.case', self.case_a, companies=self.company)

    def test_cash_events_and_positions_per_company_and_team(self):
        for visit, agent, latitude in ((self.visit_1, self.field_agent, HOME_LAT + 0.01),
                                       (self.visit_2, self.field_agent, HOME_LAT + 0.015),
                                       (self.visit_south, self.field_agent_3, HOME_LAT - 0.05)):
            self._check_in(visit, agent, latitude, HOME_LON)
            result = self._record_outcome(visit, agent, code='CASH', cash_amount=20.0)
            self.assertEqual(result['accepted'], 1, result)
        receipt_1, receipt_2, receipt_south = (self.visit_1.receipt_id, self.visit_2.receipt_id,
                                               self.visit_south.receipt_id)
        self.assertEqual((receipt_1.company_id, receipt_2.company_id), (self.company, self.company_2))
        Deposit = self.env['collection.cash.deposit']
        deposit_1 = Deposit.with_user(self.field_agent).create({'branch': "Main", 'deposited_amount': 20.0})
        deposit_2 = Deposit.with_user(self.field_agent).with_company(self.company_2).create({
            'branch': "Second Main", 'deposited_amount': 20.0})
        deposit_south = Deposit.with_user(self.field_agent_3).create({'branch': "Bay", 'deposited_amount': 20.0})
        self.assertEqual((deposit_1.receipt_ids, deposit_2.receipt_ids, deposit_2.company_id),
                         (receipt_1, receipt_2, self.company_2))
        self.assertEqual(deposit_south.receipt_ids, receipt_south)
        events = self.env['collection.field.event'].search([])
        events_1 = events.filtered(lambda e: e.visit_id == self.visit_1)
        events_2 = events.filtered(lambda e: e.visit_id == self.visit_2)
        events_south = events.filtered(lambda e: e.user_id == self.field_agent_3)
        self.assertEqual(set(events_2.mapped('event_type')), {'check_in', 'outcome', 'receipt'})
        self.assertEqual(events_2.company_id, self.company_2)
        for model, first, second, south in (
                ('collection.cash.receipt', receipt_1, receipt_2, receipt_south),
                ('collection.cash.deposit', deposit_1, deposit_2, deposit_south),
                ('collection.field.event', events_1, events_2, events_south)):
            self.assertSees(self.manager, model, first | south)
            self.assertSees(self.manager_c2, model, second)
            self.assertSees(self.supervisor, model, first)
            self.assertSees(self.supervisor_c2, model, second)
            # the supervisor of another team of the same company sees their own agent's only
            self.assertSees(self.supervisor_2, model, south)
            self.assertSees(self.field_agent, model, first, companies=self.company)
            self.assertSees(self.field_agent, model, second, companies=self.company_2)
            self.assertSees(self.field_agent_3, model, south)
        # positions belong to the agent's main company (check-ins of both companies' visits)
        positions = self.env['collection.agent.location'].search([('user_id', '=', self.field_agent.id)])
        self.assertEqual((len(positions), positions.company_id), (2, self.company))
        south_positions = self.env['collection.agent.location'].search([('user_id', '=', self.field_agent_3.id)])
        self.assertSees(self.manager, 'collection.agent.location', positions | south_positions)
        self.assertSees(self.manager_c2, 'collection.agent.location', self.env['collection.agent.location'])
        self.assertSees(self.supervisor, 'collection.agent.location', positions)
        self.assertSees(self.supervisor_c2, 'collection.agent.location', self.env['collection.agent.location'])
        self.assertSees(self.supervisor_2, 'collection.agent.location', south_positions)
        self.assertSees(self.field_agent_2, 'collection.agent.location', self.env['collection.agent.location'])
