from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.collection_loan_snapshot import SNAPSHOT_TABLE


class CollectionRollRateReport(models.Model):
    """Each loan's bucket at the start and at the end of each month, from the daily snapshots.

    One row per loan and month: "start" is the loan's first snapshot of the month, "end" its
    last one. Rolled-forward, improved and cure rates are 0/100 indicators averaged by the
    pivot, so they stay right under any grouping and under record rules.
    """
    _name = 'collection.roll.rate.report'
    _description = 'Roll-rate and Cure Analysis'
    _auto = False
    _order = 'month desc, from_bucket_id, to_bucket_id'
    _rec_name = 'loan_id'
    _depends = {'collection.bucket': ['dpd_from']}

    month = fields.Date(readonly=True, help="First day of the month.")
    first_date = fields.Date(string="Start Snapshot", readonly=True)
    last_date = fields.Date(string="End Snapshot", readonly=True)
    loan_id = fields.Many2one('collection.loan', string="Loan", readonly=True)
    case_id = fields.Many2one('collection.case', string="Case", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    product_id = fields.Many2one('collection.product', string="Product", readonly=True)
    from_bucket_id = fields.Many2one('collection.bucket', string="From Bucket", readonly=True)
    to_bucket_id = fields.Many2one('collection.bucket', string="To Bucket", readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True, help="Agent at month end.")
    team_id = fields.Many2one('collection.team', string="Team", readonly=True, help="Team at month end.")
    from_dpd = fields.Integer(string="DPD at Start", readonly=True, aggregator='avg')
    to_dpd = fields.Integer(string="DPD at End", readonly=True, aggregator='avg')
    from_outstanding = fields.Monetary(string="Outstanding at Start", readonly=True)
    to_outstanding = fields.Monetary(string="Outstanding at End", readonly=True)
    from_overdue = fields.Monetary(string="Overdue at Start", readonly=True)
    to_overdue = fields.Monetary(string="Overdue at End", readonly=True)
    loan_count = fields.Integer(string="Loans", readonly=True)
    movement = fields.Selection([
        ('better', 'Improved'),
        ('same', 'Stayed'),
        ('worse', 'Rolled forward'),
    ], readonly=True)
    is_delinquent_at_start = fields.Boolean(string="Delinquent at Start", readonly=True)
    is_new = fields.Boolean(
        string="New in Month", readonly=True,
        help="The loan was not in the month's first snapshot (disbursed or loaded later).")
    has_left = fields.Boolean(
        string="Left in Month", readonly=True,
        help="The loan is not in the month's last snapshot (closed or written off); its end "
             "figures are those of its last snapshot.")
    roll_forward_rate = fields.Float(
        string="Rolled Forward (%)", readonly=True, aggregator='avg',
        help="Share of loans whose bucket at month end is worse than at month start.")
    improved_rate = fields.Float(
        string="Improved (%)", readonly=True, aggregator='avg',
        help="Share of loans whose bucket at month end is better than at month start.")
    cure_rate = fields.Float(
        string="Cure Rate (%)", readonly=True, aggregator='avg',
        help="Among loans delinquent at month start, the share that are current (0 DPD) at month end.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                WITH bounds AS (
                    SELECT s.loan_id,
                           date_trunc('month', s.date)::date AS month,
                           MIN(s.date) AS first_date,
                           MAX(s.date) AS last_date
                      FROM %(snapshots)s s
                  GROUP BY s.loan_id, date_trunc('month', s.date)
                ), months AS (
                    SELECT month, MIN(first_date) AS first_date, MAX(last_date) AS last_date
                      FROM bounds
                  GROUP BY month
                ), moves AS (
                    SELECT b.month, b.first_date, b.last_date,
                           b.first_date > m.first_date AS is_new,
                           b.last_date < m.last_date AS has_left,
                           fs.bucket_id AS from_bucket_id, fs.dpd AS from_dpd,
                           fs.outstanding_amount AS from_outstanding, fs.overdue_amount AS from_overdue,
                           COALESCE(fb.dpd_from, fs.dpd) AS from_rank,
                           ls.id, ls.loan_id, ls.case_id, ls.company_id, ls.currency_id, ls.product_id,
                           ls.user_id, ls.team_id, ls.bucket_id AS to_bucket_id, ls.dpd AS to_dpd,
                           ls.outstanding_amount AS to_outstanding, ls.overdue_amount AS to_overdue,
                           COALESCE(tb.dpd_from, ls.dpd) AS to_rank
                      FROM bounds b
                      JOIN months m ON m.month = b.month
                      JOIN %(snapshots)s fs ON fs.date = b.first_date AND fs.loan_id = b.loan_id
                      JOIN %(snapshots)s ls ON ls.date = b.last_date AND ls.loan_id = b.loan_id
                 LEFT JOIN collection_bucket fb ON fb.id = fs.bucket_id
                 LEFT JOIN collection_bucket tb ON tb.id = ls.bucket_id
                )
                SELECT id, month, first_date, last_date, loan_id, case_id, company_id, currency_id,
                       product_id, from_bucket_id, to_bucket_id, user_id, team_id,
                       from_dpd, to_dpd, from_outstanding, to_outstanding,
                       from_overdue, to_overdue, 1 AS loan_count,
                       CASE WHEN to_rank > from_rank THEN 'worse'
                            WHEN to_rank < from_rank THEN 'better'
                            ELSE 'same' END AS movement,
                       from_dpd > 0 AS is_delinquent_at_start, is_new, has_left,
                       CASE WHEN to_rank > from_rank THEN 100 ELSE 0 END::float AS roll_forward_rate,
                       CASE WHEN to_rank < from_rank THEN 100 ELSE 0 END::float AS improved_rate,
                       CASE WHEN from_dpd = 0 THEN NULL
                            WHEN to_dpd = 0 THEN 100
                            ELSE 0 END::float AS cure_rate
                  FROM moves
            )
        """, view=SQL.identifier(self._table), snapshots=SQL.identifier(SNAPSHOT_TABLE)))
