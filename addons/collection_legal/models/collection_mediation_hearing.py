from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .collection_mediation import PHASES


class CollectionMediationHearing(models.Model):
    _name = 'collection.mediation.hearing'
    _description = 'Mediation Board Hearing'
    _inherit = ['mail.thread', 'collection.hearing.mixin', 'collection.legal.letter.mixin']
    _order = 'mediation_id, date_start, id'
    _check_company_auto = True

    mediation_id = fields.Many2one('collection.mediation', required=True, index=True, ondelete='cascade')
    case_id = fields.Many2one(related='mediation_id.case_id', store=True, index=True)
    partner_id = fields.Many2one(related='mediation_id.partner_id', string="Customer")
    company_id = fields.Many2one(related='mediation_id.company_id', store=True)
    phase = fields.Selection(PHASES, required=True, compute='_compute_phase', store=True, readonly=False,
                             precompute=True)
    board_name = fields.Char(
        string="Mediation Board", compute='_compute_from_mediation', store=True, readonly=False, precompute=True)
    officer_id = fields.Many2one(
        'res.users', string="Officer", compute='_compute_from_mediation', store=True, readonly=False, precompute=True,
        domain=[('share', '=', False)])
    customer_attended = fields.Boolean()
    officer_attended = fields.Boolean()
    attendance_note = fields.Char()
    outcome = fields.Selection([
        ('pending', 'Pending'),
        ('settled', 'Settled'),
        ('adjourned', 'Adjourned'),
        ('not_settled', 'Not settled'),
    ], required=True, default='pending', tracking=True, copy=False)
    notes = fields.Text()
    notice_letter_id = fields.Many2one('ir.attachment', string="Notice of Hearing", readonly=True, copy=False)
    phase_label = fields.Char(compute='_compute_labels')
    outcome_label = fields.Char(compute='_compute_labels')

    _mediation_phase_uniq = models.Constraint(
        'unique(mediation_id, phase)', "A mediation has one hearing per phase.")

    @api.depends('mediation_id')
    def _compute_phase(self):
        for hearing in self:
            if not hearing.phase and hearing.mediation_id:
                hearing.phase = hearing.mediation_id._get_next_phase()

    @api.depends('mediation_id')
    def _compute_from_mediation(self):
        for hearing in self:
            hearing.board_name = hearing.board_name or hearing.mediation_id.board_name
            hearing.officer_id = hearing.officer_id or hearing.mediation_id.officer_id or self.env.user

    @api.depends('phase', 'outcome')
    def _compute_labels(self):
        phases = dict(self._fields['phase']._description_selection(self.env))
        outcomes = dict(self._fields['outcome']._description_selection(self.env))
        for hearing in self:
            hearing.phase_label = phases.get(hearing.phase, '')
            hearing.outcome_label = outcomes.get(hearing.outcome, '')

    @api.depends('mediation_id', 'phase')
    @api.depends_context('lang')
    def _compute_display_name(self):
        labels = self._get_phase_labels()
        for hearing in self:
            hearing.display_name = f"{hearing.mediation_id.name} – {labels.get(hearing.phase, '')}"

    def _get_phase_labels(self):
        """{phase: label in the user's language}"""
        return dict(self._fields['phase']._description_selection(self.env))

    @api.constrains('phase', 'mediation_id')
    def _check_phase_order(self):
        order = [key for key, _label in PHASES]
        labels = self._get_phase_labels()
        for hearing in self:
            index = order.index(hearing.phase)
            if index == 0:
                continue
            previous = hearing.mediation_id.hearing_ids.filtered(lambda h: h.phase == order[index - 1])
            if not previous or previous.outcome != 'adjourned':
                raise ValidationError(self.env._(
                    "The %(phase)s of %(mediation)s follows an adjourned %(previous)s.",
                    phase=labels[hearing.phase], mediation=hearing.mediation_id.name,
                    previous=labels[order[index - 1]]))

    @api.model_create_multi
    def create(self, vals_list):
        hearings = super().create(vals_list)
        for hearing in hearings:
            mediation = hearing.mediation_id
            if mediation.state not in ('requested', 'in_progress'):
                raise UserError(self.env._("Mediation %(name)s is closed: no more hearings.", name=mediation.name))
            mediation.state = 'in_progress'
            hearing._post_on_case(self.env._(
                "%(phase)s before %(board)s on %(date)s at %(venue)s.",
                phase=hearing._get_phase_labels()[hearing.phase],
                board=hearing.board_name or '-', date=fields.Datetime.to_string(hearing.date_start),
                venue=hearing.venue or '-'))
        return hearings

    def _get_event_attendees(self):
        return self.officer_id

    def _get_attendee_fields(self):
        return {'officer_id'}

    def _get_event_name(self):
        return self.env._("Mediation %(phase)s: %(customer)s (%(mediation)s)",
                          phase=self._get_phase_labels()[self.phase], customer=self.partner_id.name,
                          mediation=self.mediation_id.name)

    def _check_pending(self):
        for hearing in self:
            if hearing.outcome != 'pending':
                raise UserError(self.env._("The outcome of %(hearing)s is already recorded.",
                                           hearing=hearing.display_name))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_send_notice(self):
        """Send the customer the notice of hearing."""
        for hearing in self:
            hearing.notice_letter_id = hearing._print_legal_letter(hearing._get_letter_template('mediation_notice'))
        return True

    def action_settled(self):
        """Settled before the board: open a settlement from the mediation."""
        self._check_pending()
        self.ensure_one()
        self.outcome = 'settled'
        mediation = self.mediation_id
        settlement = self.env['collection.settlement'].create({
            'case_id': mediation.case_id.id,
            'origin': 'mediation',
            'mediation_id': mediation.id,
        })
        mediation.write({'state': 'settled', 'settlement_id': settlement.id})
        self._post_on_case(self.env._("settled before the board; settlement %(settlement)s opened.",
                                      settlement=settlement.name))
        return settlement._get_records_action()

    def action_adjourned(self):
        self._check_pending()
        for hearing in self:
            if not hearing.mediation_id._get_next_phase() or hearing.phase == PHASES[-1][0]:
                raise UserError(self.env._(
                    "The %(phase)s is the last one: record it as settled or not settled.",
                    phase=hearing._get_phase_labels()[hearing.phase]))
        self.write({'outcome': 'adjourned'})
        for hearing in self:
            hearing._post_on_case(self.env._("adjourned; the next hearing is to be scheduled."))
            hearing.mediation_id.sudo().activity_schedule(
                'mail.mail_activity_data_todo', user_id=hearing.officer_id.id or self.env.uid,
                summary=self.env._("Schedule the next mediation hearing"))
        return True

    def action_not_settled(self):
        """Not settled: the board's certificate of non-settlement opens a legal case."""
        self._check_pending()
        self.ensure_one()
        self.outcome = 'not_settled'
        mediation = self.mediation_id
        # sudo: an agency officer records the outcome; the legal case is the lender's
        legal_case = self.env['collection.legal.case'].sudo().create({
            'case_id': mediation.case_id.id,
            'origin': 'mediation',
            'mediation_id': mediation.id,
            'claim_amount': mediation.case_id.total_outstanding,
        })
        mediation.write({'state': 'not_settled', 'legal_case_id': legal_case.id})
        mediation.certificate_id = mediation._print_legal_letter(
            mediation._get_letter_template('mediation_certificate'), addressee=mediation.partner_id)
        self._post_on_case(self.env._("not settled; legal case %(legal)s opened.", legal=legal_case.name))
        if legal_case.with_env(self.env).has_access('read'):
            return legal_case.with_env(self.env)._get_records_action()
        return True
