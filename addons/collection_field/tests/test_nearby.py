from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestNearby(FieldTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paid_up = cls._create_field_case("Paula Paid", 'F-P', HOME_LAT + 0.001, HOME_LON, 'Old Town', overdue=0)
        cls.other_company = cls.env['res.company'].create({'name': "Other Lender"})
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.other_company.id]))
        partner = env['res.partner'].create({'name': "Fritz Foreign", 'cif': 'F-F', 'company_id': cls.other_company.id})
        env['collection.contact.point'].create({
            'partner_id': partner.id, 'kind': 'address', 'value': "Fritz's home", 'company_id': cls.other_company.id,
            'latitude': HOME_LAT + 0.002, 'longitude': HOME_LON})
        cls.foreign = env['collection.loan'].create({
            'name': 'ACC-F-F', 'partner_id': partner.id, 'product_id': cls.product.id, 'principal': 100,
            'outstanding_amount': 100, 'installment_amount': 50, 'company_id': cls.other_company.id,
            'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 50})],
        }).case_id
        assert cls.foreign.company_id == cls.other_company and cls.foreign.total_overdue

    def test_nearest_first_within_radius(self):
        found = self.env['collection.case']._search_nearby(HOME_LAT, HOME_LON, 2500)
        self.assertEqual([row['case_id'] for row in found], [self.case_a.id, self.case_b.id])
        self.assertAlmostEqual(found[0]['distance'], 1112, delta=5)
        self.assertLess(found[0]['distance'], found[1]['distance'])
        # the radius bounds the search; customers with nothing overdue and other companies never show
        self.assertEqual([row['case_id'] for row in self.env['collection.case']._search_nearby(HOME_LAT, HOME_LON, 1200)],
                         [self.case_a.id])
        ids = [row['case_id'] for row in self.env['collection.case']._search_nearby(HOME_LAT, HOME_LON, 50000)]
        self.assertIn(self.case_c.id, ids)
        self.assertNotIn(self.paid_up.id, ids)
        self.assertNotIn(self.foreign.id, ids)

    def test_explain_uses_the_gist_index(self):
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("""
            EXPLAIN SELECT id FROM collection_contact_point p
             WHERE point(p.longitude::float8, p.latitude::float8) <@ box(point(-74.1, 40.6), point(-73.9, 40.8))
               AND p.kind = 'address' AND p.active AND p.latitude IS NOT NULL""")
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn('collection_contact_point_address_point_gist_idx', plan)

    def _ping(self, agent, latitude, longitude, minutes_ago=1, client_id='p1', **extra):
        result = self.env['collection.agent.location'].with_user(agent)._ingest_positions([dict({
            'client_id': client_id, 'latitude': latitude, 'longitude': longitude, 'accuracy': 10,
            'timestamp': self._time(minutes_ago)}, **extra)])
        self.assertEqual(result['accepted'], 1, result)

    def _nearby_line(self, agent, case, customer, latitude, longitude, radius=3000):
        """A line of the agent's nearby form for ``case``, from the position typed in the form."""
        wizard = self.env['collection.visit.nearby'].with_user(agent).create({
            'latitude': latitude, 'longitude': longitude, 'accuracy': 10, 'radius': radius})
        return self.env['collection.visit.nearby.line'].with_user(agent).create({
            'wizard_id': wizard.id, 'case_id': case.id, 'customer': customer})

    def test_add_to_today_needs_a_recent_stored_position_near_the_case(self):
        """The typed position does not count: the agent's last stored position does."""
        near_c = (HOME_LAT + 0.09, HOME_LON)
        line = self._nearby_line(self.field_agent_2, self.case_c, "Cleo Uptown", *near_c)
        with self.assertRaisesRegex(UserError, r"Cleo Uptown cannot be added to today: no position of yours "
                                               r"was received in the last 30 minutes"):
            line.action_add_to_route()
        self._ping(self.field_agent_2, *near_c, minutes_ago=45, client_id='old')
        with self.assertRaisesRegex(UserError, "no position of yours"):
            line.action_add_to_route()
        # the agent is at home, types Cleo's position: refused, with the case and the distance
        self._ping(self.field_agent_2, HOME_LAT, HOME_LON, client_id='home')
        with self.assertRaisesRegex(UserError, r"Cleo Uptown is 10\d{3} m from your last position .* within 2000 m"):
            line.action_add_to_route()
        self.assertFalse(self.Visit.search([('case_id', '=', self.case_c.id)]))
        self.assertFalse(self.case_c.field_user_id)
        with self.assertRaises(AccessError):
            self.case_c.with_user(self.field_agent_2).read(['total_overdue'])
        # a mock position is no position
        self._ping(self.field_agent_2, *near_c, client_id='mock', is_mock=True)
        with self.assertRaisesRegex(UserError, "mock location"):
            line.action_add_to_route()
        # really there: added, and the case is theirs while the visit is open
        self._ping(self.field_agent_2, HOME_LAT + 0.089, HOME_LON, client_id='there', minutes_ago=0)
        line.action_add_to_route()
        visit = self.Visit.search([('case_id', '=', self.case_c.id)])
        self.assertEqual((visit.user_id, visit.origin), (self.field_agent_2, 'nearby'))
        self.assertEqual(self.env['collection.case'].with_user(self.field_agent_2).search([]), self.case_c)

    def test_agent_adds_nearby_customer_to_route(self):
        self._visit(self.case_a, self.field_agent)
        self._ping(self.field_agent, HOME_LAT + 0.02, HOME_LON + 0.01)
        wizard = Form(self.env['collection.visit.nearby'].with_user(self.field_agent))
        wizard.latitude = HOME_LAT + 0.02
        wizard.longitude = HOME_LON + 0.01
        wizard.accuracy = 10
        wizard.radius = 3000
        record = wizard.save()
        record.action_search()
        lines = record.line_ids
        self.assertEqual(lines[0].customer, "Ben Harbour")
        self.assertEqual(lines[0].distance, 0)
        self.assertTrue(lines.filtered(lambda l: l.customer == "Anna Address").is_planned)
        lines[0].action_add_to_route()
        visit = self.Visit.with_user(self.field_agent).search([('case_id', '=', self.case_b.id)])
        self.assertEqual((visit.user_id, visit.date, visit.origin), (self.field_agent, self.today, 'nearby'))
        self.assertEqual(len(visit.route_id.visit_ids), 2)
        # the agent now works the case
        self.assertTrue(self.case_b.with_user(self.field_agent).total_overdue)
        # a line forged for a far-away case is refused
        forged = self.env['collection.visit.nearby.line'].with_user(self.field_agent).create({
            'wizard_id': record.id, 'case_id': self.case_c.id, 'customer': "Cleo Uptown"})
        with self.assertRaisesRegex(UserError, "Cleo Uptown is .* m from your last position"):
            forged.action_add_to_route()
