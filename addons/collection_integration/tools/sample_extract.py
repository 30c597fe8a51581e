"""The sample portfolio through the core-banking sync: extract files out, history on top.

The README's ``make run`` loads its sample portfolio the way a bank's data arrives every day:

1. :func:`write_sample_extracts` generates the seeded portfolio (``collection_base``'s
   generator) and writes what the source systems hold of it (customers with their phones,
   email, address and coordinates, loans, co-borrowers and guarantors, instalments, collateral)
   as extract files in the documented format, with their control totals, into the inbound
   folders of one connector per source system (created when missing): T24 for the bank's
   customers and loans, Way4 for the cards, a telco billing system and an ERP for the
   telco arrears and trade invoices.
2. The sync loads them: ``odoo-bin collection_sync``, as a scheduled run does.
3. :func:`add_sample_history` checks that every file loaded, balanced and without a reject,
   then adds what no source system holds: the collection history (actions, promises,
   payments), the assignment of the cases to the agents, verified numbers and the like.

The benchmarks keep writing the portfolio straight into the tables
(``generate_sample_portfolio``): this path is for the demo database and its tests.
"""
import os
from ast import literal_eval
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, config

from odoo.addons.collection_base.tools.sample_portfolio import SamplePortfolioGenerator

from .extract_writer import write_extract
from .sync_schema import control_spec

FILES_PARAM = 'collection_integration.sample_extract'
# code, system, name: one connector per source the sample's products come from, in load order
# (the bank's customers first). A source without a layout of its own sends T24's loan layout.
SAMPLE_CONNECTORS = (
    ('T24', 't24', "Core banking (Temenos T24)"),
    ('W4', 'way4', "Cards (OpenWay Way4)"),
    ('BSS', 'other', "Telco billing"),
    ('ERP', 'other', "Trade receivables (ERP)"),
)
GENERIC_LAYOUT = ('t24', ('ARRANGEMENT', 'BILL', 'COLLATERAL'))
SUFFIXES = {'csv': 'csv', 'json': 'jsonl', 'xml': 'xml'}
FETCH_ROWS = 5000


def default_inbound_root(env):
    """Where the sample connectors' inbound folders go: ``<data dir>/collection_inbound/<db>``."""
    return os.path.join(config['data_dir'], 'collection_inbound', env.cr.dbname)


def ensure_sample_connectors(env, root):
    """The sample's connectors, created when missing with their inbound folder under ``root``."""
    Connector = env['collection.connector'].with_context(active_test=False)
    connectors = Connector.browse()
    for sequence, (code, system, name) in enumerate(SAMPLE_CONNECTORS, start=1):
        connector = Connector.search([('code', '=', code), ('company_id', '=', env.company.id)], limit=1)
        if not connector:
            connector = Connector.create({
                'name': name, 'code': code, 'system': system, 'transport': 'files', 'sequence': 10 * sequence,
                'inbound_path': os.path.join(root, code),
            })
            if system == 'other':
                connector._load_default_mapping(layout=GENERIC_LAYOUT[0], record_types=GENERIC_LAYOUT[1])
            # the files are loaded now; the daily scheduled run comes tomorrow
            connector.next_sync = fields.Datetime.now() + timedelta(days=1)
        elif not connector.inbound_path:
            connector.inbound_path = os.path.join(root, code)
        os.makedirs(connector.inbound_path, exist_ok=True)
        connectors |= connector
    return connectors


def write_sample_extracts(env, root=None, fmt='csv', **params):
    """Generate the sample portfolio and write its source systems' extract files.

    :param root: folder of the connectors' inbound folders (default :func:`default_inbound_root`)
    :param fmt: ``csv``, ``json`` (JSON Lines) or ``xml``
    :param params: the generator's (``customers``, ``seed``, ``country``, ``today``, ...)
    :return: one dict per file written: connector code, path, record type, records, totals
    """
    generator = SamplePortfolioGenerator(env, **params)
    generator.stage_core_banking()
    connectors = ensure_sample_connectors(env, root or default_inbound_root(env))
    queries = generator.core_banking_queries()
    as_of = f"{generator.today.isoformat()}T00:00:00Z"
    written = []
    for connector in connectors:
        plans = connector._get_sync_plans()
        ordered = sorted(plans.items(), key=lambda item: (connector._plan_rank(item[1]), item[0]))
        for record_type, plan in ordered:
            # the record types that feed one target: the customers come with the bank's extract
            if isinstance(plan, list) or len(plan.targets) != 1 or plan.primary not in queries:
                continue
            if plan.primary == 'customer' and connector.system != 't24':
                continue
            name = f"{connector.code}_{len(written) + 1:02d}_{record_type}.{SUFFIXES[fmt]}"
            result = _write_file(env, connector, plan, queries[plan.primary], os.path.join(connector.inbound_path, name),
                                 fmt, as_of)
            if result:
                written.append(dict(result, connector=connector.code, record_type=record_type))
    generator.drop_staging()
    env['ir.config_parameter'].sudo().set_param(FILES_PARAM, str([
        (f['connector'], os.path.basename(f['path']), f['record_type'], f['records']) for f in written]))
    return written


