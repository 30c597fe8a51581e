import json
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import format_amount

from .common import LegalTestCommon, LetterPdfMixin


class MediationCommon(LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hearing_time = datetime.combine(cls.today + timedelta(days=7), datetime.min.time()) + timedelta(hours=9)

    def _request_as_officer(self):
        return self.env['collection.mediation'].with_user(self.officer).create({
            'case_id': self.case.id, 'reason': "Customer refuses to pay, disputes penalties",
            'board_name': "Springfield Mediation Board"})

    def _hearing(self, mediation, days=7, **values):
        return self.env['collection.mediation.hearing'].with_user(self.officer).create({
            'mediation_id': mediation.id, 'venue': "Town Hall, room 2",
            'date_start': self.hearing_time + timedelta(days=days), **values})


@tagged('post_install', '-at_install')
class TestMediation(LetterPdfMixin, MediationCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()

    def test_request_by_officer_and_hearings_in_phases(self):
        mediation = self._request_as_officer()
        self.assertEqual((mediation.agency_id, mediation.officer_id, mediation.requested_by_id),
                         (self.agency, self.officer, self.officer))
        self.assertEqual(mediation.amount_claimed, self.case.total_outstanding)
        self.assertEqual((mediation.state, mediation.phase), ('requested', 'none'))
        first = self._hearing(mediation)
        self.assertEqual((first.phase, first.board_name, first.officer_id),
                         ('first', "Springfield Mediation Board", self.officer))
        self.assertEqual((mediation.state, mediation.phase), ('in_progress', 'first'))
        # in the officer's calendar
        event = first.calendar_event_id
        self.assertEqual(event.start, first.date_start)
        self.assertEqual(event.partner_ids, self.officer.partner_id)
        self.assertEqual(event.location, "Town Hall, room 2")
        self.assertEqual((event.res_model, event.res_id), (first._name, first.id))
        first.date_start += timedelta(hours=2)
        self.assertEqual(event.start, first.date_start, "the event follows the hearing")
        # phases in order
        with self.assertRaises(ValidationError):
            self._hearing(mediation, days=14, phase='second')  # the first is not adjourned yet
        first.with_user(self.officer).write({'customer_attended': False, 'officer_attended': True})
        first.with_user(self.officer).action_adjourned()
        second = self._hearing(mediation, days=14)
        self.assertEqual((second.phase, mediation.phase), ('second', 'second'))
        second.action_adjourned()
        third = self._hearing(mediation, days=21)
        self.assertEqual(third.phase, 'third')
        with self.assertRaises(UserError):
            third.action_adjourned()

    def test_hearing_event_is_private_and_left_at_recall(self):
        mediation = self._request_as_officer()
        hearing = self._hearing(mediation)
        event = hearing.calendar_event_id
        self.assertEqual(event.privacy, 'private')
        self.assertIn("Carla Customer", event.with_user(self.officer).read(['name'])[0]['name'])
        # other internal users (another agency's officer, an agent of another case) see a busy slot
        for user in (self.officer_2, self.agent_2):
            self.env.invalidate_all()  # as in a new request of that user
            values = event.with_user(user).read(['name', 'location', 'res_id', 'partner_ids'])[0]
            self.assertEqual((values['name'], values['location'], values['res_id'], values['partner_ids']),
                             ('Busy', False, False, []))
            self.assertEqual(event.with_user(user).display_name, "Busy")
        self.env.invalidate_all()  # the values hidden from those users are not the event's
        # a court hearing the officer attends, still to come
        legal_case = self.env['collection.legal.case'].create({'case_id': self.case.id})
        court = self.env['collection.legal.hearing'].create({
            'legal_case_id': legal_case.id, 'user_id': self.officer.id, 'date_start': self.hearing_time})
        self.assertEqual(court.calendar_event_id.privacy, 'private')
        self.placement.with_user(self.supervisor).action_recall()
        self.assertFalse(hearing.officer_id)
        self.assertFalse(mediation.officer_id, "the next hearing would put him back")
        self.assertFalse(court.user_id)
        for event in (hearing.calendar_event_id, court.calendar_event_id):
            self.assertNotIn(self.officer.partner_id, event.partner_ids)
            self.assertEqual(event.user_id, self.agent, "the case's agent keeps it in view")
            self.env.invalidate_all()
            self.assertEqual(event.with_user(self.officer).read(['name'])[0]['name'], "Busy")
        self.assertIn("no longer attends it", self.case.message_ids[0].body)

    def test_officer_leaves_future_hearings_at_expiry(self):
        mediation = self._request_as_officer()
        hearing = self._hearing(mediation)
        self.placement.date_end = self.today - timedelta(days=1)
        self.assertEqual(hearing.calendar_event_id.partner_ids, self.officer.partner_id,
                         "until the expiry job runs")
        self.env['collection.placement']._expire_placements()
        self.assertFalse(hearing.officer_id)
        self.assertFalse(hearing.calendar_event_id.partner_ids)

    def test_withdrawn_mediation_leaves_the_calendar(self):
        mediation = self._request_as_officer()
        held = self._hearing(mediation, days=-14)
        held.with_user(self.officer).action_adjourned()
        pending = self._hearing(mediation)
        held_event, pending_event = held.calendar_event_id, pending.calendar_event_id
        mediation.with_user(self.agent).action_withdraw()
        self.assertEqual(mediation.state, 'withdrawn')
        self.assertFalse(pending_event.exists(), "the hearing to come is out of the calendar")
        self.assertTrue(held_event.exists(), "the past hearing stays")
        with self.assertRaisesRegex(UserError, "is closed"):
            mediation.action_withdraw()
        self.assertEqual(self.env['collection.mediation'].get_phase_counts(),
                         {'none': 0, 'first': 0, 'second': 0, 'third': 0}, "no longer open")

    def test_officer_requests_mediation_on_placed_cases_only(self):
        Mediation = self.env['collection.mediation'].with_user(self.officer)
        with self.assertRaises(AccessError):
            Mediation.create({'case_id': self.other_case.id, 'reason': "not placed"})
        self.env['collection.placement'].create({'case_id': self.other_case.id, 'agency_id': self.agency_2.id})
        with self.assertRaises(AccessError):
            Mediation.create({'case_id': self.other_case.id, 'reason': "placed with another agency"})
        self.placement.action_recall()
        with self.assertRaises(AccessError):
            Mediation.create({'case_id': self.case.id, 'reason': "recalled"})
        self.assertFalse(self.env['collection.mediation'].search([]))

    def test_notice_of_hearing_letter(self):
        mediation = self._request_as_officer()
        hearing = self._hearing(mediation)
        hearing.with_user(self.officer).action_send_notice()
        letter = hearing.notice_letter_id
        self.assertEqual((letter.res_model, letter.res_id), ('collection.case', self.case.id))
        _pages, text = self._pdf(letter.raw)
        for expected in ("Notice of hearing", mediation.name, "First hearing", "Springfield Mediation Board",
                         "Town Hall, room 2", "Carla Customer", "12 Harbour Road" if self.customer.street else "",
                         self._normalize(format_amount(self.env, mediation.amount_claimed, self.currency))):
            self.assertIn(expected, text)
        self.assertIn("Notice of hearing", " ".join(self.case.message_ids.mapped('body')))

    def test_not_settled_opens_a_legal_case_with_a_certificate(self):
        mediation = self._request_as_officer()
        hearing = self._hearing(mediation, customer_attended=True)
        action = hearing.with_user(self.officer).action_not_settled()
        legal_case = mediation.legal_case_id
        self.assertTrue(legal_case)
        self.assertIs(action, True, "officers do not work legal cases: nothing to open for them")
        self.assertFalse(legal_case.with_user(self.officer).has_access('read'))
        self.assertEqual((mediation.state, hearing.outcome), ('not_settled', 'not_settled'))
        self.assertEqual((legal_case.origin, legal_case.mediation_id, legal_case.claim_amount),
                         ('mediation', mediation, self.case.total_outstanding))
        _pages, text = self._pdf(mediation.certificate_id.raw)
        for expected in ("Certificate of non-settlement", "Springfield Mediation Board", "could not be settled",
                         "First hearing", "Not settled", legal_case.name):
            self.assertIn(expected, text)
        with self.assertRaises(UserError):
            self._hearing(mediation, days=14)

    def test_settled_opens_a_settlement(self):
        mediation = self.env['collection.mediation'].with_user(self.agent).create({
            'case_id': self.other_case.id if False else self.case.id, 'reason': "Wants to settle"})
        self.assertEqual(mediation.officer_id, self.env['res.users'], "an agent's request has no officer")
        hearing = self._hearing(mediation)
        hearing.action_settled()
        settlement = mediation.settlement_id
        self.assertEqual((mediation.state, settlement.origin, settlement.case_id, settlement.state),
                         ('settled', 'mediation', self.case, 'draft'))

    def test_counts_per_phase_and_lists(self):
        Mediation = self.env['collection.mediation']
        first = self._request_as_officer()
        self._hearing(first)
        other_case = self._create_loan(self._create_customer("Hugo Hearing", 'CIFH'), 'ACC-H', 1).case_id
        self.env['collection.placement'].create({'case_id': other_case.id, 'agency_id': self.agency_2.id})
        second = Mediation.with_user(self.officer_2).create({'case_id': other_case.id, 'reason': "No contact"})
        self.assertEqual(Mediation.get_phase_counts(), {'none': 1, 'first': 1, 'second': 0, 'third': 0})
        self.assertEqual(Mediation.get_phase_counts([('agency_id', '=', self.agency_2.id)])['none'], 1)
        by_agency = Mediation.get_mediations_by_agency()
        self.assertEqual({group['agency'] for group in by_agency}, {"Swift Recovery", "Northern Collections"})
        swift = next(group for group in by_agency if group['agency_id'] == self.agency.id)
        self.assertEqual(swift['phase_counts']['first'], 1)
        self.assertEqual(swift['mediations'][0]['name'], first.name)
        by_officer = Mediation.get_mediations_by_officer(self.officer_2.id)
        self.assertEqual([m['id'] for group in by_officer for m in group['mediations']], second.ids)
        # an officer sees the mediations of the cases placed with their agency only
        self.assertEqual(Mediation.with_user(self.officer).get_phase_counts(), {'none': 0, 'first': 1, 'second': 0,
                                                                                'third': 0})


@tagged('post_install', '-at_install')
class TestMediationApi(MediationCommon, HttpCase):
    """The lists and counts of mediation cases over the external API, on a real HTTP server."""

    def test_xmlrpc_and_json2(self):
        mediation = self._request_as_officer()
        self._hearing(mediation)
        models = self.xmlrpc_object
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'col_manager', 'col_manager', {})
        self.assertEqual(uid, self.manager.id)
        counts = models.execute_kw(self.env.cr.dbname, uid, 'col_manager', 'collection.mediation',
                                   'get_phase_counts', [])
        self.assertEqual(counts, {'none': 0, 'first': 1, 'second': 0, 'third': 0})
        by_officer = models.execute_kw(self.env.cr.dbname, uid, 'col_manager', 'collection.mediation',
                                       'get_mediations_by_officer', [], {'officer_id': self.officer.id})
        self.assertEqual(by_officer[0]['officer'], "Omar Officer")
        self.assertEqual(by_officer[0]['mediations'][0]['phase'], 'first')
        # JSON-2 with an API key
        key = self.env['res.users.apikeys'].with_user(self.manager)._generate(
            None, "mediation report", fields.Datetime.now() + timedelta(days=1))
        response = self.url_open(
            '/json/2/collection.mediation/get_mediations_by_agency',
            data=json.dumps({'agency_id': self.agency.id}),
            headers={'Authorization': f'bearer {key}', 'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, 200, response.text)
        groups = response.json()
        self.assertEqual(groups[0]['agency'], "Swift Recovery")
        self.assertEqual(groups[0]['phase_counts']['first'], 1)
