from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestFieldAccess(FieldTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.visit_a = cls.Visit.create({'case_id': cls.case_a.id, 'user_id': cls.field_agent.id})
        cls.visit_c = cls.Visit.create({'case_id': cls.case_c.id, 'user_id': cls.field_agent_2.id})
        cls.visit_south = cls.Visit.create({
            'case_id': cls._create_field_case("Dora South", 'F-D', HOME_LAT - 0.05, HOME_LON, 'Bay').id,
            'user_id': cls.field_agent_3.id})

    def test_field_agent_sees_own_visits_only(self):
        Visit = self.Visit.with_user(self.field_agent)
        self.assertEqual(Visit.search([]), self.visit_a)
        with self.assertRaises(AccessError):
            self.visit_c.with_user(self.field_agent).read(['partner_id'])

    def test_field_agent_sees_cases_of_field_work_only(self):
        Case = self.env['collection.case'].with_user(self.field_agent)
        self.assertEqual(Case.search([]), self.case_a)
        self.assertEqual(self.case_a.field_user_id, self.field_agent)
        with self.assertRaises(AccessError):
            self.case_c.with_user(self.field_agent).read(['total_overdue'])
        with self.assertRaises(AccessError):
            self.case.with_user(self.field_agent).read(['total_overdue'])
        # the case's loans and address follow the case
        self.assertEqual(self.env['collection.loan'].with_user(self.field_agent).search([]), self.case_a.loan_ids)
        points = self.env['collection.contact.point'].with_user(self.field_agent).search([])
        self.assertEqual(points.partner_id, self.case_a.partner_id)

    def test_reassignment_moves_the_case(self):
        self.visit_a.user_id = self.field_agent_2
        self.assertEqual(self.case_a.field_user_id, self.field_agent_2)
        self.assertFalse(self.env['collection.case'].with_user(self.field_agent).search([]))
        self.assertIn(self.field_agent, self.visit_a.assignee_history_ids)

    def _field_reach(self, agent):
        """What ``agent`` reads of the cases: cases, loans, contact points, actions, payments."""
        env = self.env(user=agent)
        return {model: env[model].search([]) for model in (
            'collection.case', 'collection.loan', 'collection.contact.point', 'collection.action',
            'collection.payment')}

    def test_cancelled_visit_ends_the_agents_access(self):
        self.assertEqual(self._field_reach(self.field_agent)['collection.case'], self.case_a)
        self.visit_a.with_user(self.supervisor).action_cancel()
        self.assertEqual(self.visit_a.state, 'cancelled')
        reach = self._field_reach(self.field_agent)
        self.assertFalse(any(reach.values()), reach)
        with self.assertRaises(AccessError):
            self.case_a.with_user(self.field_agent).read(['total_overdue'])
        # the agent still reads their own (cancelled) visit
        self.assertEqual(self.visit_a.with_user(self.field_agent).read(['state'])[0]['state'], 'cancelled')

    def test_done_visit_ends_the_agents_access(self):
        result = self._record_outcome(self.visit_a, self.field_agent, code='CASH', cash_amount=20.0)
        self.assertEqual(result['accepted'], 1, result)
        self.assertEqual(self.visit_a.state, 'done')
        reach = self._field_reach(self.field_agent)
        self.assertFalse(any(reach.values()), reach)
        # their visit, its receipt and their events stay theirs
        visit = self.visit_a.with_user(self.field_agent)
        self.assertEqual(visit.read(['state', 'cash_amount'])[0]['cash_amount'], 20.0)
        self.env.invalidate_all()
        values = visit.web_read({'case_id': {'fields': {'display_name': {}}}, 'total_overdue': {}})[0]
        self.assertEqual(values['case_id']['display_name'], self.case_a.display_name)
        receipt = self.visit_a.receipt_id.with_user(self.field_agent)
        self.env.invalidate_all()
        values = receipt.web_read({'case_id': {'fields': {'display_name': {}}},
                                   'loan_id': {'fields': {'display_name': {}}}, 'amount': {}})[0]
        self.assertEqual(values['loan_id']['display_name'], 'ACC-F-A')
        self.assertEqual(self.env['collection.cash.receipt'].with_user(self.field_agent).search([]),
                         self.visit_a.receipt_id)
        # and they still print the receipt, with the case and loan numbers
        self.env.invalidate_all()
        html = self.env['ir.actions.report'].with_user(self.field_agent)._render_qweb_html(
            'collection_field.collection_cash_receipt_report', self.visit_a.receipt_id.ids)[0].decode()
        for expected in (self.case_a.name, 'ACC-F-A', "Anna Address"):
            self.assertIn(expected, html)
        self.assertTrue(self.env['collection.field.event'].with_user(self.field_agent).search([]))
        # a new open visit gives the case back
        self._visit(self.case_a, self.field_agent, day=self.today + timedelta(days=1))
        self.assertEqual(self._field_reach(self.field_agent)['collection.case'], self.case_a)

    def test_two_agents_with_open_visits_of_one_case(self):
        tomorrow = self.today + timedelta(days=1)
        visit_2 = self._visit(self.case_a, self.field_agent_2, day=tomorrow)
        self.assertEqual(self.case_a.field_user_id, self.field_agent_2)  # the latest assigned
        for agent in (self.field_agent, self.field_agent_2):
            reach = self._field_reach(agent)
            self.assertIn(self.case_a, reach['collection.case'], agent.name)
            self.assertEqual(reach['collection.loan'] & self.case_a.loan_ids, self.case_a.loan_ids, agent.name)
            self.assertIn(self.case_a.partner_id, reach['collection.contact.point'].partner_id, agent.name)
        # the second agent's visit ends: the first keeps the case, the second loses it
        visit_2.with_user(self.supervisor).action_cancel()
        self.assertIn(self.case_a, self._field_reach(self.field_agent)['collection.case'])
        self.assertNotIn(self.case_a, self._field_reach(self.field_agent_2)['collection.case'])

    def test_field_agent_private_records(self):
        self._check_in(self.visit_a, self.field_agent, HOME_LAT + 0.01, HOME_LON)
        self._check_in(self.visit_c, self.field_agent_2, HOME_LAT + 0.09, HOME_LON)
        for model in ('collection.agent.location', 'collection.field.event', 'collection.route'):
            records = self.env[model].with_user(self.field_agent).search([])
            self.assertTrue(records, model)
            self.assertEqual(records.user_id, self.field_agent, model)
        with self.assertRaises(AccessError):
            self.env['collection.field.event'].with_user(self.field_agent).search([], limit=1).write({'hash': 'x'})
        with self.assertRaises(AccessError):
            self.env['collection.agent.location'].with_user(self.field_agent).search([], limit=1).unlink()

    def test_supervisor_sees_team(self):
        self._check_in(self.visit_a, self.field_agent, HOME_LAT + 0.01, HOME_LON)
        self._check_in(self.visit_south, self.field_agent_3, HOME_LAT - 0.05, HOME_LON)
        visits = self.Visit.with_user(self.supervisor).search([])
        self.assertIn(self.visit_a, visits)
        self.assertIn(self.visit_c, visits)
        self.assertNotIn(self.visit_south, visits)
        self.assertEqual(self.Visit.with_user(self.supervisor_2).search([]), self.visit_south)
        # and the cases their field agents work, with their loans
        cases = self.env['collection.case'].with_user(self.supervisor).search([])
        self.assertTrue((self.case_a | self.case_c) <= cases)
        self.assertNotIn(self.visit_south.case_id, cases)
        self.assertIn(self.case_a.loan_ids, self.env['collection.loan'].with_user(self.supervisor).search([]))
        locations = self.env['collection.agent.location'].with_user(self.supervisor).search([])
        self.assertEqual(locations.user_id, self.field_agent)
        self.assertEqual(self.field_team.with_user(self.supervisor)._get_last_positions().user_id, self.field_agent)
        self.assertEqual(self.env['collection.agent.location'].with_user(self.supervisor_2).search([]).user_id,
                         self.field_agent_3)

    def test_back_office_agent(self):
        """An agent without the field group sees the visits of their own cases, and no positions."""
        visit = self.Visit.create({'case_id': self.case.id, 'user_id': self.field_agent.id})
        self.assertEqual(self.Visit.with_user(self.agent).search([]), visit)
        with self.assertRaises(AccessError):
            self.env['collection.agent.location'].with_user(self.agent).search([])
        with self.assertRaises(AccessError):
            visit.with_user(self.agent).write({'note': "x"})

    def test_field_agent_cannot_forge_the_field_record(self):
        """Verdicts, positions, states and routes come from the device's events, not from writes."""
        visit = self.visit_a.with_user(self.field_agent)
        for values in ({'geofence_state': 'verified'}, {'latitude': 1.0}, {'state': 'done'},
                       {'checkin_latitude': 1.0}, {'user_id': self.field_agent_2.id}, {'is_mock_location': False}):
            with self.assertRaises(AccessError, msg=str(values)):
                visit.write(values)
        visit.write({'note': "Dog in the yard", 'cash_amount': 10.0, 'sequence': 3})  # reordering is theirs
        self.assertEqual(self.visit_a.note, "Dog in the yard")
        with self.assertRaises(AccessError):
            self.Visit.with_user(self.field_agent).create({'case_id': self.case_c.id, 'user_id': self.field_agent.id})
        with self.assertRaises(AccessError):
            self.visit_a.route_id.with_user(self.field_agent).write({'start_latitude': 1.0})
        self.visit_a.route_id.with_user(self.field_agent).action_optimize()
        with self.assertRaises(AccessError):
            self.env['collection.agent.location'].with_user(self.agent)._ingest_positions([])
        Deposit = self.env['collection.cash.deposit'].with_user(self.field_agent)
        with self.assertRaises(AccessError):
            Deposit.create({'branch': "Main", 'deposited_amount': 0.0, 'user_id': self.field_agent_2.id})
        deposit = Deposit.create({'branch': "Main", 'deposited_amount': 0.0})
        with self.assertRaises(AccessError):
            deposit.write({'state': 'reconciled'})
        # a supervisor plans: agent and day, not the check-in
        self.visit_c.with_user(self.supervisor).write({'user_id': self.field_agent.id})
        with self.assertRaises(AccessError):
            self.visit_c.with_user(self.supervisor).write({'geofence_state': 'verified'})
