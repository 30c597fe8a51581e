"""Seeded, reproducible sample portfolio for demos and benchmarks.

``generate_sample_portfolio(env, customers=2000, seed=42, country='LK')`` fills an empty
collection database with customers, contact points, loans with their instalments, co-borrowers
and guarantors, collateral, cases assigned to agents in teams, a history of actions, promises
to pay and payments. Every value derives from ``(seed, row number)`` through PostgreSQL's
``hashint8extended``, so the same seed gives the same names and amounts on any machine, and
rows are written by a few ``INSERT ... SELECT FROM generate_series`` statements, never one ORM
call per row: a million loans load in minutes. The ORM only creates the handful of users,
teams, products and regions.

The generator refuses to run on a database that already holds loans, so running it twice
never duplicates anything.

The README's demo database takes the other way, through the core-banking sync
(``collection_integration/tools/sample_extract.py``): :meth:`SamplePortfolioGenerator.stage_core_banking`
stages what a source system holds of the portfolio, the integration writes it as extract files
and the sync loads them, then :meth:`SamplePortfolioGenerator.add_history` adds the rest on top.
"""
import logging
import math
import random
import sys
import time
from ast import literal_eval
from contextlib import closing

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from .sample_profiles import DELINQUENT_BUCKET_WEIGHTS, PRODUCTS, PROFILES, RISK_CLASSES

_logger = logging.getLogger(__name__)

MARKER_PARAM = 'collection_base.sample_portfolio'
# Odd and not a multiple of 5: ``i * PHONE_MULTIPLIER mod 10^k`` is a bijection, so generated
# phone numbers are unique while looking random.
PHONE_MULTIPLIER = 7368787
TEAMS = (
    # name, share of the agents, supervisor login, buckets (by DPD lower bound) it works
    ("Early Collections", 0.5, 'supervisor', (1, 30)),
    ("Mid Collections", 0.3, 'supervisor2', (31, 90)),
    ("Recovery", 0.2, 'supervisor3', (91, None)),
)
DEMO_PASSWORD_AGENTS = 5
LOADED_TABLES = (
    'res_partner', 'collection_contact_point', 'collection_loan', 'collection_loan_due', 'collection_case',
    'collection_loan_party', 'collection_collateral', 'collection_action', 'collection_ptp',
    'collection_payment', 'collection_payment_allocation',
)
CASES_PER_AGENT = 1200  # customers per agent, i.e. about 350 delinquent cases each


def _cumulative(weights):
    """Thresholds for ``width_bucket(u, thresholds)``: the cumulative shares but the last."""
    total = sum(weights)
    acc, out = 0.0, []
    for weight in weights[:-1]:
        acc += weight
        out.append(acc / total)
    return out


