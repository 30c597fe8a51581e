"""Benchmarks of collection_field: location pings into the HTTP endpoint, nearby customers
over 400,000 geocoded customers, and the route of 30 visits.

Each figure is printed next to a baseline measured in the same run (the machine is shared
and noisy: the ratio says as much as the absolute figure):

- pings: positions per second sustained into ``/collection_field/api/pings`` (batches of 500,
  API keys, several devices at once) on a separate ``odoo-bin --workers=2`` started here,
  against the same rows written by bare multi-row INSERTs;
- nearby: p50/p95 of ``collection.case._search_nearby`` (GiST box prefilter, then the exact
  distance) against the same search without the prefilter (every address scanned);
- route: p50/p95 of ``collection.route.action_optimize`` on 30 stops (ORM writes included)
  against the legs of the given order alone, and the pure ordering algorithm.

Run with ``make bench ARGS="-k field"`` (see addons/collection_field/README.md).
"""
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests

TARGET_PINGS_PER_S = 2000
TARGET_NEARBY_P95_MS = 50
TARGET_ROUTE_MS = 100
AREA = (6.40, 3.20, 0.60)   # south-west corner (lat, lon) and side in degrees: a large metro area
BATCH = 500


def percentile(values, q):
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method='inclusive')[q - 1]


class Report:
    def __init__(self, title):
        self.title = title
        self.lines = []
        self.missed = []

    def row(self, label, value, baseline=None, target=None, better='lower', unit=''):
        text = f"  {label:<44} {value:>12.1f} {unit:<6}"
        if baseline is not None:
            text += f"  baseline {baseline:>10.1f} {unit:<6} ratio {value / baseline if baseline else 0:6.2f}"
        if target is not None:
            ok = value <= target if better == 'lower' else value >= target
            text += f"  target {'<=' if better == 'lower' else '>='} {target} {'OK' if ok else 'MISSED'}"
            if not ok:
                self.missed.append(f"{self.title}: {label}")
        self.lines.append(text)

    def note(self, text):
        self.lines.append(f"  {text}")

    def print(self):
        print(f"\n== {self.title}")  # noqa: T201
        for line in self.lines:
            print(line)  # noqa: T201


# ----------------------------------------------------------------------
# Pings: a multi-worker server started here
# ----------------------------------------------------------------------

def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _server_command(dbname, port, gevent_port):
    from odoo.tools import config  # noqa: PLC0415
    addons_path = config['addons_path']
    if not isinstance(addons_path, str):
        addons_path = ','.join(addons_path)
    command = [
        sys.executable, '-m', 'odoo', 'server', f'--addons-path={addons_path}', '-d', dbname,
        f'--db-filter=^{dbname}$', '--workers=2', '--max-cron-threads=0', '--http-interface=127.0.0.1',
        f'--http-port={port}', f'--gevent-port={gevent_port}', '--log-level=warn',
        '--limit-time-real=300', '--limit-time-cpu=300', '--limit-memory-soft=2147483648',
        '--limit-memory-hard=4294967296',
    ]
    for option in ('db_host', 'db_port', 'db_user', 'db_password', 'data_dir'):
        if config.get(option):
            command.append(f"--{option.replace('_', '-') if option == 'data_dir' else option}={config[option]}")
    return command


