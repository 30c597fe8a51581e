import random

from odoo.tests import tagged

from ..tools.geo import haversine_m
from .common import HOME_LAT, HOME_LON, FieldTestCommon


@tagged('post_install', '-at_install')
class TestRoute(FieldTestCommon):

    def test_route_order_legs_and_reorder(self):
        rng = random.Random(3)
        cases = self.env['collection.case']
        for index in range(8):
            cases |= self._create_field_case(
                f"Stop {index}", f'R-{index}', HOME_LAT + rng.uniform(-0.05, 0.05),
                HOME_LON + rng.uniform(-0.05, 0.05), 'Old Town')
        visits, _skipped = self.Visit._plan_visits(cases, self.today, user=self.field_agent)
        route = visits.route_id
        self.assertEqual(len(route), 1)
        self.assertEqual((route.user_id, route.date), (self.field_agent, self.today))
        self.assertEqual(route.visit_count, 8)
        before = route.total_distance
        route.with_user(self.field_agent).action_optimize()
        stops = route._get_ordered_visits()
        self.assertEqual(stops.mapped('sequence'), list(range(1, 9)))
        self.assertLess(route.total_distance, before)
        # legs: from the start point, then stop to stop; they add up to the total
        first = stops[0]
        self.assertAlmostEqual(first.leg_distance, haversine_m(HOME_LAT, HOME_LON, first.latitude, first.longitude) / 1000,
                               places=2)
        self.assertAlmostEqual(sum(stops.mapped('leg_distance')), route.total_distance, places=1)
        # the agent moves the third stop up: it is second now, legs and total follow
        third = stops[2]
        third.with_user(self.field_agent).action_move_up()
        stops = route._get_ordered_visits()
        self.assertEqual(stops[1], third)
        self.assertAlmostEqual(
            stops[1].leg_distance,
            haversine_m(stops[0].latitude, stops[0].longitude, third.latitude, third.longitude) / 1000, places=2)
        self.assertAlmostEqual(sum(stops.mapped('leg_distance')), route.total_distance, places=1)

    def test_reassignment_moves_between_routes(self):
        visit = self._visit(self.case_a, self.field_agent)
        other = self._visit(self.case_b, self.field_agent)
        route_1 = visit.route_id
        visit.user_id = self.field_agent_2
        self.assertNotEqual(visit.route_id, route_1)
        self.assertEqual(visit.route_id.user_id, self.field_agent_2)
        self.assertEqual(route_1.visit_ids, other)
        visit.action_cancel()
        self.assertFalse(visit.route_id)
