from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.storage import set_fillfactor


class CollectionLoan(models.Model):
    _name = 'collection.loan'
    _description = 'Loan'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'dpd desc, id'
    _rec_names_search = ['name', 'partner_id.complete_name', 'partner_id.cif']
    _check_company_auto = True

    name = fields.Char(string="Account Number", required=True, index='trigram', copy=False)
    source_system = fields.Char(
        string="Source", required=True, default='manual',
        help="System of record the account number belongs to (T24, W4, LOS, manual).")
    partner_id = fields.Many2one(
        'res.partner', string="Obligor", required=True, index=True, tracking=True,
        check_company=True)
    case_id = fields.Many2one('collection.case', string="Case", index=True, readonly=True, copy=False)
    party_ids = fields.One2many('collection.loan.party', 'loan_id', string="Co-borrowers & Guarantors")
    product_id = fields.Many2one('collection.product', required=True, index=True)
    product_type = fields.Selection(related='product_id.product_type', store=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(
        'res.currency', required=True, default=lambda self: self.env.company.currency_id)
    branch = fields.Char(index=True)
    state = fields.Selection([
        ('active', 'Active'),
        ('closed', 'Closed'),
        ('written_off', 'Written off'),
    ], required=True, default='active', tracking=True, index=True)
    disbursement_date = fields.Date()
    maturity_date = fields.Date()
    term_months = fields.Integer(string="Term (months)")
    interest_rate = fields.Float(string="Interest Rate (%)", digits=(6, 3))
    principal = fields.Monetary(tracking=True)
    outstanding_amount = fields.Monetary(string="Outstanding", tracking=True)
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    installment_amount = fields.Monetary(string="Instalment")
    next_due_date = fields.Date(readonly=True)
    oldest_unpaid_date = fields.Date(string="Oldest Unpaid Due", readonly=True)
    dpd = fields.Integer(string="DPD", readonly=True, help="Days past due of the oldest unpaid instalment.")
    bucket_id = fields.Many2one('collection.bucket', readonly=True, index=True)
    due_ids = fields.One2many('collection.loan.due', 'loan_id', string="Instalments")
    collateral_ids = fields.One2many('collection.collateral', 'loan_id', string="Collateral")
    payment_ids = fields.One2many('collection.payment', 'loan_id', string="Payments")
    user_id = fields.Many2one(related='case_id.user_id', string="Agent")

    _name_source_uniq = models.Constraint(
        'unique(source_system, name, company_id)',
        "An account number must be unique per source system and company.")
    _case_state_idx = models.Index('(case_id) WHERE state = \'active\'')
    # exact account number lookups (the trigram index of name serves the partial ones)
    _name_idx = models.Index('(name)')

    def _auto_init(self):
        result = super()._auto_init()
        set_fillfactor(self.env.cr, self._table)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        loans = super().create(vals_list)
        loans._link_cases()
        loans._recompute_delinquency()
        return loans

    def write(self, vals):
        result = super().write(vals)
        if 'partner_id' in vals or 'company_id' in vals:
            self._link_cases()
        if {'state', 'outstanding_amount'} & vals.keys():
            self.case_id._recompute_aggregates()
        return result

    def unlink(self):
        self.env['collection.loan.snapshot']._delete_for_loans(self.ids)
        return super().unlink()

    def _link_cases(self):
        """Attach each loan to the case of its obligor and company, creating cases as needed."""
        if not self:
            return
        self.env['collection.case']._ensure_for_loans(self.ids)
        self.invalidate_recordset(['case_id'])

    @api.model
    def _recompute_delinquency(self, loan_ids=None, today=None):
        """Recompute overdue amount, oldest unpaid due, DPD, next due date and bucket.

        An instalment is overdue from the day after its due date, as DPD counts: one due today is
        the next due, neither overdue nor counted in the DPD.

        Set-based: one UPDATE over all active loans (or ``loan_ids``), touching only the rows
        whose figures change, then one UPDATE of the aggregates of the affected cases.
        Returns the number of loans changed.
        """
        if loan_ids is None and self:
            loan_ids = self.ids
        if loan_ids is not None and not loan_ids:
            return 0
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        scope = SQL("AND l.id IN %s", tuple(loan_ids)) if loan_ids is not None else SQL()
        rows = self.env.execute_query(SQL("""
            WITH figures AS (
                SELECT l.id,
                       MIN(d.due_date) FILTER (WHERE d.amount_residual > 0 AND d.due_date < %(today)s) AS oldest,
                       COALESCE(SUM(d.amount_residual) FILTER (WHERE d.due_date < %(today)s), 0) AS overdue,
                       MIN(d.due_date) FILTER (WHERE d.amount_residual > 0 AND d.due_date >= %(today)s) AS next_due
                  FROM collection_loan l
             LEFT JOIN collection_loan_due d ON d.loan_id = l.id AND d.amount_residual > 0
                 WHERE l.state = 'active' %(scope)s
              GROUP BY l.id
            ), delinquency AS (
                SELECT f.id, f.oldest, f.overdue, f.next_due,
                       COALESCE(%(today)s - f.oldest, 0) AS dpd
                  FROM figures f
            )
            UPDATE collection_loan l
               SET oldest_unpaid_date = d.oldest,
                   overdue_amount = d.overdue,
                   next_due_date = d.next_due,
                   dpd = d.dpd,
                   bucket_id = %(bucket)s
              FROM delinquency d
             WHERE l.id = d.id
               AND (l.dpd IS DISTINCT FROM d.dpd
                    OR l.overdue_amount IS DISTINCT FROM d.overdue
                    OR l.next_due_date IS DISTINCT FROM d.next_due
                    OR l.oldest_unpaid_date IS DISTINCT FROM d.oldest
                    OR l.bucket_id IS NULL)
         RETURNING l.case_id
        """, today=today, scope=scope,
            bucket=self.env['collection.bucket']._bucket_id_sql(SQL("d.dpd"))))
        self.env['collection.loan'].invalidate_model(
            ['oldest_unpaid_date', 'overdue_amount', 'next_due_date', 'dpd', 'bucket_id'])
        case_ids = {case_id for (case_id,) in rows if case_id}
        if loan_ids is None:
            self.env['collection.case']._recompute_aggregates_sql()
        elif case_ids:
            self.env['collection.case']._recompute_aggregates_sql(list(case_ids))
        return len(rows)

    @api.model
    def _cron_recompute_delinquency(self):
        self._recompute_delinquency()
        self.env['collection.case']._resume_paused_cases()
        # the daily snapshot must see today's DPD and buckets: start it right after
        snapshot_cron = self.env.ref('collection_base.ir_cron_collection_loan_snapshot', raise_if_not_found=False)
        if snapshot_cron and snapshot_cron.active:
            snapshot_cron._trigger()

    def action_recompute_delinquency(self):
        self._recompute_delinquency(self.ids)

    def action_open_case(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'collection.case',
            'res_id': self.case_id.id,
            'view_mode': 'form',
        }
