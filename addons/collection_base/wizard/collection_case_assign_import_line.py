from odoo import fields, models


class CollectionCaseAssignImportLine(models.TransientModel):
    _name = 'collection.case.assign.import.line'
    _description = 'Row of a CSV Reassignment'
    _order = 'line_number'

    import_id = fields.Many2one('collection.case.assign.import', required=True, ondelete='cascade')
    line_number = fields.Integer(string="Line")
    reference = fields.Char(string="Reference", help="Case, account number or CIF as read from the file.")
    agent_login = fields.Char(string="Agent in File")
    team_name = fields.Char(string="Team in File")
    case_id = fields.Many2one('collection.case', string="Case")
    user_id = fields.Many2one('res.users', string="Agent")
    team_id = fields.Many2one('collection.team', string="Team")
    previous_user_id = fields.Many2one('res.users', string="Previous Agent")
    previous_team_id = fields.Many2one('collection.team', string="Previous Team")
    status = fields.Selection([
        ('assigned', 'Assigned'),
        ('unchanged', 'Unchanged'),
        ('skipped', 'Skipped'),
    ], required=True)
    reason_code = fields.Selection([
        ('malformed', 'Malformed row'),
        ('duplicate', 'Duplicate row'),
        ('unknown_case', 'Unknown case'),
        ('unknown_agent', 'Unknown agent'),
        ('unknown_team', 'Unknown team'),
        ('agent_not_in_team', 'Agent not in team'),
        ('no_access', 'No access'),
    ], string="Reason Code")
    reason = fields.Char()
