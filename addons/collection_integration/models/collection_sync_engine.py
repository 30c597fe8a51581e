import codecs
import csv
import io
import json
import logging
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.bulk_load import BulkLoad
from ..tools.copy_stream import CsvBodyStream, RowsAsCsv
from ..tools.extract_reader import CsvExtractReader
from ..tools.phone_batch import format_e164_many
from ..tools.sync_schema import NORMALISED_VALUES, TARGET_ORDER, TARGETS, control_spec, primary_target

_logger = logging.getLogger(__name__)

# The shapes of numbers and dates are checked without counted repetitions ({1,15}) and
# alternatives: PostgreSQL's regular expressions take many times longer with them, and a
# million rows are checked per extract. Each check guards a cast that must not fail.
DECIMAL_RE = r'^[+-]?[0-9]+(\.[0-9]+)?$'
WHOLE_RE = r'^[+-]?[0-9]+$'
E164_RE = r'^\+[1-9][0-9]{6,14}$'
EMAIL_RE = r'^[^@\s]+@[^@\s]+\.[^@\s]+$'
PHONE_SPOOL_BYTES = 16 << 20
# a batch that touches more than this share of the loans refreshes all the cases in one pass
BULK_SHARE = 0.25
# bulk-load mode (tools/bulk_load.py) when a batch adds at least as many rows as a table holds
# (BULK_GROWTH times them: a first load) and at least ``collection_integration.sync_bulk_min_rows``
# rows (0: never). The mode locks the table, and the tables its foreign keys refer to (users,
# companies, currencies, partners: every request of Odoo reads them), until the batch commits.
BULK_GROWTH = 1.0
BULK_MIN_ROWS = 20000
# records per outbox event of the sync's changes (loan.created, ...)
SYNC_EVENT_RECORDS = 1000
TARGET_TABLES = {'customer': 'res_partner', 'loan': 'collection_loan', 'party': 'collection_loan_party',
                 'due': 'collection_loan_due', 'collateral': 'collection_collateral'}
# planner settings of a batch (SET LOCAL, back to the session's at its end):
PLANNER_SETTINGS = {
    # the generated validation expressions are large: compiling them costs far more than it saves
    'jit': 'off',
    # a statement over a whole extract computes its expressions in parallel workers, which the
    # default costs (made for sending rows cheaper to compute than to pass on) rarely choose
    'parallel_setup_cost': '100',
    'parallel_tuple_cost': '0.001',
    # each worker builds its own hash tables in its own memory: a shared one lives in dynamic
    # shared memory, which a container's /dev/shm (64 MB by default) may not hold
    'enable_parallel_hash': 'off',
    # sorts and hashes over a whole extract want more than the default memory
    'work_mem': '64MB',
    # bitmap scans would take the trigram indexes for key lookups (estimated far too cheap)
    'enable_bitmapscan': 'off',
}
# a batch of less than this share of its table's rows probes the tables' indexes row by row (the
# tables are mostly in memory, an index lookup costs about a sequential read) rather than reading
# whole tables into hashes; a larger one reads them whole
SMALL_BATCH_SHARE = 0.1
SMALL_BATCH_SETTINGS = {'random_page_cost': '1.1', 'enable_hashjoin': 'off', 'enable_mergejoin': 'off'}
# the batch's work tables (_cs_raw, _cs_val_loan, ...) are UNLOGGED tables in a schema of the
# batch's own, first on the search path while the batch runs: parallel workers can read them,
# where they cannot read TEMP tables. The schema goes with the batch's savepoint on a failure.
WORK_SCHEMA = 'collection_sync_work_%s'  # the backend's pid


def is_number_sql(value):
    """SQL: ``value`` (trimmed text) is a decimal number of up to 15 digits and 6 decimals."""
    return SQL("(%(v)s ~ %(re)s AND (length(%(v)s) <= 15 OR length(split_part(ltrim(%(v)s, '+-'), '.', 1)) <= 15) "
               "AND (strpos(%(v)s, '.') = 0 OR length(%(v)s) - strpos(%(v)s, '.') <= 6))", v=value, re=DECIMAL_RE)


def is_integer_sql(value):
    """SQL: ``value`` (trimmed text) is a whole number of up to 9 digits."""
    return SQL("(%(v)s ~ %(re)s AND length(ltrim(%(v)s, '+-')) <= 9)", v=value, re=WHOLE_RE)


def is_date_sql(value):
    """SQL: ``value`` (trimmed text) is YYYY-MM-DD with a year from 1000, a month 01-12 and a
    day 01-31 (whether the day exists in its month is checked on the date built from it)."""
    return SQL("(%(v)s LIKE '____-__-__' AND translate(%(v)s, '0123456789', '') = '--' AND left(%(v)s, 1) <> '0' "
               "AND substr(%(v)s, 6, 2) BETWEEN '01' AND '12' AND substr(%(v)s, 9, 2) BETWEEN '01' AND '31')", v=value)


class _NotAsReaderReads(Exception):
    """The fast way of staging a file cannot be sure to read it as the reader would."""


class BatchRejected(Exception):
    """The batch is refused as a whole; nothing of it is applied."""

    def __init__(self, message, verdict='not_checked'):
        super().__init__(message)
        self.verdict = verdict


@dataclass
class SyncPlan:
    """What one record type loads: its targets in load order and where each field comes from."""

    record_type: str
    targets: list
    fields: dict  # target -> {field: (source column or None, default or None)}
    primary: str = None
    source_columns: list = field(default_factory=list)  # aligned with ``stage_columns``
    stage_columns: list = field(default_factory=list)  # (target, field) per staged column

    def __post_init__(self):
        self.targets = sorted(self.targets, key=TARGET_ORDER.index)
        self.primary = primary_target(self.targets)
        for target in self.targets:
            for name, (column, _default) in self.fields[target].items():
                self.stage_columns.append((target, name))
                self.source_columns.append(column)

    def is_mapped(self, target, name):
        return name in self.fields.get(target, {})

    def column_label(self, target, name):
        column, default = self.fields[target].get(name, (None, None))
        return column or TARGETS[target]['fields'][name][2]


@dataclass
class BatchContext:
    batch: object
    connector: object
    plan: SyncPlan
    extract_type: str
    company_id: int
    source_system: str
    uid: int
    now: object
    bulk: BulkLoad = None
    bulk_min_rows: int = BULK_MIN_ROWS
    stats: dict = field(default_factory=dict)
    # the last case id drawn before the batch created cases (``_create_cases``), or None
    case_mark: int = None
    # the valid loan lines that are active (``_count_stats``)
    active_lines: int = None


