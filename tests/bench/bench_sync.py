#!/usr/bin/env python3
"""Benchmark of the core-banking sync (collection_integration), end to end.

Full scale, on a database of its own (``--recreate`` drops it and installs the addon):

    python3 tests/bench/bench_sync.py --db sync_bench --recreate \
        --db_host 127.0.0.1 --db_port 5433 --db_user odoo --db_password odoo \
        [--loans 1000000 --customers 400000 --collateral 300000 --changed 50000 --bills-per-loan 0]

Small scale, inside the test database's transaction, rolled back: ``make bench ARGS="-k sync"``
(``test_bench_sync.py``).

What it measures, in one process and one database:

1. a bare COPY of the arrangements file's rows into a table of the same columns (typed, no
   index), read from the file by this client, the same into a table with the loan table's
   indexes, and a bare COPY of every file of the extract into tables of their shape (the
   baseline of the full sync: the same rows): the floor any loader stands on;
2. the full sync of the extract (customers, arrangements, [bills,] collateral) through
   ``collection.connector._run_sync``, with a commit per file as the scheduled action does
   (full scale), including cases, DPD, buckets, case totals and outbox events;
   then the schema floor: the rows the full sync left in the tables it fills, written again into
   tables defined the same way with their indexes and foreign keys, and nothing else
   (``schema_floor``, rolled back): what any loader of this schema pays;
3. the same extract again: it must change 0 rows;
4. an incremental extract of ``--changed`` arrangements, then the same again;
5. the peak memory of the process (``resource.getrusage``), and optionally Python's
   allocation peak during the incremental run (``--tracemalloc``) and a plain INSERT of the
   loans into ``collection_loan``, rolled back (``--table-floor``).

Targets of the issue: 50,000 loans/s end to end and within 10 x the bare COPY of the same rows
(all the files), an incremental
of 50,000 loans in 5 s, less than 2 GB of memory. Figures are printed, not asserted.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402
import sync_extract_gen  # noqa: E402

TARGET_LOANS_PER_SECOND = 50_000
TARGET_RATIO_TO_COPY = 10
TARGET_INCREMENTAL_SECONDS_PER_50K = 5.0
TARGET_MEMORY_MB = 2048


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def setup_connector(env, inbound):
    """Currencies, the generator's products and a T24 connector reading files."""
    for xmlid in ('base.USD', 'base.EUR'):
        env.ref(xmlid).active = True
    Product = env['collection.product']
    for code, name, kind in (('PL', "Personal loan", 'personal'), ('AUTO', "Auto loan", 'auto'),
                             ('MORT', "Mortgage", 'mortgage'), ('CARD', "Credit card", 'card'),
                             ('SME', "SME loan", 'sme')):
        if not Product.search([('code', '=', code), ('company_id', 'in', (False, env.company.id))]):
            Product.create({'name': name, 'code': code, 'product_type': kind})
    env.company.country_id = env.ref('base.us')
    connector = env['collection.connector'].search([('code', '=', 'T24'), ('company_id', '=', env.company.id)])
    if not connector:
        connector = env['collection.connector'].create({
            'name': "T24 (benchmark)", 'code': 'T24', 'system': 't24', 'transport': 'files',
            'inbound_path': inbound, 'default_country_id': env.ref('base.us').id})
    return connector


# the columns of each file of the extract, typed as the table they feed types them
SHAPES = {
    'CUSTOMER': """cif varchar, name varchar, customer_type varchar, national_id varchar, mobile varchar,
                   phone varchar, email varchar, street varchar, city varchar, zip varchar, country varchar""",
    'ARRANGEMENT': """name varchar, customer varchar, product varchar, currency varchar, principal numeric,
                      outstanding_amount numeric, installment_amount numeric, interest_rate numeric,
                      disbursement_date date, maturity_date date, term_months integer, branch varchar,
                      state varchar""",
    'BILL': "loan varchar, sequence integer, due_date date, amount_due numeric, amount_paid numeric",
    'COLLATERAL': """source_ref varchar, loan varchar, collateral_type varchar, name varchar, identifier varchar,
                     make varchar, model varchar, year integer, value numeric, valuation_date date,
                     location varchar""",
}


