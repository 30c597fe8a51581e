from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.sync_schema import FIELD_SELECTION, TARGETS


class CollectionSyncMapping(models.Model):
    """Where a target field comes from: one line per (record type, field) of a connector."""

    _name = 'collection.sync.mapping'
    _description = 'Sync Field Mapping'
    _order = 'connector_id, record_type, sequence, id'

    connector_id = fields.Many2one('collection.connector', required=True, index=True, ondelete='cascade')
    sequence = fields.Integer(default=10)
    record_type = fields.Char(
        required=True, help="Record type as the source names it in the extract header (ARRANGEMENT, CARD_ACCOUNT, ...).")
    field_key = fields.Selection(FIELD_SELECTION, string="Field", required=True)
    target = fields.Selection(
        [(key, spec['label']) for key, spec in TARGETS.items()],
        compute='_compute_target', store=True)
    is_required = fields.Boolean(string="Required", compute='_compute_is_required')
    source_column = fields.Char(help="Column (CSV), key (JSON) or element (XML, SOAP) holding the value.")
    default_value = fields.Char(help="Value used when the column is absent or empty.")

    _connector_type_field_uniq = models.Constraint(
        'unique(connector_id, record_type, field_key)',
        "A field can be mapped only once per record type.")

    @api.depends('field_key')
    def _compute_target(self):
        for line in self:
            target, _sep, name = (line.field_key or '').partition('.')
            line.target = target or False

    @api.depends('field_key')
    def _compute_is_required(self):
        for line in self:
            target, _sep, name = (line.field_key or '').partition('.')
            line.is_required = bool(target) and TARGETS[target]['fields'][name][1]

    @api.constrains('field_key', 'source_column', 'default_value')
    def _check_source(self):
        for line in self:
            if not line.source_column and not line.default_value:
                raise ValidationError(self.env._(
                    "The mapping of %(field)s for %(record_type)s needs a source column or a default value.",
                    field=dict(FIELD_SELECTION)[line.field_key], record_type=line.record_type))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalise(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._normalise(vals)
        return super().write(vals)

    @staticmethod
    def _normalise(vals):
        for key in ('record_type', 'source_column'):
            if vals.get(key):
                vals[key] = vals[key].strip().upper()
