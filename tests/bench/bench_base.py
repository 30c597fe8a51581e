"""Benchmarks of collection_base at scale: the daily run, the agent's screens, customer search.

Each figure comes with a baseline measured in the same run and their ratio, because the
machine is shared and noisy. Targets (1,000,000 loans / 400,000 customers): daily run
<= 60 s in total; agent worklist and case form p95 <= 100 ms server-side.

Script (a database of its own, kept between runs; the sample portfolio is generated into it
the first time, which takes a few minutes at full scale)::

    python3 tests/bench/bench_base.py --db collection_bench --customers 400000

Connection settings come from PGHOST/PGPORT/PGUSER/PGPASSWORD or ODOO_RC. Through pytest
(``make bench``): tests/bench/test_bench_base.py runs the same code, on the database named by
COLLECTION_BENCH_DB when set, else on a portfolio of COLLECTION_BENCH_CUSTOMERS customers
(default 2000) generated in the test database and rolled back.
"""
import argparse
import inspect
import logging
import os
import random
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Report, Timer, bootstrap_odoo, search_view_domain, view_specification  # noqa: E402

_logger = logging.getLogger(__name__)

DAILY_TARGET = 60.0
SCREEN_TARGET = 0.100
SAMPLES = 30


def portfolio_today(env):
    """The date the portfolio was generated for (its DPD are counted to it)."""
    marker = env['ir.config_parameter'].sudo().get_param('collection_base.sample_portfolio')
    if marker:
        from ast import literal_eval  # noqa: PLC0415
        return date.fromisoformat(literal_eval(marker)['today'])
    return date.today()


def ensure_portfolio(env, customers, seed=42):
    """Generate the sample portfolio when the database has no loan yet."""
    env.cr.execute("SELECT count(*) FROM collection_loan")
    if env.cr.fetchone()[0]:
        return False
    from odoo.addons.collection_base.tools.sample_portfolio import generate_sample_portfolio  # noqa: PLC0415
    generate_sample_portfolio(env, customers=customers, seed=seed)
    return True


def _call_with_day(method, day):
    """Call ``method`` for ``day`` through whichever of today/date/run_date it takes."""
    parameters = inspect.signature(method).parameters
    for name in ('today', 'date', 'run_date'):
        if name in parameters:
            return method(**{name: day})
    return method()


def _find_method(model, names):
    """The first of ``names`` the model has. Never a ``_cron_*`` method: outside a scheduled
    action, ``ir.cron._commit_progress`` commits, which would end the benchmark's savepoint."""
    return next((getattr(model, name) for name in names if hasattr(model, name)), None)


