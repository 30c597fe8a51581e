"""Storage settings of the tables the daily run rewrites (no ORM here)."""
from odoo.tools import SQL

# The daily recompute rewrites every delinquent loan and case (their DPD grows by one). Free
# room in each page lets PostgreSQL keep the new row version on the same page without
# touching the indexes (a HOT update), several times cheaper than a plain update. Cases are
# more often delinquent than loans (one late loan makes the case late), hence more room.
DAILY_UPDATED_FILLFACTOR = 80
CASE_FILLFACTOR = 70


def set_fillfactor(cr, table, fillfactor=DAILY_UPDATED_FILLFACTOR):
    """Leave ``100 - fillfactor`` percent of each new page of ``table`` free for updates.

    Pages written from now on follow it; rewriting the existing ones takes a
    ``VACUUM FULL`` (or a reload).
    """
    cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), str(int(fillfactor))))
