from odoo import api, fields, models
from odoo.tools import SQL


class CollectionEvent(models.Model):
    """The outbox: what happened (a loan created by the sync, a payment received, ...), written
    in the same transaction as the change and delivered later to subscribed webhooks."""

    _name = 'collection.event'
    _description = 'Collection Event'
    _order = 'id desc'

    # few indexes: a first load writes an event per record, and the delivery reads by id
    name = fields.Char(string="Event", required=True, help="e.g. loan.created, customer.updated, sync.completed")
    res_model = fields.Char(string="Model")
    res_id = fields.Many2oneReference(string="Record", model_field='res_model')
    company_id = fields.Many2one('res.company')
    run_id = fields.Many2one('collection.sync.run', string="Sync Run", index='btree_not_null', ondelete='set null')
    payload = fields.Json()
    state = fields.Selection([
        ('pending', 'Pending'),
        ('sent', 'Sent'),
        ('dead', 'Dead'),
    ], required=True, default='pending')
    attempt_count = fields.Integer(string="Attempts")
    last_error = fields.Text()
    sent_date = fields.Datetime()

    _pending_idx = models.Index("(id) WHERE state = 'pending'")

    @api.model
    def _emit(self, name, records=None, payload=None, run=None):
        """Record one event per record of ``records`` (or one event without record)."""
        vals = {'name': name, 'payload': payload or {}, 'run_id': run.id if run else False}
        if not records:
            return self.sudo().create([vals])
        return self.sudo().create([dict(vals, res_model=record._name, res_id=record.id,
                                        company_id=record.company_id.id if 'company_id' in record else False)
                                   for record in records])

    @api.model
    def _emit_from_query(self, query, run=None):
        """Set-based: ``query`` selects (name, res_model, res_id, company_id, payload jsonb), one
        row per event. Returns the number of events written."""
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            INSERT INTO collection_event (name, res_model, res_id, company_id, payload, run_id, state,
                                          attempt_count, create_uid, create_date, write_uid, write_date)
            SELECT q.name, q.res_model, q.res_id, q.company_id, q.payload, %(run)s, 'pending', 0,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM (%(query)s) AS q(name, res_model, res_id, company_id, payload)
        """, query=query, run=run.id if run else None, uid=self.env.uid))
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count