# --------------------------------------------------------------------------- daily run
def bench_daily_run(env, report):
    """DPD/buckets recompute, snapshot, PTP evaluation and strategies for the next day.

    Everything runs in a savepoint that is rolled back, so the database stays as generated.
    """
    timer = Timer()
    cr = env.cr
    tomorrow = portfolio_today(env) + timedelta(days=1)
    cr.execute("SELECT count(*) FROM collection_loan")
    loans = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM collection_case")
    cases = cr.fetchone()[0]
    report.note(f"{loans} loans, {cases} cases; the run is for {tomorrow}, rolled back afterwards")

    # Baselines: the cheapest set-based passes over the same rows
    timer.measure('baseline scan', lambda: cr.execute("SELECT count(*), sum(outstanding_amount) FROM collection_loan"))
    timer.measure('baseline dues', lambda: cr.execute(
        "SELECT count(*) FROM (SELECT loan_id, sum(amount_residual) FROM collection_loan_due GROUP BY loan_id) s"))
    baseline = timer.total('baseline scan') + timer.total('baseline dues')

    savepoint = cr.savepoint()
    try:
        changed = timer.measure('dpd', lambda: env['collection.loan']._recompute_delinquency(today=tomorrow))
        report.note(f"DPD recompute changed {changed} loans")
        snapshot_model = env.get('collection.loan.snapshot')
        snapshot = snapshot_model is not None and _find_method(snapshot_model, ('_take_snapshot',))
        if snapshot:
            rows = timer.measure('snapshot', lambda: _call_with_day(snapshot, tomorrow))
            report.note(f"daily loan snapshot: {rows} rows")
        else:
            report.note("daily loan snapshot: no collection.loan.snapshot on this branch, not measured")
        ptp = env['collection.ptp']
        counts = timer.measure('ptp', lambda: _call_with_day(ptp._evaluate_due_promises, tomorrow))
        report.note(f"PTP evaluation: {counts}")
        strategy_model = env.get('collection.strategy')
        if strategy_model is not None:
            strategies = strategy_model.search([])
            if not strategies:
                from odoo.addons.collection_base.tools.sample_portfolio import ensure_sample_strategies  # noqa: PLC0415
                strategies = ensure_sample_strategies(env)
                report.note("strategies: none configured, the sample ones created for the run")
            runs = timer.measure('strategies', lambda: strategies._run(run_date=tomorrow, trigger='manual'))
            report.note("strategy run: " + "; ".join(
                f"{run.strategy_id.name}: {run.matched_count} matched, {run.treated_count} treated" for run in runs))
        else:
            report.note("strategy run over all cases: no collection.strategy on this branch, not measured")
        env.flush_all()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)

    report.row("baseline: full scan of loans + dues aggregated per loan", baseline, unit='s')
    total = 0.0
    for key, label in (('dpd', "DPD, buckets and case totals recompute"), ('snapshot', "daily loan snapshot"),
                       ('ptp', "PTP evaluation"), ('strategies', "strategy run over all cases")):
        if key in timer.samples:
            value = timer.total(key)
            total += value
            report.row(label, value, baseline, unit='s')
    report.row("daily run, total", total, baseline, target=DAILY_TARGET, unit='s')
    return timer


# --------------------------------------------------------------------------- agent screens
def _filter_domain(env, model_name, filter_names):
    """The domain of the search view's filters ``filter_names`` (as the web client ANDs them)."""
    from lxml import etree  # noqa: PLC0415

    from odoo.fields import Domain  # noqa: PLC0415
    from odoo.tools.safe_eval import datetime as safe_datetime, safe_eval  # noqa: PLC0415

    views = env[model_name].get_views([(False, 'search')])
    arch = etree.fromstring(views['views']['search']['arch'])
    context = {'uid': env.uid, 'context_today': safe_datetime.date.today, 'datetime': safe_datetime}
    domain = Domain.TRUE
    for node in arch.iter('filter'):
        if node.get('name') in filter_names:
            domain &= Domain(safe_eval(node.get('domain'), context))
    return list(domain)


def _baseline_read(env, case_ids, timer):
    """Primary-key read of one field of one case through the ORM, cache cleared."""
    Case = env['collection.case']
    for case_id in case_ids:
        env.invalidate_all()
        timer.measure('baseline read', lambda case_id=case_id: Case.browse(case_id).read(['name']))


