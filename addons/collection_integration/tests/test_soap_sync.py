import logging
from datetime import datetime

from odoo.tests import tagged

from .common import CollectionSyncCommon
from .t24_soap_server import T24SoapServer

MODIFIED = datetime(2025, 1, 20, 10, 0)


@tagged('post_install', '-at_install')
class TestSoapSync(CollectionSyncCommon):
    """The T24 connector by SOAP enquiries, against a real SOAP server on 127.0.0.1."""

    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        self.connector.write({
            'transport': 'soap',
            'endpoint_url': self.server.url,
            'page_size': 2,
            'max_retries': 4,
            'retry_backoff': 0.05,
            'timeout': 10,
        })
        self.connector.username = 'collector'
        self.connector.password = 's3cret'

    def start_server(self, listen=True):
        server = T24SoapServer(listen=listen)
        self.addCleanup(server.stop)
        server.add('CUSTOMER', self.customers(), MODIFIED)
        server.add('ARRANGEMENT', self.loans(), MODIFIED)
        server.add('BILL', self.bills(), MODIFIED)
        server.add('COLLATERAL', self.collaterals(), MODIFIED)
        return server

    def test_full_then_incremental_then_full_refresh(self):
        run = self.sync()
        self.assertEqual(run.state, 'done', run.message)
        self.assertEqual(run.mode, 'full')  # no watermark yet: everything is asked for
        self.assertEqual(run.batch_ids.mapped('record_type'), ['CUSTOMER', 'ARRANGEMENT', 'BILL', 'COLLATERAL'])
        self.assertEqual(set(run.batch_ids.mapped('verdict')), {'balanced'})
        self.assertEqual(run.record_count, 11)
        # paging: two records per page
        self.assertEqual([(op, page) for op, page, _size, _since in self.server.calls], [
            ('CustomerEnquiry', 1), ('CustomerEnquiry', 2), ('ArrangementEnquiry', 1), ('ArrangementEnquiry', 2),
            ('DueScheduleEnquiry', 1), ('DueScheduleEnquiry', 2), ('CollateralEnquiry', 1)])
        self.assertEqual({since for _op, _page, _size, since in self.server.calls}, {None})
        self.assertEqual(self.loan('AA1').dpd, 45)
        self.assertEqual(self.partner('C200').phone, '+12025550122')
        self.assertEqual(self.connector.watermarks['ARRANGEMENT'], '2025-02-01 06:00:00')

        # incremental: the server reports one changed arrangement
        self.server.calls.clear()
        self.server.as_of = datetime(2025, 2, 2, 6, 0)
        self.server.records['ARRANGEMENT'] = [(MODIFIED, row) for row in self.loans()[1:]] + [
            (datetime(2025, 2, 1, 18, 0), dict(self.loans()[0], OUTSTANDING='700.50'))]
        run = self.sync()
        self.assertEqual(run.mode, 'incremental')
        self.assertEqual({since for _op, _page, _size, since in self.server.calls}, {datetime(2025, 2, 1, 5, 55)})
        self.assertEqual((run.record_count, run.updated_count, run.inserted_count, run.closed_count), (1, 1, 0, 0))
        self.assertEqual(self.loan('AA1').outstanding_amount, 700.5)
        self.assertEqual(self.connector.watermarks['ARRANGEMENT'], '2025-02-02 06:00:00')

        # the next incremental: nothing changed since, nothing read, nothing written
        run = self.sync()
        self.assertEqual((run.record_count, run.updated_count, run.inserted_count), (0, 0, 0))
        self.assertEqual(run.state, 'done')

        # full refresh: AA3 is no longer in T24
        self.server.records['ARRANGEMENT'] = [(m, r) for m, r in self.server.records['ARRANGEMENT']
                                              if r['ARRANGEMENT_ID'] != 'AA3']
        self.connector.action_request_full_refresh()
        self.assertTrue(self.connector.full_refresh_requested)
        run = self.sync()
        self.assertEqual(run.mode, 'full')
        self.assertFalse(self.connector.full_refresh_requested)
        self.assertEqual(run.closed_count, 1)
        self.assertEqual(self.loan('AA3').state, 'closed')
        self.assertEqual(self.loan('AA2').state, 'active')

    def test_retries_on_503_and_dropped_connections(self):
        self.server.fail_statuses = [503, 503]
        self.server.drop_connections = 1
        run = self.sync()
        self.assertEqual(run.state, 'done', run.message)
        self.assertEqual(run.retry_count, 3)
        self.assertEqual(run.batch_ids[0].retry_count, 3)
        self.assertTrue(self.loan('AA1'))

    def test_connection_refused_until_the_server_listens(self):
        server = self.start_server(listen=False)
        self.connector.write({'endpoint_url': server.url, 'retry_backoff': 0.2, 'max_retries': 5})

        class ListenOnRetry(logging.Handler):
            """The server comes up when the client announces its first retry (not after a
            fixed time: on a busy machine the first attempt may come later than that)."""

            def emit(self, record):
                if 'retry' in record.getMessage():
                    server.listen()

        soap_logger = logging.getLogger('odoo.addons.collection_integration.tools.t24_soap')
        handler = ListenOnRetry(logging.INFO)
        soap_logger.addHandler(handler)
        self.addCleanup(soap_logger.removeHandler, handler)
        level = soap_logger.level
        soap_logger.setLevel(logging.INFO)
        self.addCleanup(soap_logger.setLevel, level)
        run = self.sync()
        self.assertEqual(run.state, 'done', run.message)
        self.assertGreaterEqual(run.retry_count, 1)
        self.assertTrue(self.loan('AA3'))

    def test_retries_exhausted(self):
        server = self.start_server(listen=False)
        self.connector.write({'endpoint_url': server.url, 'max_retries': 2, 'retry_backoff': 0.01})
        run = self.sync()
        self.assertEqual(run.state, 'failed')
        self.assertIn("still unreachable after 3 attempts", run.message)
        self.assertEqual(len(run.batch_ids), 1)  # the following enquiries were not tried
        self.assertEqual(run.batch_ids.retry_count, 2)
        self.assertTrue(run.activity_ids)

    def test_authentication_failure(self):
        self.connector.password = 'wrong'
        run = self.sync()
        self.assertEqual(run.state, 'failed')
        self.assertIn("SECURITY VIOLATION", run.message)
        self.assertFalse(self.partner('C100'))

    def test_wsdl_published_by_the_server(self):
        self.connector.wsdl_url = self.server.url + '?wsdl'
        run = self.sync()
        self.assertEqual(run.state, 'done', run.message)

    def test_bad_records_are_rejected_by_record_number(self):
        loans = self.loans()
        loans[1]['OUTSTANDING'] = '-1'
        self.server.records['ARRANGEMENT'] = [(MODIFIED, row) for row in loans]
        run = self.sync()
        arrangements, collateral = run.batch_ids[1], run.batch_ids[3]
        self.assertEqual({(r.line_no, r.reason) for r in arrangements.reject_ids}, {(2, 'negative_amount')})
        self.assertEqual(arrangements.verdict, 'balanced_rejects')
        # the collateral of the rejected loan has no loan to hang on
        self.assertEqual({(r.line_no, r.reason) for r in collateral.reject_ids}, {(1, 'unknown_loan')})
        self.assertTrue(self.loan('AA3'))
