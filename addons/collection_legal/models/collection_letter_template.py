from odoo import fields, models

# Legal letters and the record each is printed from (offered to placeholders as ``record``).
# The repossession warning is printed on the case alone, e.g. by a strategy's letter treatment.
LEGAL_LETTER_TYPES = [
    ('repossession_warning', 'Repossession warning'),
    ('repossession_authorisation', 'Repossession authorisation'),
    ('repossession_announcement', 'Repossession announcement'),
    ('mediation_notice', 'Notice of hearing'),
    ('mediation_certificate', 'Certificate of non-settlement'),
    ('settlement', 'Settlement letter'),
]
LEGAL_LETTER_MODELS = {
    'repossession_authorisation': 'collection.repossession',
    'repossession_announcement': 'collection.repossession',
    'mediation_notice': 'collection.mediation.hearing',
    'mediation_certificate': 'collection.mediation',
    'settlement': 'collection.settlement',
}


class CollectionLetterTemplate(models.Model):
    _inherit = 'collection.letter.template'

    letter_type = fields.Selection(
        selection_add=LEGAL_LETTER_TYPES,
        ondelete={key: 'set default' for key, _label in LEGAL_LETTER_TYPES})

    def _get_render_context(self):
        """Add ``record``: the legal record the letter is printed from (an empty record of the
        right model in previews), and ``addressee`` when the letter is not for the customer."""
        values = super()._get_render_context()
        model, res_id = self.env.context.get('collection_letter_record') or (
            LEGAL_LETTER_MODELS.get(self.letter_type), False)
        values['record'] = self.env[model].browse(res_id) if model else None
        addressee_id = self.env.context.get('collection_letter_addressee_id')
        values['addressee'] = self.env['res.partner'].browse(addressee_id) if addressee_id else None
        return values

    def _filter_contactable_cases(self, cases):
        # A letter to an agency or an officer is not a contact with the customer.
        if self.env.context.get('collection_letter_addressee_id'):
            return cases, {}
        if self.env.context.get('collection_letter_statutory'):
            return self._filter_statutory_cases(cases)
        return super()._filter_contactable_cases(cases)

    def _filter_statutory_cases(self, cases):
        """Legal notices (repossession, hearing, settlement) must reach the customer whatever the
        caps, hours or channel consent: only a dispute holds them back (the contact policy's dispute
        rules when the compliance engine is installed, the Dispute stage in any case)."""
        blocked = {}
        if 'collection.contact.policy' in self.env:
            verdicts = self.env['collection.contact.policy']._evaluate_contact(cases, 'letter')
            blocked = {case_id: verdict.reason for case_id, verdict in verdicts.items() if verdict.rule == 'dispute'}
        for case in cases.filtered(lambda c: c.stage == 'dispute' and c.id not in blocked):
            blocked[case.id] = self.env._("the case is in dispute")
        return cases.filtered(lambda case: case.id not in blocked), blocked

    def _log_letter_actions(self, cases, letters, when):
        addressee_id = self.env.context.get('collection_letter_addressee_id')
        if addressee_id and cases:
            # Logged as a note (no outbound contact, no contact cap used), with the PDF.
            addressee = self.env['res.partner'].browse(addressee_id)
            actions = self.env['collection.action'].with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True,
            ).create([{
                'case_id': case.id,
                'action_type_id': self.env.ref('collection_base.collection_action_type_note').id,
                'date': when,
                'note': self.env._("%(template)s sent to %(addressee)s",
                                   template=self.name, addressee=addressee.display_name),
                'attachment_id': letters[case.id].id,
                'state': 'posted',
            } for case in cases])
        else:
            actions = super()._log_letter_actions(cases, letters, when)
        # sudo: posted actions are read-only for agents; this only records which template it was
        actions.sudo().write({'letter_template_id': self.id})
        if self.letter_type == 'repossession_warning' and actions:
            self.env['collection.repossession']._link_warning_letters(actions)
        return actions
