from odoo import fields, models


class CollectionLegalHearing(models.Model):
    _name = 'collection.legal.hearing'
    _description = 'Court Hearing'
    _inherit = ['mail.thread', 'collection.hearing.mixin']
    _order = 'date_start, id'

    legal_case_id = fields.Many2one('collection.legal.case', required=True, index=True, ondelete='cascade')
    case_id = fields.Many2one(related='legal_case_id.case_id', store=True, index=True)
    company_id = fields.Many2one(related='legal_case_id.company_id', store=True)
    name = fields.Char(string="Purpose", required=True, default=lambda self: self.env._("Hearing"))
    user_id = fields.Many2one(
        'res.users', string="Attended By", default=lambda self: self.env.user, domain=[('share', '=', False)])
    outcome = fields.Text()

    def _get_event_attendees(self):
        return self.user_id

    def _get_attendee_fields(self):
        return {'user_id'}

    def _get_event_name(self):
        return self.env._("Court: %(purpose)s, %(case)s (%(court)s %(number)s)",
                          purpose=self.name, case=self.legal_case_id.partner_id.name,
                          court=self.legal_case_id.court or '', number=self.legal_case_id.court_case_number or '')
