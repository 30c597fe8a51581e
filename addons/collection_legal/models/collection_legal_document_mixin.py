from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class CollectionLegalLetterMixin(models.AbstractModel):
    """Letters printed from a legal record (repossession, hearing, settlement, ...).

    The letter is a ``collection.letter.template`` rendered on the record's case through the
    base letter engine (QWeb PDF with the company layout, attached to the case). The record is
    offered to the template's placeholders as ``record``; a letter to someone other than the
    customer (an agency, an officer) names its ``addressee`` and skips the contact policy; a letter
    to the customer is a legal notice, held back by a dispute only (see
    ``collection.letter.template._filter_statutory_cases``).
    """
    _name = 'collection.legal.letter.mixin'
    _description = 'Letters of Legal Records'

    def _print_legal_letter(self, template, addressee=None, raise_if_blocked=True, statutory=True):
        """Print ``template`` for this record; log it in the record's and the case's chatter.

        :param template: collection.letter.template
        :param addressee: res.partner the letter goes to when it is not the customer
        :param raise_if_blocked: raise when the contact policy holds a customer letter back;
            otherwise post the reason on the record and return an empty recordset
        :param statutory: a legal notice, held back by a dispute only; False for an ordinary letter
            to the customer (every rule of the contact policy applies: caps, consent, ...)
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
            collection_letter_statutory=statutory,
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


class CollectionLegalDocumentMixin(models.AbstractModel):
    """A legal record of a case (repossession, mediation, settlement, ...): a reference from the
    sequence named after the model, the case and its customer, a chatter, letters, and the steps
    logged on the case."""
    _name = 'collection.legal.document.mixin'
    _description = 'Legal Record of a Case'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'collection.legal.letter.mixin']
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False,
                       default=lambda self: self.env._("New"))
    case_id = fields.Many2one(
        'collection.case', string="Case", required=True, index=True, check_company=True, tracking=True)
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Customer")
    company_id = fields.Many2one(related='case_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='case_id.currency_id')

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', self.env._("New")) == self.env._("New"):
                vals['name'] = self.env['ir.sequence'].next_by_code(self._name) or '/'
        return super().create(vals_list)

    def _check_state(self, *states):
        """Raise naming the record when it is not in one of ``states``."""
        labels = dict(self._fields['state']._description_selection(self.env))
        for record in self:
            if record.state not in states:
                raise UserError(self.env._(
                    "%(record)s is %(state)s: this step is not possible now.",
                    record=record.display_name, state=labels[record.state]))

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)
