import logging
from contextlib import contextmanager

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .collection_sync_batch import VERDICT_RANK, VERDICTS

_logger = logging.getLogger(__name__)

# pg_try_advisory_lock(class, object): one class for the collection integration, one object
# per kind of run; all core-banking syncs share one object: one sync at a time per database
LOCK_CLASS = 0x436f6c6c  # 'Coll'
LOCK_OBJECTS = {'sync': 1}
COUNTERS = ('record_count', 'inserted_count', 'updated_count', 'unchanged_count', 'rejected_count',
            'warning_count', 'closed_count', 'event_count', 'retry_count')


class SyncBusyError(UserError):
    """Another run holds the lock."""


class CollectionSyncRun(models.Model):
    """The log of one run of a connector: its batches, figures, rejects and verdict.

    Built for the core-banking sync and meant to be shared by the other runs of the integration
    (payment reconciliation files, webhook deliveries): add an ``operation`` with
    ``selection_add`` and use ``_lock``, ``_start`` and ``_finish``.
    """

    _name = 'collection.sync.run'
    _description = 'Sync Run'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'id desc'

    name = fields.Char(required=True, readonly=True)
    connector_id = fields.Many2one('collection.connector', required=True, index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one(related='connector_id.company_id', store=True, index=True)
    operation = fields.Selection([('sync', 'Core-banking sync')], required=True, default='sync', readonly=True)
    trigger = fields.Selection([
        ('cron', 'Scheduled'),
        ('manual', 'Manual'),
        ('cli', 'Command line'),
    ], required=True, default='manual', readonly=True)
    mode = fields.Selection([
        ('incremental', 'Incremental'),
        ('full', 'Full refresh'),
    ], required=True, default='incremental', readonly=True)
    state = fields.Selection([
        ('running', 'Running'),
        ('done', 'Done'),
        ('warning', 'Done with rejects'),
        ('failed', 'Failed'),
        ('interrupted', 'Interrupted'),
    ], required=True, default='running', readonly=True, index=True, tracking=True)
    verdict = fields.Selection(VERDICTS, string="Reconciliation", readonly=True)
    date_start = fields.Datetime(string="Started", required=True, readonly=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    user_id = fields.Many2one('res.users', string="Started by", readonly=True, default=lambda self: self.env.user)
    batch_ids = fields.One2many('collection.sync.batch', 'run_id', string="Files / Enquiries", readonly=True)
    reject_ids = fields.One2many('collection.sync.reject', 'run_id', string="Rejected Records", readonly=True)
    event_ids = fields.One2many('collection.event', 'run_id', string="Outbox Events", readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    inserted_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    warning_count = fields.Integer(string="Warnings", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    event_count = fields.Integer(string="Events", readonly=True)
    retry_count = fields.Integer(string="Retries", readonly=True)
    message = fields.Text(readonly=True)

    _connector_date_idx = models.Index('(connector_id, id DESC)')

    # ------------------------------------------------------------------
    # one run at a time
    # ------------------------------------------------------------------

    @api.model
    @contextmanager
    def _lock(self, operation='sync', description=''):
        """Hold the PostgreSQL advisory lock of ``operation`` for the duration of the block.

        Session-level (``pg_try_advisory_lock``) so that it survives the commits a scheduled run
        makes after each batch; released at the end, or by PostgreSQL if the process dies.
        Raises :class:`SyncBusyError`, naming the run in progress, when another run holds it.
        """
        cr = self.env.cr
        key = (LOCK_CLASS, LOCK_OBJECTS[operation])
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", *key))
        if not cr.fetchone()[0]:
            running = self._get_running(operation)
            if running:
                raise SyncBusyError(self.env._(
                    "%(what)s was not started: run %(run)s (%(connector)s) has been running since %(since)s. "
                    "Only one runs at a time; try again when it has finished.",
                    what=description or self.env._("The synchronisation"), run=running.name,
                    connector=running.connector_id.display_name, since=running.date_start))
            raise SyncBusyError(self.env._(
                "%(what)s was not started: another synchronisation is running. "
                "Only one runs at a time; try again when it has finished.",
                what=description or self.env._("The synchronisation")))
        try:
            self._close_interrupted(operation)
            yield
        finally:
            try:
                cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", *key))
            except psycopg2.Error:
                # the transaction is aborted; the lock goes when the connection is closed
                _logger.exception("Could not release the collection sync lock")

    @api.model
    def _is_locked(self, operation='sync'):
        """Whether a session (this one or another) holds the lock of ``operation`` in this
        database now; takes nothing (a look at ``pg_locks``, which lists every database's)."""
        return self.env.execute_query(SQL("""
            SELECT EXISTS(SELECT 1 FROM pg_locks
                           WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND objsubid = 2
                             AND granted
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """, LOCK_CLASS, LOCK_OBJECTS[operation]))[0][0]

    @api.model
    def _get_running(self, operation='sync'):
        """The run recorded as running (the lock holder's, or one a dead process left)."""
        return self.sudo().search([('operation', '=', operation), ('state', '=', 'running')], limit=1)

    @api.model
    def _close_interrupted(self, operation):
        """Runs still 'running' while we hold the lock died with their process."""
        stale = self.sudo().search([('operation', '=', operation), ('state', '=', 'running')])
        if stale:
            stale.write({'state': 'interrupted', 'date_end': fields.Datetime.now(),
                         'message': self.env._("The process running it stopped before the end. Each batch "
                                               "it had finished is applied; the others were not.")})
            stale.batch_ids.filtered(lambda b: b.state == 'running').write({'state': 'failed'})

    # ------------------------------------------------------------------
    # life cycle
    # ------------------------------------------------------------------

    @api.model
    def _start(self, connector, trigger='manual', mode='incremental', operation='sync'):
        now = fields.Datetime.now()
        return self.sudo().create({
            'name': f"{connector.code} {fields.Datetime.to_string(now)[:16]}",
            'connector_id': connector.id,
            'operation': operation,
            'trigger': trigger,
            'mode': mode,
            'date_start': now,
        })

    def _finish(self, error=None):
        """Sum the batches, set the state and the verdict, notify the administrators of a failure."""
        self.ensure_one()
        batches = self.batch_ids
        values = {counter: sum(batches.mapped(counter)) for counter in COUNTERS}
        verdicts = [b.verdict for b in batches if b.verdict and b.state in ('done', 'rejected')]
        values['verdict'] = max(verdicts, key=VERDICT_RANK.get) if verdicts else False
        now = fields.Datetime.now()
        values['date_end'] = now
        values['duration'] = (now - self.date_start).total_seconds()
        messages = [f"{b.name}: {b.message}" for b in batches if b.message]
        if error:
            messages.insert(0, error)
        if error or any(b.state in ('failed', 'rejected') for b in batches):
            values['state'] = 'failed'
        elif values['rejected_count'] or values['warning_count'] or any(b.state == 'skipped' for b in batches):
            values['state'] = 'warning'
        else:
            values['state'] = 'done'
        values['message'] = "\n".join(messages) or False
        self.write(values)
        self.env['collection.event']._emit('sync.completed', self, payload={
            'connector': self.connector_id.code, 'state': self.state, 'verdict': self.verdict or None,
            **{counter: values[counter] for counter in COUNTERS}}, run=self)
        self.message_post(body=self._summary())
        if self.state == 'failed':
            self._notify_failure()
        return self

    def _summary(self):
        self.ensure_one()
        return self.env._(
            "%(state)s in %(duration)ss: %(records)s records, %(created)s created, %(updated)s updated, "
            "%(unchanged)s unchanged, %(rejected)s rejected, %(closed)s closed.",
            state=dict(self._fields['state']._description_selection(self.env))[self.state],
            duration=round(self.duration, 1), records=self.record_count, created=self.inserted_count,
            updated=self.updated_count, unchanged=self.unchanged_count, rejected=self.rejected_count,
            closed=self.closed_count)

    def _get_administrators(self):
        group = self.env.ref('base.group_system')
        return group.sudo().all_user_ids.filtered(lambda u: u.active and not u.share and u.id != SUPERUSER_ID)

    def _notify_failure(self):
        """An activity and an email for each system administrator."""
        self.ensure_one()
        admins = self._get_administrators()
        if not admins:
            return
        summary = self.env._("Sync %(run)s failed", run=self.name)
        note = self.message or self._summary()
        for admin in admins:
            self.activity_schedule('mail.mail_activity_data_todo', user_id=admin.id, summary=summary, note=note)
        self.message_post(
            subject=summary,
            body=self.env._("The synchronisation %(run)s of %(connector)s failed:\n%(message)s",
                            run=self.name, connector=self.connector_id.display_name, message=note),
            partner_ids=admins.partner_id.ids,
            subtype_xmlid='mail.mt_comment',
        )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def action_open_rejects(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_sync_reject_action')
        action['domain'] = [('run_id', '=', self.id)]
        action['context'] = {'search_default_group_reason': 1}
        return action

    def action_open_events(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_event_action')
        action['domain'] = [('run_id', '=', self.id)]
        return action
