from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = 'collection_base.collection_base_group_manager'
REQUIRED_ACTIONS = [
    ('arrears', 'Collect arrears'),
    ('equipment', 'Collect equipment'),
    ('both', 'Collect arrears and equipment'),
]
OPEN_STATES = ('draft', 'validated', 'placed', 'collected')


class CollectionRecoveryIncident(models.Model):
    """A telco recovery incident: arrears and/or customer-premises equipment to get back."""
    _name = 'collection.recovery.incident'
    _description = 'Recovery Incident'
    _inherit = ['collection.legal.document.mixin', 'collection.legal.approval.mixin']
    _order = 'id desc'
    _approval_fields = ('state', 'closed_date', 'placement_id')
    _approval_override_group = MANAGER_GROUP

    loan_id = fields.Many2one(
        'collection.loan', string="Account", required=True, index=True, check_company=True, tracking=True)
    case_id = fields.Many2one(related='loan_id.case_id', store=True, index=True, required=False, tracking=False)
    partner_id = fields.Many2one(related='loan_id.partner_id', store=True, string="Customer")
    company_id = fields.Many2one(related='loan_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='loan_id.currency_id')
    required_action = fields.Selection(REQUIRED_ACTIONS, required=True, default='both', tracking=True)
    loan_ids = fields.Many2many(
        'collection.loan', 'collection_recovery_incident_loan_rel', 'incident_id', 'loan_id',
        string="Customer's Products", check_company=True,
        help="Every active product of the customer: an incident covers them all.")
    equipment_ids = fields.One2many('collection.collateral', 'incident_id', string="Equipment")
    arrears_amount = fields.Monetary(readonly=True, help="Overdue on the customer's products at registration.")
    arrears_due = fields.Monetary(compute='_compute_arrears_due', string="Arrears Still Due")
    state = fields.Selection([
        ('draft', 'Registered'),
        ('validated', 'Validated'),
        ('placed', 'Placed'),
        ('collected', 'Equipment Collected'),
        ('closed', 'Closed: Successful'),
        ('failed', 'Closed: Unsuccessful'),
        ('cancelled', 'Cancelled'),
    ], required=True, default='draft', tracking=True, index=True, copy=False)
    source = fields.Selection([('manual', 'By hand'), ('import', 'CSV import')], default='manual', readonly=True)
    agency_id = fields.Many2one(related='placement_id.agency_id', store=True, index=True, string="Agency")
    placement_id = fields.Many2one('collection.placement', readonly=True, copy=False, check_company=True)
    closed_date = fields.Date(readonly=True, copy=False)
    note = fields.Text()

    _account_open_uniq = models.UniqueIndex(
        "(loan_id) WHERE state IN ('draft', 'validated', 'placed', 'collected')",
        "An account has one open recovery incident at a time.")

    @api.depends('loan_ids.overdue_amount')
    def _compute_arrears_due(self):
        for incident in self:
            incident.arrears_due = sum(incident.loan_ids.mapped('overdue_amount'))

    @api.model_create_multi
    def create(self, vals_list):
        incidents = super().create(vals_list)
        for incident in incidents:
            if not incident.loan_ids:
                # every active product of the customer (the case groups them), the account first
                incident.loan_ids = incident.loan_id | incident.case_id.loan_ids.filtered(
                    lambda loan: loan.state == 'active')
            incident.arrears_amount = sum(incident.loan_ids.mapped('overdue_amount'))
            if incident.required_action in ('equipment', 'both'):
                equipment = incident.loan_ids.collateral_ids.filtered(
                    lambda c: c.collateral_type == 'equipment' and c.status == 'held' and not c.incident_id)
                equipment.sudo().incident_id = incident
        return incidents

    @api.depends('name', 'partner_id')
    def _compute_display_name(self):
        for incident in self:
            incident.display_name = f"{incident.name} {incident.partner_id.name or ''}".strip()

    # ------------------------------------------------------------
    # VALIDATION AND PLACEMENT
    # ------------------------------------------------------------

    def _get_validation_errors(self):
        """Why this incident cannot be validated: [str] (empty when it can)."""
        self.ensure_one()
        errors = []
        loan = self.loan_id
        if loan.state != 'active':
            errors.append(self.env._("account %(account)s is not active", account=loan.name))
        # sudo: an open incident counts even when the user may not see it
        others = self.sudo().search_count([('loan_id', 'in', self.loan_ids.ids), ('state', 'in', OPEN_STATES),
                                    ('id', '!=', self.id)])
        if others:
            errors.append(self.env._("the customer already has an open recovery incident"))
        products = self.env['collection.loan'].sudo().search(
            [('partner_id', '=', self.partner_id.id), ('company_id', '=', self.company_id.id),
             ('state', '=', 'active')])
        missing = products - self.loan_ids
        if missing:
            errors.append(self.env._("products %(accounts)s of the customer are not linked",
                                     accounts=", ".join(missing.mapped('name'))))
        if self.required_action in ('equipment', 'both') and not self.equipment_ids:
            errors.append(self.env._("no equipment to collect is recorded on the customer's products"))
        if self.required_action in ('arrears', 'both') and not self.arrears_amount:
            errors.append(self.env._("there are no arrears to collect"))
        return errors

    def action_validate(self):
        for incident in self:
            if incident.state != 'draft':
                raise UserError(self.env._("Incident %(name)s is already validated.", name=incident.name))
            errors = incident._get_validation_errors()
            if errors:
                raise UserError(self.env._("Incident %(name)s cannot be validated: %(errors)s.",
                                           name=incident.name, errors="; ".join(errors)))
        self._write_step({'state': 'validated'})
        return True

    def _place_with(self, agencies, method='manual', days=None):
        """Place the incidents' cases with ``agencies`` (see ``collection.placement._place_cases``);
        a case already validly placed keeps its agency."""
        for incident in self:
            if incident.state != 'validated':
                raise UserError(self.env._("Validate incident %(name)s before placing it.", name=incident.name))
        self.env['collection.placement']._place_cases(self.case_id, agencies, method=method, days=days)
        for incident in self:
            placement = incident.case_id._get_valid_placement()
            if not placement:
                continue
            incident._write_step({'placement_id': placement.id, 'state': 'placed'})
            incident.case_id.message_post(body=self.env._(
                "Recovery incident %(name)s placed with %(agency)s.", name=incident.name,
                agency=placement.agency_id.name), subtype_xmlid='mail.mt_note')
        return True

    def action_place(self):
        return self.env['collection.placement.assign']._get_action(self)

    def _check_return_management(self, step):
        """Ending an incident the agency works on is for return management (collection managers)."""
        if self and not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._(
                "Only return management (a collection manager) may %(step)s incident %(name)s.",
                step=step, name=self[:1].name))

    def action_cancel(self):
        """Cancel a registered or validated incident; once placed, only return management may."""
        self.filtered(lambda i: i.state in ('placed', 'collected'))._check_return_management(self.env._("cancel"))
        self.filtered(lambda i: i.state in OPEN_STATES)._write_step({'state': 'cancelled'})
        self.equipment_ids.filtered(lambda c: c.status == 'held').sudo().write({'incident_id': False})
        return True

    def action_close_unsuccessful(self):
        self._check_return_management(self.env._("close as unsuccessful"))
        self.filtered(lambda i: i.state in OPEN_STATES)._write_step(
            {'state': 'failed', 'closed_date': fields.Date.context_today(self)})
        return True

    # ------------------------------------------------------------
    # EQUIPMENT
    # ------------------------------------------------------------

    def _collect_equipment(self, equipment, note=None):
        """An officer (or agent) collected ``equipment``: logged as an action on the case."""
        self.ensure_one()
        if self.state not in ('placed', 'collected'):
            raise UserError(self.env._("Incident %(name)s is not placed: nothing to collect yet.", name=self.name))
        self.check_access('write')
        foreign = equipment - self.equipment_ids
        if foreign:
            raise UserError(self.env._("%(asset)s is not equipment of incident %(name)s.",
                                       asset=foreign[0].display_name, name=self.name))
        action_type = self.env.ref('collection_legal.collection_action_type_equipment')
        result_code = self.env.ref('collection_legal.collection_result_code_equipment_collected')
        today = fields.Date.context_today(self)
        statuses = dict(equipment._fields['status']._description_selection(self.env))
        for unit in equipment:
            if unit.status != 'held':
                raise UserError(self.env._("%(asset)s is already %(status)s.", asset=unit.display_name,
                                           status=statuses[unit.status]))
            self.env['collection.action'].create({
                'case_id': self.case_id.id,
                'loan_id': unit.loan_id.id,
                'action_type_id': action_type.id,
                'result_code_id': result_code.id,
                'collateral_id': unit.id,
                'incident_id': self.id,
                'note': note or self.env._("Equipment %(serial)s collected", serial=unit.identifier or unit.name),
                'state': 'posted',
            })
        equipment.sudo().write({'status': 'collected', 'recovery_collected_date': today,
                                'recovery_collected_by_id': self.env.uid})
        self._write_step({'state': 'collected'})
        self.case_id.message_post(body=self.env._(
            "Equipment collected for %(name)s: %(units)s; awaiting return management.", name=self.name,
            units=", ".join(equipment.mapped(lambda c: c.identifier or c.name))), subtype_xmlid='mail.mt_note')
        return True

    def _approve_return(self, equipment):
        """Return management accepts collected equipment: recovered, credited to the placement, and
        the incident closes as successful when nothing else is due."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._(
                "Only return management (a collection manager) approves returned equipment (%(name)s).",
                name=self.name))
        pending = equipment.filtered(lambda c: c.status != 'collected')
        if pending:
            raise UserError(self.env._("%(asset)s has not been collected.", asset=pending[0].display_name))
        equipment.sudo().write({
            'status': 'recovered',
            'recovery_approved_date': fields.Date.context_today(self),
            'recovery_approved_by_id': self.env.uid,
            'recovery_placement_id': self.placement_id.id,
        })
        self.message_post(body=self.env._("Return approved: %(units)s.",
                                          units=", ".join(equipment.mapped(lambda c: c.identifier or c.name))))
        self._check_completion()
        return True

    @api.model
    def _cron_check_completion(self):
        """Daily: close the incidents whose arrears were paid by payments loaded outside the ORM."""
        self.search([('state', 'in', ('placed', 'collected'))])._check_completion()

    def _check_completion(self):
        """Close as successful the incidents whose equipment is all recovered and arrears paid (as required)."""
        for incident in self.filtered(lambda i: i.state in ('placed', 'collected')):
            equipment_done = incident.required_action == 'arrears' or (
                incident.equipment_ids and all(c.status == 'recovered' for c in incident.equipment_ids))
            # read from the loans: their overdue amounts are refreshed in SQL by payments
            arrears_done = incident.required_action == 'equipment' or incident.currency_id.is_zero(
                sum(incident.loan_ids.mapped('overdue_amount')))
            if equipment_done and arrears_done:
                incident.sudo().write({'state': 'closed', 'closed_date': fields.Date.context_today(self)})
                incident.case_id.message_post(body=self.env._(
                    "Recovery incident %(name)s closed as successful.", name=incident.name),
                    subtype_xmlid='mail.mt_note')
