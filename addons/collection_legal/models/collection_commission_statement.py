import csv
import io
import time
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount

MANAGER_GROUP = 'collection_base.collection_base_group_manager'
CSV_COLUMNS = [
    'case', 'customer', 'cif', 'bucket', 'placed_from', 'placed_until', 'payments', 'recovered',
    'rate_pct', 'commission', 'capped', 'equipment_units', 'equipment_fee',
]


def _default_date_from(record):
    return fields.Date.context_today(record).replace(day=1) - relativedelta(months=1)


class CollectionCommissionStatement(models.Model):
    _name = 'collection.commission.statement'
    _description = 'Agency Commission Statement'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date_from desc, agency_id, id desc'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    agency_id = fields.Many2one('collection.agency', required=True, index=True, check_company=True, tracking=True)
    company_id = fields.Many2one(related='agency_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    scheme_id = fields.Many2one('collection.commission.scheme', string="Scheme", readonly=True)
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(string="To", required=True, compute='_compute_date_to', store=True, readonly=False,
                          precompute=True)
    state = fields.Selection([
        ('draft', 'Draft'),
        ('approved', 'Approved'),
        ('cancelled', 'Cancelled'),
    ], required=True, default='draft', tracking=True, index=True, copy=False)
    line_ids = fields.One2many('collection.commission.statement.line', 'statement_id', string="Lines", readonly=True)
    line_count = fields.Integer(readonly=True)
    payment_count = fields.Integer(readonly=True)
    recovered_amount = fields.Monetary(readonly=True, tracking=True)
    recovery_commission = fields.Monetary(string="Commission on Recoveries", readonly=True)
    equipment_count = fields.Integer(string="Equipment Units", readonly=True)
    equipment_fee_amount = fields.Monetary(string="Equipment Fees", readonly=True)
    cap_reduction = fields.Monetary(string="Statement Cap Reduction", readonly=True)
    total_commission = fields.Monetary(readonly=True, tracking=True)
    computed_at = fields.Datetime(readonly=True, copy=False)
    compute_seconds = fields.Float(string="Computed In (s)", readonly=True, digits=(8, 3), copy=False)
    approved_by_id = fields.Many2one('res.users', string="Approved By", readonly=True, copy=False)
    approval_date = fields.Date(readonly=True, copy=False)

    _period_uniq = models.UniqueIndex(
        "(agency_id, date_from, date_to) WHERE state != 'cancelled'",
        "An agency has one commission statement per period.")

    @api.depends('agency_id', 'date_from', 'date_to')
    def _compute_name(self):
        for statement in self:
            period = statement.date_from.strftime('%Y-%m') if statement.date_from else ''
            if statement.date_from and statement.date_to and statement.date_to != (
                    statement.date_from + relativedelta(months=1, days=-1)):
                period = f"{statement.date_from} – {statement.date_to}"
            statement.name = f"{statement.agency_id.name or ''} {period}".strip()

    @api.depends('date_from')
    def _compute_date_to(self):
        for statement in self:
            if statement.date_from:
                statement.date_to = statement.date_from + relativedelta(months=1, days=-1)

    @api.constrains('date_from', 'date_to')
    def _check_period(self):
        for statement in self:
            if statement.date_to < statement.date_from:
                raise ValidationError(self.env._(
                    "The period of statement %(statement)s ends before it starts.", statement=statement.name))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        for statement in self:
            if statement.state == 'approved':
                raise UserError(self.env._(
                    "Statement %(statement)s is approved and cannot be deleted.", statement=statement.name))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_compute(self):
        for statement in self:
            statement._compute_statement()
        return True

    def action_approve(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._(
                "Only a collection manager may approve commission statement %(statement)s.",
                statement=self[:1].name))
        for statement in self:
            if statement.state != 'draft' or not statement.computed_at:
                raise UserError(self.env._(
                    "Statement %(statement)s must be computed and in draft to be approved.", statement=statement.name))
        self.write({'state': 'approved', 'approved_by_id': self.env.uid,
                    'approval_date': fields.Date.context_today(self)})
        for statement in self:
            csv_file = statement._create_csv_attachment()
            pdf_file = statement._create_pdf_attachment()
            statement.message_post(
                body=self.env._("Approved: commission %(amount)s.", amount=statement._format_amount(
                    statement.total_commission)),
                attachment_ids=(csv_file | pdf_file).ids)
        return True

    def action_cancel(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a collection manager may cancel statement %(statement)s.",
                                         statement=self[:1].name))
        self.write({'state': 'cancelled'})
        return True

    def action_reset_to_draft(self):
        self.filtered(lambda s: s.state == 'cancelled').write({'state': 'draft'})
        return True

    def action_export_csv(self):
        self.ensure_one()
        attachment = self._create_csv_attachment()
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{attachment.id}?download=true', 'target': 'self'}

    def action_print(self):
        return self.env.ref('collection_legal.collection_commission_statement_report').report_action(self)

    # ------------------------------------------------------------
    # COMPUTATION
    # ------------------------------------------------------------

    def _compute_statement(self):
        """Replace the lines with one per placement credited in the period, set-based in SQL.

        Payments count when they are posted on a placed case within the period and while the
        placement was valid (from its start to its end or recall). The rate of a line is the
        effective rate of its bucket: the scheme's tiers applied marginally to the agency's total
        recoveries in that bucket over the period; the per-case cap then applies to the line,
        and the statement cap to the total. Equipment units approved by return management in the
        period under a placement of the agency earn the scheme's fee per unit.

        The lines carry no create_uid/write_uid (derived data, rebuilt at each computation; who
        computed is the statement's write_uid and computed_at): each of those foreign keys would
        cost a check per line.
        """
        self.ensure_one()
        if self.state != 'draft':
            raise UserError(self.env._("Statement %(statement)s is %(state)s: it can no longer be computed.",
                                       statement=self.name,
                                       state=dict(self._fields['state']._description_selection(self.env))[self.state]))
        scheme = self.agency_id.commission_scheme_id
        if not scheme:
            raise UserError(self.env._("Agency %(agency)s has no commission scheme.", agency=self.agency_id.name))
        started = time.monotonic()
        self.env.flush_all()
        self.env.execute_query(SQL(
            "DELETE FROM collection_commission_statement_line WHERE statement_id = %s", self.id))
        # a month of payments is sorted and grouped in memory rather than on disk (this transaction only)
        self.env.execute_query(SQL("SET LOCAL work_mem = '64MB'"))
        self.env.execute_query(SQL("""
            WITH pay AS (
                SELECT DISTINCT ON (p.id) p.id, pl.id AS placement_id, p.amount
                  FROM collection_placement pl
                  JOIN collection_payment p
                    ON p.case_id = pl.case_id AND p.state = 'posted'
                   AND p.date >= GREATEST(pl.date_start, %(date_from)s::date)
                   AND p.date <= LEAST(pl.date_valid_to, %(date_to)s::date)
                 WHERE pl.agency_id = %(agency)s
                   AND pl.date_start <= %(date_to)s AND pl.date_valid_to >= %(date_from)s
              ORDER BY p.id, pl.date_start DESC, pl.id DESC
            ), per_placement AS (
                SELECT placement_id, COUNT(*) AS payment_count, SUM(amount) AS recovered
                  FROM pay GROUP BY placement_id
            ), equipment AS (
                SELECT c.recovery_placement_id AS placement_id, COUNT(*) AS units
                  FROM collection_collateral c
                  JOIN collection_placement pl ON pl.id = c.recovery_placement_id
                 WHERE pl.agency_id = %(agency)s
                   AND c.recovery_approved_date BETWEEN %(date_from)s AND %(date_to)s
              GROUP BY c.recovery_placement_id
            ), base AS (
                SELECT pl.id AS placement_id, pl.case_id, pl.bucket_id, COALESCE(pl.bucket_id, 0) AS bucket_key,
                       COALESCE(pp.payment_count, 0) AS payment_count, COALESCE(pp.recovered, 0) AS recovered,
                       COALESCE(e.units, 0) AS units
                  FROM (SELECT placement_id FROM per_placement UNION SELECT placement_id FROM equipment) ids
                  JOIN collection_placement pl ON pl.id = ids.placement_id
             LEFT JOIN per_placement pp ON pp.placement_id = pl.id
             LEFT JOIN equipment e ON e.placement_id = pl.id
            ), bucket_total AS (
                SELECT bucket_key, SUM(recovered) AS recovered FROM base GROUP BY bucket_key
            ), tiers AS (
                SELECT bt.bucket_key, l.amount_from, l.rate::numeric AS rate,
                       LEAD(l.amount_from) OVER (PARTITION BY bt.bucket_key ORDER BY l.amount_from) AS amount_to
                  FROM bucket_total bt
                  JOIN collection_commission_scheme_line l ON l.scheme_id = %(scheme)s
                   AND (l.bucket_id = bt.bucket_key
                        OR (l.bucket_id IS NULL AND NOT EXISTS (
                            SELECT 1 FROM collection_commission_scheme_line own
                             WHERE own.scheme_id = %(scheme)s AND own.bucket_id = bt.bucket_key)))
            ), bucket_rate AS (
                SELECT bt.bucket_key,
                       CASE WHEN bt.recovered > 0
                            THEN COALESCE(SUM(t.rate / 100 * GREATEST(0, LEAST(bt.recovered,
                                     COALESCE(t.amount_to, bt.recovered)) - t.amount_from)), 0) / bt.recovered
                            ELSE 0 END AS rate
                  FROM bucket_total bt
             LEFT JOIN tiers t ON t.bucket_key = bt.bucket_key
              GROUP BY bt.bucket_key, bt.recovered
            ), priced AS (
                SELECT b.*, br.rate, ROUND(b.recovered * br.rate, 2) AS uncapped
                  FROM base b JOIN bucket_rate br ON br.bucket_key = b.bucket_key
            )
            INSERT INTO collection_commission_statement_line (
                statement_id, placement_id, payment_count, recovered_amount,
                rate, commission_uncapped, commission, is_capped, equipment_count, equipment_fee,
                create_date, write_date)
            SELECT %(statement)s, p.placement_id, p.payment_count, p.recovered,
                   ROUND(p.rate * 100, 4), p.uncapped,
                   CASE WHEN %(cap)s > 0 THEN LEAST(p.uncapped, %(cap)s) ELSE p.uncapped END,
                   %(cap)s > 0 AND p.uncapped > %(cap)s,
                   p.units, p.units * %(fee)s,
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM priced p
        """, statement=self.id, agency=self.agency_id.id, scheme=scheme.id,
            date_from=self.date_from, date_to=self.date_to, cap=scheme.cap_per_placement or 0,
            fee=scheme.equipment_fee or 0))
        totals = self.env.execute_query_dict(SQL("""
            SELECT COUNT(*) AS line_count, COALESCE(SUM(payment_count), 0) AS payment_count,
                   COALESCE(SUM(recovered_amount), 0) AS recovered_amount,
                   COALESCE(SUM(commission), 0) AS recovery_commission,
                   COALESCE(SUM(equipment_count), 0) AS equipment_count,
                   COALESCE(SUM(equipment_fee), 0) AS equipment_fee_amount
              FROM collection_commission_statement_line WHERE statement_id = %s
        """, self.id))[0]
        total = totals['recovery_commission'] + totals['equipment_fee_amount']
        cap = scheme.cap_per_statement
        totals['cap_reduction'] = max(total - cap, 0) if cap else 0
        totals['total_commission'] = total - totals['cap_reduction']
        self.write({
            **{key: float(value) if key not in ('line_count', 'payment_count', 'equipment_count') else value
               for key, value in totals.items()},
            'scheme_id': scheme.id,
            'computed_at': fields.Datetime.now(),
            'compute_seconds': time.monotonic() - started,
        })
        self.invalidate_recordset(['line_ids'])
        return totals

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _get_bucket_summary(self):
        """Per bucket at placement: cases, payments, recovered, effective rate and commission (PDF)."""
        self.ensure_one()
        self.env.flush_all()
        groups = self.env.execute_query(SQL("""
            SELECT pl.bucket_id, COUNT(*), SUM(l.payment_count), SUM(l.recovered_amount), SUM(l.commission),
                   SUM(l.equipment_count), SUM(l.equipment_fee)
              FROM collection_commission_statement_line l
              JOIN collection_placement pl ON pl.id = l.placement_id
             WHERE l.statement_id = %s
          GROUP BY pl.bucket_id
        """, self.id))
        buckets = self.env['collection.bucket'].browse(row[0] for row in groups if row[0])
        summary = []
        for bucket_id, count, payments, recovered, commission, units, fees in sorted(
                groups, key=lambda row: buckets.browse(row[0]).dpd_from if row[0] else -1):
            summary.append({
                'bucket': buckets.browse(bucket_id).name if bucket_id else self.env._("No bucket"),
                'cases': count, 'payments': payments, 'recovered': recovered,
                'rate': 100.0 * commission / recovered if recovered else 0.0,
                'commission': commission, 'units': units, 'fees': fees,
            })
        return summary

    def _get_csv_rows(self):
        """The lines as CSV rows, read in one query."""
        self.ensure_one()
        self.env.flush_all()
        return self.env.execute_query(SQL("""
            SELECT c.name, rp.name, rp.cif, b.name->>'en_US', pl.date_start, pl.date_valid_to, l.payment_count,
                   l.recovered_amount, l.rate, l.commission, l.is_capped, l.equipment_count, l.equipment_fee
              FROM collection_commission_statement_line l
              JOIN collection_placement pl ON pl.id = l.placement_id
              JOIN collection_case c ON c.id = pl.case_id
              JOIN res_partner rp ON rp.id = c.partner_id
         LEFT JOIN collection_bucket b ON b.id = pl.bucket_id
             WHERE l.statement_id = %s
          ORDER BY c.name
        """, self.id))

    def _create_csv_attachment(self):
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for row in self._get_csv_rows():
            writer.writerow(['' if value is None else value for value in row])
        writer.writerow([])
        writer.writerow(['total', '', '', '', self.date_from, self.date_to, self.payment_count,
                         self.recovered_amount, '', self.total_commission, '', self.equipment_count,
                         self.equipment_fee_amount])
        return self.env['ir.attachment'].create({
            'name': f"{self.name}.csv".replace('/', '-'),
            'raw': buffer.getvalue().encode(),
            'mimetype': 'text/csv',
            'res_model': self._name,
            'res_id': self.id,
        })

    def _create_pdf_attachment(self):
        self.ensure_one()
        pdf, _report_type = self.env['ir.actions.report'].with_context(force_report_rendering=True)._render_qweb_pdf(
            'collection_legal.collection_commission_statement_report', self.ids)
        return self.env['ir.attachment'].create({
            'name': f"{self.name}.pdf".replace('/', '-'),
            'raw': pdf,
            'mimetype': 'application/pdf',
            'res_model': self._name,
            'res_id': self.id,
        })

    @api.model
    def _cron_prepare_statements(self):
        """Monthly: a computed draft statement of the past month for each agency with a scheme,
        committed one statement at a time."""
        statements = self._prepare_statements()
        self.env['ir.cron']._commit_progress(remaining=len(statements))
        for statement in statements:
            statement._compute_statement()
            self.env['ir.cron']._commit_progress(1)

    @api.model
    def _prepare_statements(self, date_from=None):
        """Draft statements of the month starting ``date_from`` (last month by default) for the
        agencies with a commission scheme that have none yet."""
        date_from = date_from or fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        agencies = self.env['collection.agency'].search([('commission_scheme_id', '!=', False)])
        existing = self.search([('date_from', '=', date_from), ('state', '!=', 'cancelled')]).agency_id
        return self.create([{'agency_id': agency.id, 'date_from': date_from} for agency in agencies - existing])
