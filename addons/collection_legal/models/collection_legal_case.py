from odoo import api, fields, models

LEGAL_ORIGINS = [
    ('manual', 'By hand'),
    ('mediation', 'Mediation not settled'),
    ('settlement', 'Settlement breached'),
]


class CollectionLegalCase(models.Model):
    _name = 'collection.legal.case'
    _description = 'Legal Case'
    _inherit = ['collection.legal.document.mixin']
    _order = 'priority desc, id desc'

    case_id = fields.Many2one(
        'collection.case', string="Collection Case", required=True, index=True, check_company=True, tracking=True)
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Defendant")
    active = fields.Boolean(default=True)
    user_id = fields.Many2one('res.users', string="Responsible", default=lambda self: self.env.user, tracking=True)
    stage_id = fields.Many2one(
        'collection.legal.stage', string="Stage", index=True, tracking=True, copy=False,
        default=lambda self: self.env['collection.legal.stage'].search([], limit=1),
        group_expand='_read_group_expand_full')
    is_closed = fields.Boolean(related='stage_id.is_closed')
    priority = fields.Selection([('0', 'Normal'), ('1', 'High')], default='0')
    color = fields.Integer()
    origin = fields.Selection(LEGAL_ORIGINS, required=True, default='manual')
    mediation_id = fields.Many2one('collection.mediation', readonly=True, copy=False)
    settlement_id = fields.Many2one('collection.settlement', string="Breached Settlement", readonly=True, copy=False)
    law_firm_id = fields.Many2one('res.partner', string="Law Firm", tracking=True)
    lawyer_id = fields.Many2one('res.partner', string="Lawyer", tracking=True)
    court = fields.Char(tracking=True)
    court_case_number = fields.Char(string="Court Case Number", index='trigram', tracking=True, copy=False)
    filing_date = fields.Date(tracking=True, copy=False)
    claim_amount = fields.Monetary(tracking=True)
    judgment_date = fields.Date(tracking=True, copy=False)
    judgment_amount = fields.Monetary(tracking=True, copy=False)
    judgment_summary = fields.Text(copy=False)
    hearing_ids = fields.One2many('collection.legal.hearing', 'legal_case_id', string="Hearings")
    enforcement_ids = fields.One2many('collection.legal.enforcement', 'legal_case_id', string="Enforcement")
    cost_ids = fields.One2many('collection.legal.cost', 'legal_case_id', string="Costs")
    total_cost = fields.Monetary(compute='_compute_totals', store=True, string="Total Costs")
    recovered_amount = fields.Monetary(compute='_compute_totals', store=True, string="Recovered by Enforcement")
    next_hearing_date = fields.Datetime(compute='_compute_next_hearing_date')
    document_count = fields.Integer(compute='_compute_document_count')

    _court_number_uniq = models.UniqueIndex(
        '(company_id, court, court_case_number) WHERE court_case_number IS NOT NULL',
        "A court case number is unique per court.")

    @api.depends('cost_ids.amount', 'enforcement_ids.amount_recovered', 'enforcement_ids.state')
    def _compute_totals(self):
        for legal_case in self:
            legal_case.total_cost = sum(legal_case.cost_ids.mapped('amount'))
            legal_case.recovered_amount = sum(
                legal_case.enforcement_ids.filtered(lambda e: e.state == 'done').mapped('amount_recovered'))

    @api.depends('hearing_ids.date_start')
    def _compute_next_hearing_date(self):
        now = fields.Datetime.now()
        for legal_case in self:
            upcoming = [date for date in legal_case.hearing_ids.mapped('date_start') if date >= now]
            legal_case.next_hearing_date = min(upcoming) if upcoming else False

    def _compute_document_count(self):
        counts = dict(self.env['ir.attachment']._read_group(
            [('res_model', '=', self._name), ('res_id', 'in', self.ids)], ['res_id'], ['__count']))
        for legal_case in self:
            legal_case.document_count = counts.get(legal_case.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        legal_cases = super().create(vals_list)
        for legal_case in legal_cases:
            legal_case.case_id.message_post(
                body=self.env._("Legal case %(name)s opened.", name=legal_case.name), subtype_xmlid='mail.mt_note')
        return legal_cases

    def action_open_documents(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Documents"),
            'res_model': 'ir.attachment',
            'view_mode': 'kanban,list,form',
            'domain': [('res_model', '=', self._name), ('res_id', '=', self.id)],
            'context': {'default_res_model': self._name, 'default_res_id': self.id},
        }
