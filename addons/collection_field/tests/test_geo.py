import itertools
import random

from odoo.tests import BaseCase

from ..tools.geo import bounding_box, haversine_m, optimize_route, path_legs


class TestGeo(BaseCase):

    def test_haversine_known_distances(self):
        # one degree of latitude is about 111.2 km; Paris to London about 343.5 km
        self.assertAlmostEqual(haversine_m(0, 0, 1, 0), 111195, delta=50)
        self.assertAlmostEqual(haversine_m(48.8566, 2.3522, 51.5074, -0.1278), 343500, delta=1000)
        self.assertEqual(haversine_m(10, 20, 10, 20), 0.0)

    def test_bounding_box_holds_the_circle(self):
        lat, lon, radius = 40.7128, -74.0060, 2000
        min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius)
        for bearing in range(0, 360, 15):
            # points just inside the circle lie inside the box
            rng = random.Random(bearing)
            for _i in range(20):
                plat = lat + rng.uniform(-0.02, 0.02)
                plon = lon + rng.uniform(-0.03, 0.03)
                if haversine_m(lat, lon, plat, plon) <= radius:
                    self.assertTrue(min_lat <= plat <= max_lat and min_lon <= plon <= max_lon)
        # near a pole the longitude range opens fully
        self.assertEqual(bounding_box(89.99, 0, 5000)[1::2], (-180.0, 180.0))

    def test_route_is_near_optimal_on_small_sets(self):
        """On 7 stops, the route is within 10% of the best open path (brute force), never longer
        than nearest neighbour alone."""
        rng = random.Random(7)
        start = (40.70, -74.00)
        for _trial in range(10):
            points = [(40.70 + rng.uniform(0, 0.1), -74.00 + rng.uniform(0, 0.1)) for _ in range(7)]
            order = optimize_route(start, points)
            self.assertEqual(sorted(order), list(range(7)))
            found = sum(path_legs(start, [points[i] for i in order]))
            best = min(sum(path_legs(start, [points[i] for i in perm])) for perm in itertools.permutations(range(7)))
            self.assertLessEqual(found, best * 1.10)
            nearest, left, current = [], set(range(7)), start
            while left:
                nxt = min(left, key=lambda j: haversine_m(*current, *points[j]))
                nearest.append(nxt)
                left.remove(nxt)
                current = points[nxt]
            self.assertLessEqual(found, sum(path_legs(start, [points[i] for i in nearest])) + 1e-6)

    def test_route_improves_on_given_order(self):
        rng = random.Random(30)
        start = (40.70, -74.00)
        points = [(40.70 + rng.uniform(0, 0.2), -74.00 + rng.uniform(0, 0.2)) for _ in range(30)]
        order = optimize_route(start, points)
        self.assertEqual(sorted(order), list(range(30)))
        self.assertLess(sum(path_legs(start, [points[i] for i in order])), sum(path_legs(start, points)) / 2)

    def test_legs(self):
        legs = path_legs((0, 0), [(1, 0), (1, 0), (2, 0)])
        self.assertAlmostEqual(legs[0], 111195, delta=50)
        self.assertEqual(legs[1], 0.0)
        self.assertEqual(path_legs(None, [(1, 0), (2, 0)])[0], 0.0)
        self.assertEqual(optimize_route(None, []), [])
        self.assertEqual(optimize_route((0, 0), [(1, 1)]), [0])
