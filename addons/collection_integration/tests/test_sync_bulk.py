from unittest.mock import patch

import psycopg2

from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.collection_integration.models import collection_sync_engine
from odoo.addons.collection_integration.models.collection_sync_engine import CollectionSyncEngine
from odoo.addons.collection_integration.tools.bulk_load import BulkLoad

from . import test_extract_files
from .common import CollectionSyncCommon

BULK_PARAM = 'collection_integration.sync_bulk_min_rows'
# what each file of a first load rewrites
FIRST_LOAD_TABLES = {
    'CUSTOMER': {'res_partner', 'collection_contact_point'},
    'ARRANGEMENT': {'collection_case', 'collection_loan'},
    'BILL': {'collection_loan_due'},
    'COLLATERAL': {'collection_collateral'},
}
TABLES = set().union(*FIRST_LOAD_TABLES.values())


def analyze(cr):
    """Planner statistics of the tables as they are in this transaction (ANALYZE writes them for
    good: another test's rolled-back load may have left the counts of a large table)."""
    cr.execute(f"ANALYZE {', '.join(sorted(TABLES))}")


def table_schema(cr, table):
    """The definitions of the indexes and constraints of ``table``, as the catalog shows them."""
    cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
               "ORDER BY indexname", [table])
    indexes = cr.fetchall()
    cr.execute("SELECT conname, contype, convalidated, condeferrable, pg_get_constraintdef(oid) FROM pg_constraint "
               "WHERE conrelid = %s::regclass ORDER BY conname", [table])
    return indexes, cr.fetchall()


