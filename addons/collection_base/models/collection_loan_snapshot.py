from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

# The rows live in a table created by hand (see ``init``): it is partitioned by month, so old
# months can be dropped at once, and it carries no foreign keys: one foreign-key check per
# column and row made a 1M-loan snapshot eight times slower. The model reads it through
# ``_table_query`` (Odoo's table checks do not know partitioned tables).
SNAPSHOT_TABLE = 'collection_loan_snapshot_data'

# Columns of the snapshot table besides ``id`` and ``date``.
SNAPSHOT_COLUMNS = {
    'loan_id': 'integer NOT NULL',
    'case_id': 'integer',
    'company_id': 'integer NOT NULL',
    'currency_id': 'integer',
    'product_id': 'integer',
    'bucket_id': 'integer',
    'dpd': 'integer NOT NULL DEFAULT 0',
    'overdue_amount': 'numeric NOT NULL DEFAULT 0',
    'outstanding_amount': 'numeric NOT NULL DEFAULT 0',
    'user_id': 'integer',
    'team_id': 'integer',
}

# pg_advisory_xact_lock key: one snapshot at a time (cron, button, benchmark)
SNAPSHOT_LOCK_KEY = 804_771_001


class CollectionLoanSnapshot(models.Model):
    """One row per active loan and day: the history that roll-rate and cure reports read.

    Rows are written only by :meth:`_take_snapshot`, in one INSERT ... SELECT.
    """
    _name = 'collection.loan.snapshot'
    _description = 'Daily Loan Snapshot'
    _auto = False
    _table_query = SQL("SELECT *, 1 AS loan_count FROM %s", SQL.identifier(SNAPSHOT_TABLE))
    _order = 'date desc, id desc'
    _rec_name = 'loan_id'

    date = fields.Date(required=True, readonly=True)
    loan_id = fields.Many2one('collection.loan', string="Loan", required=True, readonly=True)
    case_id = fields.Many2one('collection.case', string="Case", readonly=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    product_id = fields.Many2one('collection.product', string="Product", readonly=True)
    bucket_id = fields.Many2one('collection.bucket', string="Bucket", readonly=True)
    dpd = fields.Integer(string="DPD", readonly=True, aggregator='max')
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    outstanding_amount = fields.Monetary(string="Outstanding", readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    team_id = fields.Many2one('collection.team', string="Team", readonly=True)
    loan_count = fields.Integer(
        string="Loans", readonly=True, help="1 per row: sums to the number of loans of a group.")

    def init(self):
        cr = self.env.cr
        cr.execute(SQL("SELECT to_regclass(%s)", SNAPSHOT_TABLE))
        if cr.fetchone()[0] is None:
            cr.execute(SQL("""
                CREATE TABLE %(table)s (
                    id serial NOT NULL,
                    date date NOT NULL,
                    %(columns)s,
                    PRIMARY KEY (id, date)
                ) PARTITION BY RANGE (date)
            """, table=SQL.identifier(SNAPSHOT_TABLE), columns=SQL(", ").join(
                SQL("%s %s", SQL.identifier(name), SQL(ddl)) for name, ddl in SNAPSHOT_COLUMNS.items())))
        else:
            # a later version may add columns: add what is missing, keep the data
            for name, ddl in SNAPSHOT_COLUMNS.items():
                cr.execute(SQL("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s",
                               SQL.identifier(SNAPSHOT_TABLE), SQL.identifier(name), SQL(ddl)))
        cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS collection_loan_snapshot_data_date_loan_uniq ON %s (date, loan_id)",
            SQL.identifier(SNAPSHOT_TABLE)))
        cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS collection_loan_snapshot_data_date_bucket_idx ON %s (date, bucket_id)",
            SQL.identifier(SNAPSHOT_TABLE)))

    @api.model
    def _partition_name(self, day):
        return f"{SNAPSHOT_TABLE}_{day:%Y_%m}"

    @api.model
    def _ensure_partition(self, day):
        """Create the monthly partition that holds ``day`` when it does not exist yet."""
        start = day.replace(day=1)
        name = self._partition_name(start)
        if self.env.execute_query(SQL("SELECT to_regclass(%s)", name))[0][0]:
            return name
        self.env.execute_query(SQL(
            "CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%s) TO (%s)",
            SQL.identifier(name), SQL.identifier(SNAPSHOT_TABLE), start, start + relativedelta(months=1)))
        return name

    @api.model
    def _take_snapshot(self, date=None):
        """Record today's (or ``date``'s) figures of every active loan; return the row count.

        One INSERT ... SELECT over ``collection_loan`` joined to its case, no ORM per row.
        Idempotent for a date: the rows of that date are replaced, so a second run on the
        same day leaves one row per loan with the latest figures. Runs one at a time
        (transaction-level advisory lock). Call it after :meth:`collection.loan._recompute_delinquency`
        so DPD and buckets are fresh.
        """
        day = fields.Date.to_date(date) if date else fields.Date.context_today(self)
        self.env.flush_all()
        self.env.execute_query(SQL("SELECT pg_advisory_xact_lock(%s)", SNAPSHOT_LOCK_KEY))
        self._ensure_partition(day)
        self.env.execute_query(SQL("DELETE FROM %s WHERE date = %s", SQL.identifier(SNAPSHOT_TABLE), day))
        self.env.cr.execute(SQL("""
            INSERT INTO %(table)s (date, loan_id, case_id, company_id, currency_id, product_id,
                                   bucket_id, dpd, overdue_amount, outstanding_amount, user_id, team_id)
            SELECT %(day)s, l.id, l.case_id, l.company_id, l.currency_id, l.product_id,
                   l.bucket_id, COALESCE(l.dpd, 0), COALESCE(l.overdue_amount, 0),
                   COALESCE(l.outstanding_amount, 0), c.user_id, c.team_id
              FROM collection_loan l
         LEFT JOIN collection_case c ON c.id = l.case_id
             WHERE l.state = 'active'
        """, table=SQL.identifier(SNAPSHOT_TABLE), day=day))
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _cron_take_snapshot(self):
        self._take_snapshot()

    @api.model
    def _delete_for_loans(self, loan_ids):
        """Drop the history of deleted loans (the table has no foreign keys to cascade)."""
        if loan_ids:
            self.env.execute_query(SQL(
                "DELETE FROM %s WHERE loan_id IN %s", SQL.identifier(SNAPSHOT_TABLE), tuple(loan_ids)))
            self.invalidate_model()
