from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged

from .common import LegalTestCommon

MANAGER_GROUP = 'collection_base.collection_base_group_manager'


@tagged('post_install', '-at_install')
class TestMultiCompany(LegalTestCommon):
    """Every legal model is isolated by company: a manager (who sees everything in their companies)
    does not see another company's records, and a manager of that company does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env['res.company'].create({'name': "Other Lender"})
        cls.manager_b = new_test_user(cls.env, 'col_manager_b', groups=MANAGER_GROUP, name="Mia Manager",
                                      company_id=cls.company_b.id, company_ids=[(6, 0, cls.company_b.ids)])
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company_b.id]))
        customer = env['res.partner'].create({'name': "Bernd Borrower", 'cif': 'CIFB01'})
        loan = env['collection.loan'].create({
            **cls._prepare_loan_vals(customer, 'ACC-B01', overdue_instalments=2), 'company_id': cls.company_b.id})
        case = loan.case_id
        asset = env['collection.collateral'].create({
            'name': "Van", 'collateral_type': 'vehicle', 'loan_id': loan.id, 'value': 500.0})
        scheme = env['collection.commission.scheme'].create({
            'name': "Other scheme", 'line_ids': [(0, 0, {'rate': 10.0})]})
        agency = env['collection.agency'].create({'name': "Other Agency", 'commission_scheme_id': scheme.id})
        placement = env['collection.placement'].create({'case_id': case.id, 'agency_id': agency.id})
        extension = env['collection.placement.extension'].create({
            'placement_id': placement.id, 'date_end': placement.date_end + timedelta(days=10), 'reason': "more"})
        env['collection.payment']._register_payment({'loan_id': loan.id, 'name': 'PAY-B01', 'amount': 50.0})
        statement = env['collection.commission.statement'].create({
            'agency_id': agency.id, 'date_from': cls.today.replace(day=1)})
        statement.action_compute()
        repossession = env['collection.repossession'].create({
            'case_id': case.id, 'collateral_id': asset.id, 'agency_id': agency.id})
        mediation = env['collection.mediation'].create({'case_id': case.id, 'reason': "No payment"})
        hearing = env['collection.mediation.hearing'].create({
            'mediation_id': mediation.id, 'date_start': datetime.now() + timedelta(days=7)})
        settlement = env['collection.settlement'].create({'case_id': case.id})
        settlement.action_generate_schedule()
        legal_case = env['collection.legal.case'].create({'case_id': case.id})
        court_hearing = env['collection.legal.hearing'].create({
            'legal_case_id': legal_case.id, 'date_start': datetime.now() + timedelta(days=30)})
        enforcement = env['collection.legal.enforcement'].create({'legal_case_id': legal_case.id})
        cost = env['collection.legal.cost'].create({'legal_case_id': legal_case.id, 'amount': 50.0})
        incident = env['collection.recovery.incident'].create({'loan_id': loan.id, 'required_action': 'arrears'})
        dispute = env['collection.dispute'].create({'case_id': case.id, 'description': "Wrong amount"})
        hardship = env['collection.hardship.request'].create({'case_id': case.id})
        tier = env['collection.settlement.tier'].create({
            'company_id': cls.company_b.id, 'max_discount': 100.0, 'group_id': cls.env.ref(MANAGER_GROUP).id})
        cls.foreign = [
            agency, scheme, scheme.line_ids, placement, extension, statement, statement.line_ids, repossession,
            repossession.checklist_ids, mediation, hearing, settlement, settlement.installment_ids, legal_case,
            court_hearing, enforcement, cost, incident, dispute, hardship, tier,
        ]

    def test_each_legal_model_is_isolated(self):
        legal_models = {name for name, model in self.env.registry.items()
                        if model._original_module == 'collection_legal' and not model._abstract
                        and not model._transient}
        tested = {records._name for records in self.foreign}
        # shared configuration, the same in every company
        self.assertEqual(legal_models - tested, {'collection.legal.stage'})
        for records in self.foreign:
            with self.subTest(model=records._name):
                self.assertTrue(records, "a record of the other company")
                domain = [('id', 'in', records.ids)]
                mine = self.env[records._name].with_user(self.manager).with_context(
                    allowed_company_ids=[self.company.id])
                self.assertFalse(mine.search(domain), "hidden from the other company's manager")
                theirs = self.env[records._name].with_user(self.manager_b).with_context(
                    allowed_company_ids=[self.company_b.id])
                self.assertEqual(theirs.search(domain), records, "seen by their company's manager")
