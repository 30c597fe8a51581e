from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import LegalTestCommon


@tagged('post_install', '-at_install')
class TestLegalCase(LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.firm = cls.env['res.partner'].create({'name': "Dewey & Partners", 'is_company': True})
        cls.lawyer = cls.env['res.partner'].create({'name': "Linda Lawyer", 'parent_id': cls.firm.id})

    def test_litigation_pipeline(self):
        form = Form(self.env['collection.legal.case'].with_user(self.agent))
        form.case_id = self.case
        form.law_firm_id = self.firm
        form.lawyer_id = self.lawyer
        form.court = "Springfield District Court"
        form.court_case_number = "CV-2024-0042"
        form.filing_date = self.today
        form.claim_amount = 500.0
        legal_case = form.save()
        self.assertTrue(legal_case.name.startswith('LGL/'))
        self.assertEqual(legal_case.stage_id, self.env.ref('collection_legal.collection_legal_stage_preparation'))
        self.assertIn("Legal case", self.case.message_ids[0].body)
        # hearings go to the calendar of whoever attends
        start = datetime.combine(self.today + timedelta(days=30), datetime.min.time()) + timedelta(hours=10)
        hearing = self.env['collection.legal.hearing'].with_user(self.agent).create({
            'legal_case_id': legal_case.id, 'name': "First hearing", 'date_start': start, 'venue': "Court room 3"})
        self.assertEqual(hearing.calendar_event_id.partner_ids, self.agent.partner_id)
        self.assertIn("CV-2024-0042", hearing.calendar_event_id.name)
        self.assertEqual(legal_case.next_hearing_date, start)
        hearing.user_id = self.manager
        self.assertEqual(hearing.calendar_event_id.partner_ids, self.manager.partner_id)
        # judgment, enforcement, costs
        legal_case.write({
            'judgment_date': self.today + timedelta(days=60), 'judgment_amount': 520.0,
            'stage_id': self.env.ref('collection_legal.collection_legal_stage_enforcement').id,
            'enforcement_ids': [(0, 0, {'step_type': 'garnishment', 'state': 'done', 'amount_recovered': 200.0}),
                                (0, 0, {'step_type': 'bank_freeze', 'state': 'planned', 'amount_recovered': 0.0})],
            'cost_ids': [(0, 0, {'cost_type': 'court_fee', 'amount': 40.0}),
                         (0, 0, {'cost_type': 'lawyer_fee', 'amount': 150.0})],
        })
        self.assertEqual((legal_case.recovered_amount, legal_case.total_cost), (200.0, 190.0))
        # documents attached to the legal case
        self.env['ir.attachment'].create({'name': "Claim.pdf", 'raw': b'%PDF-1.4 claim', 'res_model': legal_case._name,
                                          'res_id': legal_case.id})
        self.assertEqual(legal_case.document_count, 1)
        self.assertEqual(legal_case.action_open_documents()['domain'][1], ('res_id', '=', legal_case.id))
        hearing.unlink()
        self.assertFalse(self.env['calendar.event'].search([('res_model', '=', 'collection.legal.hearing')]))

    def test_kanban_shows_every_stage(self):
        self.env['collection.legal.case'].create({'case_id': self.case.id})
        groups = self.env['collection.legal.case'].with_context(read_group_expand=True).formatted_read_group(
            [], ['stage_id'], ['__count'])
        stages = self.env['collection.legal.stage'].search([])
        self.assertEqual(len(groups), len(stages), "empty stages show as kanban columns")

    def test_access(self):
        legal_case = self.env['collection.legal.case'].create({'case_id': self.case.id})
        self.assertEqual(self.env['collection.legal.case'].with_user(self.agent).search([]), legal_case)
        self.assertFalse(self.env['collection.legal.case'].with_user(self.agent_2).search([]))
        with self.assertRaises(AccessError):
            legal_case.with_user(self.officer).read(['name'])
        with self.assertRaises(AccessError):
            self.env['collection.legal.case'].with_user(self.agent).create({'case_id': self.other_case.id})