def bare_copy(env, path, indexed=False, keep=False, shape='ARRANGEMENT'):
    """COPY the data rows of an extract file, read by this client, into a same-shaped table (the
    file's columns, typed as in the table they feed, ``SHAPES``); ``indexed`` (arrangements only)
    adds the indexes the loan table has on those columns (unique key, trigram on the number,
    btree on the others)."""
    cr = env.cr
    cr.execute(f"CREATE TEMP TABLE bench_bare_copy ({SHAPES[shape]})")
    if indexed:
        cr.execute("""
            CREATE UNIQUE INDEX ON bench_bare_copy (name);
            CREATE INDEX ON bench_bare_copy USING gin (name gin_trgm_ops);
            CREATE INDEX ON bench_bare_copy (customer); CREATE INDEX ON bench_bare_copy (product);
            CREATE INDEX ON bench_bare_copy (currency); CREATE INDEX ON bench_bare_copy (branch);
            CREATE INDEX ON bench_bare_copy (state);
        """)

    class Body:
        """The file without its header, column and trailer lines."""

        def __init__(self, handle):
            self.handle = handle
            handle.readline()
            handle.readline()

        def read(self, size=-1):
            data = self.handle.read(size)
            cut = data.find('#TRAILER')
            return data[:cut] if cut >= 0 else data

    started = time.monotonic()
    with open(path, encoding='utf-8') as handle:
        cr.copy_expert("COPY bench_bare_copy FROM STDIN WITH (FORMAT csv)", Body(handle), size=1 << 20)
    elapsed = time.monotonic() - started
    cr.execute("SELECT COUNT(*) FROM bench_bare_copy")
    rows = cr.fetchone()[0]
    if not keep:
        cr.execute("DROP TABLE bench_bare_copy")
    return rows, elapsed


def table_floor(env, path):
    """INSERT the loans file's rows into collection_loan as they are (partners and cases
    already there, no validation, no ON CONFLICT), then roll back: the cost of the table's
    indexes and foreign keys, which any loader pays."""
    cr = env.cr
    bare_copy(env, path, keep=True)
    cr.execute("SAVEPOINT table_floor")
    started = time.monotonic()
    cr.execute("""
        INSERT INTO collection_loan (name, source_system, company_id, partner_id, case_id, product_id, product_type,
                                     currency_id, principal, outstanding_amount, installment_amount, interest_rate,
                                     disbursement_date, maturity_date, term_months, branch, state, dpd,
                                     overdue_amount, create_uid, write_uid, create_date, write_date)
        SELECT b.name, 'FLOOR', p.company_id, p.id, c.id, pr.id, pr.product_type, cu.id, b.principal,
               b.outstanding_amount, b.installment_amount, b.interest_rate, b.disbursement_date, b.maturity_date,
               b.term_months, b.branch, 'active', 0, 0, 1, 1, now(), now()
          FROM bench_bare_copy b
          JOIN res_partner p ON p.cif = b.customer AND p.company_id = %s
          JOIN collection_case c ON c.partner_id = p.id AND c.company_id = p.company_id
          JOIN collection_product pr ON pr.code = b.product
          JOIN res_currency cu ON cu.name = b.currency
    """, [env.company.id])
    inserted = cr.rowcount
    elapsed = time.monotonic() - started
    cr.execute("ROLLBACK TO SAVEPOINT table_floor")
    cr.execute("DROP TABLE bench_bare_copy")
    return inserted, elapsed


# the tables a full extract fills
FLOOR_TABLES = ('res_partner', 'collection_contact_point', 'collection_case', 'collection_loan',
                'collection_loan_due', 'collection_collateral', 'collection_event')