def _start_server(dbname):
    port, gevent_port = _free_port(), _free_port()
    log = tempfile.NamedTemporaryFile(prefix='bench_field_server_', suffix='.log', delete=False)
    process = subprocess.Popen(_server_command(dbname, port, gevent_port), stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmark's Odoo server stopped; see {log.name}")
        try:
            if requests.get(f'{url}/web/health', timeout=2).status_code == 200:
                return process, url, log.name
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the benchmark's Odoo server did not answer in time; see {log.name}")


def _stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _make_positions(agent_index, batch_index, count=BATCH):
    rng = random.Random(agent_index * 100003 + batch_index)
    base = datetime.utcnow() - timedelta(hours=6)
    lat, lon = AREA[0] + rng.random() * AREA[2], AREA[1] + rng.random() * AREA[2]
    positions = []
    for index in range(count):
        lat += rng.uniform(-0.0002, 0.0002)
        lon += rng.uniform(-0.0002, 0.0002)
        positions.append({
            'client_id': f'bench-{agent_index}-{batch_index}-{index}',
            'latitude': round(lat, 7), 'longitude': round(lon, 7), 'accuracy': round(rng.uniform(3, 30), 1),
            'timestamp': (base + timedelta(seconds=batch_index * BATCH + index)).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'speed': round(rng.uniform(0, 15), 2),
        })
    return positions


def _setup_agents(registry, count):
    """Field agents with API keys, committed so that the separate server sees them."""
    from odoo import SUPERUSER_ID, api, fields  # noqa: PLC0415
    agents = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        group = env.ref('collection_field.collection_field_group_agent')
        for index in range(count):
            login = f'bench_field_agent_{index}'
            user = env['res.users'].with_context(active_test=False).search([('login', '=', login)])
            if user:
                user.active = True
            else:
                user = env['res.users'].create({
                    'name': f"Bench Field Agent {index}", 'login': login, 'group_ids': [(6, 0, group.ids)]})
            key = env['res.users.apikeys'].with_user(user).sudo()._generate(
                None, 'bench', fields.Datetime.now() + timedelta(days=1))
            agents.append((user.id, key))
        cr.commit()
    return agents


def _cleanup_agents(registry, user_ids):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for table in ('collection_agent_location', 'collection_field_event', 'res_users_apikeys'):
            env.execute_query(SQL("DELETE FROM %s WHERE user_id = ANY(%s)", SQL.identifier(table), list(user_ids)))
        env['res.users'].browse(user_ids).write({'active': False})
        cr.commit()


def _bare_insert(registry, user_id, batches):
    """The baseline: the same rows written by one multi-row INSERT per batch, committed each."""
    from psycopg2.extras import execute_values  # noqa: PLC0415
    with registry.cursor() as cr:
        cr.execute("SELECT company_id FROM res_users WHERE id = %s", [user_id])
        company_id = cr.fetchone()[0]
        started = time.perf_counter()
        for positions in batches:
            rows = [(user_id, company_id, 'base-' + p['client_id'], p['latitude'], p['longitude'], p['accuracy'],
                     p['speed'], p['timestamp'].replace('T', ' ').rstrip('Z'), False, False, False)
                    for p in positions]
            execute_values(cr._obj, """
                INSERT INTO collection_agent_location
                       (user_id, company_id, client_id, latitude, longitude, accuracy, speed, device_time,
                        is_mock_location, is_low_accuracy, is_speed_flagged, server_time, source)
                VALUES %s
            """, rows, template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'utc', 'ping')",
                page_size=BATCH)
            cr.commit()
        return time.perf_counter() - started


def bench_pings(registry, dbname, agents=8, batches_per_agent=15, threads=4):
    report = Report(f"Pings: {agents} devices x {batches_per_agent} batches of {BATCH} positions, "
                    f"{threads} concurrent clients, odoo-bin --workers=2")
    accounts = _setup_agents(registry, agents)
    process = None
    try:
        process, url, log_name = _start_server(dbname)
        report.note(f"server log: {log_name}")
        work = {index: [_make_positions(index, batch) for batch in range(batches_per_agent + 1)]
                for index in range(agents)}

        def post(session, key, positions):
            response = session.post(f'{url}/collection_field/api/pings', data=json.dumps({'positions': positions}),
                                    headers={'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'},
                                    timeout=120)
            body = response.json()
            if response.status_code != 200 or body['accepted'] != len(positions):
                raise RuntimeError(f"ping batch refused: {response.status_code} {str(body)[:300]}")

        # warm up every worker and agent with the first batch
        with requests.Session() as session:
            for index, (_uid, key) in enumerate(accounts):
                post(session, key, work[index][0])
        lock = threading.Lock()
        latencies = []

        def client(agent_indexes):
            with requests.Session() as session:
                for batch in range(1, batches_per_agent + 1):
                    for index in agent_indexes:
                        started = time.perf_counter()
                        post(session, accounts[index][1], work[index][batch])
                        with lock:
                            latencies.append(time.perf_counter() - started)

        groups = [list(range(agents))[i::threads] for i in range(threads)]
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(client, group) for group in groups]:
                future.result()
        elapsed = time.perf_counter() - started
        total = agents * batches_per_agent * BATCH
        baseline_batches = [work[index][batch] for index in range(agents) for batch in range(1, batches_per_agent + 1)]
        baseline = _bare_insert(registry, accounts[0][0], baseline_batches)
        report.row("endpoint throughput (positions/s)", total / elapsed, total / baseline,
                   target=TARGET_PINGS_PER_S, better='higher', unit='pos/s')
        report.row("batch latency p50", percentile(latencies, 50) * 1000, unit='ms')
        report.row("batch latency p95", percentile(latencies, 95) * 1000, unit='ms')
        report.note(f"{total} positions in {elapsed:.2f} s; bare INSERT of the same rows: {baseline:.2f} s")
    finally:
        if process:
            _stop_server(process)
        _cleanup_agents(registry, [uid for uid, _key in accounts])
    return report


