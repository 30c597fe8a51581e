from odoo import fields, models

VERDICTS = [
    ('balanced', 'Balanced'),
    ('balanced_rejects', 'Balanced, rows rejected'),
    ('unverified', 'Unverified (unreadable rows)'),
    ('mismatch', 'Totals do not match'),
    ('no_trailer', 'No trailer (truncated)'),
    ('not_checked', 'Not checked'),
]
VERDICT_RANK = {key: rank for rank, (key, _label) in enumerate(VERDICTS)}


class CollectionSyncBatch(models.Model):
    """One extract file or one SOAP enquiry of a run, applied in one transaction."""

    _name = 'collection.sync.batch'
    _description = 'Sync Batch'
    _order = 'run_id desc, sequence, id'

    run_id = fields.Many2one('collection.sync.run', required=True, index=True, ondelete='cascade')
    connector_id = fields.Many2one(related='run_id.connector_id', store=True, index=True)
    company_id = fields.Many2one(related='run_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="File / Enquiry", required=True)
    record_type = fields.Char()
    extract_type = fields.Selection([('FULL', 'Full'), ('DELTA', 'Incremental')])
    as_of = fields.Datetime(string="As of", help="Time of the source's data the batch reflects.")
    state = fields.Selection([
        ('running', 'Running'),
        ('done', 'Loaded'),
        ('rejected', 'Rejected'),
        ('skipped', 'Skipped'),
        ('failed', 'Failed'),
    ], required=True, default='running')
    verdict = fields.Selection(VERDICTS, default='not_checked')
    control_summary = fields.Text(string="Reconciliation")
    record_count = fields.Integer(string="Records")
    inserted_count = fields.Integer(string="Created")
    updated_count = fields.Integer(string="Updated")
    unchanged_count = fields.Integer(string="Unchanged")
    rejected_count = fields.Integer(string="Rejected")
    warning_count = fields.Integer(string="Warnings")
    closed_count = fields.Integer(
        string="Closed", help="Loans closed, instalments settled or collateral released because a full "
                              "extract no longer lists them.")
    event_count = fields.Integer(string="Events")
    retry_count = fields.Integer(string="Retries")
    duration = fields.Float(string="Duration (s)", digits=(16, 2))
    bulk_tables = fields.Char(
        string="Bulk-Loaded Tables", readonly=True,
        help="Tables this batch filled (a first load): their secondary indexes and foreign keys were "
             "dropped during the load and built again, and checked, at its end.")
    bulk_duration = fields.Float(
        string="Index Rebuild (s)", readonly=True,
        help="Of the duration, the time spent building the bulk-loaded tables' indexes again and checking "
             "their foreign keys.")
    message = fields.Text()
    reject_ids = fields.One2many('collection.sync.reject', 'batch_id', string="Rejected Records")