class CollectionSyncEngine(models.AbstractModel):
    """Loads one batch (an extract file or a SOAP enquiry) in set-based SQL.

    stage (COPY into a work table) -> reconcile with the control totals -> validate in SQL
    (every rejected row with its line and reason) -> upsert per target keyed by the source's
    ids (INSERT ... ON CONFLICT DO UPDATE ... WHERE changed, so that a re-run changes nothing)
    -> close what a full extract no longer lists -> refresh cases, DPD and buckets -> events.
    The caller runs each batch in a savepoint: a batch is applied entirely or not at all.
    """

    _name = 'collection.sync.engine'
    _description = 'Collection Sync Engine'

    # ------------------------------------------------------------------
    # entry point
    # ------------------------------------------------------------------

    @api.model
    def _load_batch(self, batch, source, plan):
        """Load ``source`` (opened, header read) into the database; return the batch figures."""
        connector = batch.connector_id
        ctx = BatchContext(
            batch=batch, connector=connector, plan=plan,
            extract_type=source.header.extract_type,
            company_id=connector.company_id.id,
            source_system=connector.code,
            uid=self.env.uid,
            now=fields.Datetime.now(),
            bulk=BulkLoad(self.env.cr),
            bulk_min_rows=int(self.env['ir.config_parameter'].sudo().get_param(
                'collection_integration.sync_bulk_min_rows', BULK_MIN_ROWS)),
        )
        self.env.flush_all()
        work = self._open_work_schema()
        settings = dict(PLANNER_SETTINGS)
        self._set_local(settings)
        durations = {}

        def step(label, method, *args):
            started = time.monotonic()
            result = method(*args)
            durations[label] = time.monotonic() - started
            return result

        step('stage', self._stage, ctx, source)
        if self._is_small(plan, source.record_count):
            # a few rows against a large table: probing the table's indexes row by row beats
            # reading whole tables into hashes, which the planner prefers from its estimates
            settings.update(SMALL_BATCH_SETTINGS)
            self._set_local(SMALL_BATCH_SETTINGS)
        verdict, summary = self._reconcile(ctx, source)
        ctx.stats.update(verdict=verdict, control_summary=summary, record_count=source.record_count)
        for target in plan.targets:
            step(f'validate {target}', self._validate, ctx, target)
            step(f'upsert {target}', getattr(self, f'_upsert_{target}'), ctx)
        step('rejects', self._record_rejects, ctx)
        step('cases and delinquency', self._refresh_loans, ctx)
        step('events', self._write_events, ctx)
        if ctx.bulk.saved:
            ctx.stats['bulk_tables'] = ", ".join(ctx.bulk.saved)
            step('indexes and foreign keys', ctx.bulk.restore)
            ctx.stats['bulk_duration'] = durations['indexes and foreign keys']
        _logger.info("%s: %d records loaded (%s)", batch.name, source.record_count,
                     ", ".join(f"{label} {seconds:.2f}s" for label, seconds in durations.items()))
        if ctx.stats.get('rejected_count') and verdict == 'balanced':
            ctx.stats['verdict'] = 'balanced_rejects'
        self._close_work_schema(work)
        self._set_local(dict.fromkeys(settings, 'DEFAULT'))
        self.env.invalidate_all()
        return ctx.stats

    def _set_local(self, settings):
        """Planner settings for the rest of the transaction (``DEFAULT``: the session's)."""
        for name, value in settings.items():
            self.env.cr.execute(SQL("SET LOCAL %s TO %s", SQL.identifier(name),
                                    SQL("DEFAULT") if value == 'DEFAULT' else value))

    def _is_small(self, plan, records):
        """Whether a batch of ``records`` records is small next to the table it loads."""
        rows = self.env.execute_query(SQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                                          TARGET_TABLES[plan.primary]))[0][0]
        return records < SMALL_BATCH_SHARE * max(rows, 1)  # -1: never analyzed

    def _open_work_schema(self):
        """Create the batch's work schema and put it first on the search path, for the rest
        of the transaction; return (the schema, the search path it replaces)."""
        cr = self.env.cr
        pid, search_path = self.env.execute_query(SQL("SELECT pg_backend_pid(), current_setting('search_path')"))[0]
        schema = SQL.identifier(WORK_SCHEMA % pid)
        cr.execute(SQL("DROP SCHEMA IF EXISTS %s CASCADE", schema))
        cr.execute(SQL("CREATE SCHEMA %s", schema))
        cr.execute(SQL("SELECT set_config('search_path', %s, TRUE)", f"{schema.code}, {search_path}"))
        return schema, search_path

    def _close_work_schema(self, work):
        """Drop the batch's work tables and give the search path back."""
        schema, search_path = work
        cr = self.env.cr
        cr.execute(SQL("SELECT set_config('search_path', %s, TRUE)", search_path))
        cr.execute(SQL("DROP SCHEMA %s CASCADE", schema))

    # ------------------------------------------------------------------
    # staging
    # ------------------------------------------------------------------

    def _stage(self, ctx, source):
        """Stream the records of ``source`` into the work table ``_cs_raw`` with COPY; the view
        ``_cs_stage`` shows them with the columns later steps read: ``line_no``, ``parse_error``
        and one text column ``<target>__<field>`` per field of the plan's targets."""
        if not self._stage_csv_file(ctx, source):
            self._stage_records(ctx, source)

    def _stage_records(self, ctx, source):
        """The records as the reader yields them, one by one (any format, any file)."""
        plan = ctx.plan
        columns = [SQL("%s text", SQL.identifier(f'{target}__{name}'))
                   for target in plan.targets for name in TARGETS[target]['fields']]
        self.env.cr.execute(SQL(
            "CREATE UNLOGGED TABLE _cs_raw (line_no integer, parse_error text, %s)", SQL(", ").join(columns)))
        self.env.cr.execute("CREATE VIEW _cs_stage AS SELECT * FROM _cs_raw")
        defaults = [plan.fields[target][name][1] for target, name in plan.stage_columns]
        failure = []

        def rows():
            # an error raised while COPY pulls the rows reaches us wrapped by psycopg2: keep it
            try:
                if any(defaults):
                    for line_no, error, values in source.records(plan.source_columns):
                        yield (line_no, error, *(value if value not in (None, '') else default
                                                 for value, default in zip(values, defaults)))
                else:
                    for line_no, error, values in source.records(plan.source_columns):
                        yield (line_no, error, *values)
            except Exception as exc:
                failure.append(exc)
                raise

        copy_columns = ', '.join(['line_no', 'parse_error'] + [f'"{t}__{n}"' for t, n in plan.stage_columns])
        try:
            self.env.cr.copy_expert(
                f"COPY _cs_raw ({copy_columns}) FROM STDIN WITH (FORMAT csv)", RowsAsCsv(rows()), size=1 << 20)
        except psycopg2.Error:
            if failure:
                raise failure[0] from None
            raise

    def _stage_csv_file(self, ctx, source):
        """The data lines of a CSV extract handed to COPY as they are, several times faster than
        reading them in Python; False (nothing staged) when PostgreSQL might read the file
        otherwise than the reader does: an encoding other than UTF-8, a record over several
        lines, quotes inside a field, a line with too few or too many fields, no trailer or data
        after it. The reader then goes through the file."""
        if not isinstance(source, CsvExtractReader) or len(source.columns) < 2 or len(source.delimiter) != 1 \
                or codecs.lookup(source.encoding).name != 'utf-8':
            return False
        cr = self.env.cr
        first_line = source.header_lines + 1
        columns = [SQL.identifier(f'c_{index}') for index in range(len(source.columns))]
        try:
            with cr.savepoint(flush=False), open(source.path, 'rb') as handle:
                for _line in range(source.header_lines):
                    handle.readline()
                cr.execute(SQL("CREATE UNLOGGED TABLE _cs_raw (line_no integer GENERATED ALWAYS AS IDENTITY (START WITH %s), %s)",
                               first_line, SQL(", ").join(SQL("%s text", column) for column in columns)))
                stream = CsvBodyStream(handle, source.delimiter)
                copy = cr.mogrify(SQL("COPY _cs_raw (%s) FROM STDIN WITH (FORMAT csv, DELIMITER %s)",
                                      SQL(", ").join(columns), source.delimiter)).decode()
                cr.copy_expert(copy, stream, size=1 << 20)
                count = cr.rowcount
                if stream.refused or stream.trailer_line is None or stream.lines != count or stream.rest.strip():
                    raise _NotAsReaderReads()
                trailer_row = next(csv.reader([stream.trailer_line.decode().strip()], delimiter=source.delimiter))
                trailer = source.parse_trailer(trailer_row, first_line + count)
        except (psycopg2.Error, UnicodeDecodeError, csv.Error, _NotAsReaderReads):
            return False
        source.record_count, source.trailer = count, trailer
        plan = ctx.plan
        positions = {name: index for index, name in reversed(list(enumerate(source.columns)))}
        defaults = any(default for fields_map in plan.fields.values() for _column, default in fields_map.values())
        values = []
        for target in plan.targets:
            for name in TARGETS[target]['fields']:
                column, default = plan.fields[target].get(name, (None, None))
                value = columns[positions[column]] if column in positions else SQL("NULL::text")
                if defaults and default:
                    value = SQL("COALESCE(NULLIF(%s, ''), %s)", value, default)
                values.append(SQL("%s AS %s", value, SQL.identifier(f'{target}__{name}')))
        cr.execute(SQL("CREATE VIEW _cs_stage AS SELECT line_no, NULL::text AS parse_error, %s FROM _cs_raw",
                       SQL(", ").join(values)))
        return True

    # ------------------------------------------------------------------
    # reconciliation
    # ------------------------------------------------------------------

    def _reconcile(self, ctx, source):
        """Check the batch against its control totals before anything is applied.

        No trailer (truncated file) or a record count that differs: the batch is refused.
        Totals: summed over the records whose control amount can be read; equal -> balanced;
        different while every amount was readable -> refused (mismatch); different while some
        lines could not be read -> loaded, verdict 'unverified' (the lines are rejected).
        """
        trailer = source.trailer
        env = self.env
        if trailer is None:
            raise BatchRejected(env._(
                "No trailer: the file is truncated or incomplete (%(count)s records read). "
                "Nothing of it was loaded; ask the source to send it again.",
                count=source.record_count), verdict='no_trailer')
        if trailer.record_count != source.record_count:
            raise BatchRejected(env._(
                "The trailer announces %(expected)s records but the batch holds %(found)s. "
                "Nothing of it was loaded.",
                expected=trailer.record_count, found=source.record_count), verdict='mismatch')
        summary = [env._("Records: %(count)s (as announced).", count=source.record_count)]
        amount_field, currency_field = control_spec(ctx.plan.primary)
        if not trailer.totals or not amount_field or not ctx.plan.is_mapped(ctx.plan.primary, amount_field):
            return 'balanced', "\n".join(summary)
        amount = SQL("NULLIF(btrim(%s), '')", SQL.identifier(f'{ctx.plan.primary}__{amount_field}'))
        if currency_field and ctx.plan.is_mapped(ctx.plan.primary, currency_field):
            currency = SQL("COALESCE(upper(NULLIF(btrim(%s), '')), '*')",
                           SQL.identifier(f'{ctx.plan.primary}__{currency_field}'))
        else:
            currency = SQL("'*'")
        required = TARGETS[ctx.plan.primary]['fields'][amount_field][1]
        # each level computed once per row (OFFSET 0 keeps them apart)
        rows = env.execute_query(SQL("""
            SELECT currency, COALESCE(SUM(CASE WHEN readable THEN amount::numeric END), 0)::text,
                   COUNT(*) FILTER (WHERE parse_error IS NOT NULL OR (amount IS NULL AND %(required)s)
                                       OR NOT readable)
              FROM (SELECT v.*, %(readable)s AS readable
                      FROM (SELECT %(currency)s AS currency, %(amount)s AS amount, parse_error FROM _cs_stage OFFSET 0) v
                    OFFSET 0) r
          GROUP BY 1
        """, currency=currency, amount=amount, readable=is_number_sql(SQL("v.amount")), required=required))
        # exact decimals (Odoo reads numeric columns as floats)
        found = {code: Decimal(total) for code, total, _unreadable in rows}
        unreadable = sum(count for _code, _total, count in rows)
        differences = []
        for code in sorted(set(found) | set(trailer.totals)):
            expected, actual = trailer.totals.get(code, 0), found.get(code, 0)
            label = code if code != '*' else env._("Total")
            summary.append(env._("%(currency)s: announced %(expected)s, found %(found)s.",
                                 currency=label, expected=expected, found=actual))
            if expected != actual:
                differences.append(label)
        if not differences:
            return 'balanced', "\n".join(summary)
        if unreadable:
            summary.append(env._(
                "%(count)s records have no readable amount; the difference cannot be verified. "
                "The readable records were loaded.", count=unreadable))
            return 'unverified', "\n".join(summary)
        raise BatchRejected("\n".join(summary + [env._(
            "The control totals do not match (%(currencies)s). Nothing of the file was loaded.",
            currencies=", ".join(differences))]), verdict='mismatch')

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------

    def _validate(self, ctx, target):
        """Build ``_cs_val_<target>``: typed values, resolved ids, and the first reason (if any)
        that rejects each row. Warnings (invalid email, country, region, and invalid phone when
        the connector loads such records, ``_rejects_invalid_phones``) drop a value only."""
        plan = ctx.plan
        spec = TARGETS[target]
        if any(kind == 'phone' for kind, _r, _l in spec['fields'].values()):
            self._validate_phones(ctx, target)
        # l0: trimmed raw values and lookups; l1: typed values (each cast guarded by its pattern,
        # computed once); l2: the reason each field would reject the row, duplicates, warnings
        level1, joins, typed_values, checks, warnings, date_tables = [], [], [], [], [], []
        for name, (kind, required, _label) in spec['fields'].items():
            stage_col = SQL("s.%s", SQL.identifier(f'{target}__{name}'))
            raw = SQL("NULLIF(btrim(%s), '')", stage_col)
            r = SQL.identifier(f'r_{name}')
            if kind == 'date':
                # a file holds few distinct dates: each is read once, in a table of its own
                lookup = SQL.identifier(f'_cs_date_{len(date_tables)}')
                date_tables.append(lookup)
                self._date_lookup(ctx, target, name, lookup)
                joins.append(SQL("LEFT JOIN %(t)s ON %(t)s.raw = %(raw)s", t=lookup, raw=raw))
                level1.append(SQL("%s.t AS %s, %s.ok AS %s", lookup, SQL.identifier(f'd_{name}'),
                                  lookup, SQL.identifier(f'ok_{name}')))
                raw = SQL("%s.r", lookup)
            level1.append(SQL("%s AS %s", raw, r))
            missing = SQL("'missing_value'") if required else SQL("NULL")
            typed, bad, warn = self._field_rules(ctx, target, name, kind, r, level1, joins)
            typed_values.append(SQL("%s AS %s", typed, SQL.identifier(name)))
            checks.append((name, SQL("CASE WHEN %s IS NULL THEN %s ELSE %s END", r, missing, bad or SQL("NULL"))))
            if warn is not None:
                warnings.append((name, warn))
        key = spec['key']
        key_text = SQL(" || '/' || ").join(SQL("COALESCE(%s, '')", SQL.identifier(f'r_{k}')) for k in key)
        key_present = SQL(" AND ").join(SQL("%s IS NOT NULL", SQL.identifier(f'r_{k}')) for k in key)
        if target == plan.primary:
            # the keys found on several lines, from the keys alone (a window over the whole rows
            # would sort them all)
            raws = [SQL("NULLIF(btrim(s.%s), '')", SQL.identifier(f'{target}__{k}')) for k in key]
            self.env.cr.execute(SQL("""
                CREATE UNLOGGED TABLE _cs_dup AS
                SELECT %s FROM _cs_stage s GROUP BY %s HAVING count(*) > 1
            """, SQL(", ").join(SQL("%s AS %s", raw, SQL.identifier(f'k{i}')) for i, raw in enumerate(raws)),
                SQL(", ").join(SQL(str(i + 1)) for i in range(len(raws)))))
            if self.env.cr.rowcount:
                self.env.cr.execute("CREATE INDEX ON _cs_dup (k0)")
                self._analyze_work('_cs_dup')
                joins.append(SQL("LEFT JOIN _cs_dup dup ON %s", SQL(" AND ").join(
                    SQL("dup.%s = %s", SQL.identifier(f'k{i}'), raw) for i, raw in enumerate(raws))))
                level1.append(SQL("dup.k0 IS NOT NULL AS is_dup"))
                duplicate = SQL("CASE WHEN %s AND is_dup THEN 'duplicate_key' END", key_present)
            else:
                duplicate = SQL("NULL::text")
        else:
            duplicate = SQL("NULL::text")
        bad = [(name, SQL("v.%s", SQL.identifier(f'bad_{name}'))) for name, _check in checks]
        reason = SQL("COALESCE(CASE WHEN v.parse_error IS NOT NULL THEN 'malformed' END, v.dup, %s)",
                     SQL(", ").join(expr for _name, expr in bad))
        reason_column = SQL("CASE WHEN v.parse_error IS NOT NULL THEN NULL WHEN v.dup IS NOT NULL THEN %s %s END",
                            ", ".join(plan.column_label(target, k) for k in key),
                            SQL(" ").join(SQL("WHEN %s IS NOT NULL THEN %s", expr, plan.column_label(target, name))
                                          for name, expr in bad))
        reason_value = SQL("CASE WHEN v.parse_error IS NOT NULL THEN v.parse_error WHEN v.dup IS NOT NULL THEN v.record_key %s END",
                           SQL(" ").join(SQL("WHEN %s IS NOT NULL THEN v.%s", expr, SQL.identifier(f'r_{name}'))
                                         for name, expr in bad))
        level2 = [SQL("%s AS %s", check, SQL.identifier(f'bad_{name}')) for name, check in checks]
        level2.append(SQL("%s AS dup", duplicate))
        level2 += [SQL("CASE WHEN %s THEN %s END AS %s", warn, plan.column_label(target, name),
                       SQL.identifier(f'warn_{name}')) for name, warn in warnings]
        # what later steps read: keys (raw), typed values, resolved ids, warnings and the reason
        keep = ['line_no', 'parse_error', 'record_key'] + [f'r_{k}' for k in key] + list(spec['fields'])
        keep += [f'r_{name}' for name, _warn in warnings] + [f'warn_{name}' for name, _warn in warnings]
        if any(kind == 'product_ref' for kind, _r, _l in spec['fields'].values()):
            keep.append('product_type')
        parts = dict(
            table=SQL.identifier(f'_cs_val_{target}'),
            keep=SQL(", ").join(SQL("v.%s", SQL.identifier(column)) for column in dict.fromkeys(keep)),
            reason=reason, reason_column=reason_column, reason_value=reason_value,
            typed=SQL(", ").join(typed_values),
            level2=SQL(", ").join(level2),
            level1=SQL(", ").join(level1),
            joins=SQL(" ").join(joins),
            participates=self._participates(ctx, target),
            key_text=key_text,
        )
        # OFFSET 0 keeps each level a separate step: its expressions are computed once per row,
        # not again wherever the level above refers to them
        self.env.cr.execute(SQL("""
            CREATE UNLOGGED TABLE %(table)s AS
            SELECT %(keep)s, %(reason)s AS reason, %(reason_column)s AS reason_column,
                   %(reason_value)s AS reason_value, NULL::text AS detail
              FROM (
                SELECT l1.*, %(level2)s
                  FROM (
                    SELECT l0.*, %(key_text)s AS record_key, %(typed)s
                      FROM (
                        SELECT s.line_no, s.parse_error, %(level1)s
                          FROM _cs_stage s
                          %(joins)s
                         WHERE %(participates)s
                        OFFSET 0
                      ) l0
                    OFFSET 0
                  ) l1
                OFFSET 0
              ) v
        """, **parts))
        self._analyze_work(f'_cs_val_{target}')
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL(", ").join([SQL.identifier('_cs_dup')] + date_tables)))

    def _date_lookup(self, ctx, target, name, table):
        """``table``: the distinct values of a date field (``raw``, trimmed), the date they are
        read as (``r``: YYYYMMDD becomes YYYY-MM-DD), the date built from it (``t``) and
        whether it is a real calendar day (``ok``)."""
        self.env.cr.execute(SQL("""
            CREATE UNLOGGED TABLE %(table)s AS
            SELECT n.raw, n.r, x.t,
                   x.t IS NOT NULL AND date_part('day', x.t) = substr(n.r, 9, 2)::integer AS ok
              FROM (SELECT d.raw,
                           CASE WHEN length(d.raw) = 8 AND translate(d.raw, '0123456789', '') = ''
                                THEN substr(d.raw, 1, 4) || '-' || substr(d.raw, 5, 2) || '-' || substr(d.raw, 7, 2)
                                ELSE d.raw END AS r
                      FROM (SELECT DISTINCT NULLIF(btrim(s.%(column)s), '') AS raw FROM _cs_stage s
                             WHERE %(participates)s) d
                     WHERE d.raw IS NOT NULL
                    OFFSET 0) n
              -- built from its parts, so that 2025-02-30 does not raise but is no real day
              CROSS JOIN LATERAL (SELECT CASE WHEN %(shape)s THEN (substr(n.r, 1, 8) || '01')::date
                                                              + (substr(n.r, 9, 2)::integer - 1) END AS t) x
        """, table=table, column=SQL.identifier(f'{target}__{name}'), participates=self._participates(ctx, target),
            shape=is_date_sql(SQL("n.r"))))
        self.env.cr.execute(SQL("CREATE UNIQUE INDEX ON %s (raw)", table))
        self._analyze_work(table.code.strip('"'))

    def _participates(self, ctx, target):
        """Rows a secondary target takes part in: the primary target reports malformed rows."""
        if target == ctx.plan.primary:
            return SQL("TRUE")
        return SQL("s.parse_error IS NULL")

    def _field_rules(self, ctx, target, name, kind, r, level1, joins):
        """(typed value on the raw alias ``r``, reason when invalid and warning condition, both
        on the typed column) of one field. May add level-0 columns and joins for lookups."""
        alias = f'{target}_{name}'
        typed_col = SQL.identifier(name)
        if kind == 'char':
            return r, None, None
        if kind == 'int':
            return (SQL("CASE WHEN %s THEN %s::integer END", is_integer_sql(r), r),
                    SQL("CASE WHEN %s IS NULL THEN 'bad_number' END", typed_col), None)
        if kind in ('amount', 'number'):
            typed = SQL("CASE WHEN %s THEN %s::numeric END", is_number_sql(r), r)
            if kind == 'amount':
                bad = SQL("CASE WHEN %(t)s IS NULL THEN 'bad_number' WHEN %(t)s < 0 THEN 'negative_amount' END",
                          t=typed_col)
            else:
                bad = SQL("CASE WHEN %s IS NULL THEN 'bad_number' END", typed_col)
            return typed, bad, None
        if kind == 'date':
            # read in _date_lookup
            return (SQL.identifier(f'd_{name}'),
                    SQL("CASE WHEN NOT %s THEN 'bad_date' END", SQL.identifier(f'ok_{name}')), None)
        if kind in ('bool', 'loan_state', 'collateral_type', 'party_role'):
            mapping = json.dumps(NORMALISED_VALUES[kind])
            lookup = SQL("(%s::jsonb ->> lower(replace(%s, ' ', '_')))", mapping, r)
            unknown = SQL("CASE WHEN %s IS NULL THEN 'unknown_value' END", typed_col)
            if kind == 'bool':
                return SQL("%s::boolean", lookup), unknown, None
            if kind == 'loan_state':
                return SQL("CASE WHEN %s IS NULL THEN 'active' ELSE %s END", r, lookup), unknown, None
            if kind == 'party_role':
                return lookup, unknown, None
            return SQL("COALESCE(%s, 'other')", lookup), None, None
        if kind == 'email':
            return (SQL("CASE WHEN %s ~ %s THEN %s END", r, EMAIL_RE, r), None,
                    SQL("%s IS NOT NULL AND %s IS NULL", r, typed_col))
        if kind == 'country':
            level1.append(SQL("%s.id AS %s", SQL.identifier(alias), SQL.identifier(f'{name}_id')))
            joins.append(SQL("LEFT JOIN res_country %s ON %s.code = upper(NULLIF(btrim(s.%s), ''))",
                             SQL.identifier(alias), SQL.identifier(alias), SQL.identifier(f'{target}__{name}')))
            return (SQL.identifier(f'{name}_id'), None,
                    SQL("%s IS NOT NULL AND %s IS NULL", r, SQL.identifier(f'{name}_id')))
        if kind == 'state':
            # a code of the record's country (the country field's join, made before), else of the
            # connector's default country
            country = SQL("COALESCE(%s.id, %s)", SQL.identifier(f'{target}_country'),
                          ctx.connector.default_country_id.id or ctx.connector.company_id.country_id.id or None)
            level1.append(SQL("%s.id AS %s", SQL.identifier(alias), SQL.identifier(f'{name}_id')))
            joins.append(SQL("LEFT JOIN res_country_state %s ON %s.code = NULLIF(btrim(s.%s), '') AND %s.country_id = %s",
                             SQL.identifier(alias), SQL.identifier(alias), SQL.identifier(f'{target}__{name}'),
                             SQL.identifier(alias), country))
            return (SQL.identifier(f'{name}_id'), None,
                    SQL("%s IS NOT NULL AND %s IS NULL", r, SQL.identifier(f'{name}_id')))
        if kind == 'phone':
            stage_col = SQL("s.%s", SQL.identifier(f'{target}__{name}'))
            level1.append(SQL("CASE WHEN NULLIF(btrim(%s), '') IS NULL THEN NULL WHEN %s.raw IS NULL "
                              "THEN NULLIF(btrim(%s), '') ELSE %s.e164 END AS %s",
                              stage_col, SQL.identifier(alias), stage_col, SQL.identifier(alias),
                              SQL.identifier(f'{name}_e164')))
            joins.append(SQL("LEFT JOIN _cs_phone %s ON %s.raw = NULLIF(btrim(%s), '') AND %s.cc = %s",
                             SQL.identifier(alias), SQL.identifier(alias), stage_col, SQL.identifier(alias),
                             self._country_code_sql(ctx, target)))
            if self._rejects_invalid_phones(ctx):
                # checked only where the number is given (the CASE around the checks, _validate)
                return (SQL.identifier(f'{name}_e164'),
                        SQL("CASE WHEN %s IS NULL THEN 'invalid_phone' END", typed_col), None)
            return (SQL.identifier(f'{name}_e164'), None,
                    SQL("%s IS NOT NULL AND %s IS NULL", r, SQL.identifier(f'{name}_e164')))
        if kind == 'currency':
            level1.append(SQL("%s.id AS currency_id", SQL.identifier(alias)))
            joins.append(SQL("LEFT JOIN res_currency %s ON %s.name = upper(NULLIF(btrim(s.%s), '')) AND %s.active",
                             SQL.identifier(alias), SQL.identifier(alias), SQL.identifier(f'{target}__{name}'),
                             SQL.identifier(alias)))
            return (SQL("currency_id"), SQL("CASE WHEN currency_id IS NULL THEN 'unknown_currency' END"), None)
        if kind == 'customer_ref':
            level1.append(SQL("%s.id AS partner_id", SQL.identifier(alias)))
            # "cif IS NOT NULL" lets the lookup use the unique index on (cif, company_id), which is
            # partial (the trigram index the planner would take instead is many times slower)
            joins.append(SQL("LEFT JOIN res_partner %(a)s ON %(a)s.cif = NULLIF(btrim(s.%(col)s), '') "
                             "AND %(a)s.cif IS NOT NULL AND %(a)s.company_id = %(company)s",
                             a=SQL.identifier(alias), col=SQL.identifier(f'{target}__{name}'), company=ctx.company_id))
            return (SQL("partner_id"), SQL("CASE WHEN partner_id IS NULL THEN 'unknown_customer' END"), None)
        if kind == 'loan_ref':
            level1.append(SQL("%s.id AS loan_id", SQL.identifier(alias)))
            joins.append(SQL("""LEFT JOIN collection_loan %s ON %s.name = NULLIF(btrim(s.%s), '')
                                  AND %s.source_system = %s AND %s.company_id = %s""",
                             SQL.identifier(alias), SQL.identifier(alias), SQL.identifier(f'{target}__{name}'),
                             SQL.identifier(alias), ctx.source_system, SQL.identifier(alias), ctx.company_id))
            return (SQL("loan_id"), SQL("CASE WHEN loan_id IS NULL THEN 'unknown_loan' END"), None)
        if kind == 'product_ref':
            level1.append(SQL("%s.id AS product_id, %s.product_type AS product_type",
                              SQL.identifier(alias), SQL.identifier(alias)))
            joins.append(SQL("""LEFT JOIN (SELECT DISTINCT ON (code) code, id, product_type
                                             FROM collection_product
                                            WHERE active AND (company_id = %s OR company_id IS NULL)
                                         ORDER BY code, company_id NULLS LAST) %s
                                       ON %s.code = NULLIF(btrim(s.%s), '')""",
                             ctx.company_id, SQL.identifier(alias), SQL.identifier(alias),
                             SQL.identifier(f'{target}__{name}')))
            return (SQL("product_id"), SQL("CASE WHEN product_id IS NULL THEN 'unknown_product' END"), None)
        raise ValueError(f"unknown field kind {kind}")

    @staticmethod
    def _rejects_invalid_phones(ctx):
        """Whether a phone number that is given but invalid rejects its record (reason
        ``invalid_phone``), as the connector's ``invalid_phone_policy`` says; otherwise the record
        loads without the number, with a warning."""
        return ctx.connector.invalid_phone_policy == 'reject'

    def _country_code_sql(self, ctx, target):
        """Country used to read national phone numbers: the record's, else the connector's."""
        default = ctx.connector.default_country_id.code or ctx.connector.company_id.country_id.code or ''
        if ctx.plan.is_mapped(target, 'country'):
            return SQL("COALESCE(upper(NULLIF(btrim(s.%s), '')), %s)", SQL.identifier(f'{target}__country'), default)
        return SQL("%s", default)

    def _validate_phones(self, ctx, target):
        """Fill ``_cs_phone`` (raw, country, E.164 or NULL) for the phone numbers of the batch.

        Numbers the customer already has as a bank contact point in E.164 are known to be
        valid and skipped; the others come out of PostgreSQL (COPY TO) and stream through
        phonenumbers, in worker processes when they are many (``format_e164_many``), and back
        in (COPY FROM).
        """
        cr = self.env.cr
        cr.execute("CREATE UNLOGGED TABLE _cs_phone (raw text, cc text, e164 text)")
        phone_fields = [name for name, (kind, _r, _l) in TARGETS[target]['fields'].items()
                        if kind == 'phone' and ctx.plan.is_mapped(target, name)]
        if not phone_fields:
            return
        cc = self._country_code_sql(ctx, target)
        candidates = SQL(" UNION ").join(SQL("""
            SELECT NULLIF(btrim(s.%(col)s), '') AS raw, %(cc)s AS cc, NULLIF(btrim(s.%(cif)s), '') AS cif
              FROM _cs_stage s WHERE NULLIF(btrim(s.%(col)s), '') IS NOT NULL AND s.parse_error IS NULL
        """, col=SQL.identifier(f'{target}__{name}'), cc=cc, cif=SQL.identifier(f'{target}__cif')) for name in phone_fields)
        # the contact point first: a hash probe, which on a first load finds nothing and so
        # spares the regular expression
        query = SQL("""
            SELECT DISTINCT c.raw, c.cc FROM (%(candidates)s) c
             WHERE NOT (EXISTS (
                   SELECT 1 FROM res_partner p
                     JOIN collection_contact_point cp ON cp.partner_id = p.id
                    WHERE p.cif = c.cif AND p.cif IS NOT NULL AND p.company_id = %(company)s AND cp.active
                      AND cp.kind IN ('mobile', 'phone') AND cp.value = c.raw) AND c.raw ~ %(e164)s)
        """, candidates=candidates, e164=E164_RE, company=ctx.company_id)
        # COPY FROM cannot start on the connection before COPY TO ends: the numbers go through
        # a spooled file that stays in memory up to a few MB and spills to disk beyond; the
        # results stream back as they are formatted
        with tempfile.SpooledTemporaryFile(max_size=PHONE_SPOOL_BYTES) as spool:
            cr.copy_expert(f"COPY ({cr.mogrify(query.code, query.params).decode()}) TO STDOUT WITH (FORMAT csv)", spool)
            spool.seek(0)
            numbers = csv.reader(io.TextIOWrapper(spool, encoding='utf-8', newline=''))
            with closing(format_e164_many(numbers)) as formatted:  # stops the workers on error
                results = RowsAsCsv(formatted)
                cr.copy_expert("COPY _cs_phone (raw, cc, e164) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (cc))",
                               results, size=1 << 20)
        ctx.stats['phones_checked'] = results.row_count
        cr.execute("CREATE INDEX ON _cs_phone (raw, cc)")
        self._analyze_work('_cs_phone')

    # ------------------------------------------------------------------
    # rejects
    # ------------------------------------------------------------------

    def _record_rejects(self, ctx):
        """Copy every rejected row and every warning into the run log, set-based."""
        cr = self.env.cr
        batch = ctx.batch
        total_rejected_lines = 0
        for target in ctx.plan.targets:
            table = SQL.identifier(f'_cs_val_{target}')
            cr.execute(SQL("""
                UPDATE %(table)s v SET detail = d.lines
                  FROM (SELECT record_key, string_agg(line_no::text, ', ' ORDER BY line_no) AS lines
                          FROM %(table)s WHERE reason = 'duplicate_key' GROUP BY record_key) d
                 WHERE v.reason = 'duplicate_key' AND v.record_key = d.record_key
            """, table=table))
            cr.execute(SQL("""
                INSERT INTO collection_sync_reject (run_id, batch_id, company_id, line_no, target, record_key,
                                                   reason, severity, column_name, value, detail,
                                                   create_uid, create_date, write_uid, write_date)
                SELECT %(run)s, %(batch)s, %(company)s, v.line_no, %(target)s, NULLIF(v.record_key, ''),
                       v.reason, 'error', v.reason_column, left(v.reason_value, 500), v.detail,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM %(table)s v
                 WHERE v.reason IS NOT NULL
            """, run=batch.run_id.id, batch=batch.id, company=ctx.company_id, target=target,
                table=table, uid=ctx.uid, now=ctx.now))
            # the fields whose invalid values were dropped (_field_rules gave them a warning)
            warn_kinds = ('email', 'country', 'state') if self._rejects_invalid_phones(ctx) \
                else ('phone', 'email', 'country', 'state')
            warn_fields = [name for name, (kind, _r, _l) in TARGETS[target]['fields'].items() if kind in warn_kinds]
            reasons = {'phone': 'invalid_phone', 'email': 'invalid_email', 'country': 'unknown_country',
                       'state': 'unknown_state'}
            for name in warn_fields:
                kind = TARGETS[target]['fields'][name][0]
                cr.execute(SQL("""
                    INSERT INTO collection_sync_reject (run_id, batch_id, company_id, line_no, target, record_key,
                                                       reason, severity, column_name, value,
                                                       create_uid, create_date, write_uid, write_date)
                    SELECT %(run)s, %(batch)s, %(company)s, v.line_no, %(target)s, NULLIF(v.record_key, ''),
                           %(reason)s, 'warning', v.%(warn)s, left(v.%(raw)s, 500),
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM %(table)s v
                     WHERE v.reason IS NULL AND v.%(warn)s IS NOT NULL
                """, run=batch.run_id.id, batch=batch.id, company=ctx.company_id, target=target,
                    reason=reasons[kind], warn=SQL.identifier(f'warn_{name}'), raw=SQL.identifier(f'r_{name}'),
                    table=table, uid=ctx.uid, now=ctx.now))
        counts = self.env.execute_query(SQL("""
            SELECT COUNT(DISTINCT line_no) FILTER (WHERE severity = 'error'),
                   COUNT(*) FILTER (WHERE severity = 'warning')
              FROM collection_sync_reject WHERE batch_id = %s
        """, batch.id))
        total_rejected_lines, warnings = counts[0]
        ctx.stats.update(rejected_count=total_rejected_lines, warning_count=warnings)
        self.env['collection.sync.reject'].invalidate_model()

    # ------------------------------------------------------------------
    # upserts
    # ------------------------------------------------------------------

    def _valid_rows(self, target, ctx):
        """The valid rows of a target, one per key (the last line wins for secondary targets)."""
        table = SQL.identifier(f'_cs_val_{target}')
        if target == ctx.plan.primary:
            return SQL("SELECT * FROM %s WHERE reason IS NULL", table)
        return SQL("SELECT DISTINCT ON (record_key) * FROM %s WHERE reason IS NULL ORDER BY record_key, line_no DESC",
                   table)

    def _orm_defaults(self, model_name, exclude):
        """(column, value) of the ORM defaults of the stored plain fields not in ``exclude``,
        so that raw inserts give new rows what ``create()`` would."""
        model = self.env[model_name]
        names = [name for name, fld in model._fields.items()
                 if fld.store and fld.column_type and not fld.compute and not fld.related
                 and name not in exclude and name not in models.MAGIC_COLUMNS and name != 'id'
                 and fld.type in ('boolean', 'integer', 'float', 'monetary', 'char', 'selection', 'date',
                                  'datetime', 'many2one')]
        defaults = model.default_get(names)
        return [(name, model._fields[name].convert_to_column(value, model))
                for name, value in defaults.items() if value not in (None, False) or model._fields[name].type == 'boolean']

    @staticmethod
    def _insert_parts(columns):
        """(column list, select list) for an INSERT ... SELECT built from (column, SQL) pairs."""
        return (SQL(", ").join(SQL.identifier(col) for col, _expr in columns),
                SQL(", ").join(SQL("%s", expr) for _col, expr in columns))

    @staticmethod
    def _changed(columns, table_alias='t'):
        """The WHERE of ON CONFLICT DO UPDATE: only rows whose values differ."""
        return SQL("(%s) IS DISTINCT FROM (%s)",
                   SQL(", ").join(SQL("%s.%s", SQL.identifier(table_alias), SQL.identifier(c)) for c in columns),
                   SQL(", ").join(SQL("EXCLUDED.%s", SQL.identifier(c)) for c in columns))

    def _upsert(self, ctx, target, table, conflict, match, insert_columns, update_columns, source_query,
                on_source=None, ref=None, case=None):
        """Write the rows of ``source_query`` into ``table``: the new ones inserted, the existing
        ones whose values differ updated; the rows written go to ``_cs_chg_<target>`` (``id``,
        ``inserted``, and ``ref`` and ``case_id``, their values of the columns ``ref`` and
        ``case`` of the table when given, for the steps after: events, case totals).

        ``match`` (on aliases ``e``, the table, and ``s0``, the source rows) finds the existing
        row, decided in the work table ``_cs_src`` before anything is written: only new rows
        draw from the id sequence, unchanged rows are not touched at all (not even locked), and
        existing rows are updated by id. New rows are inserted with ON CONFLICT (``conflict``)
        for a row another transaction added meanwhile, or, in the bulk-load mode (where the
        table is locked), plainly: ON CONFLICT doubles the cost of an insert. ``on_source`` is
        called once ``_cs_src`` holds the source rows (``s0.*``), their new id (``new_id``) and
        the existing row's id and values (``existing_id``, ``e__<column>``).
        """
        env = self.env
        audit = [('create_uid', SQL("%s", ctx.uid)), ('create_date', SQL("%s", ctx.now)),
                 ('write_uid', SQL("%s", ctx.uid)), ('write_date', SQL("%s", ctx.now))]
        columns, select = self._insert_parts([('id', SQL("src.new_id"))] + insert_columns + audit)
        expressions = dict(insert_columns)
        chg = SQL.identifier(f'_cs_chg_{target}')
        table_sql = SQL.identifier(table)
        env.cr.execute(SQL("CREATE UNLOGGED TABLE %s (id integer, inserted boolean, ref text, case_id integer)", chg))
        kept = [SQL("t.%s", SQL.identifier(ref)) if ref else SQL("NULL::text"),
                SQL("t.%s", SQL.identifier(case)) if case else SQL("NULL::integer")]
        kept_src = [expressions[ref] if ref else SQL("NULL::text"), expressions[case] if case else SQL("NULL::integer")]
        # the rows with their existing counterpart, in a work table of their own: a statement
        # that inserts into a table must not also scan it (with the statistics of a table that
        # was empty, that scan is repeated for every row, over the pages being written)
        env.cr.execute("DROP TABLE IF EXISTS _cs_src")
        env.cr.execute(SQL("""
            CREATE UNLOGGED TABLE _cs_src AS
            SELECT COALESCE(e.id, nextval(%(sequence)s)) AS new_id, e.id AS existing_id, %(existing)s, s0.*
              FROM (%(source)s) s0
         LEFT JOIN %(table)s e ON %(match)s
        """, table=table_sql, source=source_query, sequence=f'{table}_id_seq', match=match,
            existing=SQL(", ").join(SQL("e.%s AS %s", SQL.identifier(c), SQL.identifier(f'e__{c}')) for c in update_columns)))
        candidates = env.cr.rowcount
        self._analyze_work('_cs_src')
        if on_source:
            on_source()
        old = SQL(", ").join(SQL("src.%s", SQL.identifier(f'e__{c}')) for c in update_columns)
        new = SQL(", ").join(expressions[c] for c in update_columns)
        new_rows, changed_rows = env.execute_query(SQL("""
            SELECT COUNT(*) FILTER (WHERE src.existing_id IS NULL),
                   COUNT(*) FILTER (WHERE src.existing_id IS NOT NULL AND (%s) IS DISTINCT FROM (%s))
              FROM _cs_src src
        """, old, new))[0]
        bulk = self._may_bulk(ctx, table, candidates) and self._bulk_mode(ctx, table, new_rows)
        if new_rows and bulk:
            # the table is the batch's alone from here on: a row another transaction added
            # since _cs_src was built is taken as existing (and updated below)
            env.cr.execute(SQL("""
                UPDATE _cs_src s0 SET existing_id = e.id, new_id = e.id, %(existing)s
                  FROM %(table)s e WHERE s0.existing_id IS NULL AND %(match)s
            """, table=table_sql, match=match, existing=SQL(", ").join(
                SQL("%s = e.%s", SQL.identifier(f'e__{c}'), SQL.identifier(c)) for c in update_columns)))
            changed_rows += env.cr.rowcount
            env.cr.execute(SQL("INSERT INTO %s (%s) SELECT %s FROM _cs_src src WHERE src.existing_id IS NULL",
                               table_sql, columns, select))
            env.cr.execute(SQL("INSERT INTO %s SELECT src.new_id, TRUE, %s FROM _cs_src src WHERE src.existing_id IS NULL",
                               chg, SQL(", ").join(kept_src)))
        elif new_rows:
            env.cr.execute(SQL("""
                WITH up AS (
                    INSERT INTO %(table)s AS t (%(columns)s)
                    SELECT %(select)s FROM _cs_src src WHERE src.existing_id IS NULL
                    ON CONFLICT %(conflict)s DO UPDATE
                       SET %(set)s, write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                     WHERE %(changed)s
                    RETURNING t.id, t.xmax = 0 AS inserted, %(kept)s
                )
                INSERT INTO %(chg)s SELECT * FROM up
            """, table=table_sql, columns=columns, select=select, conflict=conflict,
                kept=SQL(", ").join(kept),
                set=SQL(", ").join(SQL("%s = EXCLUDED.%s", SQL.identifier(c), SQL.identifier(c)) for c in update_columns),
                changed=self._changed(update_columns), chg=chg))
        if changed_rows:
            self._update_changed(ctx, table_sql, chg, old, new, update_columns, expressions, kept)
        env.cr.execute("DROP TABLE _cs_src")
        self._analyze_work(f'_cs_chg_{target}')
        inserted, updated = env.execute_query(SQL(
            "SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM %s", chg))[0]
        self._analyze_if_grown(table, inserted)
        return inserted, updated

    def _update_changed(self, ctx, table_sql, chg, old, new, update_columns, expressions, kept):
        """Update the existing rows of ``_cs_src`` whose values differ, by id (see ``_upsert``)."""
        self.env.cr.execute(SQL("""
            WITH up AS (
                UPDATE %(table)s t SET %(set)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM _cs_src src
                 WHERE t.id = src.existing_id AND (%(old)s) IS DISTINCT FROM (%(new)s)
                   AND (%(current)s) IS DISTINCT FROM (%(new)s)
             RETURNING t.id, FALSE, %(kept)s
            )
            INSERT INTO %(chg)s SELECT * FROM up
        """, table=table_sql, old=old, new=new, uid=ctx.uid, now=ctx.now, chg=chg,
            kept=SQL(", ").join(kept),
            current=SQL(", ").join(SQL("t.%s", SQL.identifier(c)) for c in update_columns),
            set=SQL(", ").join(SQL("%s = %s", SQL.identifier(c), expressions[c]) for c in update_columns)))

    def _may_bulk(self, ctx, table, rows):
        """Whether adding up to ``rows`` rows to ``table`` could call for the bulk-load mode."""
        if table in ctx.bulk:
            return False
        return bool(ctx.bulk_min_rows) and rows >= ctx.bulk_min_rows

    def _bulk_mode(self, ctx, table, rows):
        """Load ``table`` in bulk-load mode (``tools/bulk_load.py``) when the batch adds ``rows``
        rows to it, at least ``BULK_GROWTH`` times what it holds (a first load); return whether it
        is. Updates never call for it: a daily extract that changes most loans keeps the tables,
        and those they refer to, open to Odoo's other requests."""
        if table in ctx.bulk:
            return True
        if not self._may_bulk(ctx, table, rows):
            return False
        # the planner's estimate, or a count for a table never analyzed
        size = self.env.execute_query(SQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", table))[0][0]
        if size < 0:
            size = self.env.execute_query(SQL("SELECT COUNT(*) FROM %s", SQL.identifier(table)))[0][0]
        if rows < BULK_GROWTH * size:
            return False
        if not ctx.bulk.suspend(table):
            _logger.info("%s is in use: loaded without the bulk-load mode", table)
            return False
        return True

    def _analyze_work(self, table):
        """Row counts and null fractions of a work table for the planner; a small sample is enough."""
        cr = self.env.cr
        cr.execute("SET LOCAL default_statistics_target = 10")
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        cr.execute("SET LOCAL default_statistics_target TO DEFAULT")

    def _analyze_if_grown(self, table, inserted):
        """Refresh the planner's statistics of a table the batch grew a lot (a first load): the
        statements that follow in the same transaction would otherwise be planned for the
        nearly empty table it was, e.g. with nested loops over a million rows."""
        if inserted < 1000:
            return
        known = self.env.execute_query(SQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", table))[0][0]
        if inserted > max(known, 0) * 0.2:
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _count_stats(self, ctx, target, inserted, updated):
        """The batch figures of ``target``; for loans, also how many valid lines are active
        (``ctx.active_lines``, see ``_close_missing_loans``)."""
        active = SQL("COUNT(*) FILTER (WHERE v.state = 'active')") if target == 'loan' else SQL("NULL")
        valid, active_lines = self.env.execute_query(SQL("SELECT COUNT(*), %s FROM (%s) v",
                                                         active, self._valid_rows(target, ctx)))[0]
        if target == 'loan':
            ctx.active_lines = active_lines
        stats = ctx.stats.setdefault('targets', {})
        stats[target] = {'valid': valid, 'inserted': inserted, 'updated': updated,
                         'unchanged': valid - inserted - updated}
        if target == ctx.plan.primary:
            ctx.stats.update(inserted_count=inserted, updated_count=updated, unchanged_count=valid - inserted - updated)

    def _upsert_customer(self, ctx):
        plan = ctx.plan
        mapped = lambda name: plan.is_mapped('customer', name)  # noqa: E731
        phone = SQL("COALESCE(%s)", SQL(", ").join(
            [SQL("src.%s", SQL.identifier(n)) for n in ('mobile', 'phone') if mapped(n)] or [SQL("NULL::text")]))
        owned = []  # (column, expression, mapped)
        owned.append(('name', SQL("src.name"), True))
        owned.append(('complete_name', SQL("src.name"), True))
        if mapped('is_company'):
            owned.append(('is_company', SQL("COALESCE(src.is_company, FALSE)"), True))
            owned.append(('commercial_company_name', SQL("CASE WHEN src.is_company THEN src.name END"), True))
        for name in ('national_id', 'street', 'street2', 'city', 'zip'):
            if mapped(name):
                owned.append((name, SQL("src.%s", SQL.identifier(name)), True))
        if mapped('email'):
            owned.append(('email', SQL("src.email"), True))
            owned.append(('email_normalized', SQL("lower(src.email)"), True))
        if mapped('mobile') or mapped('phone'):
            owned.append(('phone', phone, True))
            owned.append(('phone_sanitized', phone, True))
        if mapped('country'):
            owned.append(('country_id', SQL("src.country"), True))
        if mapped('state'):
            owned.append(('state_id', SQL("src.state"), True))
        for name in ('latitude', 'longitude'):
            if mapped(name):
                owned.append((f'partner_{name}', SQL("src.%s", SQL.identifier(name)), True))
        fixed = [('cif', SQL("src.cif")), ('company_id', SQL("%s", ctx.company_id)),
                 ('commercial_partner_id', SQL("src.new_id")),
                 ('partner_share', SQL("TRUE")), ('type', SQL("'contact'")), ('active', SQL("TRUE")),
                 ('lang', SQL("%s", self.env.lang or 'en_US')),
                 ('is_company', SQL("FALSE"))]
        insert_columns = [(col, expr) for col, expr, _m in owned]
        taken = {col for col, _e in insert_columns}
        insert_columns += [(col, expr) for col, expr in fixed if col not in taken]
        taken = {col for col, _e in insert_columns}
        insert_columns += [(col, SQL("%s", value)) for col, value in
                           self._orm_defaults('res.partner', taken | {'commercial_partner_id'})]
        inserted, updated = self._upsert(
            ctx, 'customer', 'res_partner', SQL("(cif, company_id) WHERE cif IS NOT NULL"),
            SQL("e.cif = s0.cif AND e.cif IS NOT NULL AND e.company_id = %s", ctx.company_id),
            insert_columns, [col for col, _e, _m in owned], self._valid_rows('customer', ctx), ref='cif')
        self.env['res.partner'].invalidate_model()
        self._count_stats(ctx, 'customer', inserted, updated)
        self._upsert_contact_points(ctx)

    def _upsert_contact_points(self, ctx):
        """The bank's phones, email and address become contact points (source 'bank');
        bank points the customer no longer has are marked 'no longer valid'."""
        plan = ctx.plan
        parts = []
        for kind, value, e164 in (('mobile', 'src.mobile', 'src.mobile'), ('phone', 'src.phone', 'src.phone'),
                                  ('email', 'src.email', 'NULL')):
            if plan.is_mapped('customer', kind):
                parts.append(SQL(f"(%s, {value}, {e164})", kind))
        address_fields = [n for n in ('street', 'street2', 'zip', 'city') if plan.is_mapped('customer', n)]
        if address_fields:
            parts.append(SQL("('address', NULLIF(concat_ws(', ', src.street, src.street2, "
                             "NULLIF(concat_ws(' ', src.zip, src.city), '')), ''), NULL)"
                             if plan.is_mapped('customer', 'street') else
                             "('address', NULLIF(concat_ws(' ', src.zip, src.city), ''), NULL)"))
        if not parts:
            return
        kinds = tuple(sorted({'mobile', 'phone', 'email', 'address'} & (
            {k for k in ('mobile', 'phone', 'email') if plan.is_mapped('customer', k)} | ({'address'} if address_fields else set()))))
        cr = self.env.cr
        optional = lambda name, kind='text': (  # noqa: E731
            SQL("src.%s", SQL.identifier(name)) if plan.is_mapped('customer', name) else SQL(f"NULL::{kind}"))
        # what exists already is decided here, before the INSERT (which must not scan the table it fills)
        cr.execute(SQL("""
            CREATE UNLOGGED TABLE _cs_points AS
            SELECT q.*, CASE WHEN q.is_new THEN nextval('collection_contact_point_id_seq') END AS id
              FROM (
            SELECT pt.*,
                   NOT EXISTS (SELECT 1 FROM collection_contact_point x
                                WHERE x.partner_id = pt.partner_id AND x.kind = pt.kind
                                  AND x.value = pt.value AND x.active) AS is_new,
                   pt.kind = 'mobile' AND NOT EXISTS (
                       SELECT 1 FROM collection_contact_point x
                        WHERE x.partner_id = pt.partner_id AND x.is_primary AND x.active) AS make_primary
              FROM (SELECT p.id AS partner_id, k.kind, k.value, k.e164,
                           %(country)s AS country_id, %(street)s AS street, %(city)s AS city, %(zip)s AS zip,
                           %(latitude)s AS latitude, %(longitude)s AS longitude
                      FROM (%(valid)s) src
                      JOIN res_partner p ON p.cif = src.cif AND p.cif IS NOT NULL AND p.company_id = %(company)s
                      CROSS JOIN LATERAL (VALUES %(parts)s) k(kind, value, e164)
                     WHERE k.value IS NOT NULL) pt
            OFFSET 0) q
        """, country=SQL("COALESCE(src.country, %s)", ctx.connector.default_country_id.id or None)
            if plan.is_mapped('customer', 'country') else SQL("%s::integer", ctx.connector.default_country_id.id or None),
            street=optional('street'), city=optional('city'), zip=optional('zip'),
            latitude=optional('latitude', 'numeric'), longitude=optional('longitude', 'numeric'),
            valid=self._valid_rows('customer', ctx), company=ctx.company_id, parts=SQL(", ").join(parts)))
        stats = ctx.stats['targets']['customer']
        # customers the batch did not create: points of theirs may exist, change or go
        known = stats['valid'] > stats['inserted']
        if known:
            cr.execute("CREATE INDEX ON _cs_points (partner_id, kind, value)")
        self._analyze_work('_cs_points')
        new_points = self.env.execute_query(SQL("SELECT COUNT(*) FROM _cs_points WHERE is_new"))[0][0]
        locked = self._bulk_mode(ctx, 'collection_contact_point', new_points)
        defaults = self._orm_defaults('collection.contact.point', {
            'partner_id', 'company_id', 'kind', 'value', 'country_id', 'street', 'city', 'zip', 'latitude',
            'longitude', 'source', 'state', 'is_primary', 'active'})
        extra_cols = SQL("").join(SQL(", %s", SQL.identifier(col)) for col, _v in defaults)
        extra_vals = SQL("").join(SQL(", %s", value) for _col, value in defaults)
        # the points the batch adds or changes, for the contact.updated events
        cr.execute("CREATE UNLOGGED TABLE _cs_chg_point (id integer, change text)")
        # the new points' ids are drawn in _cs_points: the points of customers the batch creates
        # need no event (their customer.created tells them), the others' are known without RETURNING
        cr.execute(SQL("""
            INSERT INTO collection_contact_point AS t (id, partner_id, company_id, kind, value, phone_e164, country_id,
                   street, city, zip, latitude, longitude, source, state, is_primary, active %(extra_cols)s,
                   create_uid, create_date, write_uid, write_date)
            SELECT pt.id, pt.partner_id, %(company)s, pt.kind, pt.value, pt.e164, pt.country_id,
                   CASE WHEN pt.kind = 'address' THEN pt.street END, CASE WHEN pt.kind = 'address' THEN pt.city END,
                   CASE WHEN pt.kind = 'address' THEN pt.zip END, CASE WHEN pt.kind = 'address' THEN pt.latitude END,
                   CASE WHEN pt.kind = 'address' THEN pt.longitude END, 'bank', 'unverified', pt.make_primary,
                   TRUE %(extra_vals)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM _cs_points pt
             WHERE pt.is_new
            %(on_conflict)s
        """, company=ctx.company_id, extra_cols=extra_cols, extra_vals=extra_vals, uid=ctx.uid, now=ctx.now,
            # no other transaction writes the table while the bulk-load mode holds it
            on_conflict=SQL() if locked else SQL("ON CONFLICT (partner_id, kind, value) WHERE active DO NOTHING")))
        ctx.stats['contact_points_added'] = cr.rowcount
        self._analyze_if_grown('collection_contact_point', cr.rowcount)
        if known:
            self._update_known_points(ctx, kinds)
        cr.execute("DROP TABLE _cs_points")
        self.env['collection.contact.point'].invalidate_model()

    def _update_known_points(self, ctx, kinds):
        """The points of the batch's customers that existed before it: the bank's points it
        lists again come back from 'no longer valid', an address it places elsewhere moves,
        and the bank's points of ``kinds`` it no longer lists become 'no longer valid'."""
        cr = self.env.cr
        plan = ctx.plan
        cr.execute(SQL("""
            WITH up AS (
                UPDATE collection_contact_point t SET state = 'unverified', write_uid = %(uid)s, write_date = %(now)s
                  FROM _cs_points pt
                 WHERE NOT pt.is_new
                   AND t.partner_id = pt.partner_id AND t.kind = pt.kind AND t.value = pt.value AND t.active
                   AND t.source = 'bank' AND t.state = 'invalid'
             RETURNING t.id
            )
            INSERT INTO _cs_chg_point SELECT id, 'updated' FROM up
        """, uid=ctx.uid, now=ctx.now))
        ctx.stats['contact_points_added'] += cr.rowcount
        if plan.is_mapped('customer', 'latitude') and plan.is_mapped('customer', 'longitude'):
            # a missing position leaves the known one
            cr.execute(SQL("""
                WITH up AS (
                    UPDATE collection_contact_point t
                       SET latitude = pt.latitude, longitude = pt.longitude, write_uid = %(uid)s, write_date = %(now)s
                      FROM _cs_points pt
                     WHERE NOT pt.is_new AND pt.kind = 'address'
                       AND pt.latitude IS NOT NULL AND pt.longitude IS NOT NULL
                       AND t.partner_id = pt.partner_id AND t.kind = pt.kind AND t.value = pt.value AND t.active
                       AND t.source = 'bank'
                       AND (t.latitude, t.longitude) IS DISTINCT FROM (pt.latitude, pt.longitude)
                 RETURNING t.id
                )
                INSERT INTO _cs_chg_point SELECT id, 'updated' FROM up
            """, uid=ctx.uid, now=ctx.now))
            ctx.stats['contact_points_moved'] = cr.rowcount
        cr.execute("""
            INSERT INTO _cs_chg_point
            SELECT pt.id, 'created' FROM _cs_points pt
             WHERE pt.is_new AND NOT EXISTS (SELECT 1 FROM _cs_chg_customer n WHERE n.id = pt.partner_id AND n.inserted)
        """)
        cr.execute(SQL("""
            WITH up AS (
                UPDATE collection_contact_point cp
                   SET state = 'invalid', is_primary = FALSE, write_uid = %(uid)s, write_date = %(now)s
                  FROM (SELECT DISTINCT p.id FROM (%(valid)s) src
                          JOIN res_partner p ON p.cif = src.cif AND p.cif IS NOT NULL AND p.company_id = %(company)s
                         WHERE NOT EXISTS (SELECT 1 FROM _cs_chg_customer n WHERE n.id = p.id AND n.inserted)) b
                 WHERE cp.partner_id = b.id
                   AND cp.source = 'bank' AND cp.active AND cp.state <> 'invalid' AND cp.kind IN %(kinds)s
                   AND NOT EXISTS (SELECT 1 FROM _cs_points pt
                                    WHERE pt.partner_id = cp.partner_id AND pt.kind = cp.kind AND pt.value = cp.value)
             RETURNING cp.id
            )
            INSERT INTO _cs_chg_point SELECT id, 'updated' FROM up
        """, uid=ctx.uid, now=ctx.now, company=ctx.company_id, valid=self._valid_rows('customer', ctx), kinds=kinds))
        ctx.stats['contact_points_invalidated'] = cr.rowcount

    def _upsert_loan(self, ctx):
        plan = ctx.plan
        optional = {
            'principal': 'principal', 'installment': 'installment_amount', 'interest_rate': 'interest_rate',
            'disbursement_date': 'disbursement_date', 'maturity_date': 'maturity_date',
            'term_months': 'term_months', 'branch': 'branch',
        }
        self._create_cases(ctx)
        owned = [('partner_id', SQL("src.cif")), ('case_id', SQL("src.case_id")), ('product_id', SQL("src.product")),
                 ('product_type', SQL("src.product_type")), ('currency_id', SQL("src.currency")),
                 ('outstanding_amount', SQL("src.outstanding")), ('state', SQL("src.state"))]
        owned += [(column, SQL("src.%s", SQL.identifier(name))) for name, column in optional.items()
                  if plan.is_mapped('loan', name)]
        # a new loan has no instalment yet: not overdue, in the bucket of day 0 (the instalments,
        # loaded next, update it)
        fixed = [('name', SQL("src.account")), ('source_system', SQL("%s", ctx.source_system)),
                 ('company_id', SQL("%s", ctx.company_id)), ('dpd', SQL("0")), ('overdue_amount', SQL("0")),
                 ('bucket_id', SQL("%s", self._bucket_of_day_zero()))]
        taken = {col for col, _e in owned + fixed}
        defaults = [(col, SQL("%s", value)) for col, value in self._orm_defaults('collection.loan', taken)]
        source = SQL("""SELECT v.*, c.id AS case_id FROM (%s) v
                          LEFT JOIN collection_case c ON c.partner_id = v.cif AND c.company_id = %s""",
                     self._valid_rows('loan', ctx), ctx.company_id)

        def reopened():
            # existing loans that the extract reopens (base recomputes the DPD of active loans
            # only) or moves to another obligor (the case they leave needs its totals again)
            self.env.cr.execute("""
                CREATE UNLOGGED TABLE _cs_reopened AS
                SELECT existing_id AS id, e__state <> 'active' AND state = 'active' AS reopened,
                       CASE WHEN e__case_id IS DISTINCT FROM case_id THEN e__case_id END AS left_case_id
                  FROM _cs_src
                 WHERE existing_id IS NOT NULL
                   AND ((e__state <> 'active' AND state = 'active') OR e__case_id IS DISTINCT FROM case_id);
                CREATE UNLOGGED TABLE IF NOT EXISTS _cs_left_case (id integer PRIMARY KEY);
                INSERT INTO _cs_left_case SELECT DISTINCT left_case_id FROM _cs_reopened
                 WHERE left_case_id IS NOT NULL ON CONFLICT DO NOTHING;
            """)

        inserted, updated = self._upsert(
            ctx, 'loan', 'collection_loan', SQL("(source_system, name, company_id)"),
            SQL("e.source_system = %s AND e.company_id = %s AND e.name = s0.account", ctx.source_system, ctx.company_id),
            owned + fixed + defaults, [col for col, _e in owned], source, on_source=reopened, ref='name', case='case_id')
        self._count_stats(ctx, 'loan', inserted, updated)
        # new loans were written with their case and the figures of a loan without instalments;
        # existing ones keep their instalments, hence their DPD, unless they were closed
        # (a loan is written once: _cs_chg_loan and _cs_reopened list it once at most)
        self._touch_loans(SQL("""
            SELECT c.id, COALESCE(r.reopened, FALSE), r.left_case_id IS NOT NULL, c.case_id
              FROM _cs_chg_loan c LEFT JOIN _cs_reopened r ON r.id = c.id
        """))
        self.env.cr.execute("DROP TABLE _cs_reopened")
        if ctx.extract_type == 'FULL' and plan.primary == 'loan':
            self._close_missing_loans(ctx)
        self.env['collection.loan'].invalidate_model()

    def _create_cases(self, ctx):
        """The cases of the batch's obligors that have none, created before the loans so that
        new loans are written once, linked to their case.

        The cases are created with the totals of the batch's loans of their obligor, as new
        loans are written (no instalments: no DPD, nothing overdue). The loans of a new case
        are all written by this batch: new ones, or existing ones that move to it (updated,
        hence in ``_cs_chg_loan``, and their case recomputed by ``_refresh_loans``). The cases
        with an id above ``ctx.case_mark`` are the ones created here: the ids drawn later by
        other transactions belong to cases this transaction does not see, so no loan of the
        batch is linked to them.
        """
        cr = self.env.cr
        cr.execute(SQL("""
            CREATE UNLOGGED TABLE _cs_new_case AS
            SELECT v.cif AS partner_id, COUNT(*) FILTER (WHERE v.state = 'active') AS loan_count,
                   COALESCE(SUM(v.outstanding) FILTER (WHERE v.state = 'active'), 0) AS total_outstanding
              FROM (%(valid)s) v
             WHERE v.cif IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM collection_case c WHERE c.partner_id = v.cif AND c.company_id = %(company)s)
          GROUP BY v.cif
        """, valid=self._valid_rows('loan', ctx), company=ctx.company_id))
        missing = cr.rowcount
        if not missing:
            cr.execute("DROP TABLE _cs_new_case")
            return
        locked = self._bulk_mode(ctx, 'collection_case', missing)
        ctx.case_mark = self.env.execute_query(SQL("""
            SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM collection_case_id_seq
        """))[0][0]
        created = self.env['collection.case']._create_missing(SQL("""
            SELECT partner_id, %s AS company_id, loan_count, total_outstanding FROM _cs_new_case
        """, ctx.company_id), locked=locked, totals=True)
        cr.execute("DROP TABLE _cs_new_case")
        self._analyze_if_grown('collection_case', created)

    def _bucket_of_day_zero(self):
        rows = self.env.execute_query(SQL("""
            SELECT id FROM collection_bucket WHERE active AND dpd_from <= 0 AND 0 <= dpd_to ORDER BY dpd_from LIMIT 1
        """))
        return rows[0][0] if rows else None

    def _touch_loans(self, query):
        """Remember loans for the refresh at the end of the batch; ``query`` selects (loan id,
        whether its DPD must be computed again, whether it moved to another obligor, its case
        when known), each loan once."""
        cr = self.env.cr
        if not self.env.execute_query(SQL("SELECT to_regclass('_cs_touched_loan') IS NOT NULL"))[0][0]:
            # the first set (all the loans of a first load, maybe) is written at once, indexed
            # after (the primary key refuses a loan listed twice)
            cr.execute(SQL("""
                CREATE UNLOGGED TABLE _cs_touched_loan AS
                SELECT q.id, q.recompute, q.moved, q.case_id FROM (%s) q(id, recompute, moved, case_id)
            """, query))
            cr.execute("ALTER TABLE _cs_touched_loan ADD PRIMARY KEY (id)")
        else:
            cr.execute(SQL("""
                INSERT INTO _cs_touched_loan (id, recompute, moved, case_id) %s
                ON CONFLICT (id) DO UPDATE SET recompute = _cs_touched_loan.recompute OR EXCLUDED.recompute,
                                               moved = _cs_touched_loan.moved OR EXCLUDED.moved,
                                               case_id = COALESCE(EXCLUDED.case_id, _cs_touched_loan.case_id)
            """, query))
        self._analyze_work('_cs_touched_loan')

    def _has_unreadable_keys(self, ctx, target):
        """Whether rows of the batch have a key that cannot be read: a full refresh then cannot
        tell what vanished from the source, and closes nothing (the batch says so)."""
        key_present = SQL(" AND ").join(SQL("%s IS NOT NULL", SQL.identifier(f'r_{k}')) for k in TARGETS[target]['key'])
        if target == 'due':
            key_present = SQL("%s AND sequence IS NOT NULL", key_present)
        count = self.env.execute_query(SQL("SELECT COUNT(*) FROM %s WHERE parse_error IS NOT NULL OR NOT (%s)",
                                           SQL.identifier(f'_cs_val_{target}'), key_present))[0][0]
        if count:
            ctx.stats.setdefault('notes', []).append(self.env._(
                "Full extract: %(count)s lines have no readable key, so nothing that the extract no longer "
                "lists was closed, settled or released.", count=count))
        return bool(count)

    def _close_missing_loans(self, ctx):
        """A full extract lists every open loan of the source: close the active ones it omits."""
        env = self.env
        if self._has_unreadable_keys(ctx, 'loan'):
            return
        active = env.execute_query(SQL("""
            SELECT COUNT(*) FROM collection_loan
             WHERE source_system = %(source)s AND company_id = %(company)s AND state = 'active'
        """, source=ctx.source_system, company=ctx.company_id))[0][0]
        # each valid line is a loan of its own, written with the line's state: when the extract's
        # active lines are as many as the active loans, it omits none (a first load, a re-run)
        if ctx.active_lines == active:
            return
        missing = SQL("""
            FROM collection_loan l
           WHERE l.source_system = %(source)s AND l.company_id = %(company)s AND l.state = 'active'
             AND NOT EXISTS (SELECT 1 FROM _cs_val_loan v WHERE v.r_account = l.name)
        """, source=ctx.source_system, company=ctx.company_id)
        env.cr.execute(SQL("CREATE UNLOGGED TABLE _cs_closed_loan AS SELECT l.id %s", missing))
        to_close = env.cr.rowcount
        if not to_close:
            return
        limit = ctx.connector.close_limit_percent
        if active and limit < 100 and to_close * 100.0 / active > limit:
            raise BatchRejected(env._(
                "This full extract would close %(count)s of the %(active)s active loans of %(system)s "
                "(%(percent)s%%, above the connector's limit of %(limit)s%%). Nothing of the file was "
                "loaded. If the extract is right, raise the limit on the connector and run again.",
                count=to_close, active=active, system=ctx.source_system,
                percent=round(to_close * 100.0 / active, 1), limit=limit), verdict='balanced')
        self._analyze_work('_cs_closed_loan')
        env.cr.execute(SQL("""
            UPDATE collection_loan l SET state = 'closed', write_uid = %(uid)s, write_date = %(now)s
              FROM _cs_closed_loan c WHERE l.id = c.id
        """, uid=ctx.uid, now=ctx.now))
        ctx.stats['closed_count'] = env.cr.rowcount
        self._touch_loans(SQL("SELECT id, FALSE, FALSE, NULL::integer FROM _cs_closed_loan"))

    def _upsert_party(self, ctx):
        """Co-borrowers and guarantors of loans, keyed by (loan, customer, role). A full extract
        removes nothing: people added in Odoo have no source to tell them from the bank's."""
        update = [('role', SQL("src.role"))]
        if ctx.plan.is_mapped('party', 'relation'):
            update.append(('relation', SQL("src.relation")))
        fixed = [('loan_id', SQL("src.account")), ('partner_id', SQL("src.cif")),
                 ('company_id', SQL("%s", ctx.company_id))]
        taken = {col for col, _e in update + fixed}
        defaults = [(col, SQL("%s", value)) for col, value in self._orm_defaults('collection.loan.party', taken)]
        inserted, updated = self._upsert(
            ctx, 'party', 'collection_loan_party', SQL("(loan_id, partner_id, role)"),
            SQL("e.loan_id = s0.account AND e.partner_id = s0.cif AND e.role = s0.role"),
            update + fixed + defaults, [col for col, _e in update], self._valid_rows('party', ctx))
        self._count_stats(ctx, 'party', inserted, updated)
        self.env['collection.loan.party'].invalidate_model()

    def _upsert_due(self, ctx):
        plan = ctx.plan
        paid = SQL("COALESCE(src.amount_paid, 0)") if plan.is_mapped('due', 'amount_paid') else SQL("0")
        owned = [('due_date', SQL("src.due_date")), ('amount_due', SQL("src.amount_due")),
                 ('amount_paid', paid),
                 ('amount_residual', SQL("GREATEST(src.amount_due - %s, 0)", paid)),
                 ('state', SQL("CASE WHEN %(paid)s <= 0 THEN 'open' WHEN src.amount_due - %(paid)s > 0 "
                               "THEN 'partial' ELSE 'paid' END", paid=paid))]
        fixed = [('loan_id', SQL("src.account")), ('sequence', SQL("src.sequence")),
                 ('company_id', SQL("%s", ctx.company_id))]
        inserted, updated = self._upsert(
            ctx, 'due', 'collection_loan_due', SQL("(loan_id, sequence)"),
            SQL("e.loan_id = s0.account AND e.sequence = s0.sequence"),
            owned + fixed, [col for col, _e in owned], self._valid_rows('due', ctx))
        self._count_stats(ctx, 'due', inserted, updated)
        self._touch_loans(SQL("""
            SELECT DISTINCT d.loan_id, TRUE, FALSE, NULL::integer FROM collection_loan_due d JOIN _cs_chg_due c ON c.id = d.id
        """))
        if ctx.extract_type == 'FULL' and plan.primary == 'due':
            self._settle_missing_dues(ctx)
        self.env['collection.loan.due'].invalidate_model()

    def _settle_missing_dues(self, ctx):
        """A full due extract lists every unpaid instalment: the open ones it omits were paid."""
        env = self.env
        if self._has_unreadable_keys(ctx, 'due'):
            return
        rows = env.execute_query(SQL("""
            UPDATE collection_loan_due d
               SET amount_paid = d.amount_due, amount_residual = 0, state = 'paid',
                   write_uid = %(uid)s, write_date = %(now)s
              FROM collection_loan l
             WHERE d.loan_id = l.id AND l.source_system = %(source)s AND l.company_id = %(company)s
               AND d.amount_residual > 0
               AND NOT EXISTS (SELECT 1 FROM _cs_val_due v WHERE v.account = d.loan_id AND v.sequence = d.sequence)
         RETURNING d.loan_id
        """, uid=ctx.uid, now=ctx.now, source=ctx.source_system, company=ctx.company_id))
        ctx.stats['closed_count'] = len(rows)
        if rows:
            self._touch_loans(SQL("SELECT DISTINCT unnest(%s::integer[]), TRUE, FALSE, NULL::integer",
                                  [loan_id for (loan_id,) in rows]))

    def _upsert_collateral(self, ctx):
        plan = ctx.plan
        optional = {'identifier': 'identifier', 'make': 'make', 'model': 'model', 'year': 'year',
                    'value': 'value', 'valuation_date': 'valuation_date', 'location': 'location',
                    'latitude': 'latitude', 'longitude': 'longitude'}
        owned = [('loan_id', SQL("src.account")), ('partner_id', SQL("src.loan_partner_id")),
                 ('case_id', SQL("src.loan_case_id"))]
        if plan.is_mapped('collateral', 'type'):
            owned.append(('collateral_type', SQL("src.type")))
        if plan.is_mapped('collateral', 'name'):
            fallback = "src.identifier, " if plan.is_mapped('collateral', 'identifier') else ""
            owned.append(('name', SQL(f"COALESCE(src.name, {fallback}src.ref)")))
        owned += [(column, SQL("src.%s", SQL.identifier(name))) for name, column in optional.items()
                  if plan.is_mapped('collateral', name)]
        fixed = [('source_ref', SQL("src.ref")), ('company_id', SQL("%s", ctx.company_id))]
        if not plan.is_mapped('collateral', 'name'):
            fixed.append(('name', SQL("src.ref")))
        if not plan.is_mapped('collateral', 'type'):
            fixed.append(('collateral_type', SQL("'other'")))
        taken = {col for col, _e in owned + fixed}
        defaults = [(col, SQL("%s", value)) for col, value in self._orm_defaults('collection.collateral', taken)]
        source = SQL("""SELECT v.*, l.partner_id AS loan_partner_id, l.case_id AS loan_case_id
                          FROM (%s) v JOIN collection_loan l ON l.id = v.account""",
                     self._valid_rows('collateral', ctx))
        inserted, updated = self._upsert(
            ctx, 'collateral', 'collection_collateral', SQL("(source_ref, company_id) WHERE source_ref IS NOT NULL"),
            SQL("e.source_ref = s0.ref AND e.source_ref IS NOT NULL AND e.company_id = %s", ctx.company_id),
            owned + fixed + defaults, [col for col, _e in owned], source, ref='source_ref')
        self._count_stats(ctx, 'collateral', inserted, updated)
        if ctx.extract_type == 'FULL' and plan.primary == 'collateral':
            self._release_missing_collateral(ctx)
        self.env['collection.collateral'].invalidate_model()

    def _release_missing_collateral(self, ctx):
        """A full collateral extract lists every pledge: the held ones it omits are released."""
        env = self.env
        if self._has_unreadable_keys(ctx, 'collateral'):
            return
        env.cr.execute(SQL("""
            CREATE UNLOGGED TABLE _cs_released AS
            SELECT c.id FROM collection_collateral c
              JOIN collection_loan l ON l.id = c.loan_id
             WHERE l.source_system = %(source)s AND c.company_id = %(company)s AND c.status = 'held'
               AND c.source_ref IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM _cs_val_collateral v WHERE v.r_ref = c.source_ref)
        """, source=ctx.source_system, company=ctx.company_id))
        env.cr.execute(SQL("""
            UPDATE collection_collateral c SET status = 'released', write_uid = %(uid)s, write_date = %(now)s
              FROM _cs_released r WHERE c.id = r.id
        """, uid=ctx.uid, now=ctx.now))
        ctx.stats['closed_count'] = env.cr.rowcount
        env.cr.execute("""
            INSERT INTO _cs_chg_collateral (id, inserted, ref)
            SELECT r.id, FALSE, c.source_ref FROM _cs_released r JOIN collection_collateral c ON c.id = r.id
        """)
        env.cr.execute("DROP TABLE _cs_released")

    # ------------------------------------------------------------------
    # after the upserts
    # ------------------------------------------------------------------

    def _refresh_loans(self, ctx):
        """Cases, DPD, buckets and case totals of the loans the batch touched.

        New loans were written linked to their case (``_create_cases``)
        and with the figures of a loan without instalments, and a loan whose values change keeps
        its instalments; loans whose instalments changed and loans reopened go through
        ``collection.case._ensure_for_loans`` and ``collection.loan._recompute_delinquency``.
        The cases of the touched loans get their totals again, and the cases loans left, but
        not the cases the batch created whose loans are all new: they were created with their
        totals (``_create_cases``).
        """
        env = self.env
        if not env.execute_query(SQL("SELECT to_regclass('_cs_touched_loan') IS NOT NULL"))[0][0]:
            return
        recompute_ids = [loan_id for (loan_id,) in env.execute_query(
            SQL("SELECT id FROM _cs_touched_loan WHERE recompute ORDER BY id"))]
        Case = env['collection.case']
        if recompute_ids:
            Case._ensure_for_loans(recompute_ids)
        # collateral keeps stored copies of its loan's obligor, case and company: of the loans
        # that moved to another obligor or went through _ensure_for_loans (new loans have none yet)
        env.cr.execute(SQL("""
            UPDATE collection_collateral c
               SET partner_id = l.partner_id, case_id = l.case_id, company_id = l.company_id
              FROM collection_loan l, _cs_touched_loan t
             WHERE (t.moved OR t.recompute) AND t.id = l.id AND c.loan_id = l.id
               AND (c.partner_id, c.case_id, c.company_id) IS DISTINCT FROM (l.partner_id, l.case_id, l.company_id)
        """))
        env['collection.collateral'].invalidate_model(['partner_id', 'case_id', 'company_id'])
        if recompute_ids:
            env['collection.loan']._recompute_delinquency(recompute_ids)
        # many loans touched (a full extract that changed most loans): one pass over all the
        # cases, as the daily run does, beats a list of ids
        touched, loans, cases = env.execute_query(SQL("""
            SELECT (SELECT COUNT(*) FROM _cs_touched_loan),
                   (SELECT reltuples FROM pg_class WHERE oid = 'collection_loan'::regclass),
                   (SELECT reltuples FROM pg_class WHERE oid = 'collection_case'::regclass)
        """))[0]
        if ctx.case_mark is None and touched > BULK_SHARE * loans:
            Case._recompute_aggregates_sql()
            return
        left = SQL("UNION SELECT id FROM _cs_left_case") if env.execute_query(
            SQL("SELECT to_regclass('_cs_left_case') IS NOT NULL"))[0][0] else SQL()
        if ctx.case_mark is None:
            written = SQL("SELECT case_id FROM _cs_touched_loan WHERE case_id IS NOT NULL AND NOT recompute")
        else:
            # the cases this batch created have the totals of their new loans already
            # (_create_cases): only those an existing loan moved to need them again
            written = SQL("""
                SELECT case_id FROM _cs_touched_loan WHERE case_id <= %s AND NOT recompute
                UNION
                SELECT case_id FROM _cs_chg_loan WHERE NOT inserted AND case_id IS NOT NULL
            """, ctx.case_mark)
        # the case a loan was written with, unless _ensure_for_loans went over it since
        case_ids = [case_id for (case_id,) in env.execute_query(SQL("""
            %s
            UNION
            SELECT l.case_id FROM collection_loan l JOIN _cs_touched_loan t ON t.id = l.id
             WHERE (t.case_id IS NULL OR t.recompute) AND l.case_id IS NOT NULL
            %s
        """, written, left))]
        if case_ids:
            Case._recompute_aggregates_sql(None if len(case_ids) > BULK_SHARE * cases else case_ids)

    def _write_events(self, ctx):
        """The outbox events of the customers, loans and collateral the batch created, changed or
        closed: one event per kind of change and chunk of up to ``SYNC_EVENT_RECORDS`` records,
        naming them (docs/integration.md), and one ``contact.updated`` per contact point changed."""
        Event = self.env['collection.event']
        run = ctx.batch.run_id
        count = 0
        tables = {target for target in ctx.plan.targets}
        if 'customer' in tables:
            count += Event._emit_from_query(self._change_events(ctx, 'customer', 'cif'), run=run)
        if self.env.execute_query(SQL("SELECT to_regclass('_cs_chg_point') IS NOT NULL"))[0][0]:
            # the same payload as the contact points' own contact.updated events; the points of a
            # customer the batch creates are told by its customer.created event
            count += Event._emit_from_query(SQL("""
                SELECT 'contact.updated', 'collection.contact.point', cp.id, cp.company_id,
                       jsonb_build_object('change', c.change, 'contact_id', cp.id, 'cif', p.cif,
                                          'partner_id', cp.partner_id, 'kind', cp.kind, 'value', cp.value,
                                          'phone_e164', cp.phone_e164, 'state', cp.state, 'source', cp.source,
                                          'is_primary', COALESCE(cp.is_primary, FALSE),
                                          'is_do_not_call', COALESCE(cp.is_do_not_call, FALSE), 'active', cp.active)
                  FROM _cs_chg_point c
                  JOIN collection_contact_point cp ON cp.id = c.id
                  JOIN res_partner p ON p.id = cp.partner_id
                 WHERE NOT EXISTS (SELECT 1 FROM _cs_chg_customer n WHERE n.id = cp.partner_id AND n.inserted)
            """), run=run)
        if 'loan' in tables:
            count += Event._emit_from_query(self._change_events(ctx, 'loan', 'name'), run=run)
        if self.env.execute_query(SQL("SELECT to_regclass('_cs_closed_loan') IS NOT NULL"))[0][0]:
            count += Event._emit_from_query(
                self._change_events(ctx, 'loan', 'name', changes='_cs_closed_loan', name=SQL("'loan.closed'")), run=run)
            self.env.cr.execute("DROP TABLE _cs_closed_loan")
        if 'collateral' in tables:
            count += Event._emit_from_query(self._change_events(ctx, 'collateral', 'source_ref'), run=run)
        ctx.stats['event_count'] = count

    def _change_events(self, ctx, target, key, changes=None, name=None):
        """The events of the records of ``target`` listed in ``changes`` (by default the batch's
        created and updated ones, ``_cs_chg_<target>``, which has their key):
        ``<target>.created`` / ``<target>.updated``, or ``name``."""
        model = {'customer': 'res.partner', 'loan': 'collection.loan', 'collateral': 'collection.collateral'}[target]
        if changes:
            return self._chunked_events(ctx, model, SQL("""
                SELECT %(name)s AS name, r.company_id, r.id, r.%(key)s AS ref
                  FROM %(changes)s c JOIN %(table)s r ON r.id = c.id
            """, name=name, key=SQL.identifier(key), changes=SQL.identifier(changes),
                table=SQL.identifier(TARGET_TABLES[target])))
        # the rows the batch wrote belong to the connector's company
        return self._chunked_events(ctx, model, SQL("""
            SELECT CASE WHEN c.inserted THEN %(created)s ELSE %(updated)s END AS name,
                   %(company)s AS company_id, c.id, c.ref
              FROM %(changes)s c
        """, created=f'{target}.created', updated=f'{target}.updated', company=ctx.company_id,
            changes=SQL.identifier(f'_cs_chg_{target}')))

    def _chunked_events(self, ctx, model, records):
        """The events (name, model, no record id, company, payload) of ``records`` (SQL selecting
        ``name``, ``company_id``, ``id`` and the source's key as ``ref``): one per event name,
        company and chunk of up to ``SYNC_EVENT_RECORDS`` records in id order, whose payload
        lists their ids and keys."""
        return SQL("""
            SELECT q.name, %(model)s, NULL::integer, q.company_id,
                   jsonb_build_object('source', %(source)s, 'count', COUNT(*),
                                      'ids', to_jsonb(array_agg(q.id ORDER BY q.id)),
                                      'refs', to_jsonb(array_agg(q.ref ORDER BY q.id)))
              FROM (SELECT r.*, (row_number() OVER (PARTITION BY r.name, r.company_id ORDER BY r.id) - 1)
                                / %(size)s AS chunk
                      FROM (%(records)s) r) q
          GROUP BY q.name, q.company_id, q.chunk
          ORDER BY MIN(q.id), q.name
        """, model=model, source=ctx.source_system, size=SYNC_EVENT_RECORDS, records=records)
