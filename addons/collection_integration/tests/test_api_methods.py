from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .gateway_common import CollectionGatewayCommon, picture_values


@tagged('post_install', '-at_install')
class TestApiMethods(CollectionGatewayCommon):
    """The model methods of the external API, called as the integration user (the same calls
    go over XML-RPC and /json/2 in the repository's tests/test_external_api.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(cls.env, 'col_api', groups='collection_integration.collection_integration_group_api',
                                     name="Call centre integration")
        cls.customer.national_id = 'NID-123'

    def test_picture(self):
        history = self._create_history()
        picture = self.env['res.partner'].with_user(self.api_user).collection_get_picture('CIF001')
        self.assertEqual(picture['customer']['cif'], 'CIF001')
        self.assertNotIn('national_id', picture['customer'])
        self.assertEqual([case['id'] for case in picture['cases']], [self.case.id])
        self.assertEqual(list(picture['cases'][0]['user_id']), [self.agent.id, self.agent.name])
        # the promise is kept: the case is worked again
        self.assertEqual(picture_values(picture['cases'], ['stage', 'total_overdue', 'max_dpd']),
                         [{'stage': 'in_progress', 'total_overdue': 160.0, 'max_dpd': 60}])
        self.assertEqual(picture_values(picture['loans'], ['id', 'name', 'outstanding_amount', 'overdue_amount']),
                         [{'id': self.loan.id, 'name': 'ACC-001', 'outstanding_amount': 460.0, 'overdue_amount': 160.0}])
        self._assert_picture_history(picture, history)
        # the latest actions only
        self.env['collection.action'].create({
            'case_id': self.case.id, 'action_type_id': self.call.id, 'result_code_id': self.code_no_answer.id,
            'state': 'posted'})
        latest = self.env['res.partner'].with_user(self.api_user).collection_get_picture('CIF001', action_limit=1)
        self.assertEqual([a['result_code_id'][0] for a in latest['actions']], [self.code_no_answer.id])
        with self.assertRaisesRegex(UserError, "No single customer"):
            self.env['res.partner'].with_user(self.api_user).collection_get_picture('CIF-NOPE')

    def test_post_action_with_promise(self):
        Case = self.env['collection.case'].with_user(self.api_user)
        promised = fields.Date.to_string(self.today + timedelta(days=5))
        result = Case.api_post_action(
            'CIF001', action_type='CALL', result='PTP', note="Will pay Friday", duration=4.5, phone='+1 202 555 0101',
            ptp={'amount': 120.0, 'date': promised}, external_ref='CALL-77')
        action = self.env['collection.action'].browse(result['action_id'])
        self.assertRecordValues(action, [{'state': 'posted', 'case_id': self.case.id, 'user_id': self.api_user.id,
                                          'result_code_id': self.code_ptp.id, 'duration': 4.5,
                                          'contact_point_id': self.customer.contact_point_ids.id}])
        self.assertRecordValues(action.ptp_id, [{'amount': 120.0, 'state': 'open', 'action_id': action.id}])
        self.assertEqual(self.case.stage, 'promise')
        self.assertEqual(len(self._events('ptp.created', action.ptp_id)), 1)
        again = Case.api_post_action('CIF001', action_type='CALL', result='PTP', external_ref='CALL-77',
                                     ptp={'amount': 120.0, 'date': promised})
        self.assertEqual((again['action_id'], again['created']), (action.id, False))
        # a plan of three monthly instalments
        plan_result = Case.api_post_action(self.case.id, result='PTP', ptp={
            'amount': 300.0, 'date': promised, 'instalments': 3, 'interval_type': 'months'})
        plan = self.env['collection.ptp'].browse(plan_result['ptp_id']).plan_id
        self.assertEqual(len(plan.ptp_ids), 3)
        # the promise policy binds integrators as it binds agents
        self.company.collection_ptp_max_days = 30
        with self.assertRaisesRegex(ValidationError, "outside the policy"):
            Case.api_post_action('CIF001', result='PTP', ptp={
                'amount': 50.0, 'date': fields.Date.to_string(self.today + timedelta(days=90))})
        with self.assertRaisesRegex(ValidationError, "requires a promise to pay"):
            Case.api_post_action('CIF001', result='PTP')
        with self.assertRaisesRegex(UserError, "Unknown result code"):
            Case.api_post_action('CIF001', result='MAYBE')
        with self.assertRaisesRegex(UserError, "not a contact point"):
            Case.api_post_action('CIF001', result='NOANS', phone='+1 202 555 0199')

    def test_post_payment(self):
        Payment = self.env['collection.payment'].with_user(self.api_user)
        result = Payment.api_post_payment('BR-1', 'ACC-001', 150.0, date=fields.Date.to_string(self.today),
                                          channel='branch', source='BRANCH')
        payment = self.env['collection.payment'].browse(result['id'])
        self.assertEqual((result['created'], result['state']), (True, 'posted'))
        self.assertRecordValues(payment, [{'source_system': 'BRANCH', 'amount': 150.0, 'channel': 'branch'}])
        self.assertEqual(self.loan.due_ids.sorted('due_date')[:2].mapped('amount_paid'), [100.0, 50.0])
        self.assertFalse(Payment.api_post_payment('BR-1', 'ACC-001', 150.0, source='BRANCH')['created'])
        with self.assertRaisesRegex(UserError, "no loan you may access"):
            Payment.api_post_payment('BR-2', 'ACC-404', 10.0)

    def test_contacts(self):
        Partner = self.env['res.partner'].with_user(self.api_user)
        added = Partner.collection_upsert_contact('CIF001', 'mobile', '+1 202 555 0177', source='skip_trace')
        point = self.env['collection.contact.point'].browse(added['id'])
        self.assertRecordValues(point, [{'phone_e164': '+12025550177', 'source': 'skip_trace', 'state': 'unverified'}])
        self.assertTrue(added['created'])
        # the customer corrects the number: the new one is verified and primary, the old one invalid
        corrected = Partner.collection_upsert_contact('CIF001', 'mobile', '+1 202 555 0188', source='customer',
                                                      replaces='+12025550177', state='verified', is_primary=True)
        self.assertTrue(corrected['created'])
        self.assertEqual(corrected['replaced_id'], point.id)
        self.assertEqual(point.state, 'invalid')
        # the same number again only updates it
        again = Partner.collection_upsert_contact('CIF001', 'mobile', '+12025550188', is_do_not_call=True)
        self.assertEqual((again['id'], again['created']), (corrected['id'], False))
        self.assertTrue(self.env['collection.contact.point'].browse(again['id']).is_do_not_call)
        with self.assertRaisesRegex(UserError, "cannot be set"):
            Partner.collection_upsert_contact('CIF001', 'email', 'x@example.com', partner_id=1)
        with self.assertRaises(ValidationError):
            Partner.collection_upsert_contact('CIF001', 'mobile', 'not a number')

    def test_api_user_rights(self):
        env = self.env(user=self.api_user)
        self.env['collection.payment']._register_payment({'name': 'P-1', 'loan_id': self.loan.id, 'amount': 10.0})
        self.assertEqual(env['collection.case'].search([]), self.case, "every case of its company")
        with self.assertRaises(AccessError):
            env['collection.case'].browse(self.case.id).unlink()
        with self.assertRaises(AccessError):
            env['collection.loan'].browse(self.loan.id).write({'outstanding_amount': 0})
        with self.assertRaises(AccessError):
            env['collection.connector'].search([])
        with self.assertRaises(AccessError):
            env['collection.payment'].search([], limit=1).write({'amount': 1})
        with self.assertRaises(AccessError):
            env['res.partner'].browse(self.customer.id).read(['national_id'])
        with self.assertRaises(AccessError):
            env['collection.event'].search([])
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        other_customer = self.env['res.partner'].create({'name': "Olga Other", 'cif': 'CIF900',
                                                         'company_id': other_company.id})
        other_loan = self.env['collection.loan'].with_company(other_company).create({
            'name': 'ACC-900', 'partner_id': other_customer.id, 'product_id': self.product.id,
            'company_id': other_company.id, 'currency_id': other_company.currency_id.id})
        self.assertFalse(env['collection.case'].search([('id', '=', other_loan.case_id.id)]))
        with self.assertRaisesRegex(UserError, "No single collection case"):
            env['collection.case'].api_post_action(other_loan.case_id.id, result='NOANS')
