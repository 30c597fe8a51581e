from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.collection_ptp import PTP_CHANNELS


class CollectionPaymentReport(models.Model):
    """Posted payments by the agent and team they are credited to, by day, product and channel."""
    _name = 'collection.payment.report'
    _description = 'Collected Amounts'
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'case_id'
    _depends = {
        'collection.payment': ['date', 'user_id', 'team_id', 'case_id', 'loan_id', 'company_id',
                               'currency_id', 'channel', 'source_system', 'amount', 'state'],
        'collection.loan': ['product_id'],
    }

    date = fields.Date(readonly=True)
    user_id = fields.Many2one('res.users', string="Collected By", readonly=True)
    team_id = fields.Many2one('collection.team', string="Team", readonly=True)
    case_id = fields.Many2one('collection.case', string="Case", readonly=True)
    loan_id = fields.Many2one('collection.loan', string="Loan", readonly=True)
    product_id = fields.Many2one('collection.product', string="Product", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    channel = fields.Selection(PTP_CHANNELS, readonly=True)
    source_system = fields.Char(string="Source", readonly=True)
    amount = fields.Monetary(string="Collected", readonly=True)
    payment_count = fields.Integer(string="Payments", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
                SELECT p.id, p.date, p.user_id, p.team_id, p.case_id, p.loan_id, l.product_id,
                       p.company_id, p.currency_id, p.channel, p.source_system, p.amount,
                       1 AS payment_count
                  FROM collection_payment p
                  JOIN collection_loan l ON l.id = p.loan_id
                 WHERE p.state = 'posted'
            )
        """, view=SQL.identifier(self._table)))
