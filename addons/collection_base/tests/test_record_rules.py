from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestRecordRules(CollectionTestCommon):
    """Who reads what hangs from a case, one test per model.

    The agent's case (team "Early collections") is read by its agent, the team's supervisor and
    the manager; not by the other agent of the team, the supervisor and the agent of another
    team, nor the manager of another company. A case of the other company, although assigned to
    the same agent, is read by that company's manager only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_other_team()
        group = 'collection_base.collection_base_group_'
        cls.other_company = cls.env['res.company'].create({'name': "Other Lender", 'currency_id': cls.currency.id})
        cls.foreign_manager = new_test_user(
            cls.env, 'col_manager_other', groups=group + 'manager', name="Flora Foreign",
            company_id=cls.other_company.id, company_ids=[Command.set(cls.other_company.ids)])
        foreigner = cls.env['res.partner'].create({
            'name': "Fritz Foreign", 'cif': 'CIF900', 'company_id': cls.other_company.id})
        cls.env['collection.contact.point'].create({
            'partner_id': foreigner.id, 'company_id': cls.other_company.id, 'kind': 'mobile',
            'value': '+1 202 555 0190', 'source': 'bank'})
        foreign_loan = cls.env['collection.loan'].create(dict(
            cls._prepare_loan_vals(foreigner, 'ACC-900', overdue_instalments=2), company_id=cls.other_company.id))
        cls.foreign_case = foreign_loan.case_id
        cls.foreign_case.user_id = cls.agent
        cls.records = {case: cls._populate(case) for case in (cls.case, cls.foreign_case)}

    @classmethod
    def _populate(cls, case):
        """One record of each model under ``case``, by model name."""
        loan = case.loan_ids
        point = case.partner_id.contact_point_ids
        guarantor = cls.env['res.partner'].create({'name': f"Guarantor of {case.partner_id.name}"})
        payment, _created = cls.env['collection.payment']._register_payment({
            'name': f"PAY-{loan.name}", 'loan_id': loan.id, 'amount': 150.0, 'source_system': 'T24'})
        return {
            'collection.action': cls.env['collection.action'].create({
                'case_id': case.id, 'action_type_id': cls.call.id, 'contact_point_id': point.id,
                'result_code_id': cls.code_no_answer.id, 'state': 'posted'}),
            'collection.ptp': cls.env['collection.ptp'].create({
                'case_id': case.id, 'amount': 100.0, 'date': cls.today + timedelta(days=5)}),
            'collection.payment': payment,
            'collection.payment.allocation': payment.allocation_ids,
            'collection.contact.point': point,
            'collection.collateral': cls.env['collection.collateral'].create({
                'name': "Car", 'collateral_type': 'vehicle', 'loan_id': loan.id, 'identifier': f"PLATE-{loan.name}"}),
            'collection.loan.due': loan.due_ids,
            'collection.loan.party': cls.env['collection.loan.party'].create({
                'loan_id': loan.id, 'partner_id': guarantor.id, 'role': 'guarantor'}),
            'res.partner': case.partner_id | guarantor,
        }

    def _assert_rules(self, model):
        """The case's records are read by exactly the users who should, searched or by id."""
        scopes = [
            (self.case, self.agent | self.supervisor | self.manager,
             self.agent_2 | self.other_supervisor | self.other_agent | self.foreign_manager),
            (self.foreign_case, self.foreign_manager, self.agent | self.supervisor | self.manager),
        ]
        everything = self.records[self.case][model] | self.records[self.foreign_case][model]
        for case, allowed, refused in scopes:
            records = self.records[case][model]
            self.assertTrue(records, f"no {model} under {case.display_name} to test with")
            for user in allowed:
                with self.subTest(case=case.name, user=user.name, allowed=True):
                    self.assertEqual(self.env[model].with_user(user).search([('id', 'in', everything.ids)]) & records,
                                     records)
                    records.with_user(user).read(['company_id'])
            for user in refused:
                with self.subTest(case=case.name, user=user.name, allowed=False):
                    self.assertFalse(self.env[model].with_user(user).search([('id', 'in', records.ids)]))
                    with self.assertRaises(AccessError):
                        records.with_user(user).read(['company_id'])

    def test_action(self):
        self._assert_rules('collection.action')

    def test_ptp(self):
        self._assert_rules('collection.ptp')

    def test_payment(self):
        self._assert_rules('collection.payment')

    def test_payment_allocation(self):
        self._assert_rules('collection.payment.allocation')

    def test_contact_point(self):
        self._assert_rules('collection.contact.point')

    def test_collateral(self):
        self._assert_rules('collection.collateral')

    def test_loan_due(self):
        self._assert_rules('collection.loan.due')

    def test_loan_party(self):
        self._assert_rules('collection.loan.party')

    def test_customer(self):
        self._assert_rules('res.partner')