class SamplePortfolioGenerator:
    """Writes one sample portfolio into ``env``'s database. See the module docstring."""

    def __init__(self, env, customers=2000, seed=42, country='LK', center=None, radius_km=None,
                 today=None, set_passwords=True):
        if customers < 1:
            raise UserError(env._("The sample portfolio needs at least one customer."))
        country = (country or 'LK').upper()
        if country not in PROFILES:
            raise UserError(env._(
                "No sample profile for country %(country)s; available: %(available)s.",
                country=country, available=", ".join(sorted(PROFILES))))
        self.env = env
        self.cr = env.cr
        self.customers = int(customers)
        self.seed = int(seed)
        self.country_code = country
        self.profile = PROFILES[country]
        self.center = tuple(center) if center else self.profile['center']
        self.radius_km = float(radius_km or self.profile['radius_km'])
        self.today = today or fields.Date.context_today(env['collection.loan'])
        self.set_passwords = set_passwords
        self.rng = random.Random(self.seed)
        self.stats = {}
        self.timings = {}
        # first ids reserved for the rows written straight into the tables; None when the rows
        # are only staged (for an export) or bound to rows another path loaded (the sync)
        self.partner_base = self.case_base = self.loan_base = None

    @classmethod
    def from_marker(cls, env, **overrides):
        """The generator of the portfolio the marker parameter describes (same seed, size,
        country, area and day): what :meth:`stage_core_banking` staged, :meth:`add_history`
        finds again."""
        marker = get_sample_marker(env)
        if not marker:
            raise UserError(env._("No sample portfolio was generated in database %(db)s.", db=env.cr.dbname))
        params = {key: marker.get(key) for key in ('customers', 'seed', 'country', 'center', 'radius_km')}
        params['today'] = fields.Date.to_date(marker['today'])
        return cls(env, **(params | overrides))

    # ------------------------------------------------------------------ entry points
    def run(self):
        """Write the whole portfolio straight into the tables (the benchmarks' way)."""
        started = time.monotonic()
        self._check_empty()
        self._begin()
        self._step('setup', self._setup_reference_data)
        self._step('functions', self._create_functions)
        self._step('drop foreign keys and indexes', self._drop_foreign_keys_and_indexes)
        self._step('column defaults', self._set_column_defaults)
        self._step('customers', self._generate_customers)
        self._step('contact points', self._generate_contact_points)
        self._step('loans', self._generate_loans)
        self._step('instalments', self._generate_dues)
        self._step('cases', self._stage_cases)
        self._step('co-borrowers and guarantors', self._generate_parties)
        self._step('collateral', self._generate_collateral)
        self._history_steps()
        self._step('case insert', self._insert_cases)
        self._step('restore indexes', self._restore_indexes)
        self._drop_column_defaults()
        self._step('analyze', self._analyze)
        self._step('restore foreign keys', self._restore_foreign_keys)
        self._finish(started, via='direct')
        return self.stats

    def stage_core_banking(self):
        """Stage what a core-banking system would hold of the portfolio, for an export.

        Customers, guarantors and loans land in temporary tables of this transaction (read them
        with :meth:`core_banking_queries`); only the reference data (regions, products, users,
        teams, strategies) is written, since the loans need their products and the history its
        agents. The marker parameter records the portfolio's parameters for :meth:`add_history`.
        """
        self._check_empty()
        self._begin()
        self._step('setup', self._setup_reference_data)
        self._step('functions', self._create_functions)
        self._step('customers', self._stage_customers)
        self._step('loans', self._stage_loans)
        self._step('co-borrowers and guarantors', self._stage_parties)
        self.env['ir.config_parameter'].sudo().set_param(MARKER_PARAM, str(self._marker(via='sync', history=False)))
        return self.stats

    def add_history(self):
        """Add the collection side on top of the core-banking part another path loaded (the sync).

        The staged portfolio is generated again from the marker's parameters and bound, by CIF
        and account number, to the customers, loans and contact points in the database; every
        one of them must be there with the figures the generator gave it. Then come what a
        core-banking system does not hold (contact points agents found, verified numbers,
        WhatsApp consents, do-not-contact flags, repossessed collateral) and the history:
        assignment of the cases to the teams' agents, actions, promises, payments, the cases'
        stage and next action.
        """
        started = time.monotonic()
        self._check_loaded()
        self._begin()
        self._step('setup', self._setup_reference_data)
        self.stats.pop('strategies')  # created with the extract files
        self._step('functions', self._create_functions)
        self._step('column defaults', self._set_column_defaults)
        self._step('customers', self._stage_customers)
        self._step('loans', self._stage_loans)
        self._step('bind to the loaded records', self._bind_loaded)
        self._step('collection data', self._add_collection_data)
        self._step('cases', self._stage_cases)
        self._history_steps()
        self._step('case update', self._update_cases)
        self._drop_column_defaults()
        self._step('analyze', self._analyze)
        self._finish(started, via='sync')
        return self.stats

    def _history_steps(self):
        self._step('actions', self._generate_actions)
        self._step('promises', self._generate_promises)
        self._step('payments', self._generate_payments)
        self._step('case history', self._update_case_history)

    def _begin(self):
        self.env.flush_all()
        # The row estimates of generate_series are far off: without this, PostgreSQL may spend
        # minutes compiling the big INSERT ... SELECT statements with JIT.
        self.cr.execute(SQL("SET LOCAL jit = off"))
        self.cr.execute(SQL("SET LOCAL work_mem = '256MB'"))

    def _finish(self, started, via):
        self.env.invalidate_all()
        self._step('verify', self._verify)
        self.drop_staging()
        self.stats['seconds'] = round(time.monotonic() - started, 1)
        self.env['ir.config_parameter'].sudo().set_param(MARKER_PARAM, str(self._marker(via=via, history=True)))
        _logger.info("Sample portfolio loaded: %s", self.stats)

    def _marker(self, via, history):
        return {
            'customers': self.customers, 'seed': self.seed, 'country': self.country_code,
            'center': self.center, 'radius_km': self.radius_km, 'today': str(self.today),
            'loans': self.stats.get('loans'), 'via': via, 'history': history,
        }

    def _step(self, name, method):
        started = time.monotonic()
        method()
        self.timings[name] = round(time.monotonic() - started, 2)
        _logger.info("Sample portfolio: %s in %.1f s", name, self.timings[name])

    def _check_loaded(self):
        marker = get_sample_marker(self.env)
        if not marker or marker.get('via') != 'sync':
            raise UserError(self.env._(
                "Database %(db)s has no sample portfolio staged for the sync: write it as extract files first.",
                db=self.cr.dbname))
        if marker.get('history'):
            raise UserError(self.env._(
                "The sample portfolio of database %(db)s has its history already: it is added only once.",
                db=self.cr.dbname))

    def _check_empty(self):
        self.cr.execute(SQL("SELECT count(*) FROM collection_loan"))
        loans = self.cr.fetchone()[0]
        if loans:
            raise UserError(self.env._(
                "Database %(db)s already holds %(count)s loans: the sample portfolio is only loaded "
                "into a database without loans, so that it never duplicates data.",
                db=self.cr.dbname, count=loans))

    # ------------------------------------------------------------------ helpers
    def _execute(self, query):
        self.cr.execute(query)
        return self.cr.rowcount

    def _reserve_ids(self, table, count):
        """Reserve ``count`` consecutive ids of ``table``; return the id before the first one."""
        sequence = f'{table}_id_seq'
        self.cr.execute(SQL(
            "SELECT nextval(%(seq)s), setval(%(seq)s, currval(%(seq)s) + %(extra)s)",
            seq=sequence, extra=max(count, 1) - 1))
        return self.cr.fetchone()[0] - 1

    def _common_values(self):
        return {'uid': self.env.uid, 'company': self.company.id, 'today': self.today}

    # ------------------------------------------------------------------ reference data (ORM)
    def _setup_reference_data(self):
        env = self.env
        profile = self.profile
        self.company = env.company
        self.country = env['res.country'].search([('code', '=', self.country_code)], limit=1)
        currency = env['res.currency'].with_context(active_test=False).search(
            [('name', '=', profile['currency'])], limit=1)
        if not currency.active:
            currency.active = True
        company_vals = {}
        if self.company.country_id != self.country:
            company_vals['country_id'] = self.country.id
        if self.company.currency_id != currency:
            company_vals['currency_id'] = currency.id
        if company_vals:
            self.company.write(company_vals)
        self.currency = currency
        self.state_ids = self._ensure_states()
        self.products = self._ensure_products()
        self.buckets = env['collection.bucket'].search([('active', '=', True)], order='dpd_from')
        if not self.buckets or self.buckets[0].dpd_from != 0:
            raise UserError(env._("The sample portfolio needs an active bucket starting at 0 DPD (Current)."))
        self._ensure_users_and_teams()
        self.stats['strategies'] = len(ensure_sample_strategies(env))
        self.scripts = self._action_scripts()
        self.env.flush_all()

    def _ensure_states(self):
        State = self.env['res.country.state']
        result = {}
        for code, name in self.profile['states']:
            state = State.search([('country_id', '=', self.country.id), ('code', '=', code)], limit=1)
            if not state:
                state = State.create({'country_id': self.country.id, 'code': code, 'name': name})
            result[code] = state.id
        return result

    def _ensure_products(self):
        Product = self.env['collection.product']
        products = []
        for sequence, (code, name, product_type, *_rest) in enumerate(PRODUCTS, start=1):
            product = Product.search([('code', '=', code), ('company_id', 'in', (self.company.id, False))], limit=1)
            if not product:
                product = Product.create({
                    'name': name, 'code': code, 'product_type': product_type, 'sequence': sequence,
                    'company_id': self.company.id, 'has_collateral': product_type in ('auto', 'mortgage'),
                })
            products.append(product)
        return products

    def _person_name(self):
        profile = self.profile
        first = self.rng.choice(profile['first_names_female'] + profile['first_names_male'])
        return f"{first} {self.rng.choice(profile['last_names'])}"

    def _ensure_users_and_teams(self):
        env = self.env
        Users = env['res.users'].with_context(no_reset_password=True, mail_create_nolog=True)
        group = 'collection_base.collection_base_group_'
        n_agents = max(4, math.ceil(self.customers / CASES_PER_AGENT))
        agent_logins = ['agent'] + [f'agent{n}' for n in range(2, n_agents + 1)]
        wanted = [('manager', group + 'manager')]
        wanted += [(team[2], group + 'supervisor') for team in TEAMS]
        wanted += [(login, group + 'agent') for login in agent_logins]
        existing = {u.login: u for u in Users.with_context(active_test=False).search(
            [('login', 'in', [login for login, _group in wanted])])}
        to_create = []
        for login, xmlid in wanted:
            name = self._person_name()
            if login not in existing:
                to_create.append({
                    'login': login, 'name': name, 'email': f'{login}@example.com',
                    'company_id': self.company.id, 'company_ids': [(6, 0, self.company.ids)],
                    'tz': self.profile['tz'], 'group_ids': [(6, 0, [env.ref(xmlid).id])],
                })
        created = Users.create(to_create) if to_create else Users
        users = {u.login: u for u in created} | existing
        if self.set_passwords:
            with_password = ['manager'] + [team[2] for team in TEAMS] + agent_logins[:DEMO_PASSWORD_AGENTS]
            for login in with_password:
                if login in {u.login for u in created}:
                    users[login].password = login
            admin = env.ref('base.user_admin')
            admin.password = 'admin'
        self.admin_id = env.ref('base.user_admin').id
        self.users = users
        # Agents per team: the first agents are spread over the teams so that agent, agent2,
        # agent3 each see a different stage of the collection cycle.
        teams_agents = [[] for _team in TEAMS]
        for index, login in enumerate(agent_logins):
            if index < len(TEAMS):
                slot = index
            else:
                position = (index - len(TEAMS)) / max(n_agents - len(TEAMS), 1)
                slot, acc = 0, 0.0
                for slot, team in enumerate(TEAMS):
                    acc += team[1]
                    if position < acc:
                        break
            teams_agents[slot].append(users[login].id)
        Team = env['collection.team']
        self.teams = []
        for (name, _share, supervisor, dpd_range), agent_ids in zip(TEAMS, teams_agents):
            team = Team.search([('name', '=', name), ('company_id', '=', self.company.id)], limit=1)
            vals = {'supervisor_id': users[supervisor].id, 'member_ids': [(6, 0, agent_ids)]}
            if team:
                team.write(vals)
            else:
                team = Team.create({'name': name, 'company_id': self.company.id, 'capacity_per_agent': 400, **vals})
            self.teams.append((team, dpd_range, agent_ids))
        self.stats['agents'] = n_agents

    def _action_scripts(self):
        """What agents did and what came of it, with weights in the early, mid and late stage."""
        ref = self.env.ref
        t = 'collection_base.collection_action_type_'
        r = 'collection_base.collection_result_code_'
        notes = {
            'THIRD': ["Spoke to spouse, will pass the message", "Message left with the office receptionist",
                      "Neighbour says customer works abroad, left a callback number"],
            'REFUSE': ["Customer says the loan was taken by a relative", "Refuses to pay until the branch calls back",
                       "Lost job, refuses any payment for now"],
            'DISPUTE': ["Disputes the late fees charged last month", "Says the instalment was paid at the branch",
                        "Claims the card was used fraudulently"],
            'PAID': ["Says paid by bank transfer yesterday, asked for the slip", "Claims paid at the branch on Friday"],
            'PTP': ["Salary on the 25th, will pay then", "Will settle the arrears after the harvest",
                    "Business slow, will pay half now and half next month", None],
            'CALLBACK': ["Customer driving, call back in the evening", "Asked to call after the meeting"],
        }
        # type, result, weights (early, mid, late), duration range (minutes), contact point kind
        plan = [
            ('call', 'no_answer', (30, 28, 26), (0.3, 1.0), 'mobile'),
            ('call', 'ptp', (12, 11, 8), (2.0, 9.0), 'mobile'),
            ('call', 'callback', (8, 6, 4), (0.5, 2.0), 'mobile'),
            ('call', 'third_party', (5, 6, 6), (1.0, 4.0), 'mobile'),
            ('call', 'wrong_number', (2, 3, 4), (0.3, 1.0), 'mobile'),
            ('call', 'refusal', (1, 2, 4), (2.0, 8.0), 'mobile'),
            ('call', 'dispute', (1, 1, 1), (3.0, 10.0), 'mobile'),
            ('call', 'paid', (2, 1, 1), (1.0, 4.0), 'mobile'),
            ('sms', 'sent', (22, 15, 8), (0, 0), 'mobile'),
            ('email', 'sent', (8, 6, 4), (0, 0), 'email'),
            ('whatsapp', 'sent', (5, 4, 3), (0, 0), 'mobile'),
            ('letter', 'sent', (0, 10, 14), (0, 0), 'address'),
            ('visit', 'ptp', (0, 2, 8), (10.0, 35.0), 'address'),
            ('visit', 'third_party', (0, 2, 6), (10.0, 25.0), 'address'),
        ]
        codes = {'no_answer': 'NOANS', 'ptp': 'PTP', 'callback': 'CALLBACK', 'third_party': 'THIRD',
                 'wrong_number': 'WRONGNO', 'refusal': 'REFUSE', 'dispute': 'DISPUTE', 'paid': 'PAID',
                 'sent': 'SENT'}
        scripts = []
        for type_key, result_key, weights, duration, point_kind in plan:
            action_type = ref(t + type_key, raise_if_not_found=False)
            result = ref(r + result_key, raise_if_not_found=False)
            if not action_type or not result:
                continue
            code = codes[result_key]
            scripts.append({
                'type_id': action_type.id, 'result_id': result.id, 'weights': weights,
                'duration': duration, 'point_kind': point_kind,
                'notes': [n for n in notes.get(code, []) if n] or None,
                'note_always': result.requires_note or code == 'PTP',
                'is_ptp': bool(result.requires_ptp), 'next_days': result.next_action_days or 0,
                'needs_next': result.requires_next_date, 'effect': result.effect,
                'pause_days': result.pause_days, 'reached': result.is_reached,
                'category': result.category, 'channel': action_type.channel,
            })
        return scripts

    # ------------------------------------------------------------------ SQL functions
    def _create_functions(self):
        cr = self.cr
        # u(stream, i): uniform in [0, 1), a pure function of (seed, stream, i)
        cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION pg_temp.csg_u(stream integer, i bigint) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $fn$ SELECT (hashint8extended(i, %(seed)s::bigint * 4099 + stream) & 2147483647)::float8 / 2147483648.0 $fn$
        """, seed=self.seed))
        cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION pg_temp.csg_int(stream integer, i bigint, lo integer, hi integer)
            RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $fn$ SELECT lo + floor(pg_temp.csg_u(stream, i) * (hi - lo + 1))::integer $fn$
        """))
        cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION pg_temp.csg_pick(stream integer, i bigint, arr text[]) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $fn$ SELECT arr[1 + floor(pg_temp.csg_u(stream, i) * cardinality(arr))::integer] $fn$
        """))
        # National significant number from a phone index, unique per index (bijection).
        cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION pg_temp.csg_phone(idx bigint, prefixes text[], space bigint,
                                                        base bigint, width integer) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $fn$ SELECT prefixes[1 + (mod(idx * %(mult)s::bigint + %(offset)s::bigint, space * cardinality(prefixes)) / space)::integer]
                        || lpad((base + mod(mod(idx * %(mult)s::bigint + %(offset)s::bigint, space * cardinality(prefixes)), space))::text, width, '0') $fn$
        """, mult=PHONE_MULTIPLIER, offset=self.seed % 100003))
        if self.profile['phone_style'] == 'us':
            display = "'(' || substr(n, 1, 3) || ') ' || substr(n, 4, 3) || '-' || substr(n, 7)"
        else:
            display = ("CASE WHEN left(n, 1) = '7' THEN '0' || substr(n, 1, 2) || ' ' || substr(n, 3, 3) || ' ' || substr(n, 6)"
                       " ELSE '0' || substr(n, 1, 2) || ' ' || substr(n, 3, 1) || ' ' || substr(n, 4) END")
        cr.execute(SQL(
            "CREATE OR REPLACE FUNCTION pg_temp.csg_phone_display(n text) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT %s $fn$", SQL(display)))
        # Reference tables: areas, products, buckets
        cr.execute(SQL("DROP TABLE IF EXISTS csg_area, csg_product, csg_bucket, csg_team, csg_agent, csg_script"))
        default_lat, default_lon = self.profile['center']
        lat0, lon0 = self.center
        scale = self.radius_km / self.profile['radius_km']
        areas = []
        for index, (name, city, zip_code, state, lat, lon, weight) in enumerate(self.profile['areas'], start=1):
            areas.append((index, name, city, zip_code, self.state_ids[state],
                          lat0 + (lat - default_lat) * scale, lon0 + (lon - default_lon) * scale, weight))
        self.area_weights = [a[7] for a in areas]
        cr.execute(SQL("""
            CREATE TEMP TABLE csg_area (area integer PRIMARY KEY, name text, city text, zip text,
                                        state_id integer, lat float8, lon float8, weight float8)
        """))
        cr.execute(SQL("INSERT INTO csg_area VALUES %s", SQL(", ").join(SQL("%s", a) for a in areas)))
        scale_amount = self.profile['amount_scale']
        product_rows = []
        for index, (product, spec) in enumerate(zip(self.products, PRODUCTS), start=1):
            code, _name, _type, _weight, amin, amax, rmin, rmax, terms, schedule, source = spec
            product_rows.append(SQL("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::integer[], %s)",
                                    index, product.id, code, product.product_type, schedule,
                                    amin * scale_amount, amax * scale_amount, rmin, rmax, list(terms), source))
        cr.execute(SQL("""
            CREATE TEMP TABLE csg_product (prod integer PRIMARY KEY, product_id integer, code text,
                                           product_type text, schedule text, amin float8, amax float8,
                                           rmin float8, rmax float8, terms integer[], source text)
        """))
        cr.execute(SQL("INSERT INTO csg_product VALUES %s", SQL(", ").join(product_rows)))
        cr.execute(SQL("""
            CREATE TEMP TABLE csg_bucket (b integer PRIMARY KEY, bucket_id integer, dpd_from integer,
                                          dpd_span integer, is_open boolean)
        """))
        bucket_rows = []
        for index, bucket in enumerate(self.buckets):
            is_open = bucket.dpd_to - bucket.dpd_from > 1000
            span = 540 if is_open else bucket.dpd_to - bucket.dpd_from
            bucket_rows.append(SQL("(%s, %s, %s, %s, %s)", index, bucket.id, bucket.dpd_from, span, is_open))
        cr.execute(SQL("INSERT INTO csg_bucket VALUES %s", SQL(", ").join(bucket_rows)))
        # Teams by the DPD range they work; their agents in order
        cr.execute(SQL("CREATE TEMP TABLE csg_team (t integer PRIMARY KEY, team_id integer, dpd_from integer, dpd_to integer, size integer)"))
        cr.execute(SQL("CREATE TEMP TABLE csg_agent (t integer, pos integer, user_id integer, PRIMARY KEY (t, pos))"))
        for index, (team, (dpd_from, dpd_to), agent_ids) in enumerate(self.teams, start=1):
            cr.execute(SQL("INSERT INTO csg_team VALUES (%s, %s, %s, %s, %s)",
                           index, team.id, dpd_from, dpd_to or 999999, len(agent_ids)))
            for pos, user_id in enumerate(agent_ids):
                cr.execute(SQL("INSERT INTO csg_agent VALUES (%s, %s, %s)", index, pos, user_id))
        cr.execute(SQL("""
            CREATE TEMP TABLE csg_script (s integer PRIMARY KEY, type_id integer, result_id integer,
                channel text, category text, effect text, pause_days integer, next_days integer,
                needs_next boolean, is_ptp boolean, reached boolean, point_kind text, dmin float8,
                dmax float8, notes text[], note_always boolean)
        """))
        for index, s in enumerate(self.scripts, start=1):
            cr.execute(SQL(
                "INSERT INTO csg_script VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s)",
                index, s['type_id'], s['result_id'], s['channel'], s['category'], s['effect'], s['pause_days'],
                s['next_days'], s['needs_next'], s['is_ptp'], s['reached'], s['point_kind'],
                s['duration'][0], s['duration'][1], s['notes'], s['note_always']))
        cr.execute(SQL("ANALYZE csg_area, csg_product, csg_bucket, csg_team, csg_agent, csg_script"))

    # ------------------------------------------------------------------ customers
    def _person_columns(self, idx, stream):
        """SQL select list of a generated person (name, national id, address...) from ``idx``.

        ``stream`` offsets the random streams so customers and guarantors differ.
        """
        p = self.profile
        s = stream
        if self.country_code == 'LK':
            national_id = SQL("""
                CASE WHEN pg_temp.csg_u(%(s8)s, %(idx)s) < 0.45
                     THEN lpad((pg_temp.csg_int(%(s9)s, %(idx)s, 52, 89))::text, 2, '0')
                          || lpad((pg_temp.csg_int(%(s10)s, %(idx)s, 1, 365) + CASE WHEN female THEN 500 ELSE 0 END)::text, 3, '0')
                          || lpad(pg_temp.csg_int(%(s11)s, %(idx)s, 0, 9999)::text, 4, '0') || 'V'
                     ELSE (pg_temp.csg_int(%(s9)s, %(idx)s, 1952, 2004))::text
                          || lpad((pg_temp.csg_int(%(s10)s, %(idx)s, 1, 365) + CASE WHEN female THEN 500 ELSE 0 END)::text, 3, '0')
                          || lpad(pg_temp.csg_int(%(s11)s, %(idx)s, 0, 99999)::text, 5, '0') END
            """, idx=idx, s8=s + 8, s9=s + 9, s10=s + 10, s11=s + 11)
            street = SQL("""
                'No. ' || pg_temp.csg_int(%(s12)s, %(idx)s, 1, 420)
                || CASE WHEN pg_temp.csg_u(%(s13)s, %(idx)s) < 0.25 THEN '/' || pg_temp.csg_int(%(s14)s, %(idx)s, 1, 12) ELSE '' END
                || ', ' || pg_temp.csg_pick(%(s15)s, %(idx)s, %(streets)s::text[])
            """, idx=idx, s12=s + 12, s13=s + 13, s14=s + 14, s15=s + 15, streets=list(p['streets']))
        else:
            national_id = SQL("""
                lpad(pg_temp.csg_int(%(s9)s, %(idx)s, 100, 665)::text, 3, '0') || '-'
                || lpad(pg_temp.csg_int(%(s10)s, %(idx)s, 1, 99)::text, 2, '0') || '-'
                || lpad(pg_temp.csg_int(%(s11)s, %(idx)s, 1, 9999)::text, 4, '0')
            """, idx=idx, s9=s + 9, s10=s + 10, s11=s + 11)
            street = SQL("""
                pg_temp.csg_int(%(s12)s, %(idx)s, 100, 5999) || ' ' || pg_temp.csg_pick(%(s15)s, %(idx)s, %(streets)s::text[])
                || CASE WHEN pg_temp.csg_u(%(s13)s, %(idx)s) < 0.3 THEN ' Apt ' || pg_temp.csg_int(%(s14)s, %(idx)s, 1, 40) ELSE '' END
            """, idx=idx, s12=s + 12, s13=s + 13, s14=s + 14, s15=s + 15, streets=list(p['streets']))
        spread = max(0.6, self.radius_km / 15.0)
        return SQL("""
            first_name || ' ' || last_name AS name, female,
            %(national_id)s AS national_id,
            %(street)s AS street,
            a.area, a.name AS district, a.city, a.zip, a.state_id,
            a.lat + %(spread)s * sqrt(pg_temp.csg_u(%(s16)s, %(idx)s)) * cos(2 * pi() * pg_temp.csg_u(%(s17)s, %(idx)s)) / 111.32 AS lat,
            a.lon + %(spread)s * sqrt(pg_temp.csg_u(%(s16)s, %(idx)s)) * sin(2 * pi() * pg_temp.csg_u(%(s17)s, %(idx)s))
                    / (111.32 * cos(radians(a.lat))) AS lon
        """, national_id=national_id, street=street, spread=spread, idx=idx, s16=s + 16, s17=s + 17)

    def _names_cte(self, idx_sql, stream):
        """The first CTE of a person: sex, first and last names, area."""
        p = self.profile
        return SQL("""
            SELECT %(idx)s AS idx,
                   pg_temp.csg_u(%(s1)s, %(idx)s) < 0.48 AS female,
                   CASE WHEN pg_temp.csg_u(%(s1)s, %(idx)s) < 0.48
                        THEN pg_temp.csg_pick(%(s2)s, %(idx)s, %(female)s::text[])
                        ELSE pg_temp.csg_pick(%(s2)s, %(idx)s, %(male)s::text[]) END AS first_name,
                   pg_temp.csg_pick(%(s3)s, %(idx)s, %(last)s::text[]) AS last_name
        """, idx=idx_sql, s1=stream + 1, s2=stream + 2, s3=stream + 3,
            female=list(p['first_names_female']), male=list(p['first_names_male']), last=list(p['last_names']))

    def _generate_customers(self):
        self.partner_base = self._reserve_ids('res_partner', self.customers)
        self.case_base = self._reserve_ids('collection_case', self.customers)
        self._stage_customers()
        self._insert_partners('csg_customer', cif=True)
        self.stats['customers'] = self.customers

    def _stage_ids(self, *columns):
        """The select list of the ids of staged rows: ``(name, reserved base, row number SQL)``
        each, the base plus the row number when ids were reserved, NULL until bound otherwise."""
        return SQL(", ").join(
            SQL("%s + %s AS %s", base, number, SQL.identifier(name)) if base is not None
            else SQL("NULL::integer AS %s", SQL.identifier(name))
            for name, base, number in columns)

    def _stage_customers(self):
        """``csg_customer``: one row per customer with everything the generator knows of them."""
        n = self.customers
        p = self.profile
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_customer"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_customer AS
            WITH g AS (
                SELECT i FROM generate_series(1, %(n)s) AS i
            ), person AS (
                SELECT g.i, nm.first_name, nm.last_name, nm.female,
                       1 + width_bucket(pg_temp.csg_u(4, g.i), %(area_cum)s::float8[]) AS area
                  FROM g CROSS JOIN LATERAL (%(names)s) nm
                 WHERE nm.idx = g.i OFFSET 0
            )
            SELECT person.i, %(ids)s,
                   width_bucket(pg_temp.csg_u(5, person.i), %(risk_cum)s::float8[]) AS risk,
                   1 + width_bucket(pg_temp.csg_u(6, person.i), ARRAY[0.32, 0.57, 0.77, 0.89, 0.96]::float8[]) AS n_loans,
                   (10000000 + person.i)::text AS cif,
                   pg_temp.csg_phone(person.i, %(mobile_prefixes)s::text[], %(mobile_space)s, %(mobile_base)s, %(mobile_width)s) AS mobile,
                   pg_temp.csg_phone(person.i + 8 * %(n)s, %(mobile_prefixes)s::text[], %(mobile_space)s, %(mobile_base)s, %(mobile_width)s) AS mobile2,
                   pg_temp.csg_phone(person.i, %(land_prefixes)s::text[], %(land_space)s, %(land_base)s, %(land_width)s) AS landline,
                   pg_temp.csg_u(7, person.i) < 0.30 AS has_mobile2,
                   pg_temp.csg_u(18, person.i) < 0.25 AS has_landline,
                   pg_temp.csg_u(19, person.i) < 0.65 AS has_email,
                   pg_temp.csg_u(20, person.i) < 0.003 AS do_not_contact,
                   pg_temp.csg_u(21, person.i) < 0.40 AS consent_whatsapp,
                   regexp_replace(lower(person.first_name || '.' || person.last_name), '[^a-z.]', '', 'g')
                       || CASE WHEN pg_temp.csg_u(22, person.i) < 0.6 THEN pg_temp.csg_int(23, person.i, 1, 99)::text ELSE '' END
                       || '@' || pg_temp.csg_pick(24, person.i, %(domains)s::text[]) AS email,
                   %(person)s
              FROM person JOIN csg_area a ON a.area = person.area
        """, n=n, ids=self._stage_ids(('partner_id', self.partner_base, SQL("person.i")),
                                      ('case_id', self.case_base, SQL("person.i"))),
            names=self._names_cte(SQL("g.i"), 0),
            area_cum=_cumulative(self.area_weights), risk_cum=_cumulative([r[0] for r in RISK_CLASSES]),
            domains=list(p['email_domains']), person=self._person_columns(SQL("person.i"), 0),
            **self._phone_plan()))
        self.cr.execute(SQL("ALTER TABLE csg_customer ADD PRIMARY KEY (i)"))
        self.cr.execute(SQL("ANALYZE csg_customer"))

    def _phone_plan(self):
        p = self.profile
        if p['phone_style'] == 'us':
            # area code + exchange 200-999 + line number
            mobile = {'mobile_space': 8000000, 'mobile_base': 2000000, 'mobile_width': 7}
            land = {'land_space': 8000000, 'land_base': 2000000, 'land_width': 7}
        else:
            # 7X + 7 digits; 11 + [2-57] + 6 digits
            mobile = {'mobile_space': 10000000, 'mobile_base': 0, 'mobile_width': 7}
            land = {'land_space': 1000000, 'land_base': 0, 'land_width': 6}
        return {**mobile, **land, 'mobile_prefixes': list(p['mobile_prefixes']),
                'land_prefixes': list(p['landline_prefixes'])}

    def _insert_partners(self, table, cif):
        """Insert the people of staging ``table`` (with partner_id, name, mobile, ...) as partners."""
        p = self.profile
        self._execute(SQL("""
            INSERT INTO res_partner (id, name, complete_name, company_id, commercial_partner_id, type, active,
                                     is_company, partner_share, employee, lang, tz, street, street2, city, zip,
                                     state_id, country_id, partner_latitude, partner_longitude, email,
                                     email_normalized, phone, phone_sanitized, cif, national_id,
                                     consent_call, consent_sms, consent_email, consent_whatsapp,
                                     consent_letter, consent_visit, is_do_not_contact, color, message_bounce,
                                     create_uid, write_uid, create_date, write_date)
            SELECT partner_id, name, name, %(company)s, partner_id, 'contact', TRUE,
                   FALSE, TRUE, FALSE, 'en_US', %(tz)s, street, district, city, zip,
                   state_id, %(country)s, round(lat::numeric, 7), round(lon::numeric, 7),
                   CASE WHEN has_email THEN email END, CASE WHEN has_email THEN email END,
                   pg_temp.csg_phone_display(mobile), '+' || %(cc)s || mobile,
                   %(cif)s, national_id,
                   TRUE, TRUE, TRUE, consent_whatsapp, TRUE, TRUE, do_not_contact, 0, 0,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM %(table)s
          ORDER BY partner_id
        """, table=SQL.identifier(table), tz=p['tz'], country=self.country.id, cc=p['country_calling_code'],
            cif=SQL("cif") if cif else SQL("NULL"), **self._common_values()))

    def _generate_contact_points(self):
        base = self._reserve_ids('collection_contact_point', 5 * self.customers)
        self.stats['contact_points'] = self._insert_contact_points('csg_customer', base, full=True)
        # The ids the insert gave (row_number over partner, then kind): mobile first, address last.
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_cp"))
        self.cr.execute(SQL("""
            CREATE TEMP TABLE csg_cp AS
            SELECT i, first AS cp_mobile,
                   CASE WHEN has_email THEN first + 1 + has_mobile2::integer + has_landline::integer END AS cp_email,
                   first + points - 1 AS cp_address
              FROM (SELECT i, has_email, has_mobile2, has_landline,
                           2 + has_mobile2::integer + has_landline::integer + has_email::integer AS points,
                           %(base)s + 1 + sum(2 + has_mobile2::integer + has_landline::integer + has_email::integer)
                                              OVER (ORDER BY partner_id)
                                        - (2 + has_mobile2::integer + has_landline::integer + has_email::integer) AS first
                      FROM csg_customer) c
        """, base=base))
        self.cr.execute(SQL("ALTER TABLE csg_cp ADD PRIMARY KEY (i)"))

    def _insert_contact_points(self, table, base, full):
        """Mobile and address of every person of ``table``; with ``full``, also the second mobile
        (30%), landline (25%) and email (65%). Returns the number of points."""
        p = self.profile
        return self._execute(SQL("""
            INSERT INTO collection_contact_point (id, partner_id, company_id, sequence, kind, value, phone_e164,
                                                  country_id, street, city, district, zip, latitude, longitude,
                                                  source, state, is_primary, is_do_not_call, active,
                                                  create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + row_number() OVER (ORDER BY c.partner_id, v.seq), c.partner_id, %(company)s, v.seq,
                   v.kind, v.value, v.e164, %(country)s,
                   CASE WHEN v.kind = 'address' THEN c.street END, CASE WHEN v.kind = 'address' THEN c.city END,
                   CASE WHEN v.kind = 'address' THEN c.district END, CASE WHEN v.kind = 'address' THEN c.zip END,
                   CASE WHEN v.kind = 'address' THEN round(c.lat::numeric, 7) END,
                   CASE WHEN v.kind = 'address' THEN round(c.lon::numeric, 7) END,
                   v.source, v.state, v.seq = 1, FALSE, TRUE,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM %(table)s c
        CROSS JOIN LATERAL (VALUES
                (1, 'mobile', pg_temp.csg_phone_display(c.mobile), '+' || %(cc)s || c.mobile, 'bank',
                 CASE WHEN pg_temp.csg_u(30, c.partner_id) < 0.6 THEN 'verified' ELSE 'unverified' END, TRUE),
                (2, 'mobile', pg_temp.csg_phone_display(c.mobile2), '+' || %(cc)s || c.mobile2,
                 %(second_source)s, %(second_state)s, %(full)s AND c.has_mobile2),
                (3, 'phone', pg_temp.csg_phone_display(c.landline), '+' || %(cc)s || c.landline, 'bank', 'unverified',
                 %(full)s AND c.has_landline),
                (4, 'email', c.email, NULL, 'bank', 'unverified', %(full)s AND c.has_email),
                (5, 'address', concat_ws(', ', c.street, c.district, nullif(c.city, c.district)), NULL, 'bank', 'verified', TRUE)
            ) AS v(seq, kind, value, e164, source, state, present)
             WHERE v.present
        """, table=SQL.identifier(table), base=base, country=self.country.id, cc=p['country_calling_code'],
            full=full, **self._second_mobile(SQL("c.partner_id")), **self._common_values()))

    @staticmethod
    def _second_mobile(idx):
        """Where a second mobile came from (the customer, an agent, skip tracing) and whether it
        proved a wrong number, drawn from the row number ``idx``."""
        return {
            'second_source': SQL("""CASE WHEN pg_temp.csg_u(31, %(idx)s) < 0.5 THEN 'customer'
                                         WHEN pg_temp.csg_u(31, %(idx)s) < 0.8 THEN 'agent' ELSE 'skip_trace' END""",
                                 idx=idx),
            'second_state': SQL("CASE WHEN pg_temp.csg_u(32, %s) < 0.15 THEN 'wrong_number' ELSE 'unverified' END", idx),
        }

    # ------------------------------------------------------------------ loans and instalments
    def _generate_loans(self):
        self.cr.execute(SQL("SELECT sum(n_loans) FROM csg_customer"))
        self.loan_base = self._reserve_ids('collection_loan', self.cr.fetchone()[0])
        self._stage_loans()
        self.stats['loans'] = self._execute(SQL("""
            INSERT INTO collection_loan (id, name, source_system, partner_id, case_id, product_id, product_type,
                                         company_id, currency_id, branch, state, disbursement_date, maturity_date,
                                         term_months, interest_rate, principal, outstanding_amount, overdue_amount,
                                         installment_amount, next_due_date, oldest_unpaid_date, dpd, bucket_id,
                                         create_uid, write_uid, create_date, write_date)
            SELECT l.loan_id, l.account, l.source, l.partner_id, l.case_id, l.product_id,
                   l.product_type, %(company)s, %(currency)s, a.name, 'active', l.disbursement, l.maturity,
                   coalesce(l.term, 0), coalesce(l.rate, 0), l.principal, l.outstanding, l.overdue, l.instalment,
                   l.next_due, CASE WHEN l.b > 0 THEN l.anchor END, l.dpd, bk.bucket_id,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM csg_loan l JOIN csg_area a ON a.area = l.area JOIN csg_bucket bk ON bk.b = l.b
          ORDER BY l.k
        """, currency=self.currency.id, **self._common_values()))

    def _stage_loans(self):
        """``csg_loan``: the loans of the staged customers, with their schedule's figures."""
        digits = self.profile['amount_digits']
        principal_round = -2 if self.profile['amount_scale'] >= 100 else 0
        delinquent_buckets = len(self.buckets) - 1
        bucket_weights = list(DELINQUENT_BUCKET_WEIGHTS[:delinquent_buckets])
        bucket_weights += [0.1] * (delinquent_buckets - len(bucket_weights))
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_loan"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_loan AS
            WITH l AS (
                SELECT row_number() OVER (ORDER BY c.i, j) AS k, c.i, c.partner_id, c.case_id, c.risk, c.area
                  FROM csg_customer c CROSS JOIN LATERAL generate_series(1, c.n_loans) AS j OFFSET 0
            ), p AS (
                SELECT l.*,
                       1 + width_bucket(pg_temp.csg_u(40, k), %(product_cum)s::float8[]) AS prod,
                       CASE WHEN k <= %(n_buckets)s THEN (k - 1)::integer
                            WHEN pg_temp.csg_u(41, k) < (%(risk_late)s::float8[])[risk + 1]
                            THEN 1 + width_bucket(pg_temp.csg_u(42, k), %(bucket_cum)s::float8[])
                            ELSE 0 END AS b
                  FROM l OFFSET 0
            ), dl AS (
                SELECT p.*, pr.product_id, pr.code, pr.product_type, pr.schedule, pr.source,
                       CASE WHEN p.b = 0 THEN 0
                            ELSE bk.dpd_from + floor(power(pg_temp.csg_u(43, k), CASE WHEN bk.is_open THEN 1.8 ELSE 1 END)
                                                     * (bk.dpd_span + 1))::integer END AS dpd,
                       exp(ln(pr.amin) + pg_temp.csg_u(44, k) * (ln(pr.amax) - ln(pr.amin))) AS amount,
                       round((pr.rmin + pg_temp.csg_u(45, k) * (pr.rmax - pr.rmin))::numeric, 2) AS rate,
                       pr.terms[1 + floor(pg_temp.csg_u(46, k) * cardinality(pr.terms))::integer] AS term_pick
                  FROM p JOIN csg_product pr ON pr.prod = p.prod JOIN csg_bucket bk ON bk.b = p.b OFFSET 0
            ), anc AS (
                SELECT dl.*,
                       CASE WHEN schedule = 'single' AND b = 0 THEN %(today)s::date + pg_temp.csg_int(47, k, 1, 30)
                            WHEN b = 0 THEN %(today)s::date - pg_temp.csg_int(47, k, 0, 27)
                            ELSE %(today)s::date - dpd END AS anchor,
                       CASE schedule WHEN 'amortizing' THEN 3 WHEN 'single' THEN 0 ELSE 1 END AS future
                  FROM dl OFFSET 0
            ), cnt AS (
                SELECT anc.*,
                       CASE WHEN schedule = 'single' THEN (b > 0)::integer
                            -- the instalments due before today (one due today is not overdue yet), and
                            -- always the anchor's: paid for a current loan, the oldest unpaid otherwise
                            ELSE months + 1 + ((anchor + make_interval(months => months + 1))::date < %(today)s::date)::integer
                                 - (months > 0 AND (anchor + make_interval(months => months))::date >= %(today)s::date)::integer
                            END AS due_count
                  FROM anc CROSS JOIN LATERAL (
                       SELECT (extract(year FROM age(%(today)s::date, anchor)) * 12
                               + extract(month FROM age(%(today)s::date, anchor)))::integer AS months) mo OFFSET 0
            ), trm AS (
                SELECT cnt.*,
                       CASE WHEN schedule = 'amortizing' THEN greatest(term_pick, due_count + future + 2) END AS term
                  FROM cnt OFFSET 0
            ), seq AS (
                SELECT trm.*,
                       CASE schedule WHEN 'amortizing' THEN 2 + floor(pg_temp.csg_u(48, k) * (term - due_count - future))::integer
                                     WHEN 'single' THEN 1
                                     ELSE pg_temp.csg_int(48, k, 3, 60) END AS s0,
                       CASE WHEN b > 0 OR schedule = 'single' THEN 0 ELSE 1 END AS unpaid_from,
                       CASE WHEN schedule = 'amortizing' THEN rate::float8 / 1200 END AS mrate,
                       round(amount::numeric, %(principal_round)s) AS principal
                  FROM trm OFFSET 0
            ), inst AS (
                SELECT seq.*,
                       CASE schedule
                            WHEN 'amortizing' THEN round((principal::float8 * mrate / (1 - power(1 + mrate, -term)))::numeric, %(digits)s)
                            WHEN 'revolving' THEN greatest(round(principal * CASE WHEN b > 0 THEN 0.70 + 0.35 * pg_temp.csg_u(49, k)::numeric
                                                                                  ELSE 0.10 + 0.80 * pg_temp.csg_u(49, k)::numeric END
                                                                 * 0.05, %(digits)s), round(25 * %(scale)s::numeric, %(digits)s))
                            ELSE principal END AS instalment,
                       CASE WHEN schedule = 'revolving'
                            THEN round(principal * CASE WHEN b > 0 THEN 0.70 + 0.35 * pg_temp.csg_u(49, k)::numeric
                                                       ELSE 0.10 + 0.80 * pg_temp.csg_u(49, k)::numeric END, %(digits)s) END AS balance
                  FROM seq OFFSET 0
            ), fin AS (
                SELECT inst.*,
                       CASE WHEN b > 0 AND pg_temp.csg_u(50, k) < 0.15
                            THEN round(instalment * (0.2 + 0.6 * pg_temp.csg_u(51, k))::numeric, %(digits)s) ELSE 0 END AS partial
                  FROM inst OFFSET 0
            ), dis AS (
                SELECT fin.*, %(ids)s, fin.code || lpad(fin.k::text, 10, '0') AS account,
                   CASE WHEN b > 0 THEN due_count * instalment - partial ELSE 0 END AS overdue,
                   CASE schedule
                        WHEN 'amortizing' THEN
                            CASE WHEN b > 0 THEN due_count * instalment - partial ELSE 0 END
                            + round((principal::float8 * (power(1 + mrate, term) - power(1 + mrate, s0 - 1 + due_count))
                                     / (power(1 + mrate, term) - 1))::numeric, %(digits)s)
                        WHEN 'revolving' THEN greatest(balance, due_count * instalment - partial)
                        WHEN 'bill' THEN CASE WHEN b > 0 THEN due_count * instalment - partial ELSE 0 END + future * instalment
                        ELSE principal - partial END AS outstanding,
                   CASE WHEN schedule = 'single' THEN 0 ELSE unpaid_from - 1 END AS m_lo,
                   CASE WHEN schedule = 'single' THEN 0 ELSE due_count - 1 + future END AS m_hi,
                   CASE WHEN schedule = 'single' THEN (CASE WHEN b = 0 THEN anchor END)
                        ELSE (anchor + make_interval(months => due_count))::date END AS next_due,
                   CASE WHEN schedule = 'single' THEN anchor - 30 * pg_temp.csg_int(52, k, 1, 2)
                        ELSE (anchor - make_interval(months => s0))::date END AS disbursement
                  FROM fin OFFSET 0
            )
            SELECT dis.*,
                   CASE WHEN term IS NOT NULL THEN (disbursement + make_interval(months => term))::date END AS maturity
              FROM dis
        """, product_cum=_cumulative([spec[3] for spec in PRODUCTS]), n_buckets=len(self.buckets),
            risk_late=[r[1] for r in RISK_CLASSES], bucket_cum=_cumulative(bucket_weights),
            principal_round=principal_round, digits=digits, scale=self.profile['amount_scale'],
            ids=self._stage_ids(('loan_id', self.loan_base, SQL("k"))), today=self.today))
        self.cr.execute(SQL("ALTER TABLE csg_loan ADD PRIMARY KEY (k)"))
        self.cr.execute(SQL("ANALYZE csg_loan"))

    def _generate_dues(self):
        self.cr.execute(SQL("SELECT sum(m_hi - m_lo + 1) FROM csg_loan"))
        count = self.cr.fetchone()[0]
        base = self._reserve_ids('collection_loan_due', count)
        self.stats['instalments'] = self._execute(SQL("""
            INSERT INTO collection_loan_due (id, loan_id, company_id, sequence, due_date, amount_due, amount_paid,
                                             amount_residual, state, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + row_number() OVER (ORDER BY d.k, d.m), d.loan_id, %(company)s, d.sequence, d.due_date,
                   d.amount_due, d.amount_paid, d.amount_due - d.amount_paid,
                   CASE WHEN d.amount_paid = 0 THEN 'open' WHEN d.amount_paid < d.amount_due THEN 'partial' ELSE 'paid' END,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (%(dues)s) d
        """, base=base, dues=self._dues_query(), **self._common_values()))

    def _dues_query(self):
        """The instalments of the staged loans: the unpaid ones, the last paid one, the next ones."""
        return SQL("""
            SELECT l.k, m, l.loan_id, l.account, l.source, l.s0 + m AS sequence, x.due_date, x.amount_due, x.amount_paid
              FROM csg_loan l
        CROSS JOIN LATERAL generate_series(l.m_lo, l.m_hi) AS m
        CROSS JOIN LATERAL (
                SELECT CASE WHEN l.schedule = 'single' THEN l.anchor
                            ELSE (l.anchor + make_interval(months => m))::date END AS due_date,
                       l.instalment AS amount_due,
                       CASE WHEN m < l.unpaid_from THEN l.instalment
                            WHEN m = 0 AND l.b > 0 THEN l.partial ELSE 0 END AS amount_paid
            ) x
             WHERE l.term IS NULL OR l.s0 + m <= l.term
        """)

    # ------------------------------------------------------------------ cases
    def _stage_cases(self):
        """Cases in a staging table: totals, team and agent; inserted after their history."""
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_case"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_case AS
            WITH agg AS (
                SELECT l.i, l.case_id, l.partner_id, count(*) AS loan_count, sum(l.outstanding) AS outstanding,
                       sum(l.overdue) AS overdue, max(l.dpd) AS max_dpd,
                       (array_agg(l.loan_id ORDER BY l.dpd DESC, l.k))[1] AS worst_loan_id
                  FROM csg_loan l
              GROUP BY l.i, l.case_id, l.partner_id
            ), team AS (
                SELECT agg.*, bk.bucket_id, tm.t, tm.team_id, tm.size,
                       pg_temp.csg_u(60, agg.i) < 0.05 AS unassigned
                  FROM agg
                  JOIN csg_bucket bk ON bk.dpd_from <= agg.max_dpd AND agg.max_dpd <= bk.dpd_from + bk.dpd_span
                                        OR (bk.is_open AND agg.max_dpd >= bk.dpd_from)
             LEFT JOIN csg_team tm ON agg.max_dpd > 0 AND tm.dpd_from <= agg.max_dpd AND agg.max_dpd <= tm.dpd_to
            )
            SELECT team.*, CASE WHEN team.unassigned THEN NULL ELSE ag.user_id END AS user_id,
                   coalesce(ag.user_id, (SELECT user_id FROM csg_agent WHERE t = 1 AND pos = 0)) AS worker_id,
                   CASE WHEN max_dpd > 180 AND overdue > 10000 * %(scale)s::numeric THEN '3'
                        WHEN max_dpd > 90 THEN '2'
                        WHEN max_dpd > 30 THEN '1'
                        ELSE '0' END AS priority,
                   c.state_id, 'new'::text AS stage,
                   CASE WHEN max_dpd > 0 THEN %(today)s::date END AS next_action_date,
                   NULL::timestamp AS last_action_date, NULL::timestamp AS last_contact_date,
                   NULL::integer AS last_result_code_id, NULL::date AS paused_until
              FROM team
              JOIN csg_customer c ON c.i = team.i
         LEFT JOIN csg_agent ag ON ag.t = team.t AND ag.pos = floor(pg_temp.csg_u(61, team.i) * team.size)::integer
        """, scale=self.profile['amount_scale'], today=self.today))
        self.cr.execute(SQL("ALTER TABLE csg_case ADD PRIMARY KEY (i)"))
        self.cr.execute(SQL("CREATE INDEX ON csg_case (case_id)"))
        self.cr.execute(SQL("ANALYZE csg_case"))

    def _insert_cases(self):
        """The cases, once their history (stage, next action...) is known: written once, never
        updated, so that their pages keep the free room the daily run needs."""
        self.stats['cases'] = self._execute(SQL("""
            INSERT INTO collection_case (id, name, partner_id, company_id, active, stage, priority, user_id, team_id,
                                         next_action_date, region_id, loan_count, total_outstanding, total_overdue,
                                         max_dpd, bucket_id, last_action_date, last_contact_date, last_result_code_id,
                                         paused_until, create_uid, write_uid, create_date, write_date)
            SELECT case_id, 'CASE-' || lpad(case_id::text, 7, '0'), partner_id, %(company)s, TRUE, stage, priority,
                   user_id, team_id, next_action_date, state_id, loan_count, outstanding, overdue, max_dpd, bucket_id,
                   last_action_date, last_contact_date, last_result_code_id, paused_until,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM csg_case
          ORDER BY case_id
        """, **self._common_values()))

    # ------------------------------------------------------------------ the sync's way: export, bind, add
    def core_banking_queries(self):
        """What a core-banking system holds of the staged portfolio, one SELECT per kind of record:
        ``customer`` (the customers, then the co-borrowers and guarantors), ``loan``, ``party``
        (who stands with whom for which loan), ``due`` and ``collateral``, in a stable order.

        The columns are named after the core-banking sync's fields, every value is text as a file
        holds it (amounts exact, coordinates to 6 decimals as the format takes them, dates ISO,
        phones as a branch types them), the loans, their
        parties, dues and collateral carry ``source`` (the system the loan comes from), and
        ``sort`` gives the order of the rows.
        """
        person = SQL("""
            cif, name, 'PERSON' AS is_company, national_id, pg_temp.csg_phone_display(mobile) AS mobile,
            CASE WHEN has_landline THEN pg_temp.csg_phone_display(landline) END AS phone,
            CASE WHEN has_email THEN email END AS email, street, district AS street2, city, zip,
            (SELECT code FROM res_country_state st WHERE st.id = state_id) AS state, %(country)s AS country,
            round(lat::numeric, 6)::text AS latitude, round(lon::numeric, 6)::text AS longitude
        """, country=self.country_code)
        return {
            'customer': SQL("""
                SELECT i AS sort, %(person)s FROM csg_customer
                UNION ALL
                SELECT 1000000000 + g, %(person)s FROM csg_party
            """, person=person),
            'loan': SQL("""
                SELECT l.k AS sort, l.source, l.account, c.cif, l.code AS product, %(currency)s AS currency,
                       l.principal::text AS principal, l.outstanding::text AS outstanding,
                       l.instalment::text AS installment, l.rate::text AS interest_rate,
                       l.disbursement::text AS disbursement_date, l.maturity::text AS maturity_date,
                       l.term::text AS term_months, a.name AS branch,
                       CASE WHEN l.b > 0 THEN 'OVERDUE' ELSE 'CURRENT' END AS state
                  FROM csg_loan l JOIN csg_customer c ON c.i = l.i JOIN csg_area a ON a.area = l.area
            """, currency=self.currency.name),
            'party': SQL("""
                SELECT p.g AS sort, l.source, l.account, p.cif, upper(p.role) AS role, p.relation
                  FROM csg_party p JOIN csg_loan l ON l.k = p.k
            """),
            'due': SQL("""
                SELECT d.k * 10000 + d.m + 1 AS sort, d.source, d.account, d.sequence::text AS sequence,
                       d.due_date::text AS due_date, d.amount_due::text AS amount_due,
                       d.amount_paid::text AS amount_paid
                  FROM (%s) d
            """, self._dues_query()),
            'collateral': SQL("""
                SELECT x.k AS sort, x.source, x.source_ref AS ref, x.account, upper(x.kind) AS type, x.name, x.identifier,
                       x.make, x.model, x.year::text AS year, x.value::text AS value,
                       x.valuation_date::text AS valuation_date, x.location,
                       round(x.latitude, 6)::text AS latitude, round(x.longitude, 6)::text AS longitude
                  FROM (%s) x
            """, self._collateral_query()),
        }

    def _bind_loaded(self):
        """Give the staged customers and loans the ids of the rows the sync loaded, by CIF and by
        source and account, and check that every one is there, linked to its case, with the
        figures the generator gave it: the history is built for these figures. DPD are counted
        to the portfolio's day first (the sync counts them to the day it runs)."""
        self.stats['dpd_recounted'] = self.env['collection.loan']._recompute_delinquency(today=self.today)
        self._execute(SQL("""
            UPDATE csg_customer c SET partner_id = p.id, case_id = k.id
              FROM res_partner p
         LEFT JOIN collection_case k ON k.partner_id = p.id AND k.company_id = p.company_id
             WHERE p.cif = c.cif AND p.company_id = %(company)s
        """, **self._common_values()))
        self._execute(SQL("""
            UPDATE csg_loan l SET loan_id = x.id, partner_id = c.partner_id, case_id = c.case_id
              FROM csg_customer c, collection_loan x
             WHERE c.i = l.i AND x.name = l.account AND x.source_system = l.source AND x.company_id = %(company)s
        """, **self._common_values()))
        self.cr.execute(SQL("CREATE INDEX ON csg_loan (loan_id)"))
        self.cr.execute(SQL("ANALYZE csg_customer, csg_loan"))
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_cp"))
        self.cr.execute(SQL("""
            CREATE TEMP TABLE csg_cp AS
            SELECT c.i,
                   min(cp.id) FILTER (WHERE cp.kind = 'mobile' AND cp.phone_e164 = '+' || %(cc)s || c.mobile) AS cp_mobile,
                   min(cp.id) FILTER (WHERE cp.kind = 'email' AND cp.value = c.email AND c.has_email) AS cp_email,
                   min(cp.id) FILTER (WHERE cp.kind = 'address') AS cp_address
              FROM csg_customer c
              JOIN collection_contact_point cp ON cp.partner_id = c.partner_id AND cp.active AND cp.source = 'bank'
          GROUP BY c.i
        """, cc=self.profile['country_calling_code']))
        self.cr.execute(SQL("ALTER TABLE csg_cp ADD PRIMARY KEY (i)"))
        checks = [
            (self.env._("customers not loaded (no partner with their CIF)"),
             "SELECT count(*) FROM csg_customer WHERE partner_id IS NULL"),
            (self.env._("customers without a case"), "SELECT count(*) FROM csg_customer WHERE case_id IS NULL"),
            (self.env._("customers without their mobile or address as contact point"), """
                SELECT count(*) FROM csg_customer c LEFT JOIN csg_cp x ON x.i = c.i
                 WHERE x.cp_mobile IS NULL OR x.cp_address IS NULL OR (c.has_email AND x.cp_email IS NULL)"""),
            (self.env._("loans not loaded (no loan with their source and account)"),
             "SELECT count(*) FROM csg_loan WHERE loan_id IS NULL"),
            (self.env._("loans whose obligor, case, state, product, amounts, DPD or next due date differ"), """
                SELECT count(*) FROM csg_loan l JOIN collection_loan x ON x.id = l.loan_id
                 WHERE x.partner_id IS DISTINCT FROM l.partner_id OR x.case_id IS DISTINCT FROM l.case_id
                    OR x.state <> 'active' OR x.product_id <> l.product_id OR x.dpd <> l.dpd
                    OR x.outstanding_amount <> l.outstanding OR x.overdue_amount <> l.overdue
                    OR x.next_due_date IS DISTINCT FROM l.next_due"""),
        ]
        problems = []
        for label, query in checks:
            self.cr.execute(SQL(query))
            count = self.cr.fetchone()[0]
            if count:
                problems.append(f"{count} {label}")
        if problems:
            raise UserError(self.env._(
                "The core-banking part of the sample portfolio is not in the database as generated: %(problems)s. "
                "Load the sample's extract files with the sync first.",
                problems="; ".join(problems)))
        self.cr.execute(SQL("SELECT count(*) FROM csg_loan"))
        self.stats.update(customers=self.customers, loans=self.cr.fetchone()[0])

    def _add_collection_data(self):
        """What the collection side knows and a core-banking system does not, as the direct load
        writes it: the customers' time zone, WhatsApp consent and do-not-contact flag, the
        mobiles agents verified, the district field teams plan by, the second mobiles customers,
        agents and skip tracing found, the collateral repossessed."""
        p = self.profile
        self._execute(SQL("""
            UPDATE res_partner p
               SET tz = %(tz)s, consent_whatsapp = c.consent_whatsapp, is_do_not_contact = c.do_not_contact
              FROM csg_customer c WHERE p.id = c.partner_id
        """, tz=p['tz']))
        self._execute(SQL("""
            UPDATE collection_contact_point cp SET state = 'verified'
              FROM csg_cp x WHERE cp.id = x.cp_mobile AND pg_temp.csg_u(30, x.i) < 0.6
        """))
        self._execute(SQL("""
            UPDATE collection_contact_point cp SET state = 'verified', district = c.district
              FROM csg_cp x JOIN csg_customer c ON c.i = x.i WHERE cp.id = x.cp_address
        """))
        self.stats['second_mobiles'] = self._execute(SQL("""
            INSERT INTO collection_contact_point (partner_id, company_id, sequence, kind, value, phone_e164, country_id,
                                                  source, state, is_primary, is_do_not_call, active,
                                                  create_uid, write_uid, create_date, write_date)
            SELECT c.partner_id, %(company)s, 2, 'mobile', pg_temp.csg_phone_display(c.mobile2), '+' || %(cc)s || c.mobile2,
                   %(country)s, %(second_source)s, %(second_state)s, FALSE, FALSE, TRUE,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM csg_customer c
             WHERE c.has_mobile2
          ORDER BY c.i
        """, cc=p['country_calling_code'], country=self.country.id, **self._second_mobile(SQL("c.i")),
            **self._common_values()))
        self.stats['collateral_repossessed'] = self._execute(SQL("""
            UPDATE collection_collateral k SET status = x.status
              FROM (%(collateral)s) x
             WHERE x.status <> 'held' AND k.source_ref = x.source_ref AND k.company_id = %(company)s
        """, collateral=self._collateral_query(), **self._common_values()))
        self.env.invalidate_all()

    def _update_cases(self):
        """The loaded cases get what their history left: team, agent, stage, priority, next action."""
        self.stats['cases'] = self._execute(SQL("""
            UPDATE collection_case k
               SET stage = c.stage, priority = c.priority, user_id = c.user_id, team_id = c.team_id,
                   next_action_date = c.next_action_date, last_action_date = c.last_action_date,
                   last_contact_date = c.last_contact_date, last_result_code_id = c.last_result_code_id,
                   paused_until = c.paused_until, write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM csg_case c
             WHERE k.id = c.case_id
        """, **self._common_values()))

    # ------------------------------------------------------------------ co-borrowers, guarantors, collateral
    def _generate_parties(self):
        self.cr.execute(SQL("""
            SELECT count(*) FROM csg_loan
             WHERE product_type IN ('personal', 'auto', 'mortgage', 'sme') AND pg_temp.csg_u(70, k) < 0.15
        """))
        count = self.cr.fetchone()[0]
        self._stage_parties(self._reserve_ids('res_partner', count))
        self._insert_partners('csg_party', cif=False)
        self._insert_contact_points('csg_party', self._reserve_ids('collection_contact_point', 2 * count), full=False)
        party_base = self._reserve_ids('collection_loan_party', count)
        self.stats['loan_parties'] = self._execute(SQL("""
            INSERT INTO collection_loan_party (id, loan_id, partner_id, company_id, role, relation,
                                               create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + g, loan_id, partner_id, %(company)s, role, relation,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM csg_party
          ORDER BY g
        """, base=party_base, **self._common_values()))

    def _stage_parties(self, base=None):
        """``csg_party``: co-borrowers and guarantors of 15 % of the personal, auto, mortgage and
        SME loans, people of their own with a mobile and an address. Written straight into the
        tables they have no CIF; a core-banking system knows them as customers, under
        ``cif`` (20,000,000 + their number).
        """
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_party"))
        n = self.customers
        self._execute(SQL("""
            CREATE TEMP TABLE csg_party AS
            WITH g AS (
                SELECT row_number() OVER (ORDER BY k) AS g, l.loan_id, l.area AS area,
                       CASE WHEN pg_temp.csg_u(71, k) < 0.3 THEN 'co_borrower' ELSE 'guarantor' END AS role,
                       l.k
                  FROM csg_loan l
                 WHERE l.product_type IN ('personal', 'auto', 'mortgage', 'sme') AND pg_temp.csg_u(70, l.k) < 0.15
            ), person AS (
                SELECT g.*, nm.first_name, nm.last_name, nm.female
                  FROM g CROSS JOIN LATERAL (%(names)s) nm
                 WHERE nm.idx = g.g OFFSET 0
            )
            SELECT person.g, person.k, person.loan_id, person.role, %(ids)s, (20000000 + person.g)::text AS cif,
                   CASE WHEN person.role = 'co_borrower'
                        THEN (ARRAY['Spouse', 'Spouse', 'Spouse', 'Business partner', 'Sibling'])[pg_temp.csg_int(72, person.g, 1, 5)]
                        ELSE (ARRAY['Parent', 'Sibling', 'Friend', 'Colleague', 'Employer', 'Spouse', 'Relative'])[pg_temp.csg_int(72, person.g, 1, 7)]
                        END AS relation,
                   pg_temp.csg_phone(%(n)s + person.g, %(mobile_prefixes)s::text[], %(mobile_space)s, %(mobile_base)s, %(mobile_width)s) AS mobile,
                   NULL::text AS mobile2, NULL::text AS landline, NULL::text AS email,
                   FALSE AS has_mobile2, FALSE AS has_landline, FALSE AS has_email, FALSE AS do_not_contact,
                   FALSE AS consent_whatsapp,
                   %(person)s
              FROM person JOIN csg_area a ON a.area = person.area
        """, ids=self._stage_ids(('partner_id', base, SQL("person.g"))), n=n, names=self._names_cte(SQL("g.g"), 100),
            person=self._person_columns(SQL("person.g"), 100), **self._phone_plan()))

    def _generate_collateral(self):
        self.cr.execute(SQL("""
            SELECT count(*) FROM csg_loan
             WHERE product_type IN ('auto', 'mortgage') OR (product_type = 'telco' AND pg_temp.csg_u(80, k) < 0.4)
        """))
        base = self._reserve_ids('collection_collateral', self.cr.fetchone()[0])
        self.stats['collateral'] = self._execute(SQL("""
            INSERT INTO collection_collateral (id, name, collateral_type, loan_id, partner_id, case_id, company_id,
                                               source_ref, identifier, make, model, year, value, valuation_date,
                                               location, latitude, longitude, status,
                                               create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + row_number() OVER (ORDER BY x.k), x.name, x.kind, x.loan_id, x.partner_id, x.case_id,
                   %(company)s, x.source_ref, x.identifier, x.make, x.model, x.year, x.value, x.valuation_date,
                   x.location, x.latitude, x.longitude, x.status,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (%(collateral)s) x
        """, base=base, collateral=self._collateral_query(), **self._common_values()))

    def _collateral_query(self):
        """The collateral of the staged loans: a vehicle for every auto loan, the property of every
        mortgage, a router for 40 % of the telco accounts; 12 % of those over 180 days late were
        repossessed."""
        p = self.profile
        if self.country_code == 'LK':
            plate = SQL("""%(province)s || ' ' || chr(65 + pg_temp.csg_int(81, l.k, 0, 25)) || chr(65 + pg_temp.csg_int(82, l.k, 0, 25))
                           || chr(65 + pg_temp.csg_int(83, l.k, 0, 25)) || '-' || lpad(pg_temp.csg_int(84, l.k, 1, 9999)::text, 4, '0')""",
                        province=p['plate_province'])
        else:
            plate = SQL("""chr(65 + pg_temp.csg_int(81, l.k, 0, 25)) || chr(65 + pg_temp.csg_int(82, l.k, 0, 25)) || ' '
                           || lpad(pg_temp.csg_int(84, l.k, 1, 99999)::text, 5, '0')""")
        vehicles = [f"{make}\t{model}" for make, model in p['vehicles']]
        return SQL("""
            SELECT l.k, l.loan_id, l.partner_id, l.case_id, l.account, l.source, l.source || '-COL-' || l.k AS source_ref,
                   x.kind, x.name, x.identifier, x.make, x.model, x.year, x.value, l.disbursement AS valuation_date,
                   concat_ws(', ', c.street, c.district, nullif(c.city, c.district)) AS location,
                   round(c.lat::numeric, 7) AS latitude, round(c.lon::numeric, 7) AS longitude,
                   CASE WHEN l.dpd > 180 AND pg_temp.csg_u(85, l.k) < 0.12 THEN 'repossessed' ELSE 'held' END AS status
              FROM csg_loan l
              JOIN csg_customer c ON c.i = l.i
        CROSS JOIN LATERAL (SELECT split_part(pg_temp.csg_pick(86, l.k, %(vehicles)s::text[]), E'\\t', 1) AS make,
                                   split_part(pg_temp.csg_pick(86, l.k, %(vehicles)s::text[]), E'\\t', 2) AS model,
                                   %(plate)s AS plate) v
        CROSS JOIN LATERAL (
                SELECT CASE l.product_type WHEN 'auto' THEN 'vehicle' WHEN 'mortgage' THEN 'property' ELSE 'equipment' END AS kind,
                       CASE l.product_type
                            WHEN 'auto' THEN v.make || ' ' || v.model || ' ' || v.plate
                            WHEN 'mortgage' THEN 'Residential property, ' || c.street
                            ELSE 'Fibre router ' || (ARRAY['ZTE F670L', 'Huawei HG8245H', 'Nokia G-240W'])[pg_temp.csg_int(87, l.k, 1, 3)] END AS name,
                       CASE l.product_type
                            WHEN 'auto' THEN v.plate
                            WHEN 'mortgage' THEN 'Deed ' || pg_temp.csg_int(88, l.k, 1000, 99999) || '/' || extract(year FROM l.disbursement)
                            ELSE 'SN' || upper(substr(md5(l.k::text || %(seed)s::text), 1, 12)) END AS identifier,
                       CASE WHEN l.product_type = 'auto' THEN v.make END AS make,
                       CASE WHEN l.product_type = 'auto' THEN v.model END AS model,
                       CASE WHEN l.product_type = 'auto'
                            THEN extract(year FROM l.disbursement)::integer - pg_temp.csg_int(89, l.k, 0, 8) END AS year,
                       round(CASE l.product_type WHEN 'auto' THEN l.principal * (1.1 + 0.4 * pg_temp.csg_u(90, l.k))::numeric
                                                 WHEN 'mortgage' THEN l.principal * (1.3 + 0.7 * pg_temp.csg_u(90, l.k))::numeric
                                                 ELSE 60 * %(scale)s END, %(digits)s) AS value
            ) x
             WHERE l.product_type IN ('auto', 'mortgage') OR (l.product_type = 'telco' AND pg_temp.csg_u(80, l.k) < 0.4)
        """, plate=plate, vehicles=vehicles, seed=self.seed, scale=p['amount_scale'], digits=p['amount_digits'])

    # ------------------------------------------------------------------ history: actions, promises, payments
    def _generate_actions(self):
        p = self.profile
        stage_cum = [_cumulative([s['weights'][stage] for s in self.scripts]) for stage in range(3)]
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_action"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_action AS
            WITH n AS (
                SELECT c.*, cp.cp_mobile, cp.cp_email, cp.cp_address, cu.has_email,
                       CASE WHEN c.max_dpd > 0
                            THEN 1 + floor(pg_temp.csg_u(100, c.i) * least(c.max_dpd / 8.0 + 2, 14))::integer
                            WHEN pg_temp.csg_u(101, c.i) < 0.03 THEN 1 ELSE 0 END AS n_actions,
                       CASE WHEN c.max_dpd <= 30 THEN 1 WHEN c.max_dpd <= 90 THEN 2 ELSE 3 END AS phase
                  FROM csg_case c JOIN csg_customer cu ON cu.i = c.i JOIN csg_cp cp ON cp.i = c.i OFFSET 0
            ), a AS (
                SELECT n.i, n.case_id, n.partner_id, n.max_dpd, n.worker_id, n.cp_mobile, n.cp_email, n.cp_address,
                       j, n.i * 64 + j AS h,
                       CASE WHEN n.max_dpd = 0 THEN (SELECT s FROM csg_script WHERE channel = 'sms' ORDER BY s LIMIT 1)
                            ELSE 1 + width_bucket(pg_temp.csg_u(102, n.i * 64 + j),
                                                  CASE n.phase WHEN 1 THEN %(cum1)s::float8[]
                                                               WHEN 2 THEN %(cum2)s::float8[]
                                                               ELSE %(cum3)s::float8[] END) END AS s0,
                       n.has_email
                  FROM n CROSS JOIN LATERAL generate_series(1, n.n_actions) AS j OFFSET 0
            ), s AS (
                SELECT a.*,
                       CASE WHEN sc.channel = 'email' AND NOT a.has_email
                            THEN (SELECT s FROM csg_script WHERE channel = 'sms' ORDER BY s LIMIT 1) ELSE a.s0 END AS s
                  FROM a JOIN csg_script sc ON sc.s = a.s0 OFFSET 0
            )
            SELECT row_number() OVER (ORDER BY s.i, s.j) AS r, s.*, sc.type_id, sc.result_id, sc.channel, sc.category,
                   sc.effect, sc.pause_days, sc.next_days, sc.is_ptp, sc.reached,
                   ((%(today)s::date - CASE WHEN s.max_dpd = 0 THEN pg_temp.csg_int(103, s.h, 1, 5)
                                             ELSE pg_temp.csg_int(103, s.h, 1, least(s.max_dpd, 150)) END)
                    + make_interval(mins => pg_temp.csg_int(104, s.h, 8 * 60, 19 * 60))
                    - make_interval(mins => %(utc_offset)s))::timestamp AS date,
                   CASE sc.point_kind WHEN 'email' THEN s.cp_email WHEN 'address' THEN s.cp_address ELSE s.cp_mobile END AS contact_point_id,
                   CASE WHEN sc.note_always OR pg_temp.csg_u(105, s.h) < 0.2
                        THEN coalesce(sc.notes[1 + floor(pg_temp.csg_u(106, s.h) * coalesce(cardinality(sc.notes), 0))::integer],
                                      'Reminder of the arrears on the account') END AS note,
                   round((sc.dmin + pg_temp.csg_u(107, s.h) * (sc.dmax - sc.dmin))::numeric, 1)::float8 AS duration
              FROM s JOIN csg_script sc ON sc.s = s.s
        """, cum1=stage_cum[0], cum2=stage_cum[1], cum3=stage_cum[2], today=self.today,
            utc_offset=int(p['utc_offset_hours'] * 60)))
        self.cr.execute(SQL("SELECT count(*) FROM csg_action"))
        count = self.cr.fetchone()[0]
        self.action_base = self._reserve_ids('collection_action', count)
        self.stats['actions'] = self._execute(SQL("""
            INSERT INTO collection_action (id, case_id, partner_id, company_id, action_type_id, channel, contact_point_id,
                                           result_code_id, result_category, note, date, duration, user_id,
                                           next_action_date, state, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + r, case_id, partner_id, %(company)s, type_id, channel, contact_point_id,
                   result_id, category, note, date, duration,
                   CASE WHEN max_dpd = 0 THEN %(admin)s ELSE worker_id END,
                   CASE WHEN category = 'callback' THEN date::date + pg_temp.csg_int(108, h, 1, 3) END,
                   'posted', coalesce(CASE WHEN max_dpd = 0 THEN %(admin)s ELSE worker_id END, %(uid)s),
                   %(uid)s, date, date
              FROM csg_action
          ORDER BY r
        """, base=self.action_base, admin=self.admin_id, **self._common_values()))

    def _generate_promises(self):
        grace = self.company.collection_ptp_grace_days
        digits = self.profile['amount_digits']
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_ptp"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_ptp AS
            WITH p AS (
                SELECT a.r, a.i, a.h, a.case_id, a.partner_id, a.worker_id, a.date,
                       a.date::date + pg_temp.csg_int(110, a.h, 2, 14) AS ptp_date,
                       greatest(round(c.overdue * (0.25 + 0.75 * pg_temp.csg_u(111, a.h))::numeric, %(digits)s), 1) AS amount,
                       row_number() OVER (PARTITION BY a.case_id ORDER BY a.date DESC, a.r DESC) AS recency
                  FROM csg_action a JOIN csg_case c ON c.i = a.i
                 WHERE a.is_ptp OFFSET 0
            ), s AS (
                SELECT p.*,
                       CASE WHEN ptp_date >= %(today)s::date - %(grace)s
                            THEN CASE WHEN recency = 1 THEN 'open' ELSE 'cancelled' END
                            WHEN pg_temp.csg_u(112, h) < 0.35 THEN 'kept'
                            WHEN pg_temp.csg_u(112, h) < 0.45 THEN 'partial'
                            ELSE 'broken' END AS state
                  FROM p
            )
            SELECT row_number() OVER (ORDER BY r) AS n, s.*,
                   CASE s.state WHEN 'kept' THEN amount
                                WHEN 'partial' THEN round(amount * (0.3 + 0.5 * pg_temp.csg_u(113, h))::numeric, %(digits)s)
                                ELSE 0 END AS paid,
                   (ARRAY['bank_transfer', 'bank_transfer', 'branch', 'online', 'mobile_money', 'cash', 'card'])[pg_temp.csg_int(114, h, 1, 7)] AS channel
              FROM s
        """, today=self.today, grace=grace, digits=digits))
        self.cr.execute(SQL("SELECT count(*) FROM csg_ptp"))
        self.ptp_base = self._reserve_ids('collection_ptp', self.cr.fetchone()[0])
        self.stats['promises'] = self._execute(SQL("""
            INSERT INTO collection_ptp (id, name, case_id, partner_id, company_id, user_id, amount, date, channel,
                                        action_id, state, amount_paid, amount_remaining, evaluated_date,
                                        recorded_date, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + p.n, 'PTP CASE-' || lpad(p.case_id::text, 7, '0') || ' ' || to_char(p.ptp_date, 'YYYY-MM-DD'),
                   p.case_id, p.partner_id, %(company)s, p.worker_id, p.amount, p.ptp_date, p.channel,
                   %(action_base)s + p.r, p.state, p.paid, greatest(p.amount - p.paid, 0),
                   CASE WHEN p.state IN ('kept', 'partial', 'broken') THEN p.ptp_date + %(grace)s + 1 END,
                   p.date::date, coalesce(p.worker_id, %(uid)s), %(uid)s, p.date, p.date
              FROM csg_ptp p
          ORDER BY p.n
        """, base=self.ptp_base, action_base=self.action_base, grace=grace, **self._common_values()))
        self._execute(SQL("""
            UPDATE collection_action a SET ptp_id = %(base)s + p.n
              FROM csg_ptp p
             WHERE a.id = %(action_base)s + p.r
        """, base=self.ptp_base, action_base=self.action_base))

    def _generate_payments(self):
        self.cr.execute(SQL("DROP TABLE IF EXISTS csg_payment"))
        self._execute(SQL("""
            CREATE TEMP TABLE csg_payment AS
            WITH src AS (
                SELECT 1 AS kind, d.id AS ref_id, d.loan_id, d.amount_paid AS amount,
                       CASE WHEN d.amount_residual = 0 THEN d.due_date - pg_temp.csg_int(120, d.id, 0, 4)
                            ELSE d.due_date + pg_temp.csg_int(120, d.id, 0, greatest(%(today)s::date - d.due_date - 1, 0)) END AS date,
                       CASE WHEN d.amount_residual > 0 THEN c.worker_id END AS user_id,
                       CASE WHEN d.amount_residual > 0 THEN c.team_id END AS team_id,
                       l.source, l.case_id, l.partner_id
                  FROM collection_loan_due d
                  JOIN csg_loan l ON l.loan_id = d.loan_id
                  JOIN csg_case c ON c.i = l.i
                 WHERE d.amount_paid > 0 AND d.loan_id > %(loan_base)s
                UNION ALL
                SELECT 2, %(ptp_base)s + p.n, c.worst_loan_id, p.paid,
                       least(p.ptp_date - pg_temp.csg_int(121, p.h, 0, 2), %(today)s::date),
                       p.worker_id, c.team_id, 'T24', c.case_id, c.partner_id
                  FROM csg_ptp p JOIN csg_case c ON c.i = p.i
                 WHERE p.paid > 0
            )
            SELECT row_number() OVER (ORDER BY kind, ref_id) AS n, src.*,
                   (ARRAY['bank_transfer', 'bank_transfer', 'bank_transfer', 'branch', 'online', 'card', 'mobile_money', 'cash'])
                       [pg_temp.csg_int(122, ref_id * 2 + kind, 1, 8)] AS channel
              FROM src
        """, today=self.today, loan_base=self.loan_base or 0, ptp_base=self.ptp_base))
        self.cr.execute(SQL("SELECT count(*) FROM csg_payment"))
        count = self.cr.fetchone()[0]
        base = self._reserve_ids('collection_payment', count)
        self.stats['payments'] = self._execute(SQL("""
            INSERT INTO collection_payment (id, name, source_system, loan_id, case_id, partner_id, company_id,
                                            currency_id, user_id, team_id, amount, outstanding_applied, date,
                                            channel, state, create_uid, write_uid, create_date, write_date)
            SELECT %(base)s + n,
                   CASE WHEN source IN ('T24', 'W4') THEN 'FT' ELSE 'RC' END || to_char(date, 'YYDDD') || lpad(n::text, 8, '0'),
                   source, loan_id, case_id, partner_id, %(company)s, %(currency)s, user_id, team_id, amount, amount, date,
                   channel, 'posted', %(uid)s, %(uid)s, date::timestamp + interval '10 hours', date::timestamp + interval '10 hours'
              FROM csg_payment
          ORDER BY n
        """, base=base, currency=self.currency.id, **self._common_values()))
        allocation_base = self._reserve_ids('collection_payment_allocation', count)
        self._execute(SQL("""
            INSERT INTO collection_payment_allocation (id, payment_id, due_id, ptp_id, company_id, amount,
                                                       create_uid, write_uid, create_date, write_date)
            SELECT %(allocation_base)s + n, %(base)s + n, CASE WHEN kind = 1 THEN ref_id END,
                   CASE WHEN kind = 2 THEN ref_id END, %(company)s, amount,
                   %(uid)s, %(uid)s, date::timestamp + interval '10 hours', date::timestamp + interval '10 hours'
              FROM csg_payment
          ORDER BY n
        """, base=base, allocation_base=allocation_base, **self._common_values()))

    def _update_case_history(self):
        """Stage, next action, last action/contact of the cases, as their history left them."""
        self._execute(SQL("""
            WITH last AS (
                SELECT DISTINCT ON (a.case_id) a.case_id, a.date, a.result_id, a.effect, a.pause_days, a.next_days,
                       a.category, a.h
                  FROM csg_action a
              ORDER BY a.case_id, a.date DESC, a.r DESC
            ), contact AS (
                SELECT case_id, max(date) AS date FROM csg_action WHERE reached GROUP BY case_id
            ), promise AS (
                SELECT DISTINCT ON (case_id) case_id, state, ptp_date
                  FROM csg_ptp
                 WHERE state <> 'cancelled'
              ORDER BY case_id, ptp_date DESC, n DESC
            )
            UPDATE csg_case cc
               SET last_action_date = last.date,
                   last_result_code_id = last.result_id,
                   last_contact_date = contact.date,
                   stage = CASE WHEN cc.max_dpd = 0 THEN 'new'
                                WHEN promise.state = 'open' THEN 'promise'
                                WHEN last.category = 'dispute' THEN 'dispute'
                                WHEN last.effect = 'pause' AND last.date::date + last.pause_days > %(today)s::date THEN 'paused'
                                WHEN last.effect = 'escalate' THEN 'escalated'
                                WHEN promise.state = 'broken' THEN 'broken'
                                ELSE 'in_progress' END,
                   paused_until = CASE WHEN last.effect = 'pause' AND last.date::date + last.pause_days > %(today)s::date
                                       THEN last.date::date + last.pause_days END,
                   priority = CASE WHEN last.effect = 'escalate' THEN '3' ELSE cc.priority END,
                   next_action_date = CASE
                        WHEN cc.max_dpd = 0 THEN NULL
                        WHEN promise.state = 'open' THEN promise.ptp_date + 1
                        WHEN last.category = 'callback' THEN last.date::date + pg_temp.csg_int(108, last.h, 1, 3)
                        WHEN last.next_days > 0 THEN last.date::date + last.next_days
                        ELSE last.date::date + pg_temp.csg_int(130, last.h, 2, 7) END
              FROM last
         LEFT JOIN contact ON contact.case_id = last.case_id
         LEFT JOIN promise ON promise.case_id = last.case_id
             WHERE cc.case_id = last.case_id
        """, today=self.today))

    # ------------------------------------------------------------------ foreign keys and indexes
    def _drop_foreign_keys_and_indexes(self):
        """Drop the foreign keys and plain indexes of the loaded tables for the time of the load.

        Checking foreign keys row by row costs more than writing the rows (a trigger call per
        row and key), and trigram indexes are much cheaper to build at once than to grow row by
        row; adding them back at the end checks and indexes all rows at once. Unique indexes
        stay. The transaction holds the tables locked meanwhile, and a failure rolls the drop
        back with everything else.
        """
        self.foreign_keys = self.env.execute_query(SQL("""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
              FROM pg_constraint
             WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
          ORDER BY conrelid::regclass::text, conname
        """, list(LOADED_TABLES)))
        for table, name, _definition in self.foreign_keys:
            self.cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
        self.indexes = self.env.execute_query(SQL("""
            SELECT c.relname, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class')
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
          ORDER BY c.relname
        """, list(LOADED_TABLES)))
        for name, _definition, _comment in self.indexes:
            self.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))

    def _restore_indexes(self):
        self.cr.execute(SQL("SET LOCAL maintenance_work_mem = '512MB'"))
        for name, definition, comment in self.indexes:
            self.cr.execute(SQL(definition.replace('%', '%%')))
            if comment is not None:
                self.cr.execute(SQL("COMMENT ON INDEX %s IS %s", SQL.identifier(name), comment))
        self.indexes = []

    def _set_column_defaults(self):
        """Give the required columns that the generator does not fill (added by other modules)
        their ORM default as a database default for the time of the load."""
        self.column_defaults = []
        rows = self.env.execute_query(SQL("""
            SELECT c.relname, a.attname
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.oid = ANY(%s::regclass[]) AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attnotnull AND NOT a.atthasdef
        """, list(LOADED_TABLES)))
        models_by_table = {}
        for model in self.env.registry.values():
            if not model._abstract and model._auto:
                models_by_table.setdefault(model._table, model._name)
        for table, column in rows:
            model = self.env[models_by_table[table]]
            field = model._fields.get(column)
            if not field or not field.store:
                continue
            value = model.default_get([column]).get(column)
            if value is None or value is False:
                continue
            value = field.convert_to_column(field.convert_to_cache(value, model), model)
            self.cr.execute(SQL("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
                                SQL.identifier(table), SQL.identifier(column), value))
            self.column_defaults.append((table, column))

    def _drop_column_defaults(self):
        for table, column in self.column_defaults:
            self.cr.execute(SQL("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
                                SQL.identifier(table), SQL.identifier(column)))
        self.column_defaults = []

    def _restore_foreign_keys(self):
        for table, name, definition in self.foreign_keys:
            self.cr.execute(SQL("ALTER TABLE %s ADD CONSTRAINT %s %s",
                                SQL.identifier(table), SQL.identifier(name), SQL(definition.replace('%', '%%'))))
        self.foreign_keys = []

    # ------------------------------------------------------------------ wrap up
    def _analyze(self):
        for table in LOADED_TABLES:
            self.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _verify(self):
        """Run the real daily recompute: with consistent data it changes nothing."""
        changed = self.env['collection.loan']._recompute_delinquency(today=self.today)
        self.stats['recompute_changed'] = changed
        if changed:
            _logger.warning("Sample portfolio: the recompute corrected %s loans", changed)

    def drop_staging(self):
        """Drop the temporary tables of the generation (also done at the end of a load)."""
        self.cr.execute(SQL("""
            DROP TABLE IF EXISTS csg_customer, csg_cp, csg_loan, csg_case, csg_party, csg_action, csg_ptp, csg_payment,
                                 csg_area, csg_product, csg_bucket, csg_team, csg_agent, csg_script
        """))


