from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount, format_date

from .common import LegalTestCommon, LetterPdfMixin


@tagged('post_install', '-at_install')
class TestSettlement(LetterPdfMixin, LegalTestCommon):
    """Balance 500 (ACC-001), of which 50 interest and 50 penalties."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()

    def _offer(self, user=None, **discounts):
        return self.env['collection.settlement'].with_user(user or self.agent).create({
            'case_id': self.case.id, 'interest_amount': 50.0, 'penalty_amount': 50.0,
            'payment_type': 'installments', 'installment_count': 3, 'first_due_date': self.today,
            **discounts})

    def test_amounts(self):
        settlement = self._offer(discount_penalty_pct=100.0, discount_interest_pct=50.0, discount_principal_pct=10.0)
        self.assertEqual(settlement.loan_ids, self.loan)
        self.assertEqual((settlement.balance_amount, settlement.principal_amount), (500.0, 400.0))
        self.assertEqual(settlement.discount_amount, 50.0 + 25.0 + 40.0)
        self.assertAlmostEqual(settlement.discount_pct, 23.0)
        self.assertEqual(settlement.settlement_amount, 385.0)
        self.assertEqual(settlement.tier_id, self.env.ref('collection_legal.collection_settlement_tier_manager'))
        with self.assertRaises(ValidationError):
            settlement.interest_amount = 480.0
        with self.assertRaises(ValidationError):
            settlement.discount_principal_pct = 120.0

    def test_each_tier_refused_to_a_user_below_it(self):
        cases = [
            # (discounts, approver, user below the tier)
            ({'discount_penalty_pct': 100.0}, self.supervisor, self.agent),  # 10%
            ({'discount_penalty_pct': 100.0, 'discount_interest_pct': 100.0}, self.manager, self.supervisor),  # 20%
            ({'discount_penalty_pct': 100.0, 'discount_interest_pct': 100.0, 'discount_principal_pct': 25.0},
             self.admin, self.manager),  # 40%
        ]
        for discounts, approver, below in cases:
            with self.subTest(approver=approver.name):
                settlement = self._offer(**discounts)
                settlement.action_submit()
                self.assertEqual(settlement.state, 'to_approve')
                self.assertIn(settlement.tier_id.group_id, settlement.activity_ids.user_id.all_group_ids,
                              "the activity goes to someone who may approve")
                with self.assertRaises(AccessError):
                    settlement.with_user(below).action_approve()
                self.assertEqual(settlement.state, 'to_approve')
                settlement.with_user(approver).action_approve()
                self.assertEqual((settlement.state, settlement.approved_by_id), ('active', approver))
                settlement.with_user(approver).action_cancel()

    def test_tiers_are_configurable(self):
        self.env.ref('collection_legal.collection_settlement_tier_supervisor').max_discount = 15.0
        settlement = self._offer(discount_penalty_pct=100.0, discount_interest_pct=20.0)  # 12%
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        self.assertEqual(settlement.state, 'active')

    def test_company_tiers_replace_the_shared_ones(self):
        """A company with tiers of its own: its settlements are approved at its tiers only."""
        group = 'collection_base.collection_base_group_'
        company_b = self.env['res.company'].create({'name': "Strict Lender"})
        supervisor_b, manager_b = (
            new_test_user(self.env, login, groups=group + role, company_id=company_b.id,
                          company_ids=[(6, 0, company_b.ids)])
            for login, role in (('col_super_b', 'supervisor'), ('col_manager_b', 'manager')))
        Tier = self.env['collection.settlement.tier']
        strict = Tier.create([
            {'company_id': company_b.id, 'max_discount': 5.0, 'group_id': self.env.ref(group + 'supervisor').id},
            {'company_id': company_b.id, 'max_discount': 100.0, 'group_id': self.env.ref(group + 'manager').id}])
        env_b = self.env(context=dict(self.env.context, allowed_company_ids=company_b.ids))
        loan_b = env_b['collection.loan'].create({
            **self._prepare_loan_vals(env_b['res.partner'].create({'name': "Bea Borrower", 'cif': 'CIFB1'}),
                                      'ACC-B1', overdue_instalments=2),
            'company_id': company_b.id})
        loan_b.case_id.user_id = supervisor_b
        values = {'interest_amount': 50.0, 'penalty_amount': 40.0, 'discount_penalty_pct': 100.0}  # 8%
        shared = self._offer(**values)
        settlement = env_b['collection.settlement'].create({'case_id': loan_b.case_id.id, **values})
        self.assertEqual((shared.discount_pct, settlement.discount_pct), (8.0, 8.0))
        self.assertEqual(shared.tier_id, self.env.ref('collection_legal.collection_settlement_tier_supervisor'))
        self.assertEqual(settlement.tier_id, strict[1], "above the company's own 5% supervisor tier")
        self.assertEqual(Tier._get_tier(4.0, company_b), strict[0])
        self.assertEqual(Tier._get_tier(30.0, self.company),
                         self.env.ref('collection_legal.collection_settlement_tier_admin'), "the shared tiers")
        settlement.action_submit()
        with self.assertRaisesRegex(AccessError, "approved by"):
            settlement.with_user(supervisor_b).with_context(allowed_company_ids=company_b.ids).action_approve()
        settlement.with_user(manager_b).with_context(allowed_company_ids=company_b.ids).action_approve()
        self.assertEqual((settlement.state, settlement.approved_by_id), ('active', manager_b))

    def test_officer_negotiates_but_does_not_approve(self):
        settlement = self._offer(user=self.officer, discount_penalty_pct=100.0)
        settlement.with_user(self.officer).action_submit()
        with self.assertRaises(AccessError):
            settlement.with_user(self.officer).action_approve()
        with self.assertRaises(AccessError):
            self.env['collection.settlement'].with_user(self.officer).create({'case_id': self.other_case.id})

    def test_schedule_tracked_against_payments_until_completed(self):
        settlement = self._offer(discount_penalty_pct=100.0)  # 450 in 3 x 150
        settlement.action_generate_schedule()
        self.assertEqual(settlement.installment_ids.mapped('amount'), [150.0, 150.0, 150.0])
        self.assertEqual(settlement.installment_ids.mapped('due_date'),
                         [self.today + relativedelta(months=index) for index in range(3)])
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        self.assertEqual(self.case.stage, 'promise')
        self._pay(self.loan, 200.0, 'STL-1')
        self.assertEqual(settlement.installment_ids.mapped('state'), ['paid', 'partial', 'open'])
        self.assertEqual((settlement.amount_paid, settlement.amount_remaining), (200.0, 250.0))
        self._pay(self.loan, 250.0, 'STL-2')
        self.assertEqual(settlement.state, 'completed')
        self.assertEqual((self.loan.state, self.loan.outstanding_amount), ('closed', 0.0))
        self.assertEqual(self.case.stage, 'closed')

    def test_settlement_letter(self):
        settlement = self._offer(discount_penalty_pct=100.0, discount_interest_pct=100.0)
        settlement.action_submit()
        settlement.with_user(self.manager).action_approve()
        letter = settlement.letter_id
        self.assertEqual((letter.res_model, letter.res_id), ('collection.case', self.case.id))
        _pages, text = self._pdf(letter.raw)
        for expected in ("Settlement agreement", settlement.name, "Carla Customer",
                         self._normalize(format_amount(self.env, 500.0, self.currency)),
                         self._normalize(format_amount(self.env, 100.0, self.currency)),
                         self._normalize(format_amount(self.env, 400.0, self.currency)),
                         self._normalize(format_date(self.env, settlement.installment_ids[-1].due_date)),
                         "5 days after its due date"):
            self.assertIn(expected, text)

    def test_refused_offer_is_reworked_and_letter_printed_again(self):
        settlement = self._offer(discount_penalty_pct=100.0, discount_interest_pct=20.0)  # 12%: a manager's
        with self.assertRaises(UserError):
            settlement.action_print_letter()  # not approved yet
        settlement.action_submit()
        self.assertTrue(settlement.activity_ids)
        settlement.with_user(self.manager).action_refuse()
        self.assertEqual(settlement.state, 'draft', "back to an offer")
        self.assertFalse(settlement.activity_ids)
        with self.assertRaises(UserError):
            settlement.with_user(self.manager).action_refuse()  # nothing to refuse
        settlement.write({'discount_interest_pct': 0.0})  # 10%: a supervisor's
        settlement.action_generate_schedule()
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        first = settlement.letter_id
        self.assertTrue(first)
        settlement.action_print_letter()
        self.assertNotEqual(settlement.letter_id, first, "a new letter")
        self.assertEqual((settlement.letter_id.res_model, settlement.letter_id.res_id),
                         ('collection.case', self.case.id))
        _pages, text = self._pdf(settlement.letter_id.raw)
        self.assertIn("Settlement agreement", text)
        self.assertIn(self._normalize(format_amount(self.env, 450.0, self.currency)), text)

    def test_missed_instalment_breaches_back_to_collection(self):
        settlement = self._offer(discount_penalty_pct=100.0)
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        Settlement = self.env['collection.settlement']
        self.assertFalse(Settlement._check_breaches(self.today + timedelta(days=5)), "within the grace days")
        breached = Settlement._check_breaches(self.today + timedelta(days=6))
        self.assertEqual(breached, settlement)
        self.assertEqual((settlement.state, settlement.breach_date), ('breached', self.today + timedelta(days=6)))
        self.assertTrue(settlement.installment_ids[0].is_missed)
        self.assertEqual((self.case.stage, self.case.priority), ('broken', '3'))
        self.assertTrue(self.case.activity_ids.filtered(lambda a: a.user_id == self.agent))

    def test_breach_escalates_to_legal(self):
        settlement = self._offer(discount_penalty_pct=100.0, breach_escalation='legal')
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        self._pay(self.loan, 150.0, 'STL-ON-TIME')
        self.env['collection.settlement']._check_breaches(self.today + timedelta(days=40))
        self.assertEqual(settlement.state, 'breached')
        self.assertEqual(settlement.installment_ids.filtered('is_missed'), settlement.installment_ids[1])
        legal_case = settlement.legal_case_id
        self.assertEqual((legal_case.origin, legal_case.settlement_id), ('settlement', settlement))
        self.assertEqual(self.case.stage, 'escalated')

    def test_schedule_must_add_up(self):
        settlement = self._offer(discount_penalty_pct=100.0)
        settlement.action_generate_schedule()
        settlement.installment_ids[0].amount = 10.0
        with self.assertRaises(UserError):
            settlement.action_submit()
