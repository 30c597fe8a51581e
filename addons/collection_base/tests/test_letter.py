import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import format_amount, format_date, mute_logger

from .common import CollectionTestCommon, LetterPdfMixin


@tagged('post_install', '-at_install')
class TestLetter(LetterPdfMixin, CollectionTestCommon, HttpCase):
    """Letters are printed by wkhtmltopdf for real, and their text is read back from the PDF.

    HttpCase serves the report assets (layout CSS, web fonts) to wkhtmltopdf. An unpatched
    wkhtmltopdf (Debian's build) draws web fonts as outlines that no tool can read back as text:
    with that build, the letters are printed without the web assets (system fonts), except in
    ``test_layout_with_web_assets``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._print_with_system_fonts()
        cls.warning = cls.env.ref('collection_base.collection_letter_template_warning')
        cls.demand = cls.env.ref('collection_base.collection_letter_template_demand')
        cls.final_notice = cls.env.ref('collection_base.collection_letter_template_final_notice')
        cls.company.write({'name': "Northwind Lending", 'phone': '+1 202 555 0199'})
        cls.customer.write({'street': "12 Harbour Road", 'city': "Springfield", 'zip': '62701'})
        cls.case_2 = cls._create_loan(
            cls._create_customer("Dario Debtor", 'CIF002'), 'ACC-002', overdue_instalments=1, instalment=250.0,
        ).case_id
        cls.case_3 = cls._create_loan(
            cls._create_customer("Elena Late", 'CIF003'), 'ACC-003', overdue_instalments=3, instalment=80.0,
        ).case_id
        (cls.case_2 | cls.case_3).write({'user_id': cls.agent.id, 'team_id': cls.team.id})
        cls.other_case = cls._create_loan(
            cls._create_customer("Olga Other", 'CIF099'), 'ACC-099', overdue_instalments=1,
        ).case_id
        cls.other_case.write({'user_id': cls.agent_2.id, 'team_id': cls.team.id})

    def _amount(self, amount, currency):
        return self._normalize(format_amount(self.env, amount, currency))

    def _letter_actions(self, cases):
        return self.env['collection.action'].search([('case_id', 'in', cases.ids), ('channel', '=', 'letter')])

    def test_placeholders_rendered_in_pdf(self):
        """The agent prints a letter for their case: the PDF carries the case's real figures."""
        self.assertEqual(self.case.total_overdue, 200.0)
        batch = self.warning.with_user(self.agent)._generate_letters(self.case)
        self.assertEqual(batch.mimetype, 'application/pdf')
        action = self._letter_actions(self.case)
        self.assertEqual(len(action), 1)
        letter = action.attachment_id
        self.assertEqual((letter.res_model, letter.res_id), ('collection.case', self.case.id))
        _pages, text = self._pdf(letter.raw)
        pay_by = fields.Date.context_today(self.warning) + timedelta(days=self.warning.payment_days)
        for expected in (
            "Carla Customer", "12 Harbour Road", self.case.name, 'ACC-001',
            self._amount(200.0, self.currency), self._normalize(format_date(self.env, pay_by)),
            "Northwind Lending", "Agnes Agent", "Payment reminder",
        ):
            self.assertIn(expected, text)
        self.assertNotIn('t-out', text)
        self.assertNotIn('object.', text)

    def test_default_templates_render(self):
        templates = self.warning | self.demand | self.final_notice
        self.assertEqual(set(templates.mapped('letter_type')), {'warning', 'demand', 'final_notice'})
        for template in templates:
            letter = template._render_letters(self.case)[self.case.id]
            self.assertIn(self.case.name, letter['subject'])
            body = self._normalize(str(letter['body']))
            for expected in ("Carla Customer", 'ACC-001', self._amount(200.0, self.currency), "Agnes Agent"):
                self.assertIn(expected, body, f"{template.name} should show {expected}")
            self.assertNotIn('t-out', body)
            html = self.env['ir.actions.report']._render_qweb_html(
                'collection_base.collection_letter_report', self.case.ids, data={'template_id': template.id})[0]
            self.assertIn(letter['subject'], self._normalize(html.decode()))

    def test_batch_of_three(self):
        cases = self.case | self.case_2 | self.case_3
        messages_before = len(self.warning.message_ids)
        result = self.warning.with_user(self.agent)._print_letters(cases)
        pages, text = self._pdf(result['attachment'].raw)
        self.assertGreaterEqual(pages, 3)
        for account in ('ACC-001', 'ACC-002', 'ACC-003'):
            self.assertIn(account, text)
        self.assertEqual(result['printed'], cases)
        self.assertFalse(result['blocked'])
        attachments = self.env['ir.attachment'].search([
            ('res_model', '=', 'collection.case'), ('res_id', 'in', cases.ids)])
        self.assertEqual(len(attachments), 3)
        actions = self._letter_actions(cases)
        self.assertEqual(len(actions), 3)
        self.assertEqual(actions.case_id, cases)
        self.assertEqual(set(actions.mapped('state')), {'posted'})
        self.assertEqual(actions.result_code_id, self.env.ref('collection_base.collection_result_code_sent'))
        self.assertEqual(actions.attachment_id, attachments)
        # each case holds its own letter, split out of the batch
        for case, account, amount in ((self.case, 'ACC-001', 200.0), (self.case_2, 'ACC-002', 250.0),
                                      (self.case_3, 'ACC-003', 240.0)):
            letter = actions.filtered(lambda a, c=case: a.case_id == c).attachment_id
            _pages, letter_text = self._pdf(letter.raw)
            self.assertIn(account, letter_text)
            self.assertIn(self._amount(amount, self.currency), letter_text)
            self.assertEqual(len(set(re.findall(r'ACC-00\d', letter_text))), 1, "a letter shows one customer's loans")
            self.assertEqual(case.letter_count, 1)
        # one summary message for the batch, none per case
        self.assertEqual(len(self.warning.message_ids), messages_before + 1)
        self.assertIn("3 letters", self.warning.message_ids[0].body)
        # the merged PDF is for the one who printed it
        self.assertEqual(result['attachment'].with_user(self.agent).raw[:5], b'%PDF-')
        with self.assertRaises(AccessError):
            result['attachment'].with_user(self.agent_2).read(['raw'])

    def test_agent_prints_only_own_cases(self):
        template = self.warning.with_user(self.agent)
        with self.assertRaises(AccessError):
            template._generate_letters(self.other_case.with_user(self.agent))
        with self.assertRaises(AccessError):
            template._generate_letters((self.case | self.other_case).with_user(self.agent))
        self.assertFalse(self._letter_actions(self.case | self.other_case))
        with self.assertRaises(AccessError):
            template.write({'payment_days': 3})

    @mute_logger('odoo.addons.mail.models.mail_render_mixin')
    def test_broken_placeholder_names_template(self):
        broken = self.warning.copy({
            'name': "Broken reminder", 'code': 'BROKEN',
            'body': '<p>Dear <t t-out="object.partner_id.no_such_field"/></p>',
        })
        with self.assertRaises(UserError) as error:
            broken._generate_letters(self.case)
        self.assertIn("Broken reminder", str(error.exception))
        self.assertIn(self.case.display_name, str(error.exception))
        self.assertIn("no_such_field", str(error.exception))
        self.assertFalse(self._letter_actions(self.case))
        with self.assertRaises(ValidationError) as error:
            broken.body = '<p><t t-out="object.partner_id.("/></p>'
        self.assertIn("Broken reminder", str(error.exception))

    def test_print_wizard_downloads_merged_pdf(self):
        cases = self.case | self.case_2
        wizard_form = Form(self.env['collection.letter.print'].with_user(self.agent).with_context(
            active_model='collection.case', active_ids=cases.ids))
        wizard_form.template_id = self.demand
        wizard = wizard_form.save()
        self.assertEqual(wizard.case_count, 2)
        action = wizard.action_print()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        self.assertTrue(action['close'])
        self.assertEqual((wizard.attachment_id.res_model, wizard.attachment_id.res_id), (wizard._name, wizard.id))
        self.assertIn(f"/web/content/{wizard.attachment_id.id}", action['url'])
        pages, text = self._pdf(wizard.attachment_id.raw)
        self.assertGreaterEqual(pages, 2)
        self.assertIn("Demand for payment", text)
        self.assertEqual(len(self._letter_actions(cases)), 2)

    def test_preview(self):
        preview = self.env['collection.letter.preview'].create({
            'template_id': self.final_notice.id, 'case_id': self.case_2.id})
        self.assertIn("Dario Debtor", preview.body)
        self.assertIn(self.case_2.name, preview.subject)
        self.assertFalse(preview.error_message)
        self.assertFalse(self._letter_actions(self.case_2), "a preview logs nothing")

    def test_batch_owner_gets_pdf_and_summary(self):
        """A strategy run (here any record with a chatter) keeps the batch PDF and its one message."""
        owner = self.env['res.partner'].create({'name': "Run owner"})
        template_messages = len(self.warning.message_ids)
        batch = self.warning._generate_letters(self.case_2 | self.case_3, batch_owner=owner)
        self.assertEqual((batch.res_model, batch.res_id), ('res.partner', owner.id))
        self.assertEqual(len(owner.message_ids.filtered(lambda m: m.attachment_ids == batch)), 1)
        self.assertIn("2 letters", owner.message_ids[0].body)
        self.assertEqual(len(self.warning.message_ids), template_messages)

    def test_copy_template(self):
        copy = self.warning.copy()
        self.assertEqual(copy.code, 'WARNING_COPY')
        self.assertEqual(copy.body, self.warning.body)

    def test_contact_policy_holds_letters_back(self):
        """Letters ask the compliance engine ("letter" channel) first, when it is installed."""
        if 'collection.contact.policy' not in self.env:
            self.skipTest("collection.contact.policy is not there yet: _filter_contactable_cases lets all through")
        self.case_2.partner_id.consent_letter = False
        self.case_3.partner_id.is_do_not_contact = True
        result = self.warning.with_user(self.agent)._print_letters(self.case | self.case_2 | self.case_3)
        self.assertEqual(result['printed'], self.case)
        self.assertEqual(set(result['blocked']), {self.case_2.id, self.case_3.id})
        self.assertEqual(self._letter_actions(self.case | self.case_2 | self.case_3).case_id, self.case)
        self.assertIn("2 cases held back", self.warning.message_ids[0].body)
        wizard = self.env['collection.letter.print'].with_user(self.agent).create({
            'case_ids': [(6, 0, self.case_2.ids)], 'template_id': self.warning.id})
        with self.assertRaises(UserError) as error:
            wizard.action_print()
        self.assertIn(self.case_2.display_name, str(error.exception))

    def test_template_company_must_match(self):
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        foreign = self.warning.copy({'code': 'FOREIGN', 'company_id': other_company.id})
        with self.assertRaises(UserError):
            foreign._generate_letters(self.case)

    def test_layout_with_web_assets(self):
        """The company layout, with its CSS and fonts served by the test server, prints too."""
        self.env['ir.config_parameter'].set_param('report.url', self.base_url())
        batch = self.final_notice.with_user(self.agent)._generate_letters(self.case | self.case_2)
        pages, _text = self._pdf(batch.raw, with_text=False)
        self.assertGreaterEqual(pages, 2)
        letters = self._letter_actions(self.case | self.case_2).attachment_id
        self.assertEqual(len(letters), 2)
        for letter in letters:
            self.assertEqual(self._pdf(letter.raw, with_text=False)[0], 1)
