"""Plain geometry for field work: distances on the Earth and short routes.

No ORM here: the models pass coordinates in and get numbers and orders back.
"""
import math

EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres between two (latitude, longitude) points in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat, lon, radius_m):
    """(min_lat, min_lon, max_lat, max_lon) of a box that holds every point within ``radius_m``.

    The box is a prefilter for an index; the exact distance is checked afterwards. Near the
    poles (or when the radius spans the antimeridian) the longitude range opens to the full
    circle rather than wrapping.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    min_lat, max_lat = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    cos_lat = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    if cos_lat < 1e-9:
        return min_lat, -180.0, max_lat, 180.0
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat))
    if dlon >= 180.0 or lon - dlon < -180.0 or lon + dlon > 180.0:
        return min_lat, -180.0, max_lat, 180.0
    return min_lat, lon - dlon, max_lat, lon + dlon


def is_valid_position(latitude, longitude):
    return (isinstance(latitude, (int, float)) and isinstance(longitude, (int, float))
            and not isinstance(latitude, bool) and not isinstance(longitude, bool)
            and -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0
            and math.isfinite(latitude) and math.isfinite(longitude))


def path_legs(start, points):
    """Length in metres of each leg of the path start -> points[0] -> points[1] -> ...

    ``start`` may be None: the first leg is then 0 (the day starts at the first stop).
    """
    legs = []
    previous = start
    for point in points:
        legs.append(haversine_m(*previous, *point) if previous else 0.0)
        previous = point
    return legs


def optimize_route(start, points, max_passes=50):
    """Order ``points`` to keep the open path from ``start`` through all of them short.

    Nearest neighbour from the start, then 2-opt (reverse a segment whenever that shortens
    the path) and Or-opt (move a run of up to three stops elsewhere) until neither helps.
    The path ends at its last stop (no return leg).

    :param start: (lat, lon) of the agent's start point, or None to start at the first point
    :param points: list of (lat, lon)
    :return: list of indexes into ``points``, in visiting order
    """
    count = len(points)
    if count < 2:
        return list(range(count))
    # node 0 is the start (a copy of the first point when there is none), nodes 1..n the points
    nodes = [start or points[0]] + list(points)
    size = count + 1
    dist = [[0.0] * size for _ in range(size)]
    for i in range(size):
        lat1, lon1 = nodes[i]
        row = dist[i]
        for j in range(i + 1, size):
            d = haversine_m(lat1, lon1, *nodes[j])
            row[j] = d
            dist[j][i] = d
    if start is None:
        # the first point starts the day: make it free to reach so it is not favoured otherwise
        for j in range(size):
            dist[0][j] = dist[j][0] = 0.0

    # nearest neighbour
    order = [0]
    left = set(range(1, size))
    current = 0
    while left:
        row = dist[current]
        nxt = min(left, key=lambda j: (row[j], j))
        order.append(nxt)
        left.remove(nxt)
        current = nxt

    passes = 0
    while passes < max_passes:
        passes += 1
        improved = _two_opt(order, dist)
        improved = _or_opt(order, dist) or improved
        if not improved:
            break
    return [node - 1 for node in order[1:]]


def _two_opt(order, dist):
    """Reverse segments of the open path ``order`` (first node fixed) while that shortens it."""
    size = len(order)
    improved_any = False
    improved = True
    while improved:
        improved = False
        for i in range(1, size - 1):
            a, b = order[i - 1], order[i]
            dab = dist[a][b]
            for k in range(i + 1, size):
                c = order[k]
                d_next = order[k + 1] if k + 1 < size else None
                before = dab + (dist[c][d_next] if d_next is not None else 0.0)
                after = dist[a][c] + (dist[b][d_next] if d_next is not None else 0.0)
                if after < before - 1e-9:
                    order[i:k + 1] = reversed(order[i:k + 1])
                    improved = improved_any = True
                    b = order[i]
                    dab = dist[a][b]
    return improved_any


def _or_opt(order, dist):
    """Move segments of 1 to 3 stops (either way round) elsewhere in the path while that
    shortens it; the first node stays fixed."""
    size = len(order)
    improved_any = False
    for length in (1, 2, 3):
        i = 1
        while i + length <= size:
            segment = order[i:i + length]
            prev = order[i - 1]
            nxt = order[i + length] if i + length < size else None
            saving = dist[prev][segment[0]]
            if nxt is not None:
                saving += dist[segment[-1]][nxt] - dist[prev][nxt]
            rest = order[:i] + order[i + length:]
            best = None
            for j, a in enumerate(rest):
                b = rest[j + 1] if j + 1 < len(rest) else None
                for candidate in (segment, segment[::-1]):
                    cost = dist[a][candidate[0]]
                    if b is not None:
                        cost += dist[candidate[-1]][b] - dist[a][b]
                    if cost < saving - 1e-9 and (best is None or cost < best[0]):
                        best = (cost, j, candidate)
            if best:
                _cost, j, candidate = best
                order[:] = rest[:j + 1] + list(candidate) + rest[j + 1:]
                improved_any = True
            else:
                i += 1
    return improved_any
