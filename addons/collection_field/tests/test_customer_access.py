from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestFieldCustomerAccess(FieldTestCommon):
    """Customers (res.partner) follow the field work: a field agent reads the customers and
    guarantors of the cases they visit, a supervisor those of their team's field agents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Visit.create({'case_id': cls.case_a.id, 'user_id': cls.field_agent.id})
        cls.Visit.create({'case_id': cls.case_c.id, 'user_id': cls.field_agent_2.id})
        cls.case_south = cls._create_field_case("Dora South", 'F-D', HOME_LAT - 0.05, HOME_LON, 'Bay')
        cls.Visit.create({'case_id': cls.case_south.id, 'user_id': cls.field_agent_3.id})
        cls.guarantor = cls.env['res.partner'].create({'name': "Gita Guarantor"})
        cls.env['collection.loan.party'].create({
            'loan_id': cls.case_a.loan_ids.id, 'partner_id': cls.guarantor.id, 'role': 'guarantor'})
        cls.customers = (cls.case_a.partner_id | cls.guarantor | cls.case_b.partner_id | cls.case_c.partner_id
                         | cls.case_south.partner_id | cls.customer)

    def _readable(self, user):
        return self.env['res.partner'].with_user(user).search([('id', 'in', self.customers.ids)])

    def test_field_agent_reads_the_customers_of_their_visits(self):
        self.assertEqual(self._readable(self.field_agent), self.case_a.partner_id | self.guarantor)
        self.case_a.partner_id.with_user(self.field_agent).read(['name', 'street'])
        for other in (self.case_b.partner_id, self.case_c.partner_id, self.customer):
            with self.subTest(customer=other.name), self.assertRaises(AccessError):
                other.with_user(self.field_agent).read(['name'])
        # the visit moves to another field agent: so does the customer
        self.case_a.visit_ids.user_id = self.field_agent_2
        self.assertFalse(self._readable(self.field_agent))
        self.assertEqual(self._readable(self.field_agent_2),
                         self.case_a.partner_id | self.guarantor | self.case_c.partner_id)
        # and goes with the visit once it is no longer open
        self.case_a.visit_ids.action_cancel()
        self.assertEqual(self._readable(self.field_agent_2), self.case_c.partner_id)

    def test_supervisor_reads_the_customers_of_their_agents_field_work(self):
        self.assertEqual(self._readable(self.supervisor_2), self.case_south.partner_id)
        with self.assertRaises(AccessError):
            self.case_a.partner_id.with_user(self.supervisor_2).read(['name'])