# ----------------------------------------------------------------------
# Nearby customers over 400,000 geocoded customers
# ----------------------------------------------------------------------

def load_geocoded_customers(env, count):
    """Customers, their geocoded address and their case, set-based (in the caller's
    transaction). 70% of the cases have an overdue amount."""
    from odoo.tools import SQL  # noqa: PLC0415
    company = env.company.id
    env.execute_query(SQL("SELECT setseed(0.42)"))
    env.execute_query(SQL("""
        CREATE TEMP TABLE bench_partner ON COMMIT DROP AS
        WITH p AS (
            INSERT INTO res_partner (name, complete_name, active, company_id, type, is_company,
                                     create_uid, write_uid, create_date, write_date)
            SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, %(company)s, 'contact', FALSE,
                   1, 1, now(), now()
              FROM generate_series(1, %(count)s) g
         RETURNING id)
        SELECT id FROM p
    """, company=company, count=count))
    env.execute_query(SQL("""
        INSERT INTO collection_contact_point (partner_id, company_id, kind, value, street, district, city,
                                              latitude, longitude, source, state, is_primary, is_do_not_call,
                                              sequence, active, create_uid, write_uid, create_date, write_date)
        SELECT id, %(company)s, 'address', 'Bench address ' || id, id || ' Bench Street',
               'District ' || (id %% 50), 'Bench City',
               round((%(lat)s + random() * %(side)s)::numeric, 7), round((%(lon)s + random() * %(side)s)::numeric, 7),
               'bank', 'unverified', TRUE, FALSE, 10, TRUE, 1, 1, now(), now()
          FROM bench_partner
    """, company=company, lat=AREA[0], lon=AREA[1], side=AREA[2]))
    env.execute_query(SQL("""
        INSERT INTO collection_case (partner_id, company_id, name, stage, priority, active, loan_count,
                                     total_outstanding, total_overdue, max_dpd, create_uid, write_uid,
                                     create_date, write_date)
        SELECT id, %(company)s, 'BENCH-' || id, 'in_progress', '0', TRUE, 1, 1000,
               CASE WHEN random() < 0.7 THEN round((random() * 900 + 100)::numeric, 2) ELSE 0 END,
               30, 1, 1, now(), now()
          FROM bench_partner
    """, company=company))
    env.invalidate_all()