def get_sample_marker(env):
    """The parameters of the sample portfolio loaded into ``env``'s database (a dict), or None."""
    marker = env['ir.config_parameter'].sudo().get_param(MARKER_PARAM)
    return literal_eval(marker) if marker else None


def ensure_sample_strategies(env):
    """The strategies of the sample teams, one per stage of the collection cycle, run daily; the
    early one tries round-robin on a 20% challenger share. Nothing when strategies exist."""
    Strategy = env['collection.strategy']
    if Strategy.with_context(active_test=False).search_count([('company_id', '=', env.company.id)]):
        return Strategy.browse()
    teams = {team.name: team for team in env['collection.team'].search(
        [('name', 'in', [team[0] for team in TEAMS]), ('company_id', '=', env.company.id)])}
    if len(teams) < len(TEAMS):
        return Strategy.browse()
    early, mid, recovery = (teams[team[0]] for team in TEAMS)
    champion = {'split_group': 'champion', 'set_next_action': True, 'next_action_days': 1}
    return Strategy.create([{
        'name': "Early collections: 1-30 days past due", 'sequence': 10, 'schedule_type': 'daily',
        'domain': "[('max_dpd', '>=', 1), ('max_dpd', '<=', 30)]",
        'is_challenger_enabled': True, 'challenger_percent': 20.0,
        'treatment_ids': [
            (0, 0, {**champion, 'team_id': early.id, 'assign_method': 'least_loaded'}),
            (0, 0, {'split_group': 'challenger', 'team_id': early.id, 'assign_method': 'round_robin',
                    'set_next_action': True, 'next_action_days': 2}),
        ],
    }, {
        'name': "Mid collections: 31-90 days past due", 'sequence': 20, 'schedule_type': 'daily',
        'domain': "[('max_dpd', '>=', 31), ('max_dpd', '<=', 90)]",
        'treatment_ids': [(0, 0, {**champion, 'team_id': mid.id, 'assign_method': 'round_robin'})],
    }, {
        'name': "Recovery: over 90 days past due", 'sequence': 30, 'schedule_type': 'daily',
        'domain': "[('max_dpd', '>', 90)]",
        'treatment_ids': [(0, 0, {**champion, 'team_id': recovery.id, 'assign_method': 'least_loaded'})],
    }])


