from odoo import models
from odoo.exceptions import UserError


class SmsComposer(models.TransientModel):
    _inherit = 'sms.composer'

    def _action_send_sms(self):
        """On collection cases, ask the contact policy first and log what was sent."""
        if (self.res_model != 'collection.case' or self.composition_mode == 'numbers'
                or self.env.context.get('collection_contact_checked')):
            return super()._action_send_sms()
        cases = self._get_records()
        if not self.comment_single_recipient:
            use_template = self.template_id if self.body == self.template_id.body else False
            return cases._collection_notify(
                'sms', template=use_template, body=self.body,
                force_send=self.composition_mode == 'comment' or self.mass_force_send)
        point = self._get_collection_contact_point(cases)
        cases._check_outbound_contact('sms', point)
        result = super()._action_send_sms()
        cases._log_collection_notifications('sms', {cases.id: point.id}, self.body)
        return result

    def _get_collection_contact_point(self, case):
        """The customer's contact point holding the number the SMS goes to."""
        number = self.recipient_single_number_itf or self.recipient_single_number
        e164 = case._phone_format(number=number) or number
        point = self.env['collection.contact.point'].search([
            ('partner_id', '=', case.partner_id.id), ('phone_e164', '=', e164)], limit=1)
        if not point:
            raise UserError(self.env._(
                "%(number)s is not a contact point of %(customer)s: add it to the customer's "
                "contacts before sending it an SMS.", number=number, customer=case.partner_id.display_name))
        return point
