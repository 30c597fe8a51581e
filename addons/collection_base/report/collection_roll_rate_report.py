from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.collection_loan_snapshot import SNAPSHOT_TABLE


class CollectionRollRateReport(models.Model):
    """Each loan's bucket at the start and at the end of each month, from the daily snapshots.

    One row per loan and month. "Start" is the month's first snapshot, "end" its last one:
    a loan missing from the first one is *new* in the month (no start bucket), a loan missing
    from the last one has *left* the book (no end bucket). Rolled-forward, improved and cure
    rates are 0/100 indicators that the pivot averages, so they stay right under any grouping
    and under record rules.

    The view reads two snapshot days per month through the (date, loan_id) index; a filter on
    ``month`` reaches the list of months, so one month costs two days of snapshots.
    """
    _name = 'collection.roll.rate.report'
    _description = 'Roll-rate and Cure Analysis'
    _auto = False
    _order = 'month desc, from_bucket_id, to_bucket_id'
    _rec_name = 'loan_id'
    _depends = {'collection.bucket': ['dpd_from'], 'collection.loan': ['state']}

    month = fields.Date(readonly=True, help="First day of the month.")
    first_date = fields.Date(string="Start Snapshot", readonly=True, help="The month's first snapshot day.")
    last_date = fields.Date(string="End Snapshot", readonly=True, help="The month's last snapshot day.")
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
        ('new', 'New in month'),
        ('left', 'Left the book'),
    ], readonly=True)
    is_delinquent_at_start = fields.Boolean(string="Delinquent at Start", readonly=True)
    is_new = fields.Boolean(
        string="New in Month", readonly=True,
        help="The loan is not in the month's first snapshot (disbursed or loaded later).")
    has_left = fields.Boolean(
        string="Left in Month", readonly=True,
        help="The loan is not in the month's last snapshot: closed or written off.")
    roll_forward_rate = fields.Float(
        string="Rolled Forward (%)", readonly=True, aggregator='avg',
        help="Among loans in the book at month start, the share whose bucket at month end is worse.")
    improved_rate = fields.Float(
        string="Improved (%)", readonly=True, aggregator='avg',
        help="Among loans in the book at month start, the share whose bucket at month end is better.")
    cure_rate = fields.Float(
        string="Cure Rate (%)", readonly=True, aggregator='avg',
        help="Among loans past due at month start, the share current (0 DPD) at month end; a loan "
             "that left the book counts as cured when it is closed, not when it is written off.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                WITH RECURSIVE days AS (
                    -- the distinct snapshot days, one index probe each
                    (SELECT date FROM %(snapshots)s ORDER BY date LIMIT 1)
                    UNION ALL
                    SELECT (SELECT s.date FROM %(snapshots)s s WHERE s.date > d.date ORDER BY s.date LIMIT 1)
                      FROM days d
                     WHERE d.date IS NOT NULL
                ), months AS (
                    SELECT date_trunc('month', date)::date AS month, MIN(date) AS first_date, MAX(date) AS last_date
                      FROM days
                     WHERE date IS NOT NULL
                  GROUP BY 1
                ), moves AS (
                    -- per month, the first day's rows against the last day's rows, loan by loan
                    SELECT m.month, m.first_date, m.last_date, x.*
                      FROM months m
                CROSS JOIN LATERAL (
                        SELECT COALESCE(e.id, s.id) AS id,
                               COALESCE(e.loan_id, s.loan_id) AS loan_id,
                               COALESCE(e.case_id, s.case_id) AS case_id,
                               COALESCE(e.company_id, s.company_id) AS company_id,
                               COALESCE(e.currency_id, s.currency_id) AS currency_id,
                               COALESCE(e.product_id, s.product_id) AS product_id,
                               COALESCE(e.user_id, s.user_id) AS user_id,
                               COALESCE(e.team_id, s.team_id) AS team_id,
                               s.bucket_id AS from_bucket_id, s.dpd AS from_dpd,
                               s.outstanding_amount AS from_outstanding, s.overdue_amount AS from_overdue,
                               e.bucket_id AS to_bucket_id, e.dpd AS to_dpd,
                               e.outstanding_amount AS to_outstanding, e.overdue_amount AS to_overdue,
                               CASE WHEN s.id IS NULL THEN 'new'
                                    WHEN e.id IS NULL THEN 'left'
                                    ELSE 'stayed' END AS presence
                          FROM (SELECT * FROM %(snapshots)s WHERE date = m.first_date) s
                     FULL JOIN (SELECT * FROM %(snapshots)s WHERE date = m.last_date) e ON e.loan_id = s.loan_id
                    ) x
                ), ranked AS (
                    SELECT mv.*,
                           COALESCE(fb.dpd_from, mv.from_dpd) AS from_rank,
                           COALESCE(tb.dpd_from, mv.to_dpd) AS to_rank
                      FROM moves mv
                 LEFT JOIN collection_bucket fb ON fb.id = mv.from_bucket_id
                 LEFT JOIN collection_bucket tb ON tb.id = mv.to_bucket_id
                )
                SELECT r.id, r.month, r.first_date, r.last_date, r.loan_id, r.case_id, r.company_id,
                       r.currency_id, r.product_id, r.from_bucket_id, r.to_bucket_id, r.user_id, r.team_id,
                       r.from_dpd, r.to_dpd, r.from_outstanding, r.to_outstanding,
                       r.from_overdue, r.to_overdue, 1 AS loan_count,
                       CASE WHEN r.presence != 'stayed' THEN r.presence
                            WHEN r.to_rank > r.from_rank THEN 'worse'
                            WHEN r.to_rank < r.from_rank THEN 'better'
                            ELSE 'same' END AS movement,
                       COALESCE(r.from_dpd > 0, FALSE) AS is_delinquent_at_start,
                       r.presence = 'new' AS is_new,
                       r.presence = 'left' AS has_left,
                       CASE WHEN r.presence = 'new' THEN NULL
                            WHEN r.to_rank > r.from_rank THEN 100
                            ELSE 0 END::float AS roll_forward_rate,
                       CASE WHEN r.presence = 'new' THEN NULL
                            WHEN r.to_rank < r.from_rank THEN 100
                            ELSE 0 END::float AS improved_rate,
                       CASE WHEN r.presence = 'new' OR r.from_dpd = 0 THEN NULL
                            WHEN r.presence = 'left' THEN
                                CASE WHEN l.state = 'closed' THEN 100 ELSE 0 END
                            WHEN r.to_dpd = 0 THEN 100
                            ELSE 0 END::float AS cure_rate
                  FROM ranked r
             LEFT JOIN collection_loan l ON l.id = r.loan_id AND r.presence = 'left'
            )
        """, view=SQL.identifier(self._table), snapshots=SQL.identifier(SNAPSHOT_TABLE)))
