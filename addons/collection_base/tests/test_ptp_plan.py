from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CollectionPtpTestCommon


@tagged('post_install', '-at_install')
class TestPtpPlan(CollectionPtpTestCommon):

    def _plan(self, user=None, **values):
        return self.Plan.with_user(user or self.agent).create(dict({
            'case_id': self.case.id,
            'amount_total': 300.0,
            'instalment_count': 3,
            'interval_number': 2,
            'interval_type': 'weeks',
            'first_date': self.today + timedelta(days=3),
        }, **values)).with_env(self.env)

    def test_generates_its_promises(self):
        plan = self._plan()
        first = self.today + timedelta(days=3)
        self.assertEqual(plan.ptp_ids.mapped('date'), [first, first + timedelta(weeks=2), first + timedelta(weeks=4)])
        self.assertEqual(plan.ptp_ids.mapped('amount'), [100.0, 100.0, 100.0])
        self.assertEqual(plan.last_date, first + timedelta(weeks=4))
        self.assertEqual(set(plan.ptp_ids.mapped('user_id')), {self.agent})
        self.assertEqual(plan.state, 'open')
        self.assertEqual(plan.next_date, first)

    def test_rounding_on_last_instalment_and_months_from_first_date(self):
        plan = self.Plan.create({
            'case_id': self.case.id, 'amount_total': 100.0, 'instalment_count': 3,
            'interval_type': 'months', 'first_date': date(2031, 1, 31),
        })
        self.assertEqual(plan.ptp_ids.mapped('amount'), [33.33, 33.33, 33.34])
        self.assertEqual(plan.ptp_ids.mapped('date'), [date(2031, 1, 31), date(2031, 2, 28), date(2031, 3, 31)])

    def test_bad_terms(self):
        with self.assertRaisesRegex(ValidationError, "between 2 and"):
            self._plan(instalment_count=1)
        with self.assertRaisesRegex(ValidationError, "too small"):
            self.Plan.create({
                'case_id': self.case.id, 'amount_total': 0.02, 'instalment_count': 3,
                'first_date': self.today})
        plan = self._plan()
        with self.assertRaisesRegex(UserError, "cancel it and make a new plan"):
            plan.with_user(self.agent).amount_total = 600.0

    def test_agent_cannot_attach_promises_to_a_plan(self):
        plan = self._plan()
        with self.assertRaisesRegex(UserError, "created by the plan"):
            self.Ptp.with_user(self.agent).create({
                'case_id': self.case.id, 'amount': 100.0, 'date': self.today, 'plan_id': plan.id})

    # The policy applies to the plan as a whole

    def test_policy_total_against_overdue(self):
        with self.assertRaisesRegex(ValidationError, r"payment plan on .*amount .* is below the minimum 25%"):
            self._plan(amount_total=45.0)
        plan = self._plan(amount_total=60.0)
        self.assertEqual(plan.ptp_ids.mapped('amount'), [20.0, 20.0, 20.0], "instalments are not measured alone")

    def test_policy_first_and_last_dates(self):
        with self.assertRaisesRegex(ValidationError, "promised date .* is later than the latest allowed"):
            self._plan(first_date=self.today + timedelta(days=31))
        with self.assertRaisesRegex(ValidationError, "last promised date .* for a plan"):
            self._plan(instalment_count=6, interval_type='months')
        plan = self._plan(instalment_count=4, interval_number=1, interval_type='months')
        self.assertEqual(len(plan.ptp_ids), 4, "three months ahead is within the plan limit")

    def test_plan_counts_as_one_promise(self):
        self._plan()
        self._promise(days=5)
        self._promise(days=6)
        with self.assertRaisesRegex(ValidationError, "3 promises in 30 days already"):
            self._promise(days=7)

    def test_plan_approval(self):
        self._history('broken', 5)
        plan_broken = self.Plan.create({
            'case_id': self.case.id, 'amount_total': 200.0, 'first_date': self.today - timedelta(days=60),
            'recorded_date': self.today - timedelta(days=60)})
        plan_broken.ptp_ids[0].write({'state': 'broken', 'evaluated_date': self.today - timedelta(days=20)})
        plan_broken.ptp_ids[1].write({'state': 'broken', 'evaluated_date': self.today - timedelta(days=5)})
        self.assertEqual(plan_broken.state, 'broken')
        plan = self._plan()
        self.assertEqual(plan.state, 'to_approve', "a broken promise and a broken plan make two")
        self.assertEqual(set(plan.ptp_ids.mapped('state')), {'to_approve'})
        self.assertEqual(plan.activity_ids.user_id, self.supervisor)
        with self.assertRaises(AccessError):
            plan.with_user(self.agent).action_approve()
        plan.with_user(self.supervisor).action_approve()
        self.assertEqual(plan.state, 'open')
        self.assertEqual(set(plan.ptp_ids.mapped('state')), {'open'})
        self.assertFalse(plan.activity_ids)

    # State follows the promises

    def test_state_follows_promises(self):
        plan = self._plan()
        first, second, third = plan.ptp_ids
        self._pay('PLAN-1', 100.0)
        self.assertEqual(first.state, 'kept')
        self.assertEqual(plan.state, 'open', "kept only when all are kept")
        self.assertEqual(plan.amount_paid, 100.0)
        self.assertEqual(plan.next_date, second.date)
        self.Ptp._evaluate_due_promises(today=second.date + timedelta(days=3))
        self.assertEqual(second.state, 'broken')
        self.assertEqual(plan.state, 'broken', "one broken promise breaks the plan")
        self.assertEqual(third.state, 'open', "the later promises stay open")

    def test_plan_kept_and_partly_kept(self):
        plan = self._plan()
        self._pay('PLAN-ALL', 300.0)
        self.assertEqual(set(plan.ptp_ids.mapped('state')), {'kept'})
        self.assertEqual(plan.state, 'kept')
        other = self._plan(first_date=self.today + timedelta(days=4), amount_total=200.0, instalment_count=2)
        self._pay('PLAN-SOME', 50.0)
        self.Ptp._evaluate_due_promises(today=other.ptp_ids[0].date + timedelta(days=3))
        self.assertEqual(other.ptp_ids[0].state, 'partial')
        self.assertEqual(other.state, 'partial')

    def test_payment_allocated_across_the_plan_in_date_order(self):
        plan = self._plan()
        first, second, third = plan.ptp_ids
        self._pay('PLAN-150', 150.0)
        self.assertEqual((first.amount_paid, second.amount_paid, third.amount_paid), (100.0, 50.0, 0.0))
        self.assertEqual((first.state, second.state), ('kept', 'open'))
        late = first.date + timedelta(days=3)  # past the first promise's grace days
        self._pay('PLAN-LATE', 100.0, date=late)
        self.assertEqual(second.amount_paid, 100.0)
        self.assertEqual(third.amount_paid, 50.0)

    def test_cancel_plan_keeps_settled_promises(self):
        plan = self._plan()
        self._pay('PLAN-C', 100.0)
        plan.with_user(self.agent).action_cancel()
        self.assertEqual(plan.ptp_ids.mapped('state'), ['kept', 'cancelled', 'cancelled'])
        self.assertEqual(plan.state, 'kept', "what remains of the plan was kept")

    def test_wizard_records_a_plan_in_one_step(self):
        form = Form(self.env['collection.action.log'].with_user(self.agent).with_context(
            default_case_id=self.case.id))
        form.result_code_id = self.code_ptp
        form.ptp_kind = 'plan'
        form.ptp_amount = 240.0
        form.ptp_date = self.today + timedelta(days=2)
        form.plan_instalment_count = 3
        form.plan_interval_number = 2
        form.plan_interval_type = 'weeks'
        self.assertFalse(form.ptp_policy_message)
        form.save().action_confirm()
        plan = self.Plan.search([('case_id', '=', self.case.id)])
        self.assertEqual(plan.amount_total, 240.0)
        self.assertEqual(plan.ptp_ids.mapped('amount'), [80.0, 80.0, 80.0])
        self.assertEqual(plan.last_date, self.today + timedelta(days=2, weeks=4))
        action = self.case.action_ids
        self.assertEqual(plan.action_id, action)
        self.assertEqual(set(plan.ptp_ids.mapped('action_id')), {action})
        self.assertEqual(action.ptp_id, plan.ptp_ids[0])
        self.assertEqual(self.case.stage, 'promise')

    def test_plans_follow_case_access(self):
        plan = self._plan()
        other_case = self._create_loan(self._create_customer("Olga Other", 'CIF-PLAN-2'), 'ACC-PLAN-2', 2).case_id
        other_case.write({'user_id': self.agent_2.id, 'team_id': self.team.id})
        other = self.Plan.with_user(self.agent_2).create({
            'case_id': other_case.id, 'amount_total': 200.0, 'first_date': self.today + timedelta(days=1)})
        self.assertEqual(self.Plan.with_user(self.agent).search([]), plan)
        with self.assertRaises(AccessError):
            other.with_user(self.agent).read(['amount_total'])
        self.assertEqual(self.Plan.with_user(self.supervisor).search([]), plan | other)
        with self.assertRaises(AccessError):
            self.Plan.with_user(self.agent).create({
                'case_id': other_case.id, 'amount_total': 200.0, 'first_date': self.today + timedelta(days=1)})
