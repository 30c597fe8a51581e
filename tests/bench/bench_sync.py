#!/usr/bin/env python3
"""Benchmark of the core-banking sync (collection_integration), end to end.

    python3 tests/bench/bench_sync.py --db sync_bench --recreate \
        --db_host 127.0.0.1 --db_port 5433 --db_user odoo --db_password odoo \
        [--loans 1000000 --customers 400000 --collateral 300000 --changed 50000 --bills-per-loan 0]

What it measures, in one process and one database:

1. a bare COPY of the arrangements file's rows into a table of the same shape (typed columns,
   no index), read from the file by this client: the floor any loader stands on;
2. the full sync of the extract (customers, arrangements, [bills,] collateral) through
   ``collection.connector._run_sync`` as the scheduled action runs it (a commit per file),
   including cases, DPD, buckets, case totals and outbox events; loans per second end to end and
   the ratio to the bare COPY;
3. the same extract again: it must change 0 rows;
4. an incremental extract of ``--changed`` arrangements;
5. the peak memory of the process (``resource.getrusage``), and optionally of Python
   allocations during the incremental run (``--tracemalloc``).

Not a test: it needs minutes and a database of its own (``--recreate`` drops and reinstalls it).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--db', default='sync_bench')
    parser.add_argument('--recreate', action='store_true', help="drop the database and install the addon first")
    parser.add_argument('--odoo-bin', default=None, help="path of odoo-bin (default: next to the odoo package)")
    parser.add_argument('--addons-path', default=None)
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
    parser.add_argument('--json', default=None, help="also write the figures to this file")
    return parser.parse_args(argv)


def odoo_options(args):
    options = []
    for name in ('db_host', 'db_port', 'db_user', 'db_password'):
        if getattr(args, name):
            options.append(f'--{name}={getattr(args, name)}')
    return options


def install(args, addons_path):
    import odoo  # noqa: PLC0415
    odoo_bin = args.odoo_bin or next(
        path for path in (os.path.join(os.path.dirname(p), 'odoo-bin') for p in odoo.__path__) if os.path.exists(path))
    env = dict(os.environ, PGPASSWORD=args.db_password or os.environ.get('PGPASSWORD', ''))
    dropdb = ['dropdb', '--if-exists', args.db]
    for flag, value in (('-h', args.db_host), ('-p', args.db_port), ('-U', args.db_user)):
        if value:
            dropdb[1:1] = [flag, str(value)]
    subprocess.run(dropdb, check=True, env=env)
    print(f"installing collection_integration in {args.db} ...", flush=True)
    subprocess.run([sys.executable, odoo_bin, f'--addons-path={addons_path}', '-d', args.db,
                    '-i', 'collection_integration', '--stop-after-init', '--no-http', '--log-level=warn',
                    *odoo_options(args)], check=True)


def setup_connector(env, inbound):
    for xmlid in ('base.USD', 'base.EUR'):
        env.ref(xmlid).active = True
    Product = env['collection.product']
    for code, name, kind in (('PL', "Personal loan", 'personal'), ('AUTO', "Auto loan", 'auto'),
                             ('MORT', "Mortgage", 'mortgage'), ('CARD', "Credit card", 'card'),
                             ('SME', "SME loan", 'sme')):
        if not Product.search([('code', '=', code)]):
            Product.create({'name': name, 'code': code, 'product_type': kind})
    env.company.country_id = env.ref('base.us')
    connector = env['collection.connector'].search([('code', '=', 'T24')])
    if not connector:
        connector = env['collection.connector'].create({
            'name': "T24 (benchmark)", 'code': 'T24', 'system': 't24', 'transport': 'files',
            'inbound_path': inbound, 'default_country_id': env.ref('base.us').id})
    env.cr.commit()
    return connector


def bare_copy(env, path, indexed=False):
    """COPY the data rows of the arrangements file, read by this client, into a same-shaped table
    (the file's columns, typed as in collection_loan); ``indexed`` adds the indexes the loan
    table has on those columns (unique key, trigram on the number, btree on the others)."""
    cr = env.cr
    cr.execute("""
        CREATE TEMP TABLE bench_bare_copy (
            name varchar, customer varchar, product varchar, currency varchar, principal numeric,
            outstanding_amount numeric, installment_amount numeric, interest_rate numeric,
            disbursement_date date, maturity_date date, term_months integer, branch varchar, state varchar)
    """)
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
    cr.execute("DROP TABLE bench_bare_copy")
    cr.commit()
    return rows, elapsed


def run_sync(connector, paths):
    started = time.monotonic()
    run = connector._run_sync(trigger='cli', paths=paths, checkpoint=connector._commit_checkpoint)
    elapsed = time.monotonic() - started
    batches = [{
        'file': os.path.basename(b.name), 'state': b.state, 'records': b.record_count,
        'inserted': b.inserted_count, 'updated': b.updated_count, 'unchanged': b.unchanged_count,
        'rejected': b.rejected_count, 'closed': b.closed_count, 'events': b.event_count,
        'seconds': round(b.duration, 2), 'verdict': b.verdict,
    } for b in run.batch_ids]
    return {'state': run.state, 'seconds': round(elapsed, 2), 'batches': batches,
            'changed_rows': sum(b['inserted'] + b['updated'] + b['closed'] for b in batches),
            'message': run.message or ''}


def print_run(title, result):
    print(f"\n{title}: {result['state']} in {result['seconds']:.1f}s, rows changed: {result['changed_rows']}")
    for b in result['batches']:
        print(f"  {b['file']:<28} {b['records']:>9} rec {b['inserted']:>9} new {b['updated']:>8} upd "
              f"{b['rejected']:>6} rej {b['events']:>9} ev {b['seconds']:>7.1f}s  {b['verdict']}")
    if result['state'] != 'done':
        print("  " + result['message'][:2000])


def main(argv=None):
    args = parse_args(argv)
    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415
    import sync_extract_gen  # noqa: PLC0415

    addons_path = args.addons_path or ','.join(
        [os.path.join(os.path.dirname(p), 'addons') for p in odoo.__path__
         if os.path.isdir(os.path.join(os.path.dirname(p), 'addons'))] + [os.path.join(REPO, 'addons')])
    config.parse_config([f'--addons-path={addons_path}', '-d', args.db, '--log-level=warn',
                         '--log-handler=odoo.addons.collection_integration:INFO', *odoo_options(args)])
    if args.recreate:
        install(args, addons_path)

    figures = {'loans': args.loans, 'customers': args.customers, 'collateral': args.collateral,
               'bills_per_loan': args.bills_per_loan, 'changed': args.changed, 'cpus': os.cpu_count()}
    stamp = f"{args.loans}-{args.customers}-{args.collateral}-{args.bills_per_loan}-{args.changed}-{args.seed}"
    files_dir = os.path.join(args.workdir, stamp)
    started = time.monotonic()
    files = sync_extract_gen.generate(files_dir, args.loans, args.customers, args.collateral,
                                      args.bills_per_loan, args.changed, seed=args.seed)
    figures['generate_seconds'] = round(time.monotonic() - started, 1)
    figures['file_mb'] = {name: round(os.path.getsize(path) / 1e6, 1) for name, path in files.items()}
    print(f"extract files in {files_dir} ({figures['generate_seconds']}s): {figures['file_mb']}")

    registry = Registry(args.db)
    figures['rss_mb_baseline'] = round(rss_mb())
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        connector = setup_connector(env, os.path.join(args.workdir, 'inbound'))
        if connector.run_ids:
            print("warning: the connector has run before in this database; use --recreate for a first load")

        rows, seconds = bare_copy(env, files['ARRANGEMENT'])
        figures['bare_copy'] = {'rows': rows, 'seconds': round(seconds, 2), 'rows_per_second': round(rows / seconds)}
        print(f"\nbare COPY of the arrangements: {rows} rows in {seconds:.2f}s ({rows / seconds:,.0f} rows/s)")
        rows, indexed_seconds = bare_copy(env, files['ARRANGEMENT'], indexed=True)
        figures['bare_copy_indexed'] = {'rows': rows, 'seconds': round(indexed_seconds, 2)}
        print(f"bare COPY into the same columns with the loan table's indexes: {indexed_seconds:.2f}s")

        full_paths = [files[name] for name in ('CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL') if name in files]
        full = run_sync(connector, full_paths)
        print_run("full extract", full)
        figures['full'] = full
        figures['loans_per_second'] = round(args.loans / full['seconds'])
        loans_batch = next(b for b in full['batches'] if 'ARRANGEMENT' in b['file'])
        figures['loans_file_per_second'] = round(args.loans / loans_batch['seconds'])
        figures['full_vs_bare_copy'] = round(full['seconds'] / seconds, 1)
        figures['loans_file_vs_bare_copy'] = round(loans_batch['seconds'] / seconds, 1)
        figures['rss_mb_after_full'] = round(rss_mb())

        again = run_sync(connector, full_paths)
        print_run("same extract again", again)
        figures['rerun'] = again

        if args.changed:
            import tracemalloc  # noqa: PLC0415
            if args.tracemalloc:
                tracemalloc.start()
            delta = run_sync(connector, [files['ARRANGEMENT_DELTA']])
            if args.tracemalloc:
                figures['tracemalloc_peak_mb_incremental'] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
                tracemalloc.stop()
            print_run(f"incremental extract of {args.changed} changed loans", delta)
            figures['incremental'] = delta
            again = run_sync(connector, [files['ARRANGEMENT_DELTA']])
            figures['incremental_rerun'] = again
            print_run("same incremental again", again)

        cr.execute("""SELECT (SELECT COUNT(*) FROM collection_loan), (SELECT COUNT(*) FROM res_partner WHERE cif IS NOT NULL),
                             (SELECT COUNT(*) FROM collection_case), (SELECT COUNT(*) FROM collection_collateral),
                             (SELECT COUNT(*) FROM collection_contact_point), (SELECT COUNT(*) FROM collection_event)""")
        figures['table_rows'] = dict(zip(('loans', 'customers', 'cases', 'collateral', 'contact_points', 'events'),
                                         cr.fetchone()))
    figures['rss_mb_peak'] = round(rss_mb())

    print(f"\nloans per second, end to end (customers + loans + collateral{' + bills' if args.bills_per_loan else ''}, "
          f"cases, DPD, events): {figures['loans_per_second']:,}")
    print(f"loans file alone: {figures['loans_file_per_second']:,} loans/s, "
          f"{figures['loans_file_vs_bare_copy']} x the bare COPY")
    print(f"full extract: {figures['full_vs_bare_copy']} x the bare COPY of the loans "
          f"({round(figures['full']['seconds'] / figures['bare_copy_indexed']['seconds'], 1)} x the indexed one)")
    print(f"same extract again: {figures['rerun']['changed_rows']} rows changed in {figures['rerun']['seconds']}s")
    if args.changed:
        print(f"incremental ({args.changed} loans): {figures['incremental']['seconds']}s, "
              f"again: {figures['incremental_rerun']['changed_rows']} rows changed")
    print(f"peak memory (RSS of this process): {figures['rss_mb_peak']} MB "
          f"(Odoo loaded: {figures['rss_mb_baseline']} MB)")
    print(f"rows in the database: {figures['table_rows']}")
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(figures, handle, indent=2, default=str)


if __name__ == '__main__':
    main()