def bench_agent_screens(env, report, samples=SAMPLES):
    """The agent's "My Cases" list (80 rows) and a case form, as agents (record rules on)."""
    timer = Timer()
    Users = env['res.users']
    agents = Users.search([('login', '=like', 'agent%')])
    agents = agents.filtered(lambda u: env['collection.case'].search_count([('user_id', '=', u.id)]))
    agents = agents.sorted(lambda u: (len(u.login), u.login))[:10]
    if not agents:
        report.note("no agent with cases: screens not measured")
        return timer
    first = agents[0]
    agent_env = env(user=first.id)
    list_spec = view_specification(agent_env, 'collection.case', 'list')
    form_spec = view_specification(agent_env, 'collection.case', 'form')
    domain = _filter_domain(agent_env, 'collection.case', ('my_cases', 'open'))
    report.note(f"worklist domain {domain}; {len(list_spec)} list fields, {len(form_spec)} form fields")

    # worklist: each agent in turn, ORM cache cleared before each call, a baseline read next to
    # each sample so that both see the same load
    counts = []
    for index in range(samples):
        agent = agents[index % len(agents)]
        user_env = env(user=agent.id)
        Case = user_env['collection.case']
        user_domain = _filter_domain(user_env, 'collection.case', ('my_cases', 'open'))
        result = timer.measure('worklist', lambda Case=Case, d=user_domain: Case.web_search_read(
            d, list_spec, limit=80, count_limit=10001), before=env.invalidate_all)
        counts.append(result['length'])
        _baseline_read(env, result['records'][:1] and [result['records'][0]['id']], timer)
    report.note(f"worklists of {len(agents)} agents: {min(counts)}-{max(counts)} open cases each")

    # case form: the agent's cases with the most history first
    Case = agent_env['collection.case']
    cases = Case.search(domain, limit=samples)
    env.cr.execute("""
        SELECT c.id FROM collection_case c
         WHERE c.id = ANY(%s)
      ORDER BY (SELECT count(*) FROM collection_action a WHERE a.case_id = c.id) DESC
    """, [cases.ids])
    case_ids = [row[0] for row in env.cr.fetchall()]
    for case_id in case_ids:
        timer.measure('form', lambda case_id=case_id: Case.browse(case_id).web_read(form_spec),
                      before=env.invalidate_all)
        _baseline_read(env, [case_id], timer)

    base = timer.p('baseline read', 95)
    report.row("baseline: ORM read of one case by id, p50", timer.p('baseline read', 50))
    report.row("baseline: ORM read of one case by id, p95", base)
    report.row("agent worklist (My Cases, open, 80 rows + count), p50", timer.p('worklist', 50), base)
    report.row("agent worklist (My Cases, open, 80 rows + count), p95", timer.p('worklist', 95), base,
               target=SCREEN_TARGET)
    report.row("case form (web_read with loans/actions/promises...), p50", timer.p('form', 50), base)
    report.row("case form (web_read with loans/actions/promises...), p95", timer.p('form', 95), base,
               target=SCREEN_TARGET)
    return timer


# --------------------------------------------------------------------------- search
SEARCHES = (
    # label, search view field (name or name:label), the term typed, from a customer row
    ("customer name", 'partner_id:Customer (name or CIF)', lambda c: c['name']),
    ("customer last name", 'partner_id:Customer (name or CIF)', lambda c: c['name'].split()[-1]),
    ("CIF", 'partner_id:Customer (name or CIF)', lambda c: c['cif']),
    ("national id", 'partner_id:National ID', lambda c: c['national_id']),
    ("phone as E.164", 'contact_phone', lambda c: c['e164']),
    ("phone as typed", 'contact_phone', lambda c: c['typed']),
    ("account number", 'account_number', lambda c: c['account']),
    ("account number, last 6 digits", 'account_number', lambda c: c['account'][-6:]),
)


