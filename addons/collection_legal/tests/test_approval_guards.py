from contextlib import contextmanager
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import LegalTestCommon, LetterPdfMixin


class RefusalMixin:

    @contextmanager
    def _refused(self, exception, expected):
        """Expect ``exception`` naming ``expected`` (a record, or a text), rolled back as a refused
        request would be."""
        with self.assertRaises(exception) as error:
            yield
        self.assertIn(expected if isinstance(expected, str) else expected.name, str(error.exception))


@tagged('post_install', '-at_install')
class TestSettlementGuards(RefusalMixin, LetterPdfMixin, LegalTestCommon):
    """What an agent or an officer could do over the ORM (as the external API would) to a
    settlement of ACC-001 (owes 500, of which 50 interest and 50 penalties), besides its buttons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()  # approving prints the settlement letter

    def _offer(self, user=None, **values):
        return self.env['collection.settlement'].with_user(user or self.agent).create({
            'case_id': self.case.id, 'interest_amount': 50.0, 'penalty_amount': 50.0,
            'payment_type': 'installments', 'installment_count': 3, 'first_due_date': self.today, **values})

    def _approved(self, user=None):
        """10 % off (the penalties), approved by the supervisor: 450 in three instalments of 150."""
        settlement = self._offer(user, discount_penalty_pct=100.0)
        settlement.action_submit()
        settlement.with_user(self.supervisor).action_approve()
        self.assertEqual(settlement.state, 'active')
        return settlement

    def test_status_and_approval_are_not_written(self):
        manager_id = self.manager.id
        for user in (self.agent, self.officer):
            with self.subTest(user=user.name):
                offer = self._offer(user)
                admin_tier = self.env.ref('collection_legal.collection_settlement_tier_admin').id
                for vals in ({'state': 'active'}, {'state': 'to_approve'}, {'approved_by_id': manager_id},
                             {'approval_date': self.today}, {'tier_id': admin_tier}):
                    with self._refused(AccessError, offer):
                        offer.write(vals)
                self.assertEqual((offer.state, offer.approved_by_id), ('draft', self.env['res.users']))
                Settlement = self.env['collection.settlement'].with_user(user)
                with self.assertRaises(AccessError):
                    Settlement.create({'case_id': self.case.id, 'state': 'active', 'approved_by_id': manager_id})
                with self.assertRaises(AccessError):
                    Settlement.with_context(default_state='active').create({'case_id': self.case.id})
                submitted = self._offer(user, discount_penalty_pct=100.0)
                submitted.action_submit()
                with self.assertRaises(AccessError):
                    submitted.write({'state': 'active'})
                with self.assertRaises(AccessError):
                    submitted.write({'state': 'draft'})  # a refusal is the approver's
                self.assertEqual(submitted.state, 'to_approve')

    def test_approved_schedule_and_terms_are_locked(self):
        for user in (self.agent, self.officer):
            with self.subTest(user=user.name):
                settlement = self._approved(user)
                Installment = self.env['collection.settlement.installment'].with_user(user)
                installments = settlement.installment_ids.with_user(user)
                with self._refused(UserError, settlement):
                    installments[1:].unlink()
                with self._refused(UserError, settlement):
                    installments.write({'amount': 1.0})
                with self._refused(UserError, settlement):
                    Installment.create({'settlement_id': settlement.id, 'due_date': self.today, 'amount': -300.0})
                draft = self._offer(user)
                draft.action_generate_schedule()
                with self._refused(UserError, settlement):
                    draft.installment_ids.with_user(user)[:1].settlement_id = settlement
                for vals in ({'discount_principal_pct': 80.0}, {'loan_ids': [Command.clear()]},
                             {'grace_days': 900}, {'interest_amount': 0.0}):
                    with self._refused(UserError, settlement):
                        settlement.write(vals)
                self.assertEqual(settlement.installment_ids.mapped('amount'), [150.0, 150.0, 150.0])
                draft.action_cancel()
                settlement.with_user(self.supervisor).action_cancel()
        # paying one instalment of the untouched schedule completes nothing
        settlement = self._approved()
        self._pay(self.loan, 150.0, 'STL-GUARD-1')
        self.assertEqual(settlement.state, 'active')
        self.assertEqual((self.loan.state, self.loan.outstanding_amount), ('active', 350.0))

    def test_balance_is_what_the_loans_owe(self):
        """A 500 loan offered on a balance of 100 without discount would go to a supervisor as a 0 %
        offer: an 80 % write-off. The balance is not typed in; the 80 % is the administrator's."""
        for user in (self.agent, self.officer):
            with self.subTest(user=user.name):
                Settlement = self.env['collection.settlement'].with_user(user)
                with self._refused(AccessError, "computed, not typed in"):
                    Settlement.create({'case_id': self.case.id, 'balance_amount': 100.0})
                offer = Settlement.with_context(default_balance_amount=100.0).create({'case_id': self.case.id})
                self.assertEqual(offer.balance_amount, 500.0)
                with self._refused(AccessError, offer):
                    offer.balance_amount = 100.0
                self.assertEqual((offer.balance_amount, offer.discount_pct, offer.settlement_amount), (500.0, 0.0, 500.0))
        offer = self._offer(self.supervisor)  # who also sees Olga's case, of the same team
        with self._refused(ValidationError, offer):
            offer.loan_ids = [Command.link(self.other_case.loan_ids.id)]
        write_off = self._offer(interest_amount=0.0, penalty_amount=0.0, discount_principal_pct=80.0)
        self.assertEqual((write_off.settlement_amount, write_off.discount_pct), (100.0, 80.0))
        write_off.action_submit()
        self.assertEqual(write_off.tier_id, self.env.ref('collection_legal.collection_settlement_tier_admin'))
        for user in (self.supervisor, self.manager):
            with self.assertRaises(AccessError):
                write_off.with_user(user).action_approve()

    def test_balance_checked_again_at_submission_and_approval(self):
        offer = self._offer(discount_penalty_pct=100.0)  # 50 of 500: 10 %, a supervisor's
        self._pay(self.loan, 100.0, 'STL-BEFORE-SUBMIT')
        offer.action_submit()
        self.assertEqual((offer.balance_amount, offer.settlement_amount, offer.discount_pct), (400.0, 350.0, 12.5))
        self.assertEqual(offer.tier_id, self.env.ref('collection_legal.collection_settlement_tier_manager'))
        self.assertEqual(sum(offer.installment_ids.mapped('amount')), 350.0)

        self._pay(self.loan, 100.0, 'STL-BEFORE-APPROVAL')
        with self._refused(UserError, f"{offer.name} now owe"):
            offer.with_user(self.manager).action_approve()
        offer.with_user(self.manager).action_refuse()
        with self._refused(UserError, "Generate the schedule again"):
            offer.action_submit()
        offer.action_generate_schedule()
        self.assertEqual((offer.balance_amount, offer.settlement_amount), (300.0, 250.0))
        offer.action_submit()
        self.assertAlmostEqual(offer.discount_pct, 16.67)
        offer.with_user(self.manager).action_approve()
        self.assertEqual(offer.state, 'active')

    def test_refuse_and_cancel_at_the_approvers_level(self):
        submitted = self._offer(discount_penalty_pct=100.0, discount_interest_pct=100.0)  # 20 %: a manager's
        submitted.action_submit()
        for user in (self.agent, self.officer, self.supervisor):
            with self._refused(AccessError, submitted):
                submitted.with_user(user).action_refuse()
        self.assertEqual(submitted.state, 'to_approve')
        submitted.with_user(self.manager).action_refuse()
        self.assertEqual(submitted.state, 'draft')
        submitted.action_cancel()  # the negotiator withdraws an offer
        self.assertEqual(submitted.state, 'cancelled')

        approved = self._approved()
        for user in (self.agent, self.officer):
            with self._refused(AccessError, approved):
                approved.with_user(user).action_cancel()
        self.assertEqual(approved.state, 'active')
        approved.with_user(self.supervisor).action_cancel()
        self.assertEqual(approved.state, 'cancelled')