def generate_sample_portfolio(env, customers=2000, seed=42, country='LK', center=None, radius_km=None,
                              today=None, set_passwords=True):
    """Load a sample portfolio into ``env``'s (loan-free) database and return counts per kind of row.

    :param customers: number of obligors; loans are about 2.5 times as many
    :param seed: the same seed gives the same portfolio (names, numbers, amounts, dates)
    :param country: code of a profile of :mod:`.sample_profiles` (``LK``, ``US``)
    :param center: ``(latitude, longitude)`` of the city; default the profile's city
    :param radius_km: radius of the city area the addresses spread over
    :param today: the date the portfolio is generated for (DPD are counted to it)
    :param set_passwords: give the demo users their passwords (login = password)
    """
    generator = SamplePortfolioGenerator(
        env, customers=customers, seed=seed, country=country, center=center, radius_km=radius_km,
        today=today, set_passwords=set_passwords)
    stats = generator.run()
    stats['timings'] = generator.timings
    return stats


def ensure_database(dbname, modules=('collection_base',)):
    """The registry of ``dbname``, creating the database and installing ``modules`` when needed.

    For command-line tools (the sample command, the benchmarks), not for a running server.
    """
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.service import db as service_db  # noqa: PLC0415
    from odoo.sql_db import db_connect  # noqa: PLC0415

    try:
        service_db._create_empty_database(dbname)
        _logger.info("Created database %s", dbname)
    except service_db.DatabaseExists:
        pass
    with db_connect(dbname).cursor() as cr:
        cr.execute("SELECT 1 FROM pg_tables WHERE tablename = 'ir_module_module'")
        installed = set()
        if cr.fetchone():
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN %s", [tuple(modules)])
            installed = {name for (name,) in cr.fetchall()}
    missing = [module for module in modules if module not in installed]
    if not missing:
        return Registry(dbname)
    _logger.info("Installing %s into %s", ", ".join(missing), dbname)
    return Registry.new(dbname, install_modules=missing)


