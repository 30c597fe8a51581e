import logging
import os
import shutil
import time
from datetime import datetime, timedelta
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.extract_reader import FILE_SUFFIXES, ExtractError, ExtractReader, read_header
from ..tools.sync_schema import DEFAULT_MAPPINGS, TARGET_ORDER, TARGETS
from ..tools.t24_soap import OPERATIONS, SoapEnquirySource, SoapSyncError, T24EnquiryClient
from .collection_sync_engine import BatchRejected, SyncPlan
from .collection_sync_run import SyncBusyError

_logger = logging.getLogger(__name__)

# an incremental SOAP enquiry asks for changes since the last watermark minus this margin,
# so that records committed at the watermark's second are not missed (re-reading is harmless)
WATERMARK_OVERLAP = timedelta(minutes=5)
# a scheduled run that finds another sync running (connectors set up together start together)
# tries again this much later, until it gets its turn
BUSY_RETRY_DELAY = timedelta(minutes=5)


class BatchSkipped(BatchRejected):
    """The batch is not loaded because a newer extract of the same records is loaded already."""


class CollectionConnector(models.Model):
    """An external system the collection suite exchanges data with (T24, Way4, LOS, ...).

    For the core-banking sync it says how to reach the source (SOAP endpoint or inbound folder
    of extract files), how its records map onto customers, loans, dues and collateral, and when
    to run. Credentials live on the company (``collection.connector.secret``), readable by
    system administrators only.
    """

    _name = 'collection.connector'
    _description = 'Collection Connector'
    _inherit = ['mail.thread']
    _order = 'sequence, name'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True, tracking=True,
        help="Source system code, stamped on the loans it loads (T24, W4, LOS). Loans are keyed by "
             "code and account number: changing the code detaches the loans already loaded.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    system = fields.Selection([
        ('t24', 'Temenos T24'),
        ('way4', 'OpenWay Way4 (cards)'),
        ('los', 'Loan origination system'),
        ('other', 'Other'),
    ], required=True, default='t24', help="Decides the default field mapping.")
    transport = fields.Selection([
        ('files', 'Extract files'),
        ('soap', 'SOAP enquiries'),
    ], string="Way In", required=True, default='files', tracking=True)
    # SOAP
    endpoint_url = fields.Char(string="Endpoint", tracking=True, help="URL of the enquiry service.")
    wsdl_url = fields.Char(
        string="WSDL", help="Where to read the service description; empty: the WSDL shipped with the addon.")
    soap_company = fields.Char(string="Source Company", help="Company code sent with each enquiry (T24 COMPANY).")
    page_size = fields.Integer(default=500, help="Records asked for per enquiry page.")
    timeout = fields.Integer(string="Timeout (s)", default=60)
    max_retries = fields.Integer(default=4, help="Retries of a call on connection errors and HTTP 502/503/504.")
    retry_backoff = fields.Float(
        string="Back-off (s)", default=2.0, help="Wait before the first retry, doubled at each following one.")
    # files
    inbound_path = fields.Char(
        string="Inbound Folder", tracking=True,
        help="Folder the source drops its extract files in. Loaded files move to its done/ subfolder, "
             "refused ones to error/.")
    file_encoding = fields.Char(string="Encoding", default='utf-8', required=True)
    csv_delimiter = fields.Char(string="CSV Delimiter", default=',', required=True, size=1)
    # loading
    default_country_id = fields.Many2one(
        'res.country', string="Default Country",
        default=lambda self: self.env.company.country_id,
        help="Country used to read phone numbers written without international prefix, when the "
             "record has no country.")
    close_limit_percent = fields.Integer(
        string="Close Limit (%)", default=50,
        help="A full extract that would close more than this share of the source's active loans is "
             "refused (protection against a wrong or partial extract). 100 disables the check.")
    invalid_phone_policy = fields.Selection([
        ('reject', "Reject the record"),
        ('warn', "Load the record without the number"),
    ], string="Invalid Phone", required=True, default='reject', tracking=True,
        help="A record whose mobile or phone is given but is not a valid number: rejected (reason "
             "'Invalid phone number', the record does not load, nor the loans of a new customer "
             "rejected so), or loaded without that number (a warning in the run log).")
    mapping_ids = fields.One2many('collection.sync.mapping', 'connector_id', string="Field Mapping", copy=True)
    watermarks = fields.Json(
        copy=False, readonly=True,
        help="Per record type, the time of the newest data loaded: the next incremental enquiry asks "
             "for what changed since then, and older extract files are skipped.")
    full_refresh_requested = fields.Boolean(
        copy=False, help="The next run asks the source for everything and closes what it no longer lists.")
    # credentials (on the company, system administrators only)
    username = fields.Char(compute='_compute_credentials', inverse='_inverse_credentials', groups='base.group_system')
    password = fields.Char(compute='_compute_credentials', inverse='_inverse_credentials', groups='base.group_system')
    # schedule
    cron_id = fields.Many2one('ir.cron', string="Scheduled Action", readonly=True, copy=False, ondelete='set null')
    sync_interval_number = fields.Integer(
        string="Run Every", compute='_compute_schedule', inverse='_inverse_schedule')
    sync_interval_type = fields.Selection([
        ('minutes', 'Minutes'),
        ('hours', 'Hours'),
        ('days', 'Days'),
        ('weeks', 'Weeks'),
    ], string="Interval Unit", compute='_compute_schedule', inverse='_inverse_schedule')
    next_sync = fields.Datetime(string="Next Run", compute='_compute_schedule', inverse='_inverse_schedule')
    # history
    run_ids = fields.One2many('collection.sync.run', 'connector_id', string="Runs")
    run_count = fields.Integer(compute='_compute_run_stats')
    last_run_id = fields.Many2one('collection.sync.run', compute='_compute_run_stats')
    last_run_state = fields.Selection(
        lambda self: self.env['collection.sync.run']._fields['state'].selection,
        string="Last Run Status", compute='_compute_run_stats')
    last_run_date = fields.Datetime(string="Last Run On", compute='_compute_run_stats')

    _code_company_uniq = models.Constraint(
        'unique(code, company_id)', "A source code must be unique per company.")

    @api.depends('company_id')
    def _compute_credentials(self):
        secrets = self.env['collection.connector.secret'].sudo().search([('connector_id', 'in', self.ids)])
        by_key = {(s.connector_id.id, s.company_id.id): s for s in secrets}
        for connector in self:
            secret = by_key.get((connector.id, connector.company_id.id))
            connector.username = secret.username if secret else False
            connector.password = secret.password if secret else False

    def _inverse_credentials(self):
        Secret = self.env['collection.connector.secret'].sudo()
        for connector in self:
            secret = Secret.search([('connector_id', '=', connector.id), ('company_id', '=', connector.company_id.id)])
            values = {'username': connector.username, 'password': connector.password}
            if secret:
                secret.write(values)
            else:
                Secret.create(dict(values, connector_id=connector.id, company_id=connector.company_id.id))

    @api.depends('cron_id.interval_number', 'cron_id.interval_type', 'cron_id.nextcall')
    def _compute_schedule(self):
        for connector in self:
            cron = connector.cron_id.sudo()
            connector.sync_interval_number = cron.interval_number if cron else 1
            connector.sync_interval_type = cron.interval_type if cron else 'days'
            connector.next_sync = cron.nextcall if cron else False

    def _inverse_schedule(self):
        for connector in self:
            values = {'interval_number': max(connector.sync_interval_number or 1, 1),
                      'interval_type': connector.sync_interval_type or 'days'}
            if connector.next_sync:
                values['nextcall'] = connector.next_sync
            connector._get_or_create_cron().write(values)

    def _compute_run_stats(self):
        counts = dict(self.env['collection.sync.run']._read_group(
            [('connector_id', 'in', self.ids)], ['connector_id'], ['__count']))
        for connector in self:
            connector.run_count = counts.get(connector, 0)
            last = self.env['collection.sync.run'].search(
                [('connector_id', '=', connector.id)], limit=1) if connector.id else self.env['collection.sync.run']
            connector.last_run_id = last
            connector.last_run_state = last.state
            connector.last_run_date = last.date_start

    @api.constrains('transport', 'endpoint_url', 'system')
    def _check_way_in(self):
        for connector in self:
            if connector.transport == 'soap' and connector.endpoint_url and not connector.endpoint_url.startswith(('http://', 'https://')):
                raise ValidationError(self.env._(
                    "The endpoint of %(connector)s must be an http:// or https:// URL.", connector=connector.name))
            if connector.transport == 'soap' and connector.system != 't24':
                raise ValidationError(self.env._(
                    "%(connector)s: SOAP enquiries exist for T24 only; use extract files for this system.",
                    connector=connector.name))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('code'):
                vals['code'] = vals['code'].strip().upper()
        connectors = super().create(vals_list)
        for connector in connectors:
            if not connector.mapping_ids:
                connector._load_default_mapping()
            connector._get_or_create_cron()
        return connectors

    def write(self, vals):
        if vals.get('code'):
            vals['code'] = vals['code'].strip().upper()
        result = super().write(vals)
        if {'active', 'name'} & vals.keys():
            for connector in self:
                connector._get_or_create_cron().write({'active': connector.active, 'name': connector._cron_name()})
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_cron(self):
        crons = self.cron_id.sudo()
        # a scheduled action is an extension of its server action (_inherits), which outlives it
        actions = crons.ir_actions_server_id
        crons.unlink()
        actions.unlink()

    def _cron_name(self):
        return self.env._("Collection sync: %(connector)s", connector=self.name)

    def _get_or_create_cron(self):
        """The scheduled action that runs this connector (daily by default)."""
        self.ensure_one()
        if self.cron_id:
            return self.cron_id.sudo()
        cron = self.env['ir.cron'].sudo().create({
            'name': self._cron_name(),
            'model_id': self.env['ir.model']._get_id('collection.connector'),
            'state': 'code',
            'code': f"model.browse({self.id})._cron_sync()",
            'interval_number': 1,
            'interval_type': 'days',
            'active': self.active,
        })
        self.sudo().cron_id = cron
        return cron

    # ------------------------------------------------------------------
    # mapping
    # ------------------------------------------------------------------

    def _load_default_mapping(self, layout=None, record_types=None):
        """Mapping lines from the default mapping of the connector's system, or of ``layout`` (the
        system whose column names the source uses), for all its record types or ``record_types``."""
        self.ensure_one()
        lines = []
        for record_type, targets in DEFAULT_MAPPINGS.get(layout or self.system, {}).items():
            if record_types is not None and record_type not in record_types:
                continue
            sequence = 0
            for target, fields_map in targets.items():
                for name, column in fields_map.items():
                    sequence += 1
                    lines.append({'connector_id': self.id, 'record_type': record_type,
                                  'field_key': f'{target}.{name}', 'source_column': column, 'sequence': sequence})
        self.env['collection.sync.mapping'].create(lines)

    def action_load_default_mapping(self):
        for connector in self:
            connector.mapping_ids.unlink()
            connector._load_default_mapping()

    def _get_sync_plans(self):
        """{record type: SyncPlan} from the mapping lines; refuses a mapping without the fields a
        target cannot do without."""
        self.ensure_one()
        by_type = {}
        for line in self.mapping_ids:
            target, _sep, name = line.field_key.partition('.')
            by_type.setdefault(line.record_type, {}).setdefault(target, {})[name] = (
                line.source_column or None, line.default_value or None)
        plans = {}
        for record_type, targets in by_type.items():
            missing = [f"{TARGETS[target]['label']}: {label}"
                       for target, fields_map in targets.items()
                       for name, (_kind, required, label) in TARGETS[target]['fields'].items()
                       if required and name not in fields_map]
            plans[record_type] = SyncPlan(record_type=record_type, targets=list(targets), fields=targets) \
                if not missing else missing
        return plans

    @staticmethod
    def _plan_rank(plan):
        return min(TARGET_ORDER.index(t) for t in plan.targets) if isinstance(plan, SyncPlan) else len(TARGET_ORDER)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def action_sync_now(self):
        """Queue a run of this connector now, in a scheduled-action worker (a big extract can
        take minutes: it must not hold a browser request)."""
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The connector %(connector)s is archived.", connector=self.name))
        self._get_or_create_cron()._trigger()
        Run = self.env['collection.sync.run']
        if Run._is_locked('sync'):
            # the queued run will find the lock taken and wait for its turn (_cron_sync)
            running = Run._get_running('sync')
            message = self.env._(
                "Run %(run)s (%(connector)s) has been running since %(since)s and only one sync runs at a "
                "time: %(this)s is queued and starts once it has finished; its run then appears under Runs.",
                run=running.name, connector=running.connector_id.display_name, since=running.date_start,
                this=self.name) if running else self.env._(
                "Another synchronisation is running and only one runs at a time: %(this)s is queued and "
                "starts once it has finished; its run then appears under Runs.", this=self.name)
            title, kind = self.env._("Sync queued behind another one"), 'warning'
        else:
            message = self.env._("%(connector)s will run in a moment; its run appears under Runs.",
                                 connector=self.name)
            title, kind = self.env._("Sync queued"), 'info'
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': kind,
                'title': title,
                'message': message,
                'sticky': kind == 'warning',
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

    def action_request_full_refresh(self):
        self.write({'full_refresh_requested': True})
        return self.action_sync_now()

    def action_open_runs(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_sync_run_action')
        action['domain'] = [('connector_id', '=', self.id)]
        action['context'] = {'default_connector_id': self.id}
        return action

    # ------------------------------------------------------------------
    # running
    # ------------------------------------------------------------------

    @api.model
    def _commit_checkpoint(self):
        """Between batches of a scheduled or command-line run: make the batch durable."""
        self.env['ir.cron']._commit_progress(1)

    def _cron_sync(self):
        for connector in self.filtered('active'):
            try:
                connector._run_sync(trigger='cron', checkpoint=self._commit_checkpoint)
            except SyncBusyError as error:
                retry_at = connector._retry_when_free()
                _logger.warning("Collection sync of %s postponed to %s UTC: %s", connector.code, retry_at, error)
            except UserError as error:
                _logger.warning("Collection sync of %s not run: %s", connector.code, error)

    def _retry_when_free(self):
        """Another sync holds the lock: run this connector's scheduled action again in
        ``BUSY_RETRY_DELAY`` (and so on until it gets its turn) rather than skip it until its
        next scheduled time. Returns when it will try again."""
        self.ensure_one()
        cron = self._get_or_create_cron()
        now = fields.Datetime.now()
        retry_at = now + BUSY_RETRY_DELAY
        pending = self.env['ir.cron.trigger'].sudo().search(
            [('cron_id', '=', cron.id), ('call_at', '>', now), ('call_at', '<=', retry_at)],
            order='call_at', limit=1)
        if pending:
            return pending.call_at
        cron._trigger(at=retry_at)
        return retry_at

    def _run_sync(self, trigger='manual', full=None, paths=None, checkpoint=None):
        """Run the sync of this connector and return its run (``collection.sync.run``).

        :param full: SOAP: ask for everything and close what vanished (default: the connector's
            ``full_refresh_requested``, or True on the first run). Files say it in their header.
        :param paths: extract files to load instead of the inbound folder's.
        :param checkpoint: called after each batch; scheduled and command-line runs commit there
            (tests and interactive calls leave it empty: each batch is a savepoint then).
        :raises SyncBusyError: another sync holds the lock.
        """
        self.ensure_one()
        checkpoint = checkpoint or (lambda: None)
        Run = self.env['collection.sync.run']
        if full is None:
            full = self.full_refresh_requested or (self.transport == 'soap' and not self.watermarks)
        with Run._lock('sync', self.env._("The synchronisation of %(connector)s", connector=self.name)):
            run = Run._start(self, trigger=trigger, mode='full' if full else 'incremental')
            if self.full_refresh_requested:
                self.full_refresh_requested = False
            checkpoint()
            error = None
            try:
                if self.transport == 'soap':
                    self._sync_soap(run, full, checkpoint)
                else:
                    self._sync_files(run, paths, checkpoint)
            except SoapSyncError as exc:
                error = exc.text(self.env)
            except (UserError, OSError) as exc:
                error = str(exc)
            run._finish(error)
            checkpoint()
        return run

    def _sync_files(self, run, paths, checkpoint):
        if paths is None:
            paths = self._list_inbound_files()
        plans = self._get_sync_plans()
        entries = []
        for path in paths:
            try:
                header = read_header(path, encoding=self.file_encoding, delimiter=self.csv_delimiter)
            except (ExtractError, OSError):
                header = None
            plan = plans.get(header.record_type) if header else None
            entries.append((self._plan_rank(plan) if header else -1,
                            header.as_of if header else datetime.min, header and header.sequence or 0,
                            os.path.basename(path), path))
        for sequence, (_rank, _as_of, _seq, _name, path) in enumerate(sorted(entries), 1):
            reader = ExtractReader.for_path(path, encoding=self.file_encoding, delimiter=self.csv_delimiter) \
                if os.path.splitext(path)[1].lower() in FILE_SUFFIXES else None
            batch = self._load_source(run, reader, plans, sequence, name=os.path.basename(path))
            self._archive_file(path, batch)
            checkpoint()
            if batch.state == 'failed':
                break

    def _list_inbound_files(self):
        folder = self.inbound_path
        if not folder or not os.path.isdir(folder):
            raise UserError(self.env._(
                "The inbound folder %(folder)s of %(connector)s does not exist or cannot be read.",
                folder=folder or '-', connector=self.name))
        return [os.path.join(folder, name) for name in sorted(os.listdir(folder))
                if not name.startswith('.') and os.path.isfile(os.path.join(folder, name))
                and os.path.splitext(name)[1].lower() in FILE_SUFFIXES]

    def _archive_file(self, path, batch):
        """Once the batch is committed, move its file to done/ (loaded) or error/ (refused)."""
        folder = self.inbound_path
        if not folder or os.path.realpath(os.path.dirname(path)) != os.path.realpath(folder):
            return
        target = os.path.join(folder, 'done' if batch.state == 'done' else 'error')
        self.env.cr.postcommit.add(partial(_move_file, path, target))

    def _sync_soap(self, run, full, checkpoint):
        if not self.endpoint_url:
            raise UserError(self.env._("%(connector)s has no endpoint.", connector=self.name))
        secret = self.sudo()
        client = T24EnquiryClient(
            self.endpoint_url, secret.username, secret.password, company=self.soap_company,
            wsdl=self.wsdl_url or None, timeout=self.timeout, max_retries=self.max_retries,
            backoff=self.retry_backoff)
        plans = self._get_sync_plans()
        watermarks = self.watermarks or {}
        record_types = sorted((rt for rt in plans if rt in OPERATIONS), key=lambda rt: self._plan_rank(plans[rt]))
        for sequence, record_type in enumerate(record_types, 1):
            since = None
            if not full and watermarks.get(record_type):
                since = fields.Datetime.to_datetime(watermarks[record_type]) - WATERMARK_OVERLAP
            source = SoapEnquirySource(client, record_type, since, self.page_size or 500, source=self.code)
            retries = client.retries
            batch = self._load_source(run, source, plans, sequence, name=source.name)
            batch.retry_count = client.retries - retries
            checkpoint()
            if batch.state == 'failed':
                break

    def _load_source(self, run, source, plans, sequence, name):
        """Load one batch in a savepoint: all of it, or nothing of it (the batch says why)."""
        batch = self.env['collection.sync.batch'].create({'run_id': run.id, 'name': name, 'sequence': sequence})
        started = time.monotonic()
        values = {}
        try:
            with self.env.cr.savepoint():
                if source is None:
                    raise ExtractError(self.env._("unknown file type (expected .csv, .json, .jsonl or .xml)"))
                try:
                    source.open()
                except OSError as exc:
                    raise ExtractError(self.env._("The file cannot be read: %(error)s", error=exc)) from exc
                header = source.header
                values.update(record_type=header.record_type, extract_type=header.extract_type, as_of=header.as_of)
                plan = self._check_header(header, plans)
                stats = self.env['collection.sync.engine']._load_batch(batch, source, plan)
                self._advance_watermark(header)
            notes = stats.pop('notes', [])
            values.update({key: value for key, value in stats.items() if key in batch._fields})
            values.update(state='done', message="\n".join(notes) or False)
        except BatchSkipped as exc:
            values.update(state='skipped', verdict=exc.verdict, message=str(exc))
        except BatchRejected as exc:
            values.update(state='rejected', verdict=exc.verdict, message=str(exc))
        except ExtractError as exc:
            values.update(state='rejected', verdict='not_checked', message=exc.text(self.env))
        except SoapSyncError as exc:
            values.update(state='failed', message=exc.text(self.env))
        except Exception as exc:  # noqa: BLE001 - any failure: the savepoint undid the batch
            _logger.exception("Collection sync batch %s failed", name)
            values.update(state='failed', message=self.env._(
                "Unexpected error, nothing of this batch was applied: %(error)s", error=f"{type(exc).__name__}: {exc}"))
        finally:
            if source is not None:
                source.close()
        if source is not None:
            values.setdefault('record_count', source.record_count)
        values['duration'] = time.monotonic() - started
        batch.write(values)
        return batch

    def _check_header(self, header, plans):
        """The plan to load the batch with, or why the batch is refused."""
        env = self.env
        if header.source != self.code:
            raise BatchRejected(env._(
                "The file comes from %(system)s but this connector loads %(code)s.",
                system=header.source, code=self.code))
        plan = plans.get(header.record_type)
        if plan is None:
            raise BatchRejected(env._(
                "No mapping for record type %(record_type)s (mapped: %(mapped)s).",
                record_type=header.record_type, mapped=", ".join(sorted(plans)) or "-"))
        if not isinstance(plan, SyncPlan):
            raise BatchRejected(env._(
                "The mapping of %(record_type)s lacks required fields: %(fields)s.",
                record_type=header.record_type, fields=", ".join(plan)))
        loaded = (self.watermarks or {}).get(header.record_type)
        if loaded and header.as_of < fields.Datetime.to_datetime(loaded):
            raise BatchSkipped(env._(
                "This extract (as of %(as_of)s) is older than the %(record_type)s data loaded already "
                "(as of %(loaded)s); loading it would bring back old values.",
                as_of=header.as_of, record_type=header.record_type, loaded=loaded))
        return plan

    def _advance_watermark(self, header):
        watermarks = dict(self.watermarks or {})
        current = watermarks.get(header.record_type)
        if not current or fields.Datetime.to_datetime(current) < header.as_of:
            watermarks[header.record_type] = fields.Datetime.to_string(header.as_of)
            self.watermarks = watermarks


def _move_file(path, folder):
    try:
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, os.path.basename(path))
        if os.path.exists(target):
            stem, suffix = os.path.splitext(os.path.basename(path))
            target = os.path.join(folder, f"{stem}.{int(time.time())}{suffix}")
        shutil.move(path, target)
    except OSError:
        _logger.exception("Could not move the extract file %s to %s", path, folder)
