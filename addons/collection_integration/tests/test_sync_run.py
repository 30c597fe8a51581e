import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.sql_db import db_connect
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.collection_integration.models.collection_sync_engine import CollectionSyncEngine
from odoo.addons.collection_integration.models.collection_sync_run import LOCK_CLASS, LOCK_OBJECTS, SyncBusyError

from .common import CollectionSyncCommon


@tagged('post_install', '-at_install')
class TestSyncRun(CollectionSyncCommon):

    def test_second_run_refused_while_the_lock_is_held(self):
        """Another process (another connection) holds the sync lock: this run does not start."""
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            self.assertTrue(other.fetchone()[0])
            runs = self.env['collection.sync.run'].search_count([])
            with self.assertRaises(SyncBusyError) as caught:
                self.sync(paths=self.extract_all())
            self.assertIn("another synchronisation is running", str(caught.exception))
            self.assertEqual(self.env['collection.sync.run'].search_count([]), runs)
            self.assertFalse(self.partner('C100'))
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
        run = self.sync(paths=self.extract_all())
        self.assertEqual(run.state, 'done')
        # and the lock is free again once the run is over
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            self.assertTrue(other.fetchone()[0])
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))

    def test_run_in_progress_is_named(self):
        """A run recorded as running (another worker's) is named in the refusal."""
        running = self.env['collection.sync.run']._start(self.connector, trigger='cron')
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            with self.assertRaises(SyncBusyError) as caught:
                self.sync(paths=[])
            self.assertIn(running.name, str(caught.exception))
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))

    def test_busy_scheduled_run_tries_again_later(self):
        """Connectors set up together start together: the scheduled run that finds another sync
        running loads nothing, records no run, and comes back a few minutes later (a trigger of
        its own scheduled action) instead of waiting for its next day."""
        cron = self.connector.cron_id
        Trigger = self.env['ir.cron.trigger']
        paths = self.extract_all()
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            self.assertTrue(other.fetchone()[0])
            before = fields.Datetime.now()
            runs = self.env['collection.sync.run'].search_count([])
            with self.assertLogs('odoo.addons.collection_integration.models.collection_connector', 'WARNING') as logs:
                self.connector._cron_sync()
            self.assertEqual(len(logs.records), 1)
            self.assertIn("Collection sync of T24 postponed", logs.output[0])
            self.assertIn("another synchronisation is running", logs.output[0])
            trigger = Trigger.search([('cron_id', '=', cron.id)])
            self.assertEqual(len(trigger), 1)
            self.assertGreaterEqual(trigger.call_at, before + timedelta(minutes=4))
            self.assertLessEqual(trigger.call_at, fields.Datetime.now() + timedelta(minutes=6))
            # nothing was loaded, no run recorded, the files wait in the inbound folder
            self.assertEqual(self.env['collection.sync.run'].search_count([]), runs)
            self.assertFalse(self.partner('C100'))
            self.assertEqual(sorted(os.listdir(self.inbound)), sorted(os.path.basename(p) for p in paths))
            # still busy a moment later: no second trigger piles up
            with self.assertLogs('odoo.addons.collection_integration.models.collection_connector', 'WARNING'):
                self.connector._cron_sync()
            self.assertEqual(Trigger.search([('cron_id', '=', cron.id)]), trigger)
            # the other connectors' scheduled actions are left alone
            other_connector = self.env['collection.connector'].create({
                'name': "Cards", 'code': 'W4', 'system': 'way4', 'inbound_path': self.inbound})
            self.assertFalse(Trigger.search([('cron_id', '=', other_connector.cron_id.id)]))
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))

    def test_sync_now_while_busy_says_so(self):
        """*Sync now* while another sync runs: the connector is queued all the same (its
        scheduled run waits for its turn), and the user is told it waits, behind which run."""
        running = self.env['collection.sync.run']._start(self.connector, trigger='cron')
        self.assertFalse(self.env['collection.sync.run']._is_locked())
        # the same lock in another database of the cluster is another database's business
        with db_connect('postgres').cursor() as elsewhere:
            elsewhere.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            self.assertFalse(self.env['collection.sync.run']._is_locked())
            elsewhere.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
            self.assertTrue(self.env['collection.sync.run']._is_locked())
            action = self.connector.action_sync_now()
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECTS['sync']))
        params = action['params']
        self.assertEqual((params['type'], params['title']), ('warning', "Sync queued behind another one"))
        self.assertIn(f"Run {running.name} (Core banking) has been running since", params['message'])
        self.assertIn("Core banking is queued and starts once it has finished", params['message'])
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', self.connector.cron_id.id)]))
        # the lock free again: the ordinary notice
        self.assertFalse(self.env['collection.sync.run']._is_locked())
        params = self.connector.action_sync_now()['params']
        self.assertEqual((params['type'], params['title']), ('info', "Sync queued"))

    def test_interrupted_run_is_closed_by_the_next_one(self):
        """A run left 'running' by a process that died is marked interrupted by the next run."""
        dead = self.env['collection.sync.run']._start(self.connector, trigger='cron')
        self.sync(paths=[])
        self.assertEqual(dead.state, 'interrupted')
        self.assertIn("stopped before the end", dead.message)

    def test_failure_mid_file_applies_nothing_of_that_file(self):
        """A batch that fails half-way (after its upserts, while writing its events) leaves the
        database as the previous batch left it; the files after it are not processed."""
        original = CollectionSyncEngine._write_events

        def write_events(engine, ctx):
            if ctx.plan.record_type == 'ARRANGEMENT':
                raise OSError("disk full while writing the outbox")
            return original(engine, ctx)

        paths = self.extract_all()
        with patch.object(CollectionSyncEngine, '_write_events', autospec=True, side_effect=write_events), \
                mute_logger('odoo.addons.collection_integration.models.collection_connector'):
            run = self.sync(paths=paths)
        customers, arrangements = run.batch_ids
        self.assertEqual(customers.state, 'done')
        self.assertEqual(arrangements.state, 'failed')
        self.assertIn("disk full while writing the outbox", arrangements.message)
        self.assertIn("nothing of this batch was applied", arrangements.message)
        self.assertTrue(self.partner('C100'))
        # nothing of the loans file: no loan, no case, no reject, no event
        self.assertFalse(self.env['collection.loan'].search([('source_system', '=', 'T24')]))
        self.assertFalse(self.env['collection.case'].search([('partner_id', '=', self.partner('C100').id)]))
        self.assertFalse(self.env['collection.event'].search([('name', 'like', 'loan.%')]))
        self.assertNotIn('ARRANGEMENT', self.connector.watermarks)
        self.assertEqual(run.state, 'failed')
        # the administrators get an activity and a message
        self.assertEqual(run.activity_ids.user_id, self.admin)
        self.assertIn(self.admin.partner_id, run.message_ids.partner_ids)
        # the next run loads the remaining files
        run = self.sync(paths=paths)
        self.assertEqual(run.state, 'done')
        self.assertEqual(self.loan('AA1').dpd, 45)

    def test_failed_file_moves_to_error_folder(self):
        path = self.extract('ARRANGEMENT', self.loans(), trailer=False)
        self.sync()
        self.env.cr.postcommit.run()
        self.assertTrue(os.path.exists(os.path.join(self.inbound, 'error', os.path.basename(path))))

    def test_missing_inbound_folder(self):
        self.connector.inbound_path = '/nonexistent/collection/inbound'
        run = self.sync()
        self.assertEqual(run.state, 'failed')
        self.assertIn("/nonexistent/collection/inbound", run.message)

    def test_scheduled_action_per_connector(self):
        cron = self.connector.cron_id
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, 'days'))
        self.assertEqual(cron.code, f"model.browse({self.connector.id})._cron_sync()")
        self.connector.write({'sync_interval_number': 6, 'sync_interval_type': 'hours'})
        self.assertEqual((cron.interval_number, cron.interval_type), (6, 'hours'))
        self.connector.action_archive()
        self.assertFalse(cron.active)
        self.connector.action_unarchive()
        self.assertTrue(cron.active)
        # "Sync now" queues the connector's scheduled action
        action = self.connector.action_sync_now()
        self.assertEqual(action['tag'], 'display_notification')
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]))
        action = cron.ir_actions_server_id
        self.connector.unlink()
        self.assertFalse(cron.exists())
        self.assertFalse(action.exists(), "no server action left behind, running a deleted connector")

    def test_credentials_are_for_system_administrators(self):
        self.connector.write({'username': 'collector', 'password': 's3cret'})
        secret = self.env['collection.connector.secret'].search([('connector_id', '=', self.connector.id)])
        self.assertEqual((secret.company_id, secret.username, secret.password),
                         (self.company, 'collector', 's3cret'))
        self.assertIn(secret, self.company.collection_connector_secret_ids)
        collection_admin = new_test_user(self.env, 'col_int_admin',
                                         groups='collection_base.collection_base_group_admin')
        connector = self.connector.with_user(collection_admin)
        self.assertEqual(connector.name, "Core banking")
        with self.assertRaises(AccessError):
            connector.read(['password'])
        with self.assertRaises(AccessError):
            secret.with_user(collection_admin).read(['password'])
        self.assertEqual(self.connector.with_user(self.admin).password, 's3cret')

    def test_neutralize_wipes_credentials_and_ways_in(self):
        self.connector.write({'username': 'collector', 'password': 's3cret', 'endpoint_url': 'https://t24.bank.example'})
        queries = list(get_neutralization_queries(['collection_integration']))
        self.assertTrue(queries)
        self.env.flush_all()
        for query in queries:
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.env['collection.connector.secret'].search([]))
        self.assertFalse(self.connector.inbound_path)
        self.assertFalse(self.connector.endpoint_url)

    def test_access_rights(self):
        agent = new_test_user(self.env, 'col_int_agent', groups='collection_base.collection_base_group_agent')
        run = self.sync(paths=self.extract_all())
        for record in (self.connector, run, run.batch_ids[:1], self.env['collection.event'].search([], limit=1)):
            with self.assertRaises(AccessError):
                record.with_user(agent).read(['id'])
        collection_admin = new_test_user(self.env, 'col_int_admin2',
                                         groups='collection_base.collection_base_group_admin')
        self.assertEqual(run.with_user(collection_admin).state, 'done')
        self.assertTrue(run.reject_ids.with_user(collection_admin).check_access('read') is None)

    def test_run_log_views(self):
        run = self.sync(paths=self.extract_all())
        action = run.action_open_events()
        # one event for the 3 customers (their contact points with them), one for the 3 loans,
        # one for the collateral, the run's
        self.assertEqual(self.env['collection.event'].search_count(action['domain']), 4)
        action = self.connector.action_open_runs()
        self.assertIn(run, self.env['collection.sync.run'].search(action['domain']))
        self.assertEqual(self.connector.last_run_id, run)
        self.assertIn("11 records, 11 created", run.message_ids[0].body)

    def test_connector_form(self):
        """A collection administrator sets a connector up in the form; the credentials are not
        in the form for them."""
        collection_admin = new_test_user(self.env, 'col_int_admin3', groups='collection_base.collection_base_group_admin')
        form = Form(self.env['collection.connector'].with_user(collection_admin))
        form.name = "Cards"
        form.code = 'w4'
        form.system = 'way4'
        form.inbound_path = self.inbound
        self.assertNotIn('password', form._view['fields'])
        connector = form.save()
        self.assertEqual(connector.code, 'W4')
        self.assertEqual(set(connector.mapping_ids.mapped('record_type')), {'CARD_ACCOUNT', 'CASE_TRACKING'})
        self.assertTrue(connector.cron_id)
        form = Form(self.env['collection.connector'].with_user(self.admin))
        self.assertIn('password', form._view['fields'])