@tagged('post_install', '-at_install')
class TestSyncBulkLoad(CollectionSyncCommon):
    """First loads (a batch that adds at least as many rows as a table holds) drop its secondary
    indexes and foreign keys and build them again (tools/bulk_load.py); the others leave the
    tables alone."""

    def setUp(self):
        super().setUp()
        self.env['ir.config_parameter'].set_param(BULK_PARAM, 1)
        analyze(self.env.cr)
        # enough new customers and loans to outnumber what the tables hold: a first load
        self.env.cr.execute(SQL("SELECT GREATEST(%s)", SQL(", ").join(
            SQL("(SELECT COUNT(*) FROM %s)", SQL.identifier(table)) for table in sorted(TABLES))))
        self.extra = max(20, self.env.cr.fetchone()[0])

    def customers(self):
        return super().customers() + [
            {'CUSTOMER_ID': f'CB{n:04d}', 'NAME': f"Bulk Customer {n}", 'MOBILE': f'+1202555{n:04d}',
             'EMAIL': f'bulk{n}@example.com', 'COUNTRY': 'US'} for n in range(self.extra)]

    def loans(self):
        return super().loans() + [
            {'ARRANGEMENT_ID': f'AB{n:04d}', 'CUSTOMER_ID': f'CB{n:04d}', 'PRODUCT': 'PL', 'CURRENCY': 'USD',
             'OUTSTANDING': '100', 'STATUS': 'CURRENT'} for n in range(self.extra)]

    def schemas(self):
        return {table: table_schema(self.env.cr, table) for table in sorted(TABLES)}

    def test_first_load_restores_indexes_and_foreign_keys(self):
        before = self.schemas()
        run = self.sync(paths=self.extract_all())
        self.assertEqual(run.state, 'done', run.message)
        self.assertEqual({b.record_type: set(b.bulk_tables.split(', ')) for b in run.batch_ids}, FIRST_LOAD_TABLES)
        # each batch tells the time of its rebuild
        self.assertTrue(all(b.bulk_duration > 0 for b in run.batch_ids))
        # the same indexes and constraints, under the same names, all validated
        self.assertEqual(self.schemas(), before)
        # and loaded as in the ordinary way
        aa1 = self.loan('AA1')
        self.assertEqual((aa1.partner_id, aa1.case_id.partner_id), (self.partner('C100'), self.partner('C100')))
        self.assertEqual((aa1.dpd, aa1.case_id.total_outstanding), (45, 4900.5))
        self.assertEqual(self.loan('AB0007').case_id.partner_id.cif, 'CB0007')
        self.assertEqual(set(self.partner('CB0003').contact_point_ids.mapped('kind')), {'mobile', 'email'})
        events = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'loan.created')])
        self.assertEqual(sum(e.payload['count'] for e in events), 3 + self.extra)
        # the foreign keys hold again
        point = self.partner('C100').contact_point_ids[:1]
        for table, column, value, row in (('collection_loan', 'product_id', max(self.product_pl.ids) + 1000, aa1.id),
                                          ('collection_contact_point', 'partner_id', -1, point.id),
                                          ('collection_case', 'partner_id', -1, aa1.case_id.id)):
            with self.subTest(table=table), self.assertRaises(psycopg2.errors.ForeignKeyViolation), \
                    mute_logger('odoo.sql_db'), self.env.cr.savepoint():
                self.env.cr.execute(SQL("UPDATE %s SET %s = %s WHERE id = %s",
                                        SQL.identifier(table), SQL.identifier(column), value, row))
        # a change to a few rows afterwards is loaded the ordinary way
        changed = dict(super().loans()[0], OUTSTANDING='850.50')
        run = self.sync(paths=[self.extract('ARRANGEMENT', [changed], extract='DELTA')])
        self.assertEqual((run.updated_count, run.batch_ids.bulk_tables, run.batch_ids.bulk_duration), (1, False, 0))
        # and so is a full extract that changes every loan: updates never lock the tables (nor,
        # through their foreign keys, the users, companies and partners every request reads)
        every = [dict(loan, OUTSTANDING='77') for loan in self.loans()]
        run = self.sync(paths=[self.extract('ARRANGEMENT', every)])
        self.assertEqual(run.state, 'done', run.message)
        self.assertEqual((run.updated_count, run.batch_ids.bulk_tables), (len(every), False))

    def test_bad_reference_fails_the_batch(self):
        """A row written while the foreign keys are away must still satisfy them: the batch
        fails when they are added back, and nothing of it stays."""
        before = self.schemas()
        original = CollectionSyncEngine._write_events
        missing_product = max(self.product_pl.ids) + 1000

        def write_events(engine, ctx):
            if ctx.plan.record_type == 'ARRANGEMENT':
                engine.env.cr.execute("UPDATE collection_loan SET product_id = %s WHERE name = 'AA1'", [missing_product])
            return original(engine, ctx)

        with patch.object(CollectionSyncEngine, '_write_events', autospec=True, side_effect=write_events), \
                mute_logger('odoo.addons.collection_integration.models.collection_connector', 'odoo.sql_db'):
            run = self.sync(paths=self.extract_all())
        customers, arrangements = run.batch_ids
        self.assertEqual((customers.state, arrangements.state), ('done', 'failed'))
        self.assertIn("collection_loan_product_id_fkey", arrangements.message)
        self.assertFalse(self.loan('AA1'))
        self.assertEqual(self.schemas(), before)

    def test_small_loads_leave_the_tables_alone(self):
        self.env['ir.config_parameter'].set_param(BULK_PARAM, collection_sync_engine.BULK_MIN_ROWS)
        run = self.sync(paths=self.extract_all())
        self.assertEqual(run.state, 'done')
        self.assertFalse(any(run.batch_ids.mapped('bulk_tables')))
        # no lock that would keep users out of the tables
        self.env.cr.execute("""
            SELECT relation::regclass::text FROM pg_locks
             WHERE pid = pg_backend_pid() AND mode = 'AccessExclusiveLock' AND relation IS NOT NULL
        """)
        self.assertFalse({table for (table,) in self.env.cr.fetchall()} & TABLES)

    def test_busy_table_is_not_bulk_loaded(self):
        """A table another transaction is reading is not locked away from it: the load goes on
        the ordinary way."""
        before = table_schema(self.env.cr, 'collection_product')
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT COUNT(*) FROM collection_product")
            bulk = BulkLoad(self.env.cr, lock_timeout='100ms')
            self.assertFalse(bulk.suspend('collection_product'))
            self.assertNotIn('collection_product', bulk)
        self.assertEqual(table_schema(self.env.cr, 'collection_product'), before)

    def test_events_in_chunks(self):
        with patch.object(collection_sync_engine, 'SYNC_EVENT_RECORDS', 2):
            run = self.sync(paths=[self.extract('CUSTOMER', self.customers()),
                                   self.extract('ARRANGEMENT', super().loans())])
        events = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'loan.created')],
                                                     order='id')
        loans = (self.loan('AA1') | self.loan('AA2') | self.loan('AA3')).sorted('id')
        self.assertEqual([e.payload['count'] for e in events], [2, 1])
        self.assertEqual([i for e in events for i in e.payload['ids']], loans.ids)
        self.assertEqual([r for e in events for r in e.payload['refs']], loans.mapped('name'))
        self.assertEqual(set(events.mapped('res_model')), {'collection.loan'})


@tagged('post_install', '-at_install')
class TestExtractFilesBulkMode(test_extract_files.TestExtractFiles):
    """Every extract scenario again, with the bulk-load mode taken whenever a batch rewrites a
    large share of a table."""

    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        self.env['ir.config_parameter'].set_param(BULK_PARAM, 1)
        analyze(self.env.cr)


@tagged('post_install', '-at_install')
class TestExtractFilesSmallBatches(test_extract_files.TestExtractFiles):
    """Every extract scenario again, each batch read as small next to its table (index probes
    instead of hash joins): the plans differ, the results may not."""

    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        patcher = patch.object(collection_sync_engine, 'SMALL_BATCH_SHARE', 1e9)
        patcher.start()
        self.addCleanup(patcher.stop)
