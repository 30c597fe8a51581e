import base64
import os
import shutil
import tempfile
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .gateway_common import CollectionGatewayCommon


@tagged('post_install', '-at_install')
class TestPaymentReconciliation(CollectionGatewayCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.processor = cls._create_connector('payment', 'PSP')
        cls.loan_2 = cls._create_loan(cls._create_customer("Dario Debtor", 'CIF002'), 'ACC-002', overdue_instalments=1)
        Payment = cls.env['collection.payment']
        day = cls.today - timedelta(days=1)
        cls.day = day
        for reference, loan, amount, state in [('R-1', cls.loan, 100.0, 'posted'), ('R-2', cls.loan, 50.0, 'posted'),
                                               ('R-3', cls.loan_2, 30.0, 'failed'), ('R-5', cls.loan_2, 20.0, 'posted'),
                                               ('R-6', cls.loan, 10.0, 'posted')]:
            Payment._register_payment({'name': reference, 'source_system': 'PSP', 'loan_id': loan.id,
                                       'amount': amount, 'date': day, 'state': state})

    def _file(self, lines):
        header = "reference,account,amount,currency,date,status"
        return ("\n".join([header] + lines) + "\n").encode()

    def _recon(self, content):
        return self.env['collection.payment.reconciliation'].create({
            'name': "PSP settlement", 'connector_id': self.processor.id, 'date': self.day,
            'file': base64.b64encode(content), 'file_name': 'psp.csv'})

    def test_discrepancy_report(self):
        day = self.day.isoformat()
        recon = self._recon(self._file([
            f"R-1,ACC-001,100.00,USD,{day},posted",
            f"R-2,ACC-001,60.00,USD,{day},posted",
            f"R-3,ACC-002,30.00,USD,{day},succeeded",
            f"R-4,ACC-002,25.00,USD,{day},paid",
            f"R-6,ACC-002,10.00,USD,{day},posted",
            f"R-7,ACC-001,abc,USD,{day},posted",
        ]))
        recon.action_reconcile()
        self.assertRecordValues(recon, [{'state': 'done', 'file_count': 6, 'matched_count': 1,
                                         'discrepancy_count': 6, 'file_total': 225.0, 'odoo_total': 180.0}])
        found = {(line.kind, line.reference) for line in recon.line_ids}
        self.assertEqual(found, {('amount', 'R-2'), ('state', 'R-3'), ('missing_in_odoo', 'R-4'),
                                 ('missing_in_file', 'R-5'), ('account', 'R-6'), ('invalid', 'R-7')})
        amount = recon.line_ids.filtered(lambda l: l.kind == 'amount')
        self.assertEqual((amount.file_amount, amount.odoo_amount), (60.0, 50.0))
        self.assertIn("Line 7", recon.line_ids.filtered(lambda l: l.kind == 'invalid').note)
        self.assertIn("1 of 6 lines matched", recon.message_ids[0].body)

        # the notification of R-4 was lost: record it from the file
        missing = recon.line_ids.filtered(lambda l: l.kind == 'missing_in_odoo')
        missing.with_user(self.manager).action_create_payment()
        self.assertRecordValues(missing.payment_id, [{'name': 'R-4', 'source_system': 'PSP', 'amount': 25.0,
                                                      'loan_id': self.loan_2.id, 'state': 'posted'}])
        self.assertTrue(missing.is_resolved)
        # reconciling again now finds it
        recon.action_reconcile()
        self.assertNotIn('R-4', recon.line_ids.mapped('reference'))

    def test_bad_files(self):
        with self.assertRaisesRegex(UserError, "lacks the columns amount"):
            self._recon(b"reference,account,date,status\nR-1,ACC-001,2024-01-01,posted\n").action_reconcile()
        with self.assertRaisesRegex(UserError, "not UTF-8"):
            self._recon(b"reference,account,amount,date,status\n\xff\xfe,x,1,2024-01-01,posted\n").action_reconcile()

    def test_settlement_folder(self):
        folder = tempfile.mkdtemp(prefix='collection_recon_')
        self.addCleanup(shutil.rmtree, folder, True)
        self.processor.inbound_path = folder
        with open(os.path.join(folder, 'psp-settlement.csv'), 'wb') as handle:
            handle.write(self._file([f"R-1,ACC-001,100.00,USD,{self.day.isoformat()},posted"]))
        with open(os.path.join(folder, 'notes.txt'), 'w') as handle:
            handle.write("not a settlement file")
        self.env['collection.payment.reconciliation']._cron_reconcile_inbound()
        recon = self.env['collection.payment.reconciliation'].search([('connector_id', '=', self.processor.id)])
        self.assertEqual(recon.file_name, 'psp-settlement.csv')
        self.assertEqual(recon.matched_count, 1)
        self.assertEqual({line.reference for line in recon.line_ids}, {'R-2', 'R-3', 'R-5', 'R-6'})
        self.env.cr.postcommit.run()  # the file moves once the reconciliation is committed
        self.assertEqual(sorted(os.listdir(folder)), ['done', 'notes.txt'])
        self.assertEqual(os.listdir(os.path.join(folder, 'done')), ['psp-settlement.csv'])