def schema_floor(env):
    """Write the rows the full sync left in the tables it fills into tables defined the same way,
    in the cheapest order PostgreSQL has: the rows first (INSERT ... SELECT: no parsing, no
    index), then every index of the table, unique ones included, then every foreign key, checked
    over the whole table; rolled back. Any loader of this schema pays at least this much, with
    no validation, no case, no contact point of its own: what the sync takes beyond it is the
    sync's own work. Returns {table: (rows, seconds)}."""
    from odoo.addons.collection_integration.tools.bulk_load import (  # noqa: PLC0415
        BULK_MAINTENANCE_WORK_MEM, table_definitions)

    cr = env.cr
    cr.execute("SAVEPOINT schema_floor")
    cr.execute("SET LOCAL maintenance_work_mem = %s", [BULK_MAINTENANCE_WORK_MEM])
    cr.execute("CREATE SCHEMA bench_floor")
    figures = {}
    for table in FLOOR_TABLES:
        cr.execute("""SELECT pg_get_indexdef(indexrelid) FROM pg_index
                       WHERE indrelid = %s::regclass ORDER BY indexrelid""", [table])
        indexes = [definition for (definition,) in cr.fetchall()]
        _secondary, foreign_keys = table_definitions(cr, table)
        started = time.monotonic()
        cr.execute(f'CREATE TABLE bench_floor."{table}" (LIKE public."{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        cr.execute(f'INSERT INTO bench_floor."{table}" SELECT * FROM public."{table}"')
        rows = cr.rowcount
        for definition in indexes:
            cr.execute(definition.replace(f" ON public.{table} ", f" ON bench_floor.{table} ", 1))
        if foreign_keys:
            cr.execute(f'ALTER TABLE bench_floor."{table}" ' + ", ".join(
                f'ADD CONSTRAINT "{name}" {definition}' for name, definition in foreign_keys))
        figures[table] = (rows, time.monotonic() - started)
    cr.execute("ROLLBACK TO SAVEPOINT schema_floor")
    return figures


def run_sync(connector, paths, commit):
    started = time.monotonic()
    run = connector._run_sync(trigger='cli', paths=paths, checkpoint=connector._commit_checkpoint if commit else None)
    elapsed = time.monotonic() - started
    batches = [{
        'file': os.path.basename(b.name), 'state': b.state, 'records': b.record_count,
        'inserted': b.inserted_count, 'updated': b.updated_count, 'unchanged': b.unchanged_count,
        'rejected': b.rejected_count, 'closed': b.closed_count, 'events': b.event_count,
        'seconds': round(b.duration, 2), 'bulk_seconds': round(b.bulk_duration, 2), 'verdict': b.verdict,
    } for b in run.batch_ids]
    return {'state': run.state, 'seconds': round(elapsed, 2), 'batches': batches,
            'changed_rows': sum(b['inserted'] + b['updated'] + b['closed'] for b in batches),
            'message': run.message or ''}


def measure(env, files, loans, changed, commit=False, plain_insert=False, trace_memory=False):
    """Run the measures on ``files`` (from sync_extract_gen.generate); return (figures, report).

    ``commit``: commit after each file as the scheduled action does (a database of its own);
    without it everything stays in the caller's transaction, for it to roll back.
    """
    figures = {'loans': loans, 'changed': changed, 'load_average': os.getloadavg(),
               'rss_mb_baseline': round(rss_mb())}
    # an inbound folder of its own: the files given to the runs stay where they are
    inbound = os.path.join(os.path.dirname(os.path.dirname(files['ARRANGEMENT'])), 'inbound')
    connector = setup_connector(env, inbound)
    if commit:
        env.cr.commit()
    if connector.run_ids:
        figures['warning'] = "the connector has run before in this database: not a first load"

    rows, copy_seconds = bare_copy(env, files['ARRANGEMENT'])
    figures['bare_copy'] = {'rows': rows, 'seconds': round(copy_seconds, 2)}
    # the same rows as the full sync loads: every file of the extract
    copies = {name: bare_copy(env, files[name], shape=name)
              for name in ('CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL') if name in files}
    figures['bare_copy_all'] = {'rows': sum(rows for rows, _s in copies.values()),
                                'seconds': round(sum(seconds for _r, seconds in copies.values()), 2),
                                'files': {name: round(seconds, 2) for name, (_r, seconds) in copies.items()}}
    _rows, indexed_seconds = bare_copy(env, files['ARRANGEMENT'], indexed=True)
    figures['bare_copy_indexed'] = {'seconds': round(indexed_seconds, 2)}
    if commit:
        env.cr.commit()

    full_paths = [files[name] for name in ('CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL') if name in files]
    figures['full'] = run_sync(connector, full_paths, commit)
    floor = schema_floor(env)
    figures['schema_floor'] = {'seconds': round(sum(seconds for _rows, seconds in floor.values()), 2),
                               'tables': {table: {'rows': rows, 'seconds': round(seconds, 2)}
                                          for table, (rows, seconds) in floor.items()}}
    figures['rerun'] = run_sync(connector, full_paths, commit)
    if changed:
        import tracemalloc  # noqa: PLC0415
        if trace_memory:
            tracemalloc.start()
        figures['incremental'] = run_sync(connector, [files['ARRANGEMENT_DELTA']], commit)
        if trace_memory:
            figures['tracemalloc_peak_mb_incremental'] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
            tracemalloc.stop()
        figures['incremental_rerun'] = run_sync(connector, [files['ARRANGEMENT_DELTA']], commit)
    if plain_insert:
        rows, seconds = table_floor(env, files['ARRANGEMENT'])
        figures['table_floor'] = {'rows': rows, 'seconds': round(seconds, 2)}
    env.cr.execute("""SELECT (SELECT COUNT(*) FROM collection_loan WHERE source_system = 'T24'),
                             (SELECT COUNT(*) FROM res_partner WHERE cif IS NOT NULL),
                             (SELECT COUNT(*) FROM collection_case), (SELECT COUNT(*) FROM collection_collateral),
                             (SELECT COUNT(*) FROM collection_contact_point), (SELECT COUNT(*) FROM collection_event)""")
    figures['table_rows'] = dict(zip(('loans', 'customers', 'cases', 'collateral', 'contact_points', 'events'),
                                     env.cr.fetchone()))
    figures['rss_mb_peak'] = round(rss_mb())
    full = figures['full']
    figures['loans_per_second'] = round(loans / full['seconds'])
    loans_batch = next(b for b in full['batches'] if 'ARRANGEMENT' in b['file'])
    figures['loans_file_per_second'] = round(loans / loans_batch['seconds'])
    return figures, make_report(figures, loans_batch)


def make_report(figures, loans_batch):
    loans, changed = figures['loans'], figures['changed']
    report = benchlib.Report(f"core-banking sync: {loans:,} loans (load average "
                             f"{', '.join(f'{value:.1f}' for value in figures['load_average'])})")
    copy = figures['bare_copy']['seconds']
    copy_all = figures['bare_copy_all']['seconds']
    full = figures['full']
    report.row("bare COPY of the loan rows (same columns, no index)", copy, unit='s')
    report.row(f"bare COPY of all the extract's rows ({figures['bare_copy_all']['rows']:,})", copy_all, unit='s')
    report.row("the loans COPY with the loan table's indexes", figures['bare_copy_indexed']['seconds'], copy, unit='s')
    if 'table_floor' in figures:
        report.row("plain INSERT into collection_loan (rolled back)", figures['table_floor']['seconds'], copy, unit='s')
    report.row("full extract, end to end / bare COPY of all rows", full['seconds'], copy_all,
               target=min(loans / TARGET_LOANS_PER_SECOND, TARGET_RATIO_TO_COPY * copy_all), unit='s')
    report.row("  of which indexes built again and foreign keys checked (bulk-load mode)",
               sum(batch['bulk_seconds'] for batch in full['batches']), copy_all, unit='s')
    schema_floor = max(figures['schema_floor']['seconds'], 0.01)
    report.row("schema floor: the same final rows, indexes, foreign keys", schema_floor, copy_all, unit='s')
    for batch in full['batches']:
        baseline = figures['bare_copy_all']['files'].get(batch['file'].split('_', 1)[-1].rsplit('.', 1)[0])
        report.row(f"  {batch['file']} ({batch['records']:,} records) / its bare COPY",
                   batch['seconds'], baseline, unit='s')
    report.row("same extract again (baseline: full)", figures['rerun']['seconds'], full['seconds'], unit='s')
    if changed:
        report.row(f"incremental extract of {changed:,} loans", figures['incremental']['seconds'],
                   target=TARGET_INCREMENTAL_SECONDS_PER_50K * changed / 50_000, unit='s')
        report.row("same incremental again", figures['incremental_rerun']['seconds'], unit='s')
    report.note(f"loans per second, end to end: {figures['loans_per_second']:,} (target {TARGET_LOANS_PER_SECOND:,}); "
                f"loans file alone: {figures['loans_file_per_second']:,}; end to end over the loans-only COPY: "
                f"x {full['seconds'] / copy:.1f}")
    report.note(f"at the schema floor (no sync logic): {round(loans / schema_floor):,} loans/s, the full extract "
                f"x {full['seconds'] / schema_floor:.1f} the floor; the tables' rows, indexes and keys: "
                + ", ".join(f"{table} {value['seconds']:.1f}s" for table, value in figures['schema_floor']['tables'].items()))
    report.note(f"rows changed by the same extract again: {figures['rerun']['changed_rows']}, "
                f"by the same incremental again: {figures.get('incremental_rerun', {}).get('changed_rows', '-')}")
    verdict = 'ok' if figures['rss_mb_peak'] < TARGET_MEMORY_MB else 'MISSED'
    report.note(f"peak memory (RSS): {figures['rss_mb_peak']} MB, Odoo loaded {figures['rss_mb_baseline']} MB: {verdict}")
    if 'tracemalloc_peak_mb_incremental' in figures:
        report.note(f"Python allocations during the incremental run: {figures['tracemalloc_peak_mb_incremental']} MB")
    report.note(f"rows in the database: {figures['table_rows']}")
    for key in ('full', 'rerun', 'incremental', 'incremental_rerun'):
        if key in figures and figures[key]['state'] != 'done':
            report.note(f"{key}: {figures[key]['state']} {figures[key]['message'][:500]}")
    if figures['rerun']['changed_rows'] or figures.get('incremental_rerun', {}).get('changed_rows'):
        report.missed.append("re-run changes rows")
    if figures.get('warning'):
        report.note(figures['warning'])
    return report


# ----------------------------------------------------------------------
# full-scale command
# ----------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--db', default='sync_bench')
    parser.add_argument('--recreate', action='store_true', help="drop the database and install the addon first")
    parser.add_argument('--db_host', default=None)
    parser.add_argument('--db_port', default=None)
    parser.add_argument('--db_user', default=None)
    parser.add_argument('--db_password', default=None)
    parser.add_argument('--workdir', default='/tmp/collection_sync_bench')
    parser.add_argument('--loans', type=int, default=1_000_000)
    parser.add_argument('--customers', type=int, default=400_000)
    parser.add_argument('--collateral', type=int, default=300_000)
    parser.add_argument('--bills-per-loan', type=int, default=0)
    parser.add_argument('--changed', type=int, default=50_000)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--tracemalloc', action='store_true', help="trace Python allocations of the incremental run")
    parser.add_argument('--table-floor', action='store_true',
                        help="also time a plain INSERT of the loans into collection_loan (rolled back)")
    parser.add_argument('--json', default=None, help="also write the figures to this file")
    return parser.parse_args(argv)


def install(args):
    """Drop the database and install collection_integration in it."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415
    odoo_bin = next(path for path in (os.path.join(os.path.dirname(p), 'odoo-bin') for p in odoo.__path__)
                    if os.path.exists(path))
    env = dict(os.environ, PGPASSWORD=args.db_password or os.environ.get('PGPASSWORD', ''))
    dropdb = ['dropdb', '--if-exists']
    for flag, value in (('-h', args.db_host), ('-p', args.db_port), ('-U', args.db_user)):
        if value:
            dropdb += [flag, str(value)]
    subprocess.run([*dropdb, args.db], check=True, env=env)
    print(f"installing collection_integration in {args.db} ...", flush=True)  # noqa: T201
    addons_path = config['addons_path']
    addons_path = ','.join(addons_path) if isinstance(addons_path, (list, tuple)) else addons_path
    subprocess.run([sys.executable, odoo_bin, f'--addons-path={addons_path}', '-d', args.db,
                    '-i', 'collection_integration', '--stop-after-init', '--no-http', '--log-level=warn',
                    *[f'--{name}={getattr(args, name)}' for name in ('db_host', 'db_port', 'db_user', 'db_password')
                      if getattr(args, name)]], check=True)


def main(argv=None):
    args = parse_args(argv)
    for option, variable in (('db_host', 'PGHOST'), ('db_port', 'PGPORT'), ('db_user', 'PGUSER'),
                             ('db_password', 'PGPASSWORD')):
        if getattr(args, option):
            os.environ[variable] = str(getattr(args, option))
    benchlib.bootstrap_odoo(args.db, ['--log-level=warn', '--log-handler=odoo.addons.collection_integration:INFO'])
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    if args.recreate:
        install(args)
    stamp = f"{args.loans}-{args.customers}-{args.collateral}-{args.bills_per_loan}-{args.changed}-{args.seed}"
    started = time.monotonic()
    files = sync_extract_gen.generate(os.path.join(args.workdir, stamp), args.loans, args.customers, args.collateral,
                                      args.bills_per_loan, args.changed, seed=args.seed)
    print(f"extract files generated in {time.monotonic() - started:.0f}s: "  # noqa: T201
          f"{ {name: f'{os.path.getsize(path) / 1e6:.1f} MB' for name, path in files.items()} }", flush=True)
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        figures, report = measure(env, files, args.loans, args.changed, commit=True, plain_insert=args.table_floor,
                                  trace_memory=args.tracemalloc)
        cr.commit()
    report.print()
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(figures, handle, indent=2, default=str)


if __name__ == '__main__':
    main()