def vacuum_loaded_tables(dbname):
    """``VACUUM (ANALYZE)`` the tables a load filled, once it is committed: the first reads then
    find hint bits and visibility maps set (index-only scans) instead of writing them."""
    import psycopg2  # noqa: PLC0415
    from psycopg2 import sql  # noqa: PLC0415

    from odoo.sql_db import connection_info_for  # noqa: PLC0415

    _name, info = connection_info_for(dbname)
    with closing(psycopg2.connect(**info)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for table in LOADED_TABLES:
                cursor.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))


# ---------------------------------------------------------------------- command-line options
SAMPLE_OPTION_DEFAULTS = {'customers': 2000, 'seed': 42, 'country': 'LK', 'center': '', 'radius': 0.0, 'today': '',
                          'passwords': True}


def add_sample_options(parser):
    """The options of the commands that generate the sample portfolio, on Odoo's config parser."""
    import optparse  # noqa: PLC0415

    group = optparse.OptionGroup(parser, "Sample portfolio")
    group.add_option('--customers', dest='sample_customers', type='int', my_default=2000,
                     help="Number of customers (obligors); loans are about 2.5 times as many. Default 2000.")
    group.add_option('--seed', dest='sample_seed', type='int', my_default=42,
                     help="Seed: the same seed gives the same portfolio. Default 42.")
    group.add_option('--country', dest='sample_country', my_default='LK',
                     help="Country profile (names, phones, currency, city): LK (Colombo) or US (Chicago). Default LK.")
    group.add_option('--city-center', dest='sample_center', my_default='',
                     help="Centre of the city area as 'latitude,longitude'. Default: the profile's city.")
    group.add_option('--radius', dest='sample_radius', type='float', my_default=0.0,
                     help="Radius in km of the area the addresses spread over. Default: the profile's.")
    group.add_option('--today', dest='sample_today', my_default='',
                     help="Date the portfolio is generated for (YYYY-MM-DD). Default: today.")
    group.add_option('--no-passwords', dest='sample_passwords', action='store_false', my_default=True,
                     help="Do not set the demo users' passwords (login = password).")
    parser.add_option_group(group)


