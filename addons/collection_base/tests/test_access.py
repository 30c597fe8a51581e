from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestAccess(CollectionTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_loan = cls._create_loan(cls._create_customer("Olga Other", 'CIF099'), 'ACC-099', 1)
        cls.other_case = cls.other_loan.case_id
        cls.other_case.write({'user_id': cls.agent_2.id, 'team_id': cls.team.id})

    def test_agent_sees_only_own_cases(self):
        Case = self.env['collection.case'].with_user(self.agent)
        self.assertEqual(Case.search([]), self.case)
        with self.assertRaises(AccessError):
            self.other_case.with_user(self.agent).read(['total_overdue'])
        with self.assertRaises(AccessError):
            self.other_loan.with_user(self.agent).read(['name'])
        self.assertEqual(self.env['collection.loan'].with_user(self.agent).search([]), self.loan)

    def test_agent_cannot_write_another_agents_case(self):
        with self.assertRaises(AccessError):
            self.other_case.with_user(self.agent).write({'next_action_date': self.today})

    def test_supervisor_sees_team(self):
        cases = self.env['collection.case'].with_user(self.supervisor).search([])
        self.assertEqual(cases, self.case | self.other_case)
        outsider = self._create_loan(self._create_customer("Nina Nobody", 'CIF100'), 'ACC-100').case_id
        self.assertNotIn(outsider, self.env['collection.case'].with_user(self.supervisor).search([]))
        self.assertIn(outsider, self.env['collection.case'].with_user(self.manager).search([]))

    def test_national_id_only_for_managers(self):
        self.customer.national_id = '850101-1234'
        self.assertEqual(self.customer.with_user(self.manager).national_id, '850101-1234')
        with self.assertRaises(AccessError):
            self.customer.with_user(self.agent).read(['national_id'])

    def test_agent_cannot_configure(self):
        with self.assertRaises(AccessError):
            self.env['collection.result.code'].with_user(self.agent).create({'name': 'X', 'code': 'X'})
        with self.assertRaises(AccessError):
            self.env['collection.payment'].with_user(self.agent).create({
                'name': 'P', 'loan_id': self.loan.id, 'amount': 10})

    def test_multi_company_isolation(self):
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        self.manager.write({'company_ids': [(4, other_company.id)]})
        foreign = self.env['collection.case'].create({
            'partner_id': self.env['res.partner'].create({'name': "Foreign"}).id,
            'company_id': other_company.id})
        visible = self.env['collection.case'].with_user(self.manager).with_context(
            allowed_company_ids=[self.company.id]).search([])
        self.assertNotIn(foreign, visible)

    def test_supervisor_edits_only_the_teams_they_supervise(self):
        self._create_other_team()
        late_case = self._create_loan(self._create_customer("Lena Late", 'CIF101'), 'ACC-101', 3).case_id
        late_case.write({'user_id': self.other_agent.id, 'team_id': self.other_team.id})
        other_team = self.other_team.with_user(self.supervisor)
        # another team: neither its settings nor its supervisor
        with self.assertRaises(AccessError):
            other_team.write({'capacity_per_agent': 10})
        with self.assertRaises(AccessError):
            other_team.write({'supervisor_id': self.supervisor.id})
        with self.assertRaises(AccessError):
            other_team.write({'member_ids': [Command.link(self.supervisor.id)]})
        self.assertEqual(self.other_team.supervisor_id, self.other_supervisor)
        self.assertNotIn(late_case, self.env['collection.case'].with_user(self.supervisor).search([]))
        # their own team: its settings, but not whom it answers to nor who joins it
        team = self.team.with_user(self.supervisor)
        team.write({'capacity_per_agent': 250})
        self.assertEqual(self.team.capacity_per_agent, 250)
        self.assertFalse(team.can_edit_staffing)
        with self.assertRaises(AccessError) as caught:
            team.write({'supervisor_id': self.other_supervisor.id})
        self.assertIn("supervisor of team Early collections", str(caught.exception))
        with self.assertRaises(AccessError) as caught:
            team.write({'member_ids': [Command.link(self.other_agent.id)]})
        self.assertIn("Olaf Agent", str(caught.exception))
        team.write({'member_ids': [Command.unlink(self.agent_2.id)]})
        self.assertEqual(self.team.member_ids, self.agent)
        # managers staff the teams
        self.other_team.with_user(self.manager).write({
            'supervisor_id': self.supervisor.id, 'member_ids': [Command.link(self.agent_2.id)]})
        self.assertTrue(self.other_team.with_user(self.manager).can_edit_staffing)
        self.assertIn(late_case, self.env['collection.case'].with_user(self.supervisor).search([]))

    def test_agent_reads_only_the_customers_of_own_cases(self):
        Partner = self.env['res.partner']
        guarantor = Partner.create({'name': "Gus Guarantor"})
        self.env['collection.loan.party'].create({
            'loan_id': self.loan.id, 'partner_id': guarantor.id, 'role': 'guarantor', 'relation': "brother"})
        prospect = Partner.create({'name': "Pia Prospect", 'cif': 'CIF555', 'company_id': self.company.id})
        lawyer = Partner.create({'name': "Lex Lawyer"})
        self._create_other_team()
        outsider = self._create_loan(self._create_customer("Nina Nobody", 'CIF100'), 'ACC-100').case_id
        outsider.write({'user_id': self.other_agent.id, 'team_id': self.other_team.id})
        everyone = (self.customer | guarantor | self.other_case.partner_id | prospect | lawyer
                    | outsider.partner_id | self.agent.partner_id | self.company.partner_id)
        # the obligor and the guarantor of own cases, and whoever is no collection customer
        readable = self.customer | guarantor | lawyer | self.agent.partner_id | self.company.partner_id
        self.assertEqual(Partner.with_user(self.agent).search([('id', 'in', everyone.ids)]), readable)
        self.assertEqual(self.customer.with_user(self.agent).read(['phone'])[0]['id'], self.customer.id)
        for refused in (self.other_case.partner_id, prospect, outsider.partner_id):
            with self.subTest(partner=refused.name), self.assertRaises(AccessError):
                refused.with_user(self.agent).read(['name'])
        # the other agent of the team: their own obligor only
        self.assertEqual(Partner.with_user(self.agent_2).search([('id', 'in', (everyone - readable).ids)]),
                         self.other_case.partner_id)
        # the supervisor: the team's customers; the manager: all of the company's
        self.assertEqual(Partner.with_user(self.supervisor).search([('id', 'in', everyone.ids)]),
                         readable | self.other_case.partner_id)
        self.assertEqual(Partner.with_user(self.manager).search([('id', 'in', everyone.ids)]), everyone)
        # chatter and followers keep working on the agent's case
        case = self.case.with_user(self.agent)
        case.message_subscribe(partner_ids=self.customer.ids)
        case.message_post(body="Called, promised to call back", partner_ids=self.customer.ids)
        self.assertIn("Carla Customer", case.message_follower_ids.partner_id.mapped('name'))
        self.assertEqual(case.message_ids[0].author_id.name, "Agnes Agent")
        self.assertEqual(case.message_ids[0].partner_ids.name, "Carla Customer")