def bench_search(env, report, samples=20, user_login='manager', explain=False):
    """Find a customer's case from the case list's search box (web_search_read, 80 rows + count)."""
    timer = Timer()
    user = env['res.users'].search([('login', '=', user_login)], limit=1)
    user_env = env(user=user.id) if user else env
    rng = random.Random(11)
    env.cr.execute("SELECT max(id) FROM collection_case")
    max_id = env.cr.fetchone()[0] or 0
    env.cr.execute("""
        SELECT p.name, p.cif, p.national_id, cp.phone_e164 AS e164, cp.value AS typed,
               (SELECT l.name FROM collection_loan l WHERE l.case_id = c.id ORDER BY l.id LIMIT 1) AS account
          FROM collection_case c
          JOIN res_partner p ON p.id = c.partner_id
          JOIN collection_contact_point cp ON cp.partner_id = p.id AND cp.is_primary AND cp.kind = 'mobile'
         WHERE c.id = ANY(%s)
    """, [[rng.randint(1, max_id) for _i in range(samples * 3)]])
    columns = [d[0] for d in env.cr.description]
    customers = [dict(zip(columns, row)) for row in env.cr.fetchall()][:samples]
    if not customers:
        report.note("no customer to search for")
        return timer
    Case = user_env['collection.case']
    spec = view_specification(user_env, 'collection.case', 'list')
    plans = {}
    rows = []
    for label, field, term_of in SEARCHES:
        found = 0
        for customer in customers:
            term = term_of(customer)
            try:
                domain = search_view_domain(user_env, 'collection.case', field, term)
            except KeyError:
                report.note(f"{label}: no '{field}' field in the case search view")
                break
            result = timer.measure(label, lambda d=domain: Case.web_search_read(d, spec, limit=80, count_limit=10001),
                                   before=env.invalidate_all)
            found += bool(result['length'])
            _baseline_read(env, [rng.randint(1, max_id)], timer)
            if explain and label not in plans:
                plans[label] = explain_domain(Case, domain)
        else:
            rows.append((f"search by {label} ({found}/{len(customers)} found)", label))
    base = timer.p('baseline read', 95)
    report.row(f"baseline: ORM read of one case by id, p50 (as {user_login})", timer.p('baseline read', 50))
    report.row(f"baseline: ORM read of one case by id, p95 (as {user_login})", base)
    for text, label in rows:
        report.row(f"{text}, p50", timer.p(label, 50), timer.p('baseline read', 50))
        report.row(f"{text}, p95", timer.p(label, 95), base)
    for label, plan in plans.items():
        report.note(f"EXPLAIN ANALYZE search by {label}:\n" + plan)
    return timer


def explain_domain(model, domain, limit=80):
    """EXPLAIN ANALYZE of the SQL that ``model.search(domain, limit=limit)`` runs (record rules included)."""
    from odoo.tools import SQL  # noqa: PLC0415

    query = model._search(domain, limit=limit, order=model._order)
    model.env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select()))
    return "\n".join("      " + row[0] for row in model.env.cr.fetchall())


def _machine():
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)"


def run_all(env, explain=False):
    reports = []
    for title, bench in (("Daily run", bench_daily_run), ("Agent screens", bench_agent_screens)):
        report = Report(title)
        report.note(_machine())
        bench(env, report)
        reports.append(report)
    report = Report("Customer search from the case list")
    report.note(_machine())
    bench_search(env, report, explain=explain)
    reports.append(report)
    return reports


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', default=os.environ.get('COLLECTION_BENCH_DB', 'collection_bench'))
    parser.add_argument('--customers', type=int, default=int(os.environ.get('COLLECTION_BENCH_CUSTOMERS', 2000)),
                        help="Size of the portfolio generated when the database has none (default 2000).")
    parser.add_argument('--explain', action='store_true', help="Print the EXPLAIN ANALYZE plans of the searches.")
    args = parser.parse_args()
    bootstrap_odoo(args.db, ['--log-level=warn'])

    from odoo import api, SUPERUSER_ID  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.addons.collection_base.tools.sample_portfolio import (  # noqa: PLC0415
        ensure_database, vacuum_loaded_tables)

    registry = ensure_database(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.monotonic()
        if ensure_portfolio(env, args.customers):
            cr.commit()
            print(f"generated a portfolio of {args.customers} customers in {time.monotonic() - started:.0f} s")  # noqa: T201
    # the state autovacuum leaves between two daily runs (a previous benchmark's rolled-back
    # run leaves dead rows behind)
    vacuum_loaded_tables(args.db)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for report in run_all(env, explain=args.explain):
            report.print()
        cr.rollback()


if __name__ == '__main__':
    main()
