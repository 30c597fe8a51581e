from odoo import fields, models


class CollectionResultCode(models.Model):
    _name = 'collection.result.code'
    _description = 'Collection Result Code'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    category = fields.Selection([
        ('contact', 'Right-party contact'),
        ('third_party', 'Third-party contact'),
        ('no_contact', 'No contact'),
        ('ptp', 'Promise to pay'),
        ('paid', 'Claims paid'),
        ('refusal', 'Refusal to pay'),
        ('dispute', 'Dispute'),
        ('wrong_number', 'Wrong number'),
        ('callback', 'Call back'),
        ('other', 'Other'),
    ], required=True, default='contact')
    action_type_ids = fields.Many2many(
        'collection.action.type', 'collection_result_code_action_type_rel', 'result_code_id',
        'action_type_id', string="Action Types",
        help="The action types this code may be picked for; empty means all.")
    requires_ptp = fields.Boolean(string="Requires a PTP")
    requires_note = fields.Boolean(string="Requires a Note")
    requires_next_date = fields.Boolean(string="Requires a Next Action Date")
    effect = fields.Selection([
        ('none', 'None'),
        ('close', 'Close the case'),
        ('escalate', 'Escalate the case'),
        ('pause', 'Pause the case'),
    ], required=True, default='none')
    pause_days = fields.Integer(default=7, help="With the pause effect: how long the case is paused.")
    next_action_days = fields.Integer(
        string="Next Action In (days)",
        help="Sets the case's next action date this many days after the action, unless the agent gives one.")
    is_reached = fields.Boolean(
        compute='_compute_is_reached',
        help="Whether the customer was reached (counts as a contact).")

    _code_uniq = models.Constraint('unique(code)', "A result code must be unique.")

    def _compute_is_reached(self):
        for code in self:
            code.is_reached = code.category in ('contact', 'ptp', 'paid', 'refusal', 'dispute', 'callback')

    def _applies_to(self, action_type):
        self.ensure_one()
        return not self.action_type_ids or action_type in self.action_type_ids
