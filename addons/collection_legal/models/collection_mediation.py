from odoo import api, fields, models
from odoo.exceptions import UserError

OFFICER_GROUP = 'collection_legal.collection_legal_group_agency_officer'
PHASES = [
    ('first', 'First hearing'),
    ('second', 'Second hearing'),
    ('third', 'Third hearing'),
]
MEDIATION_PHASES = [('none', 'Not scheduled'), *PHASES]
OPEN_STATES = ('requested', 'in_progress')


class CollectionMediation(models.Model):
    _name = 'collection.mediation'
    _description = 'Mediation Board Case'
    _inherit = ['collection.legal.document.mixin']
    _order = 'request_date desc, id desc'

    amount_claimed = fields.Monetary(
        help="What the customer owes when the request is made (the case's outstanding amount).")
    requested_by_id = fields.Many2one(
        'res.users', string="Requested By", default=lambda self: self.env.user, readonly=True, index=True)
    request_date = fields.Date(default=fields.Date.context_today, required=True, readonly=True)
    reason = fields.Text(required=True)
    agency_id = fields.Many2one(
        'collection.agency', string="Agency", index=True, check_company=True, tracking=True,
        help="The agency the case was placed with when the request was made.")
    officer_id = fields.Many2one(
        'res.users', string="Officer", index=True, tracking=True, domain=[('share', '=', False)],
        help="The officer who attends the hearings (in their calendar).")
    board_name = fields.Char(string="Mediation Board", tracking=True)
    state = fields.Selection([
        ('requested', 'Requested'),
        ('in_progress', 'In Hearings'),
        ('settled', 'Settled'),
        ('not_settled', 'Not Settled'),
        ('withdrawn', 'Withdrawn'),
    ], required=True, default='requested', tracking=True, index=True, copy=False)
    phase = fields.Selection(
        MEDIATION_PHASES, compute='_compute_phase', store=True, index=True, tracking=True,
        help="The phase of the latest hearing.")
    hearing_ids = fields.One2many('collection.mediation.hearing', 'mediation_id', string="Hearings")
    hearing_count = fields.Integer(compute='_compute_hearing_figures')
    next_hearing_date = fields.Datetime(compute='_compute_hearing_figures')
    settlement_id = fields.Many2one('collection.settlement', readonly=True, copy=False)
    legal_case_id = fields.Many2one('collection.legal.case', readonly=True, copy=False)
    certificate_id = fields.Many2one('ir.attachment', string="Certificate of Non-settlement", readonly=True,
                                     copy=False)

    @api.depends('hearing_ids.phase', 'hearing_ids.date_start', 'hearing_ids.outcome')
    def _compute_phase(self):
        order = [key for key, _label in PHASES]
        for mediation in self:
            phases = [h.phase for h in mediation.hearing_ids if h.phase]
            mediation.phase = max(phases, key=order.index) if phases else 'none'

    @api.depends('hearing_ids.date_start', 'hearing_ids.outcome')
    def _compute_hearing_figures(self):
        now = fields.Datetime.now()
        for mediation in self:
            hearings = mediation.hearing_ids
            mediation.hearing_count = len(hearings)
            upcoming = hearings.filtered(lambda h: h.outcome == 'pending' and h.date_start and h.date_start >= now)
            mediation.next_hearing_date = min(upcoming.mapped('date_start')) if upcoming else False

    @api.model_create_multi
    def create(self, vals_list):
        Case = self.env['collection.case']
        is_officer = self.env.user.has_group(OFFICER_GROUP)
        for vals in vals_list:
            case = Case.browse(vals['case_id'])
            if not vals.get('amount_claimed'):
                vals['amount_claimed'] = case.total_outstanding
            if not vals.get('agency_id'):
                vals['agency_id'] = case._get_valid_placement().agency_id.id
            if is_officer and not vals.get('officer_id'):
                vals['officer_id'] = self.env.uid
        mediations = super().create(vals_list)
        mediations._post_on_case(self.env._("mediation board requested."))
        return mediations

    def action_withdraw(self):
        for mediation in self:
            if mediation.state not in OPEN_STATES:
                raise UserError(self.env._("Mediation %(name)s is closed.", name=mediation.name))
        self.write({'state': 'withdrawn'})
        self.hearing_ids.filtered(lambda h: h.outcome == 'pending').calendar_event_id.sudo().unlink()
        return True

    def action_schedule_hearing(self):
        """Open a new hearing in the next phase."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Schedule a Hearing"),
            'res_model': 'collection.mediation.hearing',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_mediation_id': self.id},
        }

    def _get_next_phase(self):
        self.ensure_one()
        order = [key for key, _label in PHASES]
        if self.phase == 'none':
            return order[0]
        index = order.index(self.phase)
        return order[index + 1] if index + 1 < len(order) else False

    # ------------------------------------------------------------
    # EXTERNAL API (XML-RPC / JSON-2): plain data, within the caller's access rights
    # ------------------------------------------------------------

    @api.model
    def get_phase_counts(self, domain=None):
        """Number of open mediation cases in each phase.

        :param domain: optional extra search domain (e.g. ``[('agency_id', '=', 7)]``)
        :returns: {'none': int, 'first': int, 'second': int, 'third': int}
        """
        counts = dict.fromkeys((key for key, _label in MEDIATION_PHASES), 0)
        groups = self._read_group([('state', 'in', OPEN_STATES), *(domain or [])], ['phase'], ['__count'])
        for phase, count in groups:
            counts[phase or 'none'] += count
        return counts

    @api.model
    def get_mediations_by_agency(self, agency_id=None, include_closed=False):
        """Mediation cases grouped by agency, with their counts per phase.

        :returns: [{'agency_id', 'agency', 'phase_counts', 'mediations': [...]}] (agency_id False for
            cases not placed with an agency)
        """
        return self._get_grouped_mediations('agency_id', agency_id, include_closed)

    @api.model
    def get_mediations_by_officer(self, officer_id=None, include_closed=False):
        """Mediation cases grouped by officer; see ``get_mediations_by_agency``."""
        return self._get_grouped_mediations('officer_id', officer_id, include_closed)

    def _get_grouped_mediations(self, field_name, value, include_closed):
        domain = [] if include_closed else [('state', 'in', OPEN_STATES)]
        if value:
            domain.append((field_name, '=', value))
        mediations = self.search(domain, order=f'{field_name}, request_date, id')
        result = []
        for group_record, records in mediations.grouped(field_name).items():
            phase_counts = dict.fromkeys((key for key, _label in MEDIATION_PHASES), 0)
            for mediation in records:
                phase_counts[mediation.phase or 'none'] += 1
            result.append({
                field_name: group_record.id or False,
                field_name[:-3]: group_record.display_name or False,
                'phase_counts': phase_counts,
                'mediations': [mediation._get_api_values() for mediation in records],
            })
        return result

    def _get_api_values(self):
        self.ensure_one()
        return {
            'id': self.id,
            'name': self.name,
            'case': self.case_id.name,
            'customer': self.partner_id.name,
            'state': self.state,
            'phase': self.phase,
            'agency': self.agency_id.name or False,
            'officer': self.officer_id.name or False,
            'board': self.board_name or False,
            'next_hearing': fields.Datetime.to_string(self.next_hearing_date) if self.next_hearing_date else False,
            'amount_claimed': self.amount_claimed,
        }