def sample_options(config):
    """The generator's keyword arguments from the parsed options; raises ValueError on a bad one."""
    def option(name):
        return config.options.get(f'sample_{name}', SAMPLE_OPTION_DEFAULTS[name])

    center = None
    if option('center'):
        try:
            center = tuple(float(part) for part in option('center').split(','))
        except ValueError:
            center = ()
        if len(center) != 2:
            raise ValueError(f"--city-center must be 'latitude,longitude', not {option('center')!r}")
    return {
        'customers': option('customers'), 'seed': option('seed'), 'country': option('country'),
        'center': center, 'radius_km': option('radius') or None,
        'today': fields.Date.to_date(option('today')) if option('today') else None,
        'set_passwords': option('passwords'),
    }


def single_database(config, command):
    """The one database given with -d, or exit with a message."""
    dbnames = config['db_name']
    if not dbnames or len(dbnames) != 1:
        sys.exit(f"{command} needs exactly one database: -d <name>")
    return dbnames[0]


def parse_sample_command(command, cmdargs, add_options=None):
    """Parse the arguments of a command that generates the sample portfolio: Odoo's options,
    the sample's and those ``add_options(parser)`` adds. Returns (database, the generator's
    keyword arguments); exits with a message on a bad one."""
    from odoo.tools import config  # noqa: PLC0415

    parser = config.parser
    parser.prog = command.prog
    add_sample_options(parser)
    if add_options:
        add_options(parser)
    config.parse_config(cmdargs + ['--no-http'], setup_logging=True)
    dbname = single_database(config, command.name)
    try:
        return dbname, sample_options(config)
    except ValueError as error:
        sys.exit(str(error))
