from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date

from .common import LegalTestCommon, LetterPdfMixin


@tagged('post_install', '-at_install')
class TestRepossession(LetterPdfMixin, LegalTestCommon):
    """From the warning letter to the deficiency, with each letter printed and read back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()
        cls.customer.write({'street': "12 Harbour Road", 'city': "Springfield", 'zip': '62701'})
        cls.company.name = "Northwind Lending"
        cls.car = cls.env['collection.collateral'].create({
            'name': "Toyota Corolla", 'collateral_type': 'vehicle', 'identifier': 'AB-123-CD',
            'loan_id': cls.loan.id, 'value': 900.0, 'location': "Customer's garage"})
        cls.warning = cls.env.ref('collection_legal.collection_letter_template_repossession_warning')
        cls.Repossession = cls.env['collection.repossession']

    def _new(self, **values):
        return self.Repossession.with_user(self.agent).create({
            'case_id': self.case.id, 'collateral_id': self.car.id, 'executor_type': 'agency',
            'agency_id': self.agency.id, **values})

    def _repossess(self, repossession, repossession_cost=80.0, storage_cost=20.0):
        repossession.write({
            'repossession_date': self.today - timedelta(days=1), 'repossession_place': "Main Street car park",
            'storage_location': "Bonded Yard 7", 'repossession_cost': repossession_cost,
            'storage_cost': storage_cost,
        })
        repossession.checklist_ids.write({'condition': 'good'})
        repossession.action_mark_repossessed()

    def _to_auction(self, repossession, reserve=400.0):
        repossession.action_announce()
        repossession.write({'auction_date': repossession.redemption_deadline + timedelta(days=3),
                            'reserve_price': reserve, 'auction_place': "City Auction House"})
        repossession.action_submit_auction()
        repossession.with_user(self.manager).action_approve_auction()

    def _letter_text(self, attachment):
        self.assertEqual((attachment.res_model, attachment.res_id), ('collection.case', self.case.id))
        return self._pdf(attachment.raw)[1]

    def test_full_path_from_warning_letter_to_deficiency(self):
        repossession = self._new()
        self.assertEqual(repossession.state, 'draft')
        self.assertEqual(len(repossession.checklist_ids), 6, "the vehicle checklist")
        with self.assertRaises(UserError):
            repossession.action_request_authorisation()  # no warning letter yet

        # 1. the warning letter, as a strategy's letter treatment prints it
        result = self.warning._print_letters(self.case)
        warning_action = result['actions']
        self.assertEqual(warning_action.letter_template_id, self.warning)
        self.assertEqual(repossession.state, 'warned')
        self.assertEqual(repossession.warning_action_id, warning_action)
        text = self._letter_text(result['letters'][self.case.id])
        for expected in ("Notice of intended repossession", "Carla Customer", "12 Harbour Road", "Toyota Corolla",
                         "AB-123-CD", self._normalize(format_amount(self.env, 200.0, self.currency))):
            self.assertIn(expected, text)

        # 2. authorisation: requested by the agent, approved by a manager, sent to the agency
        repossession.action_request_authorisation()
        self.assertEqual(repossession.state, 'to_approve')
        self.assertTrue(repossession.activity_ids)
        with self.assertRaises(AccessError):
            repossession.action_approve_authorisation()
        repossession.with_user(self.manager).action_approve_authorisation()
        self.assertEqual((repossession.state, repossession.authorised_by_id), ('authorised', self.manager))
        text = self._letter_text(repossession.authorisation_letter_id)
        for expected in ("Authorisation to repossess", repossession.name, "Swift Recovery Ltd", "4 Bailiff Lane",
                         "Toyota Corolla", "AB-123-CD", "Customer's garage", "Max Manager", 'ACC-001'):
            self.assertIn(expected, text)
        note = self.env['collection.action'].search([('attachment_id', '=', repossession.authorisation_letter_id.id)])
        self.assertEqual(note.channel, 'note', "a letter to the agency is not a contact with the customer")

        # 3. the asset is repossessed: checklist, costs; the collateral follows
        with self.assertRaises(UserError):
            repossession.action_mark_repossessed()
        self._repossess(repossession)
        self.assertEqual((repossession.state, self.car.status), ('repossessed', 'repossessed'))
        self.assertEqual(self.car.location, "Bonded Yard 7")

        # 4. announcement: redemption period and amount to redeem
        repossession.action_announce()
        self.assertEqual(repossession.redemption_deadline, self.today + timedelta(days=14))
        self.assertEqual(repossession.redemption_amount, 600.0)  # 500 outstanding + 80 + 20 costs
        text = self._letter_text(repossession.announcement_letter_id)
        for expected in ("redeem", "Bonded Yard 7", "Toyota Corolla",
                         self._normalize(format_date(self.env, repossession.redemption_deadline)),
                         self._normalize(format_amount(self.env, 600.0, self.currency))):
            self.assertIn(expected, text)

        # 5. auction approved by a manager
        repossession.write({'auction_date': repossession.redemption_deadline + timedelta(days=3),
                            'reserve_price': 400.0})
        repossession.action_submit_auction()
        with self.assertRaises(AccessError):
            repossession.action_approve_auction()
        repossession.with_user(self.manager).action_approve_auction()

        # 6. sale: net proceeds paid to the loan, the deficiency stays on the loan and the case
        buyer = self.env['res.partner'].create({'name': "Bert Buyer"})
        repossession.write({'sale_price': 450.0, 'buyer_id': buyer.id, 'auction_cost': 30.0})
        repossession.action_record_sale()
        self.assertEqual(repossession.state, 'sold')
        self.assertEqual(self.car.status, 'sold')
        self.assertEqual(repossession.net_proceeds, 320.0)
        payment = repossession.proceeds_payment_id
        self.assertEqual((payment.amount, payment.source_system, payment.state), (320.0, 'repossession', 'posted'))
        self.assertEqual(payment.date, repossession.auction_date)
        self.assertEqual((repossession.debt_at_sale, repossession.deficiency_amount, repossession.surplus_amount),
                         (500.0, 180.0, 0.0))
        self.assertEqual(self.loan.outstanding_amount, 180.0)
        self.assertEqual(self.case.total_outstanding, 180.0)
        self.assertEqual(self.case.stage, 'in_progress')
        self.assertTrue(self.case.activity_ids.filtered(lambda a: 'deficiency' in (a.summary or '')))

        # the whole timeline is in the case's chatter, with the letters attached
        bodies = " ".join(self.case.message_ids.mapped('body'))
        for step in ("repossession of the asset opened", "authorisation to repossess requested",
                     "Repossession authorisation", "asset repossessed", "Repossession announcement",
                     "auction on", "asset sold", "Deficiency"):
            self.assertIn(step, bodies)
        letters = self.case.message_ids.attachment_ids
        self.assertIn(repossession.authorisation_letter_id, letters)
        self.assertIn(repossession.announcement_letter_id, letters)
        self.assertTrue(repossession.message_ids.attachment_ids.filtered(lambda a: a.mimetype == 'application/pdf'))

    def test_surplus_returned(self):
        repossession = self._new()
        repossession._mark_warned(self.warning._print_letters(self.case)['actions'])
        repossession.action_request_authorisation()
        repossession.with_user(self.manager).action_approve_authorisation()
        self._repossess(repossession)
        self._to_auction(repossession)
        buyer = self.env['res.partner'].create({'name': "Rich Buyer"})
        repossession.write({'sale_price': 900.0, 'buyer_id': buyer.id, 'auction_cost': 30.0})
        repossession.action_record_sale()
        self.assertEqual((repossession.proceeds_payment_id.amount, repossession.surplus_amount,
                          repossession.deficiency_amount), (500.0, 270.0, 0.0))
        self.assertEqual(self.loan.outstanding_amount, 0.0)
        repossession.action_return_surplus()
        self.assertEqual(repossession.surplus_returned_date, fields.Date.context_today(repossession))

    def test_redemption_releases_the_asset(self):
        repossession = self._new(executor_type='officer', agency_id=False, officer_id=self.officer.id)
        self.warning._print_letters(self.case)
        repossession.action_request_authorisation()
        repossession.with_user(self.manager).action_approve_authorisation()
        text = self._letter_text(repossession.authorisation_letter_id)
        self.assertIn("Omar Officer", text)
        self._repossess(repossession)
        repossession.action_announce()
        repossession.action_redeem()
        self.assertEqual((repossession.state, self.car.status), ('redeemed', 'released'))
        self.assertEqual(repossession.redemption_payment_id.amount, 500.0)
        self.assertEqual(self.loan.outstanding_amount, 0.0)
        with self.assertRaises(UserError):
            repossession.action_submit_auction()

    def test_auction_rules(self):
        repossession = self._new()
        self.warning._print_letters(self.case)
        repossession.action_request_authorisation()
        repossession.with_user(self.manager).action_approve_authorisation()
        self._repossess(repossession)
        repossession.action_announce()
        repossession.write({'auction_date': repossession.redemption_deadline, 'reserve_price': 400.0})
        with self.assertRaises(UserError):
            repossession.action_submit_auction()  # not after the redemption period
        repossession.auction_date = repossession.redemption_deadline + timedelta(days=1)
        repossession.action_submit_auction()
        repossession.with_user(self.manager).action_approve_auction()
        buyer = self.env['res.partner'].create({'name': "Low Bidder"})
        repossession.write({'sale_price': 300.0, 'buyer_id': buyer.id})
        with self.assertRaises(AccessError):
            repossession.action_record_sale()  # below the reserve: a manager decides
        repossession.with_user(self.manager).action_record_sale()
        self.assertEqual(repossession.deficiency_amount, 300.0)  # 500 - (300 - 80 - 20)

    def test_refused_authorisation_and_one_repossession_per_asset(self):
        repossession = self._new()
        self.warning._print_letters(self.case)
        repossession.action_request_authorisation()
        repossession.with_user(self.manager).action_refuse_authorisation()
        self.assertEqual(repossession.state, 'warned')
        with self.assertRaises(Exception):
            self._new()
        repossession.action_cancel()
        self.assertEqual(self._new().state, 'warned', "a recent warning letter counts for a new repossession")

    def test_strategy_sends_the_warning_letter(self):
        """A strategy whose letter treatment uses the repossession warning template."""
        repossession = self._new()
        strategy = self.env['collection.strategy'].create({
            'name': "Repossession warning at 60 DPD",
            'domain': "[('max_dpd', '>=', 60)]",
            'treatment_ids': [(0, 0, {'split_group': 'champion', 'letter_template_id': self.warning.id})],
        })
        strategy._run()
        self.assertEqual(repossession.state, 'warned')
        self.assertEqual(repossession.warning_action_id.letter_template_id, self.warning)
        self.assertTrue(repossession.warning_action_id.attachment_id.raw.startswith(b'%PDF-'))

    def test_assets_repossessed_together_keep_their_own_storage(self):
        van = self.env['collection.collateral'].create({
            'name': "Ford Transit", 'collateral_type': 'vehicle', 'identifier': 'EF-456-GH', 'loan_id': self.loan.id})
        car, second = self._new(), self._new(collateral_id=van.id)
        repossessions = car | second
        self.warning._print_letters(self.case)
        repossessions.action_request_authorisation()
        repossessions.with_user(self.manager).action_approve_authorisation()
        repossessions.write({'repossession_date': self.today, 'repossession_place': "Depot"})
        car.storage_location = "Bonded Yard 7"
        second.storage_location = "North Compound"
        repossessions.checklist_ids.write({'condition': 'good'})
        repossessions.action_mark_repossessed()
        self.assertEqual((self.car.status, self.car.location), ('repossessed', "Bonded Yard 7"))
        self.assertEqual((van.status, van.location), ('repossessed', "North Compound"))

    def test_created_from_the_case(self):
        """The case form's Repossession button, for agents, on a case with an asset still held."""
        self.assertEqual((self.case.held_collateral_count, self.other_case.held_collateral_count), (1, 0))
        action = self.env.ref('collection_legal.collection_repossession_action_new')
        for user, shown in ((self.agent, True), (self.officer, False)):
            arch = self.env['collection.case'].with_user(user).get_views([(False, 'form')])['views']['form']['arch']
            self.assertEqual(f'name="{action.id}"' in arch, shown, user.name)
        button = etree.fromstring(
            self.env['collection.case'].with_user(self.agent).get_views([(False, 'form')])['views']['form']['arch'],
        ).xpath(f"//button[@name='{action.id}']")[0]
        self.assertEqual(button.get('invisible'), "not held_collateral_count")
        context = {'default_case_id': self.case.id}
        with Form(self.env[action.res_model].with_user(self.agent).with_context(context)) as form:
            form.collateral_id = self.car
            form.agency_id = self.agency
        repossession = form.record
        self.assertEqual((repossession.case_id, repossession.collateral_id, repossession.state),
                         (self.case, self.car, 'draft'))
        self.assertEqual(self.case.repossession_count, 1)

    def test_warning_letter_by_hand_follows_the_contact_policy(self):
        """Printed by hand or by a strategy, the warning is an ordinary letter (README, Letters): caps
        and consent apply, unlike the legal notices."""
        repossession = self._new()
        self.customer.consent_letter = False
        with self.assertRaisesRegex(UserError, "no consent to letters"):
            repossession.with_user(self.agent).action_send_warning()
        self.assertEqual(repossession.state, 'draft')
        self.customer.consent_letter = True
        repossession.with_user(self.agent).action_send_warning()
        self.assertEqual(repossession.state, 'warned')
        action = repossession.warning_action_id
        self.assertEqual((action.letter_template_id, action.channel, action.state), (self.warning, 'letter', 'posted'))
        self.assertTrue(action.attachment_id.raw.startswith(b'%PDF-'))
        with self.assertRaisesRegex(UserError, "daily letter cap of 1 reached"):
            repossession.with_user(self.agent).action_send_warning()  # a second letter today