def ensure_geocoded_customers(registry, count):
    """Load the customers once, committed and vacuumed as a live database's would be (a later
    run on the same database reuses them). Returns the seconds spent loading, or None."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM collection_case WHERE name LIKE %s", ['BENCH-%'])
        existing = cr.fetchone()[0]
        if existing >= count:
            return None
        started = time.perf_counter()
        load_geocoded_customers(api.Environment(cr, SUPERUSER_ID, {}), count - existing)
        cr.commit()
        loaded = time.perf_counter() - started
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        for table in ('res_partner', 'collection_contact_point', 'collection_case'):
            cr.execute(f"VACUUM ANALYZE {table}")
        cr._cnx.autocommit = False
    return loaded


def bench_nearby(env, customers, queries=200, radius=2000, loaded=None):
    from odoo.tools import SQL  # noqa: PLC0415
    report = Report(f"Nearby customers: {customers} geocoded customers, radius {radius} m, {queries} positions")
    if loaded is not None:
        report.note(f"loaded {customers} customers, addresses and cases in {loaded:.1f} s (kept for later runs)")
    Case = env['collection.case']
    rng = random.Random(5)
    positions = [(AREA[0] + 0.05 + rng.random() * (AREA[2] - 0.1), AREA[1] + 0.05 + rng.random() * (AREA[2] - 0.1))
                 for _ in range(queries)]
    for lat, lon in positions[:5]:
        Case._search_nearby(lat, lon, radius)  # warm the cache
    timings, found = [], []
    for lat, lon in positions:
        started = time.perf_counter()
        rows = Case._search_nearby(lat, lon, radius)
        timings.append(time.perf_counter() - started)
        found.append(len(rows))
    baseline = []
    for lat, lon in positions[:5]:
        started = time.perf_counter()
        env.execute_query(SQL("""
            SELECT c.id, 2 * 6371008.8 * asin(least(1.0, sqrt(
                       power(sin(radians(p.latitude::float8 - %(lat)s) / 2), 2)
                       + cos(radians(%(lat)s)) * cos(radians(p.latitude::float8))
                         * power(sin(radians(p.longitude::float8 - %(lon)s) / 2), 2)))) AS distance
              FROM collection_contact_point p
              JOIN collection_case c ON c.partner_id = p.partner_id
             WHERE p.kind = 'address' AND p.active AND p.latitude IS NOT NULL
               AND c.company_id = %(company)s AND c.active AND c.total_overdue > 0 AND c.stage != 'closed'
               AND 2 * 6371008.8 * asin(least(1.0, sqrt(
                       power(sin(radians(p.latitude::float8 - %(lat)s) / 2), 2)
                       + cos(radians(%(lat)s)) * cos(radians(p.latitude::float8))
                         * power(sin(radians(p.longitude::float8 - %(lon)s) / 2), 2)))) <= %(radius)s
          ORDER BY distance LIMIT 50
        """, lat=lat, lon=lon, company=env.company.id, radius=radius))
        baseline.append(time.perf_counter() - started)
    base_p50 = percentile(baseline, 50) * 1000
    report.row("search p50", percentile(timings, 50) * 1000, base_p50, unit='ms')
    report.row("search p95", percentile(timings, 95) * 1000, base_p50, target=TARGET_NEARBY_P95_MS, unit='ms')
    report.row("search max", max(timings) * 1000, unit='ms')
    report.note(f"cases returned per search: median {statistics.median(found):.0f} (limit 50); "
                f"baseline = the same search scanning every address (no box prefilter), p50 of 5")
    return report


# ----------------------------------------------------------------------
# Route of 30 visits
# ----------------------------------------------------------------------

def bench_route(env, stops=30, runs=20):
    from odoo import fields  # noqa: PLC0415
    from odoo.addons.collection_field.tools.geo import optimize_route  # noqa: PLC0415
    report = Report(f"Route of {stops} visits: {runs} runs")
    group = env.ref('collection_field.collection_field_group_agent')
    agent = env['res.users'].create({'name': "Bench Route Agent", 'login': 'bench_route_agent',
                                     'group_ids': [(6, 0, group.ids)],
                                     'field_start_latitude': AREA[0] + AREA[2] / 2,
                                     'field_start_longitude': AREA[1] + AREA[2] / 2})
    cases = env['collection.case'].search([('name', '=like', 'BENCH-%')], limit=stops)
    if len(cases) < stops:
        raise RuntimeError("the nearby benchmark loads the customers the route benchmark visits")
    visits = env['collection.visit'].create([{'case_id': case.id, 'user_id': agent.id,
                                              'date': fields.Date.today()} for case in cases])
    route = visits.route_id
    route.ensure_one()
    rng = random.Random(11)

    def shuffle():
        order = list(route._get_ordered_visits())
        rng.shuffle(order)
        for position, visit in enumerate(order, start=1):
            visit.with_context(collection_field_no_legs=True).sequence = position
        env.flush_all()

    optimize, legs, pure = [], [], []
    points = [(v.latitude, v.longitude) for v in visits]
    start = route._get_start()
    for _run in range(runs + 2):
        shuffle()
        started = time.perf_counter()
        route._compute_legs()
        env.flush_all()
        legs.append(time.perf_counter() - started)
        shuffle()
        started = time.perf_counter()
        route.action_optimize()
        env.flush_all()
        optimize.append(time.perf_counter() - started)
        started = time.perf_counter()
        optimize_route(start, points)
        pure.append(time.perf_counter() - started)
    optimize, legs, pure = optimize[2:], legs[2:], pure[2:]
    base = percentile(legs, 50) * 1000
    report.row("optimise (ORM writes included) p50", percentile(optimize, 50) * 1000, base, unit='ms')
    report.row("optimise (ORM writes included) p95", percentile(optimize, 95) * 1000, base,
               target=TARGET_ROUTE_MS, unit='ms')
    report.row("ordering algorithm alone p50", percentile(pure, 50) * 1000, unit='ms')
    report.note(f"baseline = legs of the given order written without reordering (p50); "
                f"route length {route.total_distance:.1f} km")
    return report
