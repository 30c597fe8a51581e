from datetime import timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import LegalTestCommon


@tagged('post_install', '-at_install')
class TestAgencyAccess(LegalTestCommon):
    """Agency officers see the cases placed with their agency, and only while the placement is valid."""

    def _officer_cases(self, officer=None):
        return self.env['collection.case'].with_user(officer or self.officer).search([])

    def test_officer_sees_only_valid_placed_cases(self):
        self.assertEqual(self._officer_cases(), self.case)
        self.assertFalse(self._officer_cases(self.officer_2), "the other agency's officer sees nothing")
        with self.assertRaises(AccessError):
            self.other_case.with_user(self.officer).read(['total_overdue'])
        # what hangs from the case follows it
        self.assertEqual(self.env['collection.loan'].with_user(self.officer).search([]), self.loan)
        self.assertEqual(self.env['collection.loan.due'].with_user(self.officer).search([]), self.loan.due_ids)
        self.assertEqual(self.env['collection.contact.point'].with_user(self.officer).search([]),
                         self.customer.contact_point_ids)
        self.assertEqual(self.env['collection.placement'].with_user(self.officer).search([]), self.placement)
        self.assertEqual(self.env['collection.agency'].with_user(self.officer).search([]), self.agency)
        # customers of other cases are hidden; other partners are not
        Partner = self.env['res.partner'].with_user(self.officer)
        self.assertEqual(Partner.search([('id', 'in', (self.customer | self.other_case.partner_id).ids)]), self.customer)
        with self.assertRaises(AccessError):
            self.other_case.partner_id.with_user(self.officer).read(['name'])
        self.assertTrue(self.agency_partner.with_user(self.officer).read(['name']))
        self.assertTrue(self.manager.partner_id.with_user(self.officer).read(['name']))
        # an officer is not an agent: the agents' own-cases rule does not add to the placed cases
        self.other_case.user_id = self.officer
        self.assertEqual(self._officer_cases(), self.case)

    def test_nothing_after_recall(self):
        payment = self._pay(self.loan, 50.0, 'PAY-RECALL')
        self.assertEqual(self.env['collection.payment'].with_user(self.officer).search([]), payment)
        self.placement.with_user(self.supervisor).action_recall()
        self.assertEqual(self.placement.state, 'recalled')
        self.assertEqual(self.placement.date_valid_to, self.today)
        self.assertFalse(self._officer_cases())
        with self.assertRaises(AccessError):
            self.case.with_user(self.officer).read(['name'])
        self.assertFalse(self.env['collection.payment'].with_user(self.officer).search([]))
        self.assertFalse(self.env['collection.loan'].with_user(self.officer).search([]))
        self.assertFalse(self.env['collection.placement'].with_user(self.officer).search([]))
        with self.assertRaises(AccessError):
            self.customer.with_user(self.officer).read(['name', 'phone'])
        self.assertIn("Recalled from Swift Recovery", self.case.message_ids[0].body)

    def test_nothing_after_expiry(self):
        """The validity dates are compared to today at each query: no access once the end date is
        past, even before the expiry job marks the placement expired."""
        self.placement.date_end = self.today - timedelta(days=1)
        self.assertEqual(self.placement.state, 'active')
        self.assertFalse(self._officer_cases())
        with self.assertRaises(AccessError):
            self.case.with_user(self.officer).read(['name'])
        self.assertEqual(self.env['collection.placement']._expire_placements(), 1)
        self.assertEqual(self.placement.state, 'expired')
        self.assertFalse(self._officer_cases())

    def test_nothing_before_start(self):
        self.placement.date_start = self.today + timedelta(days=1)
        self.assertFalse(self._officer_cases())

    def test_officer_records_actions_and_promises_on_placed_cases_only(self):
        Action = self.env['collection.action'].with_user(self.officer)
        action = Action.create({
            'case_id': self.case.id, 'action_type_id': self.call.id,
            'result_code_id': self.code_no_answer.id, 'state': 'posted'})
        self.assertEqual(action.user_id, self.officer)
        self.assertEqual(self.case.last_result_code_id, self.code_no_answer)
        ptp = self.env['collection.ptp'].with_user(self.officer).create({
            'case_id': self.case.id, 'amount': 80.0, 'date': self.today + timedelta(days=5)})
        self.assertEqual(ptp.user_id, self.officer)
        with self.assertRaises(AccessError):
            Action.create({'case_id': self.other_case.id, 'action_type_id': self.call.id,
                           'result_code_id': self.code_no_answer.id, 'state': 'posted'})
        with self.assertRaises(AccessError):
            self.env['collection.ptp'].with_user(self.officer).create({
                'case_id': self.other_case.id, 'amount': 80.0, 'date': self.today + timedelta(days=5)})
        with self.assertRaises(AccessError):
            self.env['collection.case'].with_user(self.officer).create({'partner_id': self.customer.id})

    def test_officer_logs_a_promise_through_the_action_form(self):
        wizard = self.env['collection.action.log'].with_user(self.officer).create({
            'case_id': self.case.id, 'action_type_id': self.call.id, 'result_code_id': self.code_ptp.id,
            'ptp_amount': 120.0, 'ptp_date': self.today + timedelta(days=3)})
        wizard.action_confirm()
        action = self.env['collection.action'].search([('case_id', '=', self.case.id),
                                                       ('user_id', '=', self.officer.id)])
        self.assertEqual(action.ptp_id.amount, 120.0)
        self.assertEqual(self.case.stage, 'promise')

    def test_extension_requested_by_officer_approved_by_manager(self):
        new_end = self.placement.date_end + timedelta(days=30)
        request = self.env['collection.placement.extension'].with_user(self.officer).create({
            'placement_id': self.placement.id, 'date_end': new_end, 'reason': "PTP plan agreed"})
        self.assertEqual(len(request.activity_ids), 1)
        self.assertTrue(request.activity_ids.user_id.has_group('collection_base.collection_base_group_manager'),
                        "a manager is asked to review it")
        for user in (self.officer, self.supervisor):
            with self.assertRaises(AccessError):
                request.with_user(user).action_approve()
        request.with_user(self.manager).action_approve()
        self.assertEqual(self.placement.date_end, new_end)
        self.assertEqual(request.state, 'approved')
        self.assertEqual(request.reviewed_by_id, self.manager)
        with self.assertRaises(ValidationError):
            self.env['collection.placement.extension'].with_user(self.officer).create({
                'placement_id': self.placement.id, 'date_end': self.today, 'reason': "shorter"})

    def _request_extension(self, days=30, user=None):
        return self.env['collection.placement.extension'].with_user(user or self.officer).create({
            'placement_id': self.placement.id, 'date_end': self.placement.date_end + timedelta(days=days),
            'reason': "Customer promised to pay"}).with_env(self.env)

    def test_extension_of_a_recalled_placement_is_refused(self):
        request = self._request_extension()
        end = self.placement.date_end
        self.placement.with_user(self.supervisor).action_recall()
        with self.assertRaisesRegex(UserError, "was recalled on .*refuse it"):
            request.with_user(self.manager).action_approve()
        self.assertEqual((self.placement.state, self.placement.date_end, request.state), ('recalled', end, 'requested'))
        request.with_user(self.manager).action_refuse()
        self.assertEqual(request.state, 'refused')

    def test_extension_approved_after_expiry_reactivates_the_placement(self):
        request = self._request_extension(days=10)
        new_end = request.date_end
        self.placement.date_end = self.today - timedelta(days=1)  # then the end date passed unreviewed
        self.env['collection.placement']._expire_placements()
        self.assertEqual(self.placement.state, 'expired')
        self.assertFalse(self._officer_cases())
        request.with_user(self.manager).action_approve()
        self.assertEqual((self.placement.state, self.placement.date_end), ('active', new_end))
        self.assertTrue(self.placement.is_valid)
        self.assertEqual(self._officer_cases(), self.case, "the officer sees the case again")
        self.assertIn("reactivated", self.placement.message_ids[0].body)

    def test_extension_after_expiry_refused_when_over_or_replaced(self):
        self.placement.write({'date_start': self.today - timedelta(days=40),
                              'date_end': self.today - timedelta(days=20)})
        # asked while the placement was active (the officer no longer sees the case: by the lender)
        over = self._request_extension(days=15, user=self.manager)  # to 5 days ago
        later = self._request_extension(days=25, user=self.manager)  # to 5 days from now
        self.env['collection.placement']._expire_placements()
        with self.assertRaisesRegex(UserError, "is over too"):
            over.with_user(self.manager).action_approve()
        self.env['collection.placement'].create({'case_id': self.case.id, 'agency_id': self.agency_2.id})
        with self.assertRaisesRegex(UserError, "now placed with Northern Collections"):
            later.with_user(self.manager).action_approve()
        self.assertEqual((self.placement.state, over.state, later.state), ('expired', 'requested', 'requested'))

    def test_officer_cannot_extend_other_agency_placement(self):
        other = self.env['collection.placement'].create({'case_id': self.other_case.id, 'agency_id': self.agency_2.id})
        with self.assertRaises(AccessError):
            self.env['collection.placement.extension'].with_user(self.officer).create({
                'placement_id': other.id, 'date_end': other.date_end + timedelta(days=10), 'reason': "more time"})

    def test_officer_must_be_in_group(self):
        with self.assertRaises(ValidationError):
            self.agency.officer_ids = [(4, self.agent.id)]

    def test_menu_visible_to_officers(self):
        menus = self.env['ir.ui.menu'].with_user(self.officer)._visible_menu_ids()
        self.assertIn(self.env.ref('collection_base.collection_menu_root').id, menus)
        self.assertIn(self.env.ref('collection_legal.collection_case_menu_placed').id, menus)
        self.assertNotIn(self.env.ref('collection_base.collection_menu_config').id, menus)
