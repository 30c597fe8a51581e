from odoo import api, fields, models
from odoo.tools import SQL

CASE_STAGES = [
    ('new', 'New'),
    ('in_progress', 'In Progress'),
    ('promise', 'Promise to Pay'),
    ('broken', 'Broken Promise'),
    ('dispute', 'Dispute'),
    ('paused', 'Paused'),
    ('escalated', 'Escalated'),
    ('closed', 'Closed'),
]


class CollectionCase(models.Model):
    _name = 'collection.case'
    _description = 'Collection Case'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'priority desc, next_action_date, max_dpd desc, id'
    _rec_names_search = ['name', 'partner_id.name', 'partner_id.cif']
    _check_company_auto = True

    name = fields.Char(string="Case", compute='_compute_name', store=True, index='trigram', readonly=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, index=True, tracking=True, check_company=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    active = fields.Boolean(default=True)
    stage = fields.Selection(
        CASE_STAGES, required=True, default='new', tracking=True, index=True,
        group_expand='_group_expand_stage')
    priority = fields.Selection([
        ('0', 'Normal'),
        ('1', 'Medium'),
        ('2', 'High'),
        ('3', 'Urgent'),
    ], default='0', tracking=True, index=True)
    user_id = fields.Many2one(
        'res.users', string="Agent", tracking=True, index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]")
    team_id = fields.Many2one('collection.team', string="Team", tracking=True, index=True, check_company=True)
    next_action_date = fields.Date(tracking=True, index=True)
    paused_until = fields.Date(tracking=True, help="No action is expected before this date.")
    last_action_date = fields.Datetime(readonly=True)
    last_contact_date = fields.Datetime(
        readonly=True, help="Last action whose result code reached the customer.")
    last_result_code_id = fields.Many2one('collection.result.code', readonly=True)
    contact_blocked_reason = fields.Char(
        readonly=True, help="Why the last outbound contact to this customer was blocked.")
    tag_ids = fields.Many2many('collection.tag', string="Tags", domain=[('applies_to', 'in', ('account', 'any'))])
    region_id = fields.Many2one(
        'res.country.state', string="Region", related='partner_id.state_id', store=True, index=True)
    phone = fields.Char(related='partner_id.phone')
    email = fields.Char(related='partner_id.email')
    loan_ids = fields.One2many('collection.loan', 'case_id', string="Loans")
    action_ids = fields.One2many('collection.action', 'case_id', string="Actions")
    ptp_ids = fields.One2many('collection.ptp', 'case_id', string="Promises to Pay")
    payment_ids = fields.One2many('collection.payment', 'case_id', string="Payments")
    contact_point_ids = fields.One2many(related='partner_id.contact_point_ids')
    loan_count = fields.Integer(readonly=True)
    total_outstanding = fields.Monetary(readonly=True, aggregator='sum')
    total_overdue = fields.Monetary(readonly=True, aggregator='sum', tracking=True)
    max_dpd = fields.Integer(string="Max DPD", readonly=True, aggregator='max')
    bucket_id = fields.Many2one('collection.bucket', readonly=True, index=True)
    strategy_id = fields.Many2one(
        'collection.strategy', string="Strategy", readonly=True, ondelete='set null',
        help="The strategy that treated this case last.")
    strategy_group = fields.Selection(
        [('champion', "Champion"), ('challenger', "Challenger")], readonly=True,
        help="The champion/challenger group of the case in its strategy; it stays the same from run to run.")

    _partner_company_uniq = models.Constraint(
        'unique(partner_id, company_id)', "A customer has one collection case per company.")
    _worklist_idx = models.Index('(user_id, priority DESC, next_action_date) WHERE active')
    _team_worklist_idx = models.Index('(team_id, priority DESC, next_action_date) WHERE active')

    @api.depends()
    def _compute_name(self):
        for case in self:
            case.name = case._format_name(case.id) if case.id else False

    @api.model
    def _format_name(self, case_id):
        return f"CASE-{case_id:07d}"

    @api.model
    def _group_expand_stage(self, stages, domain):
        return [key for key, _label in CASE_STAGES]

    @api.depends('name', 'partner_id')
    def _compute_display_name(self):
        for case in self:
            case.display_name = f"{case.name} {case.partner_id.name}" if case.partner_id else case.name

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        cases._compute_name()
        return cases

    @api.model
    def _ensure_for_loans(self, loan_ids):
        """Create the missing cases of the obligors of ``loan_ids`` and link the loans to them.

        Set-based so that bulk loads (sync, generator) can call it on any number of loans.
        """
        if not loan_ids:
            return
        self.env.flush_all()
        ids = tuple(loan_ids)
        new_cases = self.env.execute_query(SQL("""
            INSERT INTO collection_case (partner_id, company_id, region_id, stage, priority, active,
                                         loan_count, total_outstanding, total_overdue, max_dpd,
                                         create_uid, write_uid, create_date, write_date)
            SELECT DISTINCT l.partner_id, l.company_id, p.state_id, 'new', '0', TRUE, 0, 0, 0, 0,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM collection_loan l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.id IN %(ids)s
            ON CONFLICT (partner_id, company_id) DO NOTHING
            RETURNING id
        """, ids=ids, uid=self.env.uid))
        if new_cases:
            self.env.execute_query(SQL(
                "UPDATE collection_case SET name = 'CASE-' || lpad(id::text, 7, '0') WHERE id IN %s",
                tuple(case_id for (case_id,) in new_cases)))
        self.env.execute_query(SQL("""
            UPDATE collection_loan l
               SET case_id = c.id
              FROM collection_case c
             WHERE l.id IN %(ids)s
               AND c.partner_id = l.partner_id AND c.company_id = l.company_id
               AND l.case_id IS DISTINCT FROM c.id
        """, ids=ids))
        self.env['collection.loan'].invalidate_model(['case_id'])
        self.invalidate_model()

    def _recompute_aggregates(self):
        self._recompute_aggregates_sql(self.ids)

    @api.model
    def _recompute_aggregates_sql(self, case_ids=None):
        """Refresh loan count, outstanding, overdue, max DPD and bucket of cases from their loans."""
        if case_ids is not None and not case_ids:
            return
        self.env.flush_all()
        scope = SQL("AND c.id IN %s", tuple(case_ids)) if case_ids is not None else SQL()
        self.env.execute_query(SQL("""
            WITH agg AS (
                SELECT c.id,
                       COUNT(l.id) AS loan_count,
                       COALESCE(SUM(l.outstanding_amount), 0) AS outstanding,
                       COALESCE(SUM(l.overdue_amount), 0) AS overdue,
                       COALESCE(MAX(l.dpd), 0) AS max_dpd
                  FROM collection_case c
             LEFT JOIN collection_loan l ON l.case_id = c.id AND l.state = 'active'
                 WHERE TRUE %(scope)s
              GROUP BY c.id
            )
            UPDATE collection_case c
               SET loan_count = agg.loan_count,
                   total_outstanding = agg.outstanding,
                   total_overdue = agg.overdue,
                   max_dpd = agg.max_dpd,
                   bucket_id = (SELECT b.id FROM collection_bucket b
                                 WHERE b.active AND b.dpd_from <= agg.max_dpd AND agg.max_dpd <= b.dpd_to
                              ORDER BY b.dpd_from LIMIT 1)
              FROM agg
             WHERE c.id = agg.id
               AND (c.loan_count IS DISTINCT FROM agg.loan_count
                    OR c.total_outstanding IS DISTINCT FROM agg.outstanding
                    OR c.total_overdue IS DISTINCT FROM agg.overdue
                    OR c.max_dpd IS DISTINCT FROM agg.max_dpd
                    OR c.bucket_id IS NULL)
        """, scope=scope))
        self.invalidate_model(['loan_count', 'total_outstanding', 'total_overdue', 'max_dpd', 'bucket_id'])

    def _get_primary_phone_point(self):
        """The contact point to call or text first: primary, then verified, then any contactable."""
        self.ensure_one()
        points = self.partner_id.contact_point_ids.filtered(
            lambda p: p.kind in ('mobile', 'phone') and p._is_contactable())
        return points.sorted(lambda p: (not p.is_primary, p.state != 'verified', p.sequence))[:1]

    def action_log_action(self):
        """Open the follow-up form that records an action (and its PTP) in one step."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Log an Action"),
            'res_model': 'collection.action.log',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_case_id': self.id},
        }

    def action_assign_to_me(self):
        self.write({'user_id': self.env.uid})
