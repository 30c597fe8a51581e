import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules.db import FunctionStatus

CONTACT_CHANNELS = [
    ('call', 'Call'),
    ('sms', 'SMS'),
    ('email', 'Email'),
    ('whatsapp', 'WhatsApp'),
    ('letter', 'Letter'),
    ('visit', 'Visit'),
]


def trigram_index(column):
    """Definition of a trigram (GIN) index on ``column``, built as Odoo builds ``index='trigram'``
    (on ``unaccent(column)`` when the database has an indexable unaccent), so that ``ilike``
    searches on the column use it."""
    def definition(registry):
        if not registry.has_trigram:
            return ''
        expression = f'"{column}"'
        if registry.has_unaccent == FunctionStatus.INDEXABLE:
            expression = registry.unaccent(expression)
        return f'USING gin ({expression} gin_trgm_ops)'
    return definition


def _cif_taken_message(env, diag):
    """The message of a CIF uniqueness violation, naming the CIF (from the key in ``diag``)."""
    match = re.search(r"\)=\(([^,)]*)", (diag and diag.message_detail) or '')
    return env._(
        "CIF %(cif)s is already the CIF of another customer of the same company (or of no company): "
        "a CIF identifies one customer.", cif=match.group(1) if match else '')


class ResPartner(models.Model):
    _inherit = 'res.partner'
    _rec_names_search = ['complete_name', 'email', 'ref', 'vat', 'company_registry', 'cif']

    cif = fields.Char(
        string="CIF", index='trigram', copy=False, tracking=True,
        help="Customer information file number in the core-banking system.")
    national_id = fields.Char(
        string="National ID", index='trigram', copy=False,
        groups='collection_base.collection_base_group_manager')
    consent_call = fields.Boolean(string="Consents to Calls", default=True)
    consent_sms = fields.Boolean(string="Consents to SMS", default=True)
    consent_email = fields.Boolean(string="Consents to Email", default=True)
    consent_whatsapp = fields.Boolean(string="Consents to WhatsApp", default=False)
    consent_letter = fields.Boolean(string="Consents to Letters", default=True)
    consent_visit = fields.Boolean(string="Consents to Visits", default=True)
    is_do_not_contact = fields.Boolean(
        string="Do Not Contact", tracking=True,
        help="No outbound contact of any kind is made to this customer.")
    collection_tag_ids = fields.Many2many(
        'collection.tag', 'collection_tag_res_partner_rel', 'partner_id', 'tag_id',
        string="Collection Tags")
    contact_point_ids = fields.One2many(
        'collection.contact.point', 'partner_id', string="Contact Points")
    collection_loan_ids = fields.One2many('collection.loan', 'partner_id', string="Loans")
    collection_case_ids = fields.One2many('collection.case', 'partner_id', string="Collection Cases")
    collection_loan_party_ids = fields.One2many(
        'collection.loan.party', 'partner_id', string="Co-borrower or Guarantor of")
    collection_case_count = fields.Integer(compute='_compute_collection_case_count')

    # Customer search by name (case list, name_search) at hundreds of thousands of partners;
    # base only has a btree index on complete_name, which ilike cannot use.
    _complete_name_trgm_idx = models.Index(trigram_index('complete_name'))
    # two indexes rather than one on (cif, COALESCE(company_id, 0)): the sync's upsert of the
    # customers infers its conflict target from the first; the second, small, covers the customers
    # of no company (the default of a contact created by hand), which NULLs would let through
    _cif_company_uniq = models.UniqueIndex(
        '(cif, company_id) WHERE cif IS NOT NULL', _cif_taken_message)
    _cif_no_company_uniq = models.UniqueIndex(
        '(cif) WHERE cif IS NOT NULL AND company_id IS NULL', _cif_taken_message)

    @api.depends('collection_case_ids')
    def _compute_collection_case_count(self):
        counts = dict(self.env['collection.case']._read_group(
            [('partner_id', 'in', self.ids)], ['partner_id'], ['__count']))
        for partner in self:
            partner.collection_case_count = counts.get(partner, 0)

    def write(self, vals):
        blocks = {'is_do_not_contact', 'collection_tag_ids', *(f'consent_{key}' for key, _label in CONTACT_CHANNELS)}
        if not blocks & vals.keys() or self.env.su or not self.env.user._is_collection_agent_only():
            return super().write(vals)
        # an agent may add a block (the customer asks not to be called), not lift one
        for partner in self:
            lifted = [fname for fname in blocks & vals.keys() - {'collection_tag_ids'}
                      if bool(partner[fname]) != bool(vals[fname]) and bool(vals[fname]) == fname.startswith('consent_')]
            if lifted:
                raise UserError(self.env._(
                    "Only a collection supervisor can change %(fields)s of %(customer)s: it would allow contact "
                    "again.", customer=partner.display_name,
                    fields=", ".join(self._fields[fname]._description_string(self.env) for fname in sorted(lifted))))
        if 'collection_tag_ids' in vals:
            with self.env['collection.tag']._refuse_lifting(self, 'collection_tag_ids'):
                return super().write(vals)
        return super().write(vals)

    def _has_contact_consent(self, channel):
        """Whether this customer consents to be contacted through ``channel``."""
        self.ensure_one()
        return bool(self[f'consent_{channel}']) if f'consent_{channel}' in self._fields else True

    def action_open_collection_cases(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action['domain'] = [('partner_id', '=', self.id)]
        return action
