import io
import re
from datetime import date, timedelta
from unittest.mock import patch

from odoo.tests import TransactionCase, new_test_user
from odoo.tools.pdf import PdfFileReader
from odoo.tools.translate import code_translations

from ..models.collection_letter_template import wkhtmltopdf_has_patched_qt


def translated_env(test, module, lang, terms):
    """Activate ``lang`` and serve ``terms`` ({source: translation}) as the code translations of
    ``module`` for the length of ``test`` (what a .po file of the addon would hold); return the
    test's environment in that language."""
    test.env['res.lang']._activate_lang(lang)
    patcher = patch.dict(code_translations.python_translations, {(module, lang): terms})
    patcher.start()
    test.addCleanup(patcher.stop)
    return test.env(context=dict(test.env.context, lang=lang))


class CollectionTestCommon(TransactionCase):
    """Shared fixtures: a team with two agents, a supervisor, a manager and a small portfolio.

    Dates are relative to ``cls.today`` so the suite reads the same on any day.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref('base.us')
        cls.currency = cls.company.currency_id
        group = 'collection_base.collection_base_group_'
        cls.agent = new_test_user(cls.env, 'col_agent', groups=group + 'agent', name="Agnes Agent")
        cls.agent_2 = new_test_user(cls.env, 'col_agent2', groups=group + 'agent', name="Bruno Agent")
        cls.supervisor = new_test_user(cls.env, 'col_super', groups=group + 'supervisor', name="Sara Supervisor")
        cls.manager = new_test_user(cls.env, 'col_manager', groups=group + 'manager', name="Max Manager")
        cls.team = cls.env['collection.team'].create({
            'name': "Early collections",
            'supervisor_id': cls.supervisor.id,
            'member_ids': [(6, 0, (cls.agent | cls.agent_2).ids)],
        })
        cls.product = cls.env['collection.product'].create({
            'name': "Personal loan", 'code': 'PL', 'product_type': 'personal'})
        cls.call = cls.env.ref('collection_base.collection_action_type_call')
        cls.code_ptp = cls.env.ref('collection_base.collection_result_code_ptp')
        cls.code_no_answer = cls.env.ref('collection_base.collection_result_code_no_answer')
        cls.customer = cls._create_customer("Carla Customer", 'CIF001', '+1 202 555 0101')
        cls.loan = cls._create_loan(cls.customer, 'ACC-001', overdue_instalments=2)
        cls.case = cls.loan.case_id
        cls.case.write({'user_id': cls.agent.id, 'team_id': cls.team.id})

    @classmethod
    def _create_customer(cls, name, cif, phone=None):
        partner = cls.env['res.partner'].create({'name': name, 'cif': cif, 'company_id': cls.company.id})
        if phone:
            cls.env['collection.contact.point'].create({
                'partner_id': partner.id, 'kind': 'mobile', 'value': phone, 'source': 'bank',
                'is_primary': True,
            })
        return partner

    @classmethod
    def _create_loan(cls, partner, number, overdue_instalments=0, instalment=100.0, future_instalments=3):
        """A loan with monthly instalments: ``overdue_instalments`` past due, then future ones."""
        return cls.env['collection.loan'].create(cls._prepare_loan_vals(
            partner, number, overdue_instalments, instalment, future_instalments))

    @classmethod
    def _prepare_loan_vals(cls, partner, number, overdue_instalments=0, instalment=100.0, future_instalments=3):
        dues = []
        for index in range(overdue_instalments, 0, -1):
            dues.append((0, 0, {'sequence': len(dues) + 1, 'amount_due': instalment,
                                'due_date': cls.today - timedelta(days=30 * index)}))
        for index in range(1, future_instalments + 1):
            dues.append((0, 0, {'sequence': len(dues) + 1, 'amount_due': instalment,
                                'due_date': cls.today + timedelta(days=30 * index - 15)}))
        total = instalment * (overdue_instalments + future_instalments)
        return {
            'name': number,
            'partner_id': partner.id,
            'product_id': cls.product.id,
            'principal': total,
            'outstanding_amount': total,
            'installment_amount': instalment,
            'due_ids': dues,
        }

    @classmethod
    def _create_cases(cls, prefix, count, overdue_instalments=1, region=None):
        """``count`` customers with one loan each (created in batch); returns their cases."""
        partners = cls.env['res.partner'].create([{
            'name': f"{prefix} {index:04d}",
            'cif': f"{prefix}{index:04d}",
            'company_id': cls.company.id,
            'state_id': region.id if region else False,
        } for index in range(count)])
        loans = cls.env['collection.loan'].create([
            cls._prepare_loan_vals(partner, f"{prefix}-{index:04d}", overdue_instalments)
            for index, partner in enumerate(partners)])
        return loans.case_id

    @classmethod
    def _create_other_team(cls):
        """A second team ("Late collections") with its own supervisor and one agent."""
        group = 'collection_base.collection_base_group_'
        cls.other_supervisor = new_test_user(cls.env, 'col_super2', groups=group + 'supervisor', name="Otto Supervisor")
        cls.other_agent = new_test_user(cls.env, 'col_agent_late', groups=group + 'agent', name="Olaf Agent")
        cls.other_team = cls.env['collection.team'].create({
            'name': "Late collections", 'supervisor_id': cls.other_supervisor.id,
            'member_ids': [(6, 0, cls.other_agent.ids)]})

class LetterPdfMixin:
    """Read printed letters back: page count and text of the PDFs wkhtmltopdf produced.

    An unpatched wkhtmltopdf (Debian's build) draws web fonts as outlines that no tool can read
    back as text: with that build, ``_print_with_system_fonts`` points the report URL at a closed
    local port, so that wkhtmltopdf falls back to the system fonts at once.
    """

    @classmethod
    def _print_with_system_fonts(cls):
        if not wkhtmltopdf_has_patched_qt():
            cls.env['ir.config_parameter'].set_param('report.url', 'http://127.0.0.1:9')

    @staticmethod
    def _normalize(text):
        return re.sub(r'\s+', ' ', (text or '').replace('\xa0', ' ').replace('\u202f', ' ')).strip()

    def _pdf(self, raw, with_text=True):
        """(page count, extracted text) of a PDF, asserting it really is one."""
        self.assertTrue(raw.startswith(b'%PDF-'), "wkhtmltopdf should have produced a PDF, not HTML")
        reader = PdfFileReader(io.BytesIO(raw))
        text = ' '.join(page.extract_text() for page in reader.pages) if with_text else ''
        return len(reader.pages), self._normalize(text)


class CollectionPtpTestCommon(CollectionTestCommon):
    """Promise fixtures: a known policy, helpers to promise as a user and to prepare history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            'collection_ptp_max_days': 30,
            'collection_ptp_plan_max_days': 120,
            'collection_ptp_min_percent': 25.0,
            'collection_ptp_max_per_period': 3,
            'collection_ptp_broken_limit': 2,
            'collection_ptp_broken_period_days': 90,
            'collection_ptp_grace_days': 2,
            'collection_ptp_reminder_days': 1,
        })
        cls.Ptp = cls.env['collection.ptp']
        cls.Plan = cls.env['collection.ptp.plan']

    def _promise(self, amount=100.0, days=5, user=None, **values):
        """A promise made today as ``user`` (the case's agent by default), due in ``days``."""
        return self.Ptp.with_user(user or self.agent).create(dict({
            'case_id': self.case.id, 'amount': amount, 'date': self.today + timedelta(days=days),
        }, **values)).with_env(self.env)

    def _history(self, state, days_ago, amount=100.0, **values):
        """A promise prepared as history: made and settled ``days_ago`` (as an import would)."""
        day = self.today - timedelta(days=days_ago)
        return self.Ptp.create(dict({
            'case_id': self.case.id, 'amount': amount, 'date': day, 'recorded_date': day,
            'state': state, 'evaluated_date': day if state != 'open' else False,
        }, **values))

    def _pay(self, reference, amount, loan=None, **extra):
        payment, _created = self.env['collection.payment']._register_payment(dict({
            'name': reference, 'loan_id': (loan or self.loan).id, 'amount': amount, 'source_system': 'T24',
        }, **extra))
        return payment
