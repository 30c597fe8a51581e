from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError


class CollectionLegalLetterMixin(models.AbstractModel):
    """Letters printed from a legal record (repossession, hearing, settlement, ...).

    The letter is a ``collection.letter.template`` rendered on the record's case through the
    base letter engine (QWeb PDF with the company layout, attached to the case). The record is
    offered to the template's placeholders as ``record``; a letter to someone other than the
    customer (an agency, an officer) names its ``addressee`` and skips the contact policy.
    """
    _name = 'collection.legal.letter.mixin'
    _description = 'Letters of Legal Records'

    def _print_legal_letter(self, template, addressee=None, raise_if_blocked=True):
        """Print ``template`` for this record; log it in the record's and the case's chatter.

        :param template: collection.letter.template
        :param addressee: res.partner the letter goes to when it is not the customer
        :param raise_if_blocked: raise when the contact policy holds a customer letter back;
            otherwise post the reason on the record and return an empty recordset
        :returns: ir.attachment, the letter's PDF attached to the case
        """
        self.ensure_one()
        case = self.case_id
        if not template:
            raise UserError(self.env._("No letter template is configured for %(record)s.",
                                       record=self.display_name))
        result = template.with_context(
            collection_letter_record=(self._name, self.id),
            collection_letter_addressee_id=addressee.id if addressee else False,
        )._print_letters(case, batch_owner=self)
        if result['blocked']:
            reason = result['blocked'][case.id]
            message = self.env._(
                "Letter %(template)s for %(record)s was not sent: %(reason)s",
                template=template.name, record=self.display_name, reason=reason)
            if raise_if_blocked:
                raise UserError(message)
            self.message_post(body=message)
            return self.env['ir.attachment']
        letter = result['letters'][case.id]
        if addressee:
            body = self.env._("%(template)s for %(record)s, sent to %(addressee)s.",
                              template=template.name, record=self.display_name, addressee=addressee.display_name)
        else:
            body = self.env._("%(template)s for %(record)s.", template=template.name, record=self.display_name)
        case.message_post(body=Markup("<p>%s</p>") % body, attachment_ids=letter.ids,
                          subtype_xmlid='mail.mt_note')
        return letter

    def _get_letter_template(self, letter_type):
        """The letter template of ``letter_type`` for this record's company (its own first)."""
        self.ensure_one()
        return self.env['collection.letter.template'].search([
            ('letter_type', '=', letter_type),
            ('company_id', 'in', (False, self.case_id.company_id.id)),
        ], order='company_id, sequence, id', limit=1)

    def _post_on_case(self, body):
        """Log a step of this record in the case's chatter: the case shows the whole timeline."""
        for record in self:
            record.case_id.message_post(
                body=Markup("<p>%s: %s</p>") % (record._get_html_link(), body), subtype_xmlid='mail.mt_note')
