import logging

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

DISPATCH_BATCH = 1000
DELIVERY_BATCH = 100
EVENT_RETENTION_DAYS = 30


class CollectionEvent(models.Model):
    """Delivery of the outbox to webhook subscribers.

    An event is written in the transaction of the change it records (``_emit*``). The scheduled
    action "Collection: deliver events" then

    1. dispatches new events: one ``collection.event.delivery`` per subscribed webhook, in one
       SQL statement per batch (events nobody subscribes to are marked so);
    2. posts the deliveries that are due, signed, in batches locked with ``SKIP LOCKED`` so that
       several workers share them, committing after each batch;
    3. sets each event's state from its deliveries: delivered when all are, dead when one gave up.
    """

    _inherit = 'collection.event'

    state = fields.Selection(
        selection_add=[('no_subscriber', 'No subscriber')], ondelete={'no_subscriber': 'cascade'})
    is_dispatched = fields.Boolean(
        readonly=True, copy=False, help="Deliveries were created for the webhooks subscribed to this event.")
    delivery_ids = fields.One2many('collection.event.delivery', 'event_id', string="Deliveries", readonly=True)
    delivery_count = fields.Integer(compute='_compute_delivery_count')

    _dispatch_idx = models.Index("(id) WHERE state = 'pending' AND is_dispatched IS NOT TRUE")

    def _compute_delivery_count(self):
        counts = dict(self.env['collection.event.delivery']._read_group(
            [('event_id', 'in', self.ids)], ['event_id'], ['__count']))
        for event in self:
            event.delivery_count = counts.get(event, 0)

    # ------------------------------------------------------------------
    # emitting
    # ------------------------------------------------------------------

    @api.model
    def _emit(self, name, records=None, payload=None, run=None):
        events = super()._emit(name, records=records, payload=payload, run=run)
        self._trigger_delivery()
        return events

    @api.model
    def _emit_from_query(self, query, run=None):
        count = super()._emit_from_query(query, run=run)
        if count:
            self._trigger_delivery()
        return count

    @api.model
    def _emit_each(self, name, records, payload_getter):
        """One event per record of ``records``, its payload ``payload_getter(record)``; one
        INSERT for all of them."""
        if not records:
            return self.browse()
        events = self.sudo().create([{
            'name': name,
            'res_model': record._name,
            'res_id': record.id,
            'company_id': record.company_id.id if 'company_id' in record._fields else False,
            'payload': payload_getter(record),
        } for record in records])
        self._trigger_delivery()
        return events

    @api.model
    def _trigger_delivery(self):
        """Wake the delivery job up at the end of this transaction, once, when a webhook exists."""
        data = self.env.cr.precommit.data
        if data.get('collection.event.triggered'):
            return
        data['collection.event.triggered'] = True
        if self.env['collection.connector'].sudo().search_count([('system', '=', 'webhook')], limit=1):
            cron = self.env.ref('collection_integration.ir_cron_deliver_events', raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

    # ------------------------------------------------------------------
    # delivering
    # ------------------------------------------------------------------

    @api.model
    def _dispatch_pending(self, limit=DISPATCH_BATCH):
        """Create the deliveries of up to ``limit`` undispatched events, set-based; return how
        many events were dispatched."""
        self.env.flush_all()
        rows = self.env.execute_query(SQL("""
            WITH todo AS (
                SELECT id, name, company_id
                  FROM collection_event
                 WHERE state = 'pending' AND is_dispatched IS NOT TRUE
              ORDER BY id
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED
            ), hooks AS (
                SELECT c.id, c.company_id,
                       ARRAY(SELECT t.code
                               FROM collection_connector_event_type_rel r
                               JOIN collection_event_type t ON t.id = r.event_type_id
                              WHERE r.connector_id = c.id) AS codes
                  FROM collection_connector c
                 WHERE c.system = 'webhook' AND c.active
            ), created AS (
                INSERT INTO collection_event_delivery (event_id, connector_id, company_id, name, state,
                                                       attempt_count, next_try,
                                                       create_uid, create_date, write_uid, write_date)
                SELECT todo.id, hooks.id, hooks.company_id, todo.name, 'pending', 0, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM todo
                  JOIN hooks ON (todo.company_id IS NULL OR hooks.company_id = todo.company_id)
                            AND (cardinality(hooks.codes) = 0 OR todo.name = ANY(hooks.codes))
                ON CONFLICT (event_id, connector_id) DO NOTHING
             RETURNING event_id
            )
            UPDATE collection_event e
               SET is_dispatched = TRUE,
                   state = CASE WHEN e.id IN (SELECT event_id FROM created) THEN 'pending' ELSE 'no_subscriber' END
              FROM todo
             WHERE e.id = todo.id
         RETURNING e.id
        """, limit=limit, now=fields.Datetime.now(), uid=self.env.uid))
        self.invalidate_model(['is_dispatched', 'state'])
        self.env['collection.event.delivery'].invalidate_model()
        return len(rows)

    def _refresh_delivery_state(self):
        """An event is delivered when all its deliveries are, dead when one is dead and none is
        pending any more; it stays pending otherwise."""
        if not self:
            return
        self.env.flush_all()
        self.env.execute_query(SQL("""
            UPDATE collection_event e
               SET state = s.state, sent_date = s.sent_date, attempt_count = s.attempts, last_error = s.error
              FROM (SELECT d.event_id,
                           CASE WHEN bool_or(d.state = 'pending') THEN 'pending'
                                WHEN bool_or(d.state = 'dead') THEN 'dead'
                                ELSE 'sent' END AS state,
                           max(d.sent_date) AS sent_date,
                           sum(d.attempt_count) AS attempts,
                           max(d.last_error) FILTER (WHERE d.state <> 'sent') AS error
                      FROM collection_event_delivery d
                     WHERE d.event_id IN %(ids)s
                  GROUP BY d.event_id) s
             WHERE e.id = s.event_id
        """, ids=tuple(self.ids)))
        self.invalidate_recordset(['state', 'sent_date', 'attempt_count', 'last_error'])

    def _get_webhook_body(self, delivery, attempt):
        """The JSON document posted to a webhook for this event."""
        self.ensure_one()
        return {
            'id': self.id,
            'event': self.name,
            'occurred_at': self.create_date.isoformat(timespec='seconds') + 'Z',
            'company_id': self.company_id.id or None,
            # the sync's change events carry their records in ``data`` (docs/integration.md)
            'record': {'model': self.res_model, 'id': self.res_id} if self.res_model and self.res_id else None,
            'data': self.payload or {},
            'delivery': {'id': delivery.id, 'attempt': attempt},
        }

    @api.model
    def _deliver_due(self, batch_size=DELIVERY_BATCH):
        """Dispatch new events, then post the due deliveries by locked batches. Returns the number
        of deliveries attempted."""
        in_cron = bool(self.env.context.get('cron_id'))
        while self._dispatch_pending():
            if in_cron:
                self.env['ir.cron']._commit_progress(0)
        Delivery = self.env['collection.event.delivery'].sudo()
        skipped = []
        done = 0
        while True:
            domain = Domain([('state', '=', 'pending'), ('next_try', '<=', fields.Datetime.now())])
            if skipped:
                domain &= Domain('id', 'not in', skipped)
            batch = Delivery.search(domain, order='next_try, id', limit=batch_size)
            if not batch:
                break
            locked = batch.try_lock_for_update()
            skipped += (batch - locked).ids
            locked._send()
            done += len(locked)
            if in_cron:
                remaining = Delivery.search_count(domain)
                if not self.env['ir.cron']._commit_progress(len(locked), remaining=remaining):
                    break
        if done:
            _logger.info("Collection events: %s deliveries attempted", done)
        return done

    @api.model
    def _cron_deliver(self):
        self._deliver_due()

    @api.autovacuum
    def _gc_delivered_events(self):
        """Delivered and unsubscribed events are kept ``collection_integration.event_retention_days``
        days (30 by default); pending and dead ones stay until handled."""
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'collection_integration.event_retention_days', EVENT_RETENTION_DAYS))
        self.env.execute_query(SQL("""
            DELETE FROM collection_event
             WHERE state IN ('sent', 'no_subscriber')
               AND create_date < now() AT TIME ZONE 'UTC' - %s * interval '1 day'
        """, days))

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_event_delivery_action')
        action['domain'] = [('event_id', '=', self.id)]
        return action