def _write_file(env, connector, plan, query, path, fmt, as_of):
    """Write the rows of ``query`` that belong to ``connector`` under the columns of its mapping;
    nothing when there are none. The file appears under its name once complete."""
    target = plan.primary
    scope = SQL("TRUE") if target == 'customer' else SQL("x.source = %s", connector.code)
    cr = env.cr
    cr.execute(SQL("SELECT * FROM (%s) x WHERE %s ORDER BY x.sort", query, scope))
    first = cr.fetchmany(FETCH_ROWS)
    if not first:
        return None
    names = [description[0] for description in cr.description]
    fields_map = plan.fields[target]
    columns = [(column, names.index(field)) for field, (column, _default) in fields_map.items()
               if column and field in names]
    amount, currency = control_spec(target)
    control = None
    if amount and fields_map.get(amount, (None,))[0]:
        control = (fields_map[amount][0], fields_map[currency][0] if currency and currency in fields_map else None)

    def rows():
        batch = first
        while batch:
            for row in batch:
                yield [row[index] for _column, index in columns]
            batch = cr.fetchmany(FETCH_ROWS)

    partial = path + '.part'
    count, totals = write_extract(partial, fmt, connector.code, plan.record_type, [column for column, _i in columns],
                                  rows(), as_of=as_of, control=control)
    os.replace(partial, path)
    return {'path': path, 'records': count, 'totals': totals}


def written_sample_files(env):
    """What :func:`write_sample_extracts` wrote: (connector code, file name, record type, records)."""
    files = env['ir.config_parameter'].sudo().get_param(FILES_PARAM)
    if not files:
        raise UserError(env._(
            "No sample portfolio was written as extract files into database %(db)s.", db=env.cr.dbname))
    return literal_eval(files)


def check_sample_sync(env):
    """The last run of each sample connector, when every file written loaded: done, balanced,
    as many records as written, nothing rejected and no warning. Raises a UserError listing
    what went wrong otherwise (with the first rejected records)."""
    Connector = env['collection.connector'].with_context(active_test=False)
    problems, runs = [], env['collection.sync.run']
    by_connector = {}
    for code, name, record_type, records in written_sample_files(env):
        by_connector.setdefault(code, []).append((name, record_type, records))
    for code, files in by_connector.items():
        connector = Connector.search([('code', '=', code), ('company_id', '=', env.company.id)], limit=1)
        run = connector.last_run_id
        if not run:
            problems.append(env._("%(code)s: no sync run yet.", code=code))
            continue
        runs |= run
        batches = {batch.name: batch for batch in run.batch_ids}
        if run.state != 'done' or run.verdict != 'balanced':
            problems.append(env._(
                "%(code)s: run %(run)s ended %(state)s, reconciliation %(verdict)s, %(rejected)s rejected, "
                "%(warnings)s warnings.", code=code, run=run.name, state=run.state, verdict=run.verdict or '-',
                rejected=run.rejected_count, warnings=run.warning_count))
        for name, _record_type, records in files:
            batch = batches.get(name)
            if not batch:
                problems.append(env._("%(code)s: %(file)s was not loaded by run %(run)s.",
                                      code=code, file=name, run=run.name))
            elif (batch.state, batch.verdict, batch.record_count, batch.rejected_count, batch.warning_count) != (
                    'done', 'balanced', records, 0, 0):
                problems.append(env._(
                    "%(file)s: %(state)s, reconciliation %(verdict)s, %(count)s of %(records)s records, %(rejected)s "
                    "rejected, %(warnings)s warnings. %(message)s", file=name, state=batch.state,
                    verdict=batch.verdict or '-', count=batch.record_count, records=records,
                    rejected=batch.rejected_count, warnings=batch.warning_count, message=batch.message or ''))
        for reject in run.reject_ids[:5]:
            problems.append(env._(
                "  %(file)s line %(line)s: %(reason)s (%(column)s = %(value)s)", file=reject.batch_id.name,
                line=reject.line_no, reason=reject.reason, column=reject.column_name or '-', value=reject.value or ''))
    if problems:
        raise UserError(env._(
            "The sample portfolio's extract files did not load cleanly through the sync:\n%(problems)s\n"
            "The run log is under Collection > Integration (Sync Runs, Rejected Records).",
            problems="\n".join(problems)))
    return runs


def add_sample_history(env):
    """Check the sync of the sample's files (:func:`check_sample_sync`), then add the collection
    side on top of what it loaded. Returns the runs checked and the generator's figures."""
    runs = check_sample_sync(env)
    generator = SamplePortfolioGenerator.from_marker(env, set_passwords=False)
    stats = generator.add_history()
    stats['timings'] = generator.timings
    return runs, stats
