from odoo import fields, models

ACTION_CHANNELS = [
    ('call', 'Call'),
    ('sms', 'SMS'),
    ('email', 'Email'),
    ('whatsapp', 'WhatsApp'),
    ('visit', 'Visit'),
    ('letter', 'Letter'),
    ('note', 'Note'),
]


class CollectionActionType(models.Model):
    _name = 'collection.action.type'
    _description = 'Collection Action Type'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    channel = fields.Selection(ACTION_CHANNELS, required=True, default='call')
    is_outbound = fields.Boolean(
        default=True, help="Outbound contacts are checked against the contact policy first.")
    result_code_ids = fields.Many2many(
        'collection.result.code', 'collection_result_code_action_type_rel', 'action_type_id',
        'result_code_id', string="Result Codes")

    _code_uniq = models.Constraint('unique(code)', "An action type code must be unique.")
