import base64
from datetime import timedelta

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import LegalTestCommon


@tagged('post_install', '-at_install')
class TestRecoveryIncident(LegalTestCommon):
    """A telco customer with two products (internet and TV) and a device on each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.telco = cls.env['collection.product'].create({'name': "Broadband", 'code': 'BB', 'product_type': 'telco'})
        cls.subscriber = cls._create_customer("Tom Telco", 'CIFT1')
        cls.internet = cls._telco_account(cls.subscriber, 'TEL-100', overdue=1)
        cls.tv = cls._telco_account(cls.subscriber, 'TEL-101', overdue=0)
        cls.router = cls._device(cls.internet, "Router", 'RT-0001')
        cls.set_top_box = cls._device(cls.tv, "Set-top box", 'STB-0009')
        cls.internet.case_id.team_id = cls.team
        cls.Incident = cls.env['collection.recovery.incident']

    @classmethod
    def _telco_account(cls, partner, number, overdue):
        loan = cls._create_loan(partner, number, overdue_instalments=overdue, instalment=40.0, future_instalments=1)
        loan.product_id = cls.telco
        return loan

    @classmethod
    def _device(cls, loan, name, serial):
        return cls.env['collection.collateral'].create({
            'name': name, 'collateral_type': 'equipment', 'identifier': serial, 'loan_id': loan.id, 'value': 60.0})

    def _incident(self, loan=None, action='both'):
        return self.Incident.with_user(self.manager).create({'loan_id': (loan or self.internet).id,
                                                             'required_action': action})

    def test_registration_links_all_products_and_devices(self):
        incident = self._incident()
        self.assertTrue(incident.name.startswith('INC/'))
        self.assertEqual(incident.loan_ids, self.internet | self.tv)
        self.assertEqual(incident.equipment_ids, self.router | self.set_top_box)
        self.assertEqual(incident.arrears_amount, 40.0)
        incident.action_validate()
        self.assertEqual(incident.state, 'validated')

    def test_validation_rules(self):
        incident = self._incident()
        incident.loan_ids = [(3, self.tv.id)]
        with self.assertRaises(UserError) as error:
            incident.action_validate()
        self.assertIn("TEL-101", str(error.exception))
        incident.loan_ids = [(4, self.tv.id)]
        incident.action_validate()
        # one open incident per customer
        other = self._incident(self.tv, action='equipment')
        with self.assertRaises(UserError) as error:
            other.action_validate()
        self.assertIn("already has an open recovery incident", str(error.exception))
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.IntegrityError), self.cr.savepoint():
            self._incident()
        # nothing to collect
        loner = self._telco_account(self._create_customer("Nora Nodevice", 'CIFT2'), 'TEL-200', overdue=0)
        with self.assertRaises(UserError) as error:
            self._incident(loner, action='both').action_validate()
        self.assertIn("no equipment", str(error.exception))
        self.assertIn("no arrears", str(error.exception))

    def test_equipment_recovered_by_the_agency_closes_the_incident(self):
        incident = self._incident()
        incident.action_validate()
        incident.with_user(self.supervisor)._place_with(self.agency)
        self.assertEqual(incident.state, 'placed')
        self.assertEqual(incident.placement_id.agency_id, self.agency)
        # the officer sees and collects the devices
        self.assertEqual(self.Incident.with_user(self.officer).search([]), incident)
        self.router.with_user(self.officer).action_mark_collected()
        self.set_top_box.with_user(self.officer).action_mark_collected()
        self.assertEqual(incident.state, 'collected')
        self.assertEqual((self.router.status, self.router.recovery_collected_by_id), ('collected', self.officer))
        actions = self.env['collection.action'].search([('incident_id', '=', incident.id)])
        self.assertEqual(actions.collateral_id, self.router | self.set_top_box)
        self.assertEqual(set(actions.mapped('user_id')), {self.officer})
        # return management approves (officers may not)
        with self.assertRaises(AccessError):
            (self.router | self.set_top_box).with_user(self.officer).action_approve_return()
        (self.router | self.set_top_box).with_user(self.manager).action_approve_return()
        self.assertEqual(self.router.status, 'recovered')
        self.assertEqual(self.router.recovery_placement_id, incident.placement_id)
        self.assertEqual(incident.state, 'collected', "the arrears are still due")
        # a payment loaded in SQL (as a bulk sync does) is caught by the daily job
        self.env.execute_query(SQL("UPDATE collection_loan_due SET amount_paid = amount_due, amount_residual = 0, "
                                   "state = 'paid' WHERE loan_id = %s", self.internet.id))
        self.env.invalidate_all()
        self.env['collection.loan']._recompute_delinquency(self.internet.ids)
        self.assertEqual(incident.state, 'collected')
        self.Incident._cron_check_completion()
        self.assertEqual(incident.state, 'closed')
        self.assertEqual(incident.closed_date, self.today)
        # the devices count for the agency's fee
        self.agency.commission_scheme_id = self.env['collection.commission.scheme'].create({
            'name': "Telco", 'equipment_fee': 15.0, 'line_ids': [(0, 0, {'rate': 10.0})]})
        statement = self.env['collection.commission.statement'].create({
            'agency_id': self.agency.id, 'date_from': self.today - timedelta(days=1), 'date_to': self.today})
        statement._compute_statement()
        self.assertEqual((statement.equipment_count, statement.equipment_fee_amount), (2, 30.0))
        self.assertEqual(statement.recovered_amount, 0.0, "the arrears were paid outside the ORM in this test")
        self.assertEqual(self.agency.equipment_recovered_count, 2)

    def test_equipment_only_closes_on_return_approval(self):
        incident = self._incident(action='equipment')
        incident.action_validate()
        incident._place_with(self.agency)
        incident._collect_equipment(self.router | self.set_top_box)
        (self.router | self.set_top_box).with_user(self.manager).action_approve_return()
        self.assertEqual(incident.state, 'closed')

    def test_arrears_only_closes_when_paid(self):
        incident = self._incident(action='arrears')
        self.assertFalse(incident.equipment_ids)
        incident.action_validate()
        incident._place_with(self.agency)
        self._pay(self.internet, 40.0, 'TEL-PAY')
        self.assertEqual(incident.state, 'closed')

    def test_officer_cannot_collect_elsewhere(self):
        incident = self._incident(action='equipment')
        incident.action_validate()
        incident._place_with(self.agency_2)
        with self.assertRaises(AccessError):
            self.router.with_user(self.officer).action_mark_collected()

    def test_csv_import(self):
        self._telco_account(self._create_customer("Nora Nodevice", 'CIFT2'), 'TEL-200', overdue=1)
        busy = self._create_customer("Bob Busy", 'CIFT3')
        busy_account = self._telco_account(busy, 'TEL-300', overdue=1)
        self._device(busy_account, "Router", 'RT-0300')
        self._incident(busy_account)
        content = "\n".join([
            "account,action,note",
            "TEL-100,both,first batch",
            "TEL-101,equipment,",            # same customer as the line above
            "TEL-999,arrears,",              # unknown account
            "TEL-200,equipment,",            # no device to collect
            "TEL-300,both,",                 # customer with an open incident
            "TEL-200,teleport,",             # unknown action
        ])
        wizard = self.env['collection.recovery.incident.import'].with_user(self.manager).create({
            'file': base64.b64encode(content.encode()), 'filename': 'incidents.csv', 'agency_id': self.agency.id})
        wizard.action_import()
        self.assertEqual((wizard.created_count, wizard.error_count), (1, 5))
        incident = wizard.incident_ids
        self.assertEqual((incident.loan_id, incident.state, incident.source), (self.internet, 'placed', 'import'))
        self.assertEqual(incident.agency_id, self.agency)
        self.assertEqual(incident.note, "first batch")
        # every rejected row with its line number, in the order of the file (line 5 is rejected by
        # the validation of the incident created for it, after the checks of the rows)
        rejected = wizard.report.splitlines()[2:]
        self.assertEqual(len(rejected), 5)
        for report_line, expected in zip(rejected, (
                "line 3: the customer of TEL-101 is already in the file",
                "line 4: account TEL-999 does not exist",
                "line 5: account TEL-200: no equipment",
                "line 6: the customer of TEL-300 already has an open incident",
                "line 7: action teleport is not one of")):
            self.assertTrue(report_line.startswith(expected), report_line)
        self.assertEqual(self.Incident.search_count([('loan_id.name', '=', 'TEL-200')]), 0, "no half-made incident")

    def test_csv_needs_columns(self):
        wizard = self.env['collection.recovery.incident.import'].create({
            'file': base64.b64encode(b"number;what\nTEL-100;both"), 'filename': 'bad.csv'})
        with self.assertRaises(UserError):
            wizard.action_import()
