from odoo import fields, models


class CollectionEventType(models.Model):
    """A kind of outbox event that webhooks subscribe to (``payment.received``, ...)."""

    _name = 'collection.event.type'
    _description = 'Collection Event Type'
    _order = 'sequence, code'
    _rec_name = 'code'

    code = fields.Char(required=True, help="The event name in the outbox and in the webhook body.")
    name = fields.Char(string="Description", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint('unique(code)', "An event type code must be unique.")
