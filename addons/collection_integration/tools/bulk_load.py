"""Bulk-load mode of the sync: PostgreSQL's "Populating a Database" advice (no ORM here).

When a batch fills a table (a first load), keeping every index up to date row by row and
checking every foreign key row by row costs many times more than building the indexes once and
checking each foreign key over the whole table at the end. :class:`BulkLoad` does that inside the caller's transaction:

* ``suspend(table)`` locks the table, saves the definitions of its non-unique indexes and of
  its foreign keys and drops them. Primary keys, unique indexes and unique constraints stay:
  ``ON CONFLICT`` needs them, and they are what keeps the rows unique.
* ``restore()`` creates the indexes again from the saved definitions and adds the foreign
  keys back under the same names with the same definitions (``ON DELETE`` included), all of
  a table's in one ``ALTER TABLE``, which checks every row: a bad reference fails there.

A failure anywhere rolls the drops back with the rest of the transaction. The lock taken by
``suspend`` (ACCESS EXCLUSIVE: nobody else reads or writes the table) is held until the
transaction ends, and dropping a foreign key takes the same lock on the table it refers to
(``res_users``, ``res_company``, ``res_currency``, ``res_partner``, ...), which every request of
Odoo reads: the whole server waits for the batch. That is why the sync keeps this mode for
first loads.
"""
from psycopg2 import errors

from odoo.tools import SQL

# memory for the index builds and the sorts and hashes of the load; raised for the
# transaction only (SET LOCAL)
BULK_MAINTENANCE_WORK_MEM = '512MB'


def table_definitions(cr, table):
    """(non-unique indexes [(name, definition)], foreign keys [(name, definition)]) of ``table``."""
    cr.execute("""
        SELECT i.relname, pg_get_indexdef(i.oid)
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = %s::regclass
           AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
      ORDER BY i.relname
    """, [table])
    indexes = cr.fetchall()
    cr.execute("""
        SELECT conname, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE conrelid = %s::regclass AND contype = 'f'
      ORDER BY conname
    """, [table])
    return indexes, cr.fetchall()


class BulkLoad:
    """Suspends the secondary indexes and foreign keys of tables, then restores them."""

    def __init__(self, cr, lock_timeout='10s'):
        self.cr = cr
        self.lock_timeout = lock_timeout
        self.saved = {}  # table -> (indexes, foreign keys), in the order suspended

    def __contains__(self, table):
        return table in self.saved

    def suspend(self, table):
        """Drop the non-unique indexes and foreign keys of ``table``; False if the table is
        busy (another transaction holds a lock on it past the lock timeout): nothing was
        dropped then and the load goes on in the ordinary way."""
        if table in self.saved:
            return True
        cr = self.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL("SET LOCAL lock_timeout = %s", self.lock_timeout))
                cr.execute(SQL("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", SQL.identifier(table)), log_exceptions=False)
                # the lock stays with the transaction; the timeout goes back to the default
                cr.execute("SET LOCAL lock_timeout TO DEFAULT")
        except errors.LockNotAvailable:
            return False
        if not self.saved:
            cr.execute(SQL("SET LOCAL maintenance_work_mem = %s", BULK_MAINTENANCE_WORK_MEM))
        indexes, foreign_keys = table_definitions(cr, table)
        for name, _definition in foreign_keys:
            cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
        for name, _definition in indexes:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        self.saved[table] = (indexes, foreign_keys)
        return True

    def restore(self):
        """Create the dropped indexes again and add the foreign keys back (checking them)."""
        cr = self.cr
        for table, (indexes, foreign_keys) in self.saved.items():
            for _name, definition in indexes:
                cr.execute(_catalog_sql(definition))
            if foreign_keys:
                cr.execute(SQL("ALTER TABLE %s %s", SQL.identifier(table), SQL(", ").join(
                    SQL("ADD CONSTRAINT %s %s", SQL.identifier(name), _catalog_sql(definition))
                    for name, definition in foreign_keys)))
        self.saved = {}


def _catalog_sql(text):
    """SQL of a definition the catalog wrote (``pg_get_indexdef``, ``pg_get_constraintdef``)."""
    return SQL(text.replace('%', '%%'))
