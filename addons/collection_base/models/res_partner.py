from odoo import api, fields, models

CONTACT_CHANNELS = [
    ('call', 'Call'),
    ('sms', 'SMS'),
    ('email', 'Email'),
    ('whatsapp', 'WhatsApp'),
    ('letter', 'Letter'),
    ('visit', 'Visit'),
]


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
    collection_case_count = fields.Integer(compute='_compute_collection_case_count')

    _cif_company_uniq = models.UniqueIndex(
        '(cif, company_id) WHERE cif IS NOT NULL',
        "A CIF must be unique per company.")

    @api.depends('collection_case_ids')
    def _compute_collection_case_count(self):
        counts = dict(self.env['collection.case']._read_group(
            [('partner_id', 'in', self.ids)], ['partner_id'], ['__count']))
        for partner in self:
            partner.collection_case_count = counts.get(partner, 0)

    def _has_contact_consent(self, channel):
        """Whether this customer consents to be contacted through ``channel``."""
        self.ensure_one()
        return bool(self[f'consent_{channel}']) if f'consent_{channel}' in self._fields else True

    def action_open_collection_cases(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action['domain'] = [('partner_id', '=', self.id)]
        return action
