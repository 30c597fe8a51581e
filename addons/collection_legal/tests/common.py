from datetime import timedelta

from odoo.tests import new_test_user

from odoo.addons.collection_base.tests.common import CollectionTestCommon, LetterPdfMixin  # noqa: F401

OFFICER_GROUP = 'collection_legal.collection_legal_group_agency_officer'


class LegalTestCommon(CollectionTestCommon):
    """Two agencies with an officer each, an administrator, and the base portfolio.

    ``cls.case`` (Carla Customer, ACC-001, agent Agnes) is placed with ``cls.agency`` from
    ten days ago for ninety days; ``cls.other_case`` is not placed.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(cls.env, 'col_admin', groups='collection_base.collection_base_group_admin',
                                  name="Ada Administrator")
        cls.officer = new_test_user(cls.env, 'agency_officer', groups=OFFICER_GROUP, name="Omar Officer")
        cls.officer_2 = new_test_user(cls.env, 'agency_officer2', groups=OFFICER_GROUP, name="Petra Officer")
        cls.agency_partner = cls.env['res.partner'].create({
            'name': "Swift Recovery Ltd", 'is_company': True, 'street': "4 Bailiff Lane", 'city': "Shelbyville",
            'zip': '62565'})
        cls.agency = cls.env['collection.agency'].create({
            'name': "Swift Recovery", 'partner_id': cls.agency_partner.id,
            'officer_ids': [(6, 0, cls.officer.ids)], 'capacity': 100, 'placement_days': 90,
        })
        cls.agency_2 = cls.env['collection.agency'].create({
            'name': "Northern Collections", 'officer_ids': [(6, 0, cls.officer_2.ids)], 'capacity': 100,
        })
        cls.other_case = cls._create_loan(
            cls._create_customer("Olga Other", 'CIF099', '+1 202 555 0199'), 'ACC-099', overdue_instalments=1,
        ).case_id
        cls.other_case.write({'user_id': cls.agent_2.id, 'team_id': cls.team.id})
        cls.placement = cls.env['collection.placement'].create({
            'case_id': cls.case.id, 'agency_id': cls.agency.id,
            'date_start': cls.today - timedelta(days=10), 'date_end': cls.today + timedelta(days=80),
        })

    @classmethod
    def _pay(cls, loan, amount, reference, day=None):
        payment, _created = cls.env['collection.payment']._register_payment({
            'loan_id': loan.id, 'name': reference, 'amount': amount, 'date': day or cls.today})
        return payment
