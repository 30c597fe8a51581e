from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionWhatsappSend(models.TransientModel):
    """Send a WhatsApp template to the customers of one or several cases, behind the contact policy."""

    _name = 'collection.whatsapp.send'
    _description = 'Send a WhatsApp Template'

    case_ids = fields.Many2many('collection.case', string="Cases", required=True)
    case_count = fields.Integer(compute='_compute_case_count')
    template_id = fields.Many2one(
        'collection.whatsapp.template', string="Template", required=True,
        domain="['|', ('company_id', '=', False), ('company_id', 'in', allowed_company_ids)]")
    preview = fields.Text(related='template_id.preview')

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'collection.case' and 'case_ids' in fields_list:
            values['case_ids'] = [(6, 0, self.env.context.get('active_ids') or [])]
        return values

    @api.depends('case_ids')
    def _compute_case_count(self):
        for wizard in self:
            wizard.case_count = len(wizard.case_ids)

    def action_send(self):
        self.ensure_one()
        if len(self.case_ids) == 1:
            self.case_ids._check_outbound_contact('whatsapp')
        result = self.case_ids._collection_notify('whatsapp', template=self.template_id, force_send=len(self.case_ids) == 1)
        if len(self.case_ids) == 1 and not result['sent']:
            raise UserError(self.env._("The WhatsApp message was not sent: %(reasons)s",
                                       reasons=", ".join(result['blocked'])))
        blocked = sum(result['blocked'].values())
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success' if not blocked else 'warning',
                'message': self.env._("%(sent)s WhatsApp messages sent or queued, %(blocked)s not sent (%(reasons)s).",
                                      sent=result['sent'], blocked=blocked,
                                      reasons=", ".join(f"{reason}: {count}" for reason, count in result['blocked'].items())
                                      or "-"),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
