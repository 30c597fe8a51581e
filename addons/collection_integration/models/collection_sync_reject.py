from odoo import fields, models

from ..tools.sync_schema import TARGETS

REJECT_REASONS = [
    ('malformed', 'Malformed record'),
    ('missing_value', 'Missing value'),
    ('duplicate_key', 'Duplicate key in the file'),
    ('bad_date', 'Bad date'),
    ('bad_number', 'Bad number'),
    ('negative_amount', 'Negative amount'),
    ('unknown_value', 'Unknown value'),
    ('unknown_currency', 'Unknown currency'),
    ('unknown_customer', 'Unknown customer'),
    ('unknown_loan', 'Unknown loan'),
    ('unknown_product', 'Unknown product'),
    ('invalid_phone', 'Invalid phone number'),
    ('invalid_email', 'Invalid email'),
    ('unknown_country', 'Unknown country'),
    ('unknown_state', 'Unknown region'),
]


class CollectionSyncReject(models.Model):
    """A record of a batch that was not loaded (error), or loaded without one value (warning)."""

    _name = 'collection.sync.reject'
    _description = 'Sync Rejected Record'
    _order = 'batch_id, line_no, id'
    _rec_name = 'record_key'

    run_id = fields.Many2one('collection.sync.run', required=True, index=True, ondelete='cascade')
    batch_id = fields.Many2one('collection.sync.batch', string="File / Enquiry", index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', index=True)
    line_no = fields.Integer(string="Line", help="Line in the file, or record number in a SOAP enquiry.")
    target = fields.Selection([(key, spec['label']) for key, spec in TARGETS.items()])
    record_key = fields.Char(string="Key", help="The record's key in the source (CIF, account, ...).")
    reason = fields.Selection(REJECT_REASONS, required=True, index=True)
    severity = fields.Selection([
        ('error', 'Rejected'),
        ('warning', 'Loaded without this value'),
    ], required=True, default='error', index=True)
    column_name = fields.Char(string="Column")
    value = fields.Char(help="The value at fault, or the parser's message for a malformed record.")
    detail = fields.Char(help="More about the reason, e.g. the other lines that carry the same key.")
