from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.collection_ptp import PTP_CHANNELS, PTP_STATES


class CollectionPtpReport(models.Model):
    """Promises to pay with the figures managers follow: kept rate by agent, team and month.

    ``kept_rate`` is 100 for a kept promise, 0 for a partly kept or broken one and empty for
    open and cancelled ones; averaged by the pivot it gives kept / (kept + partly kept + broken).
    """
    _name = 'collection.ptp.report'
    _description = 'Promise-to-Pay Analysis'
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'case_id'
    _depends = {
        'collection.ptp': ['date', 'evaluated_date', 'case_id', 'partner_id', 'loan_id', 'company_id',
                           'user_id', 'channel', 'state', 'amount', 'amount_paid'],
        'collection.case': ['team_id'],
        'collection.loan': ['product_id'],
    }

    date = fields.Date(string="Promised Date", readonly=True)
    evaluated_date = fields.Date(readonly=True)
    case_id = fields.Many2one('collection.case', string="Case", readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    loan_id = fields.Many2one('collection.loan', string="Loan", readonly=True)
    product_id = fields.Many2one('collection.product', string="Product", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    team_id = fields.Many2one('collection.team', string="Team", readonly=True)
    channel = fields.Selection(PTP_CHANNELS, readonly=True)
    state = fields.Selection(PTP_STATES, readonly=True)
    amount = fields.Monetary(string="Promised", readonly=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True)
    ptp_count = fields.Integer(string="Promises", readonly=True)
    kept_count = fields.Integer(string="Kept", readonly=True)
    partial_count = fields.Integer(string="Partly Kept", readonly=True)
    broken_count = fields.Integer(string="Broken", readonly=True)
    evaluated_count = fields.Integer(
        string="Evaluated", readonly=True, help="Kept, partly kept and broken promises.")
    kept_rate = fields.Float(
        string="Kept Rate (%)", readonly=True, aggregator='avg',
        help="Kept / (kept + partly kept + broken).")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                SELECT p.id, p.date, p.evaluated_date, p.case_id, p.partner_id, p.loan_id,
                       l.product_id, p.company_id, rc.currency_id, p.user_id, c.team_id,
                       p.channel, p.state, p.amount, p.amount_paid,
                       1 AS ptp_count,
                       (p.state = 'kept')::int AS kept_count,
                       (p.state = 'partial')::int AS partial_count,
                       (p.state = 'broken')::int AS broken_count,
                       (p.state IN ('kept', 'partial', 'broken'))::int AS evaluated_count,
                       CASE p.state WHEN 'kept' THEN 100
                                    WHEN 'partial' THEN 0
                                    WHEN 'broken' THEN 0 END::float AS kept_rate
                  FROM collection_ptp p
                  JOIN collection_case c ON c.id = p.case_id
                  JOIN res_company rc ON rc.id = p.company_id
             LEFT JOIN collection_loan l ON l.id = p.loan_id
            )
        """, view=SQL.identifier(self._table)))
