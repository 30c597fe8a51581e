from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

OFFICER_GROUP = 'collection_legal.collection_legal_group_agency_officer'


class CollectionAgency(models.Model):
    _name = 'collection.agency'
    _description = 'Recovery Agency'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'sequence, name, id'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one(
        'res.partner', string="Contact", tracking=True,
        help="The agency's address: letters to the agency (repossession authorisations) go there.")
    officer_ids = fields.Many2many(
        'res.users', 'collection_agency_officer_rel', 'agency_id', 'user_id', string="Officers",
        domain=lambda self: [('all_group_ids', 'in', self.env.ref(OFFICER_GROUP).id)],
        help="Users of the Agency Officer group who work this agency's placed cases.")
    capacity = fields.Integer(
        tracking=True, help="Most cases placed with the agency at the same time (0: no limit).")
    placement_days = fields.Integer(
        string="Placement Validity (days)", tracking=True,
        help="Validity of a new placement; the company's default when empty.")
    commission_scheme_id = fields.Many2one(
        'collection.commission.scheme', string="Commission Scheme", tracking=True, check_company=True)
    placement_ids = fields.One2many('collection.placement', 'agency_id', string="Placement History")
    statement_ids = fields.One2many('collection.commission.statement', 'agency_id', string="Commission Statements")
    # scorecard, from placements, payments and promises (set-based, see _get_scorecard)
    placement_count = fields.Integer(compute='_compute_scorecard', string="Placements")
    valid_placement_count = fields.Integer(compute='_compute_scorecard', string="Valid Placements")
    placed_amount = fields.Monetary(compute='_compute_scorecard', string="Amount Placed")
    recovered_amount = fields.Monetary(compute='_compute_scorecard', string="Recovered")
    recovery_rate = fields.Float(compute='_compute_scorecard', string="Recovery Rate (%)", digits=(5, 1))
    ptp_kept_rate = fields.Float(compute='_compute_scorecard', string="PTP Kept Rate (%)", digits=(5, 1))
    equipment_recovered_count = fields.Integer(compute='_compute_scorecard', string="Equipment Recovered")
    commission_amount = fields.Monetary(compute='_compute_scorecard', string="Commission Approved")

    _name_company_uniq = models.Constraint(
        'unique(name, company_id)', "An agency name must be unique per company.")

    @api.depends('placement_ids')
    def _compute_scorecard(self):
        scores = self._get_scorecard()
        for agency in self:
            score = scores.get(agency.id, {})
            agency.placement_count = score.get('placements', 0)
            agency.valid_placement_count = score.get('valid', 0)
            agency.placed_amount = score.get('placed', 0.0)
            agency.recovered_amount = score.get('recovered', 0.0)
            agency.recovery_rate = score.get('recovery_rate', 0.0)
            agency.ptp_kept_rate = score.get('ptp_kept_rate', 0.0)
            agency.equipment_recovered_count = score.get('equipment', 0)
            agency.commission_amount = score.get('commission', 0.0)

    def _get_scorecard(self, date_from=None, date_to=None):
        """Figures of each agency over its placements starting in [date_from, date_to] (all by default).

        Recovered: posted payments on a placed case while its placement was valid. Recovery rate:
        recovered / amount placed. PTP kept rate: promises made on placed cases during a valid
        placement and already evaluated, kept / (kept + partly kept + broken).

        :returns: {agency_id: {placements, valid, placed, recovered, recovery_rate, ptp_kept_rate,
            equipment, commission}}
        """
        ids = tuple(self.ids)
        if not ids:
            return {}
        self.env.flush_all()
        today = fields.Date.context_today(self)
        period = SQL("TRUE")
        if date_from:
            period = SQL("%s AND pl.date_start >= %s", period, date_from)
        if date_to:
            period = SQL("%s AND pl.date_start <= %s", period, date_to)
        rows = self.env.execute_query_dict(SQL("""
            WITH pl AS (
                SELECT pl.* FROM collection_placement pl WHERE pl.agency_id IN %(ids)s AND %(period)s
            ), placed AS (
                SELECT agency_id, COUNT(*) AS placements,
                       COUNT(*) FILTER (WHERE state = 'active' AND date_start <= %(today)s
                                          AND date_end >= %(today)s) AS valid,
                       COALESCE(SUM(amount_placed), 0) AS placed
                  FROM pl GROUP BY agency_id
            ), recovered AS (
                SELECT pl.agency_id, SUM(p.amount) AS recovered
                  FROM pl
                  JOIN collection_payment p ON p.case_id = pl.case_id AND p.state = 'posted'
                                           AND p.date BETWEEN pl.date_start AND pl.date_valid_to
              GROUP BY pl.agency_id
            ), promises AS (
                SELECT pl.agency_id,
                       COUNT(*) FILTER (WHERE t.state = 'kept') AS kept,
                       COUNT(*) FILTER (WHERE t.state IN ('kept', 'partial', 'broken')) AS evaluated
                  FROM pl
                  JOIN collection_ptp t ON t.case_id = pl.case_id
                                       AND t.create_date::date BETWEEN pl.date_start AND pl.date_valid_to
              GROUP BY pl.agency_id
            ), equipment AS (
                SELECT pl.agency_id, COUNT(*) AS units
                  FROM pl JOIN collection_collateral c ON c.recovery_placement_id = pl.id
                 WHERE c.recovery_approved_date IS NOT NULL
              GROUP BY pl.agency_id
            ), commission AS (
                SELECT agency_id, SUM(total_commission) AS amount
                  FROM collection_commission_statement
                 WHERE agency_id IN %(ids)s AND state = 'approved'
              GROUP BY agency_id
            )
            SELECT a.id, COALESCE(placed.placements, 0) AS placements, COALESCE(placed.valid, 0) AS valid,
                   COALESCE(placed.placed, 0) AS placed, COALESCE(recovered.recovered, 0) AS recovered,
                   COALESCE(promises.kept, 0) AS kept, COALESCE(promises.evaluated, 0) AS evaluated,
                   COALESCE(equipment.units, 0) AS equipment, COALESCE(commission.amount, 0) AS commission
              FROM collection_agency a
         LEFT JOIN placed ON placed.agency_id = a.id
         LEFT JOIN recovered ON recovered.agency_id = a.id
         LEFT JOIN promises ON promises.agency_id = a.id
         LEFT JOIN equipment ON equipment.agency_id = a.id
         LEFT JOIN commission ON commission.agency_id = a.id
             WHERE a.id IN %(ids)s
        """, ids=ids, period=period, today=today))
        result = {}
        for row in rows:
            row['recovery_rate'] = 100.0 * row['recovered'] / row['placed'] if row['placed'] else 0.0
            row['ptp_kept_rate'] = 100.0 * row['kept'] / row['evaluated'] if row['evaluated'] else 0.0
            result[row['id']] = row
        return result

    @api.constrains('officer_ids')
    def _check_officers(self):
        group = self.env.ref(OFFICER_GROUP)
        for agency in self:
            outsiders = agency.officer_ids.filtered(lambda user: group not in user.all_group_ids)
            if outsiders:
                raise ValidationError(self.env._(
                    "%(user)s cannot be an officer of %(agency)s: add them to the Agency Officer group first.",
                    user=outsiders[0].name, agency=agency.name))

    @api.constrains('capacity', 'placement_days')
    def _check_capacity(self):
        for agency in self:
            if agency.capacity < 0 or agency.placement_days < 0:
                raise ValidationError(self.env._(
                    "Capacity and placement validity of %(agency)s cannot be negative.", agency=agency.name))

    def _get_placement_days(self):
        self.ensure_one()
        return self.placement_days or self.company_id.collection_placement_days or 90

    def action_open_placements(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_legal.collection_placement_action')
        action['domain'] = [('agency_id', '=', self.id)]
        action['context'] = {'default_agency_id': self.id, 'search_default_filter_valid': 1}
        return action

    def action_open_statements(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'collection_legal.collection_commission_statement_action')
        action['domain'] = [('agency_id', '=', self.id)]
        action['context'] = {'default_agency_id': self.id}
        return action