@tagged('post_install', '-at_install')
class TestRepossessionGuards(RefusalMixin, LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.car = cls.env['collection.collateral'].create({
            'name': "Toyota Corolla", 'collateral_type': 'vehicle', 'identifier': 'AB-123-CD',
            'loan_id': cls.loan.id, 'value': 900.0})

    def _repossession(self, state):
        """A repossession of the agent's, brought to ``state`` as its steps would."""
        repossession = self.env['collection.repossession'].with_user(self.agent).create({
            'case_id': self.case.id, 'collateral_id': self.car.id, 'executor_type': 'agency',
            'agency_id': self.agency.id, 'auction_date': self.today + timedelta(days=30), 'reserve_price': 700.0})
        repossession.sudo().state = state
        return repossession

    def test_agent_cannot_skip_the_manager(self):
        for state, approved_state in (('to_approve', 'authorised'), ('auction_to_approve', 'auction_approved')):
            with self.subTest(state=approved_state):
                repossession = self._repossession(state)
                with self._refused(AccessError, repossession):
                    repossession.write({'state': approved_state})
                self.assertEqual(repossession.state, state)
                repossession.sudo().state = 'cancelled'
        repossession = self._repossession('to_approve')
        for vals in ({'authorised_by_id': self.manager.id}, {'authorisation_date': self.today},
                     {'auction_approved_by_id': self.manager.id}, {'state': 'sold'}):
            with self._refused(AccessError, repossession):
                repossession.write(vals)
        repossession.sudo().state = 'cancelled'
        with self.assertRaises(AccessError):
            self.env['collection.repossession'].with_user(self.agent).create({
                'case_id': self.case.id, 'collateral_id': self.car.id, 'agency_id': self.agency.id,
                'state': 'authorised', 'authorised_by_id': self.manager.id})

    def test_approved_terms_are_locked(self):
        repossession = self._repossession('auction_approved')
        for vals in ({'reserve_price': 1.0}, {'auction_date': self.today + timedelta(days=60)}):
            with self._refused(UserError, repossession):
                repossession.write(vals)
        repossession.write({'sale_price': 750.0, 'buyer_id': self.agency_partner.id})  # recording the sale is open
        repossession.sudo().state = 'authorised'
        with self._refused(UserError, repossession):
            repossession.agency_id = self.agency_2
        repossession.with_user(self.manager).agency_id = self.agency_2  # a manager may correct it
        self.assertEqual(repossession.agency_id, self.agency_2)


@tagged('post_install', '-at_install')
class TestDisputeIncidentGuards(RefusalMixin, LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.router = cls.env['collection.collateral'].create({
            'name': "Router", 'collateral_type': 'equipment', 'identifier': 'RT-0001', 'loan_id': cls.loan.id})

    def test_disputes_are_closed_by_a_supervisor(self):
        self.case.stage = 'in_progress'
        dispute = self.env['collection.dispute'].with_user(self.officer).create({
            'case_id': self.case.id, 'description': "Penalties were charged twice",
            'resolution': "Agreed by the officer"})
        for user in (self.officer, self.agent):
            for method in ('action_resolve', 'action_reject'):
                with self._refused(AccessError, dispute):
                    getattr(dispute.with_user(user), method)()
            for vals in ({'state': 'resolved'}, {'date_closed': self.today}):
                with self._refused(AccessError, dispute):
                    dispute.with_user(user).write(vals)
        self.assertEqual((dispute.state, self.case.stage), ('open', 'dispute'))
        with self.assertRaises(AccessError):
            self.env['collection.dispute'].with_user(self.agent).create({
                'case_id': self.case.id, 'description': "closed at birth", 'state': 'rejected'})
        dispute.with_user(self.supervisor).action_resolve()
        self.assertEqual((dispute.state, self.case.stage), ('resolved', 'in_progress'))

    def test_incidents_are_closed_by_return_management(self):
        incident = self.env['collection.recovery.incident'].with_user(self.agent).create({
            'loan_id': self.loan.id, 'required_action': 'equipment'})
        incident.action_validate()
        incident.with_user(self.supervisor)._place_with(self.agency)
        self.assertEqual(incident.state, 'placed')
        for user in (self.officer, self.agent, self.supervisor):
            with self._refused(AccessError, incident):
                incident.with_user(user).action_close_unsuccessful()
            with self._refused(AccessError, incident):
                incident.with_user(user).action_cancel()
        for user in (self.officer, self.agent):
            for vals in ({'state': 'failed'}, {'state': 'closed'}, {'closed_date': self.today},
                         {'placement_id': False}):
                with self._refused(AccessError, incident):
                    incident.with_user(user).write(vals)
        self.assertEqual(incident.state, 'placed')
        self.router.with_user(self.officer).action_mark_collected()  # the officer's step still works
        self.assertEqual(incident.state, 'collected')
        incident.with_user(self.manager).action_close_unsuccessful()
        self.assertEqual((incident.state, incident.closed_date), ('failed', self.today))

    def test_hardship_and_extension_reviews_are_not_written(self):
        request = self.env['collection.hardship.request'].with_user(self.agent).create({
            'case_id': self.case.id, 'plan_amount': 50.0, 'plan_count': 3})
        request.action_submit()
        for vals in ({'state': 'approved'}, {'reviewed_by_id': self.supervisor.id}):
            with self._refused(AccessError, request):
                request.write(vals)
        self.assertEqual(request.state, 'submitted')
        with self.assertRaises(AccessError):
            self.env['collection.placement.extension'].with_user(self.officer).create({
                'placement_id': self.placement.id, 'date_end': self.placement.date_end + timedelta(days=30),
                'reason': "More time", 'state': 'approved', 'reviewed_by_id': self.manager.id})
        request = self.env['collection.placement.extension'].with_user(self.officer).create({
            'placement_id': self.placement.id, 'date_end': self.placement.date_end + timedelta(days=30),
            'reason': "More time"})
        self.assertEqual(request.state, 'requested')
