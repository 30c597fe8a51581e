from datetime import date

import phonenumbers

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.collection_base.tools.phone import format_e164
from odoo.addons.collection_base.tools.sample_portfolio import generate_sample_portfolio


@tagged('post_install', '-at_install')
class TestSamplePortfolio(TransactionCase):
    """A 200-customer portfolio generated inside the test transaction."""

    CUSTOMERS = 200
    SEED = 7

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        # The same seed generated twice (the first run rolled back) and another seed, to compare.
        cls.fingerprint_rolled_back = cls._generate_and_rollback(cls.SEED)
        cls.fingerprint_other_seed = cls._generate_and_rollback(cls.SEED + 1)
        cls.us_portfolio = cls._generate_and_rollback(3, country='US', collect=lambda env: (
            env.execute_query(SQL("SELECT value, phone_e164 FROM collection_contact_point WHERE phone_e164 IS NOT NULL")),
            env.company.currency_id.name))
        cls.stats = generate_sample_portfolio(cls.env, customers=cls.CUSTOMERS, seed=cls.SEED, today=cls.today)
        cls.fingerprint = cls._fingerprint(cls.env)
        cls.customers = cls.env['res.partner'].search([('cif', '!=', False)])
        cls.loans = cls.env['collection.loan'].search([])

    @classmethod
    def _generate_and_rollback(cls, seed, country='LK', collect=None):
        savepoint = cls.env.cr.savepoint()
        try:
            generate_sample_portfolio(
                cls.env, customers=cls.CUSTOMERS, seed=seed, country=country, today=cls.today, set_passwords=False)
            return (collect or cls._fingerprint)(cls.env)
        finally:
            savepoint.close(rollback=True)
            cls.env.invalidate_all(flush=False)

    @classmethod
    def _fingerprint(cls, env):
        """What must not depend on the run: names, identifiers, amounts, dates (not database ids)."""
        people = env.execute_query(SQL("""
            SELECT cif, name, national_id, phone, email, street, partner_latitude
              FROM res_partner WHERE cif IS NOT NULL ORDER BY cif
        """))
        loans = env.execute_query(SQL("""
            SELECT name, principal, outstanding_amount, overdue_amount, installment_amount, dpd, next_due_date,
                   (SELECT count(*) FROM collection_loan_due d WHERE d.loan_id = l.id)
              FROM collection_loan l ORDER BY name
        """))
        history = env.execute_query(SQL("""
            SELECT (SELECT count(*) FROM collection_action), (SELECT sum(amount) FROM collection_ptp),
                   (SELECT sum(amount) FROM collection_payment), (SELECT count(*) FROM collection_loan_party),
                   (SELECT string_agg(identifier, ',' ORDER BY identifier) FROM collection_collateral)
        """))
        return people, loans, history

    def test_counts(self):
        self.assertEqual(len(self.customers), self.CUSTOMERS)
        self.assertEqual(self.stats['customers'], self.CUSTOMERS)
        # about 2.5 loans per customer
        self.assertGreater(len(self.loans), 2.2 * self.CUSTOMERS)
        self.assertLess(len(self.loans), 2.8 * self.CUSTOMERS)
        self.assertEqual(self.stats['loans'], len(self.loans))
        for model, key in (('collection.loan.due', 'instalments'), ('collection.case', 'cases'),
                           ('collection.action', 'actions'), ('collection.ptp', 'promises'),
                           ('collection.payment', 'payments'), ('collection.loan.party', 'loan_parties'),
                           ('collection.collateral', 'collateral')):
            count = self.env[model].search_count([])
            self.assertEqual(count, self.stats[key], model)
            self.assertGreater(count, 0, model)
        # dues stay bounded: the unpaid ones, one paid, a few future ones
        self.assertLess(self.stats['instalments'], 7 * len(self.loans))
        products = set(self.loans.mapped('product_type'))
        self.assertEqual(products, {'personal', 'auto', 'mortgage', 'card', 'sme', 'telco', 'invoice'})

    def test_same_seed_same_portfolio(self):
        self.assertEqual(self.fingerprint, self.fingerprint_rolled_back)
        self.assertNotEqual(self.fingerprint[0], self.fingerprint_other_seed[0])
        self.assertNotEqual(self.fingerprint[1], self.fingerprint_other_seed[1])

    def test_second_run_refused(self):
        with self.assertRaisesRegex(UserError, "already holds"):
            generate_sample_portfolio(self.env, customers=10, seed=1, today=self.today)
        self.assertEqual(self.env['res.partner'].search_count([('cif', '!=', False)]), self.CUSTOMERS)

    def test_phone_numbers_valid(self):
        points = self.env['collection.contact.point'].search([('kind', 'in', ('mobile', 'phone'))])
        self.assertGreater(len(points), self.CUSTOMERS)
        for point in points:
            parsed = phonenumbers.parse(point.phone_e164)
            self.assertTrue(phonenumbers.is_valid_number(parsed), point.phone_e164)
            self.assertEqual(phonenumbers.region_code_for_number(parsed), 'LK')
            # the number as typed (national format) reads back to the stored E.164
            self.assertEqual(point._format_e164(), point.phone_e164, point.value)
        mobiles = points.filtered(lambda p: p.is_primary)
        self.assertEqual(len(set(mobiles.mapped('phone_e164'))), len(mobiles), "primary mobiles are unique")
        self.assertEqual(set(self.customers.mapped('phone')), set(mobiles.filtered(
            lambda p: p.partner_id in self.customers).mapped('value')))
        points._check_value()  # the model's own validation accepts them

    def test_us_profile_phones(self):
        points, currency = self.us_portfolio
        self.assertGreater(len(points), 30)
        for value, e164 in points:
            parsed = phonenumbers.parse(e164)
            self.assertTrue(phonenumbers.is_valid_number(parsed), e164)
            self.assertEqual(phonenumbers.region_code_for_number(parsed), 'US')
            self.assertEqual(format_e164(value, 'US'), e164, value)
        self.assertEqual(currency, 'USD')

    def test_every_bucket_populated(self):
        buckets = self.env['collection.bucket'].search([])
        by_bucket = dict(self.env['collection.loan']._read_group([], ['bucket_id'], ['__count']))
        for bucket in buckets:
            self.assertGreater(by_bucket.get(bucket, 0), 0, bucket.name)
        current = by_bucket[self.env.ref('collection_base.collection_bucket_current')]
        self.assertGreater(current, len(self.loans) / 2, "most loans are current")

    def test_one_case_per_obligor(self):
        cases = self.env['collection.case'].search([])
        self.assertEqual(len(cases), len(self.loans.partner_id))
        self.assertEqual(cases.partner_id, self.loans.partner_id)
        for loan in self.loans:
            self.assertEqual(loan.case_id.partner_id, loan.partner_id)
        for case in cases:
            self.assertEqual(case.loan_count, len(case.loan_ids))
            self.assertEqual(case.max_dpd, max(case.loan_ids.mapped('dpd')))
            self.assertAlmostEqual(case.total_overdue, sum(case.loan_ids.mapped('overdue_amount')), places=2)
            self.assertEqual(case.name, f"CASE-{case.id:07d}")
            if case.max_dpd:
                self.assertTrue(case.team_id, case.name)
            else:
                self.assertFalse(case.user_id, case.name)
        self.assertTrue(cases.filtered(lambda c: c.max_dpd and c.user_id))

    def test_dpd_consistent_with_dues(self):
        self.assertEqual(self.stats['recompute_changed'], 0)
        self.assertEqual(self.env['collection.loan']._recompute_delinquency(today=self.today), 0)
        for loan in self.loans:
            unpaid = loan.due_ids.filtered(lambda d: d.amount_residual > 0 and d.due_date < self.today)
            oldest = min(unpaid.mapped('due_date'), default=None)
            self.assertEqual(loan.dpd, (self.today - oldest).days if oldest else 0, loan.name)
            self.assertTrue(loan.bucket_id.dpd_from <= loan.dpd <= loan.bucket_id.dpd_to, loan.name)
            self.assertAlmostEqual(loan.overdue_amount, sum(unpaid.mapped('amount_residual')), places=2)
            self.assertGreaterEqual(loan.outstanding_amount, loan.overdue_amount, loan.name)
            self.assertLessEqual(loan.disbursement_date, self.today, loan.name)

    def test_history(self):
        actions = self.env['collection.action'].search([])
        self.assertEqual(set(actions.mapped('state')), {'posted'})
        kinds = {'call': 'mobile', 'sms': 'mobile', 'whatsapp': 'mobile', 'email': 'email', 'letter': 'address',
                 'visit': 'address'}
        for action in actions.filtered(lambda a: a.state == 'posted'):
            action._validate_result_rules()  # result codes' requirements hold
            self.assertEqual(action.contact_point_id.partner_id, action.partner_id, action.id)
            self.assertEqual(action.contact_point_id.kind, kinds[action.channel], action.id)
        self.assertTrue(actions.filtered(lambda a: a.channel == 'email'))
        promises = self.env['collection.ptp'].search([])
        self.assertTrue({'kept', 'broken'} <= set(promises.mapped('state')))
        for ptp in promises:
            self.assertEqual(ptp.action_id.ptp_id, ptp)
            self.assertAlmostEqual(ptp.amount_paid, sum(ptp.allocation_ids.mapped('amount')), places=2)
        for payment in self.env['collection.payment'].search([]):
            self.assertAlmostEqual(payment.amount, sum(payment.allocation_ids.mapped('amount')), places=2)
            self.assertLessEqual(payment.date, self.today)
        self.assertTrue(self.env['collection.collateral'].search([('collateral_type', '=', 'vehicle')]))
        self.assertTrue(self.env['collection.loan.party'].search([('role', '=', 'guarantor')]))
        worked = self.env['collection.case'].search([('max_dpd', '>', 0)])
        self.assertTrue(all(worked.mapped('last_action_date')))

    def test_strategies_cover_the_overdue_cases(self):
        strategies = self.env['collection.strategy'].search([])
        self.assertEqual(len(strategies), 3)
        self.assertEqual(self.stats['strategies'], 3)
        runs = strategies._run(run_date=self.today)
        overdue = self.env['collection.case'].search_count([('max_dpd', '>', 0)])
        self.assertEqual(sum(runs.mapped('matched_count')), overdue)
        self.assertFalse(self.env['collection.case'].search_count([('max_dpd', '>', 0), ('team_id', '=', False)]))

    def test_users_log_in_with_their_groups(self):
        Users = self.env['res.users']
        group = 'collection_base.collection_base_group_'
        expected = {
            'agent': ('agent', 'supervisor'),
            'agent2': ('agent', 'supervisor'),
            'supervisor': ('supervisor', 'manager'),
            'manager': ('manager', 'admin'),
            'admin': ('admin', None),
        }
        for login, (has, has_not) in expected.items():
            auth = Users.authenticate({'type': 'password', 'login': login, 'password': login}, {'interactive': False})
            user = Users.browse(auth['uid'])
            self.assertEqual(user.login, login)
            self.assertTrue(user.has_group(group + has), login)
            if has_not:
                self.assertFalse(user.has_group(group + has_not), login)
        agent = Users.search([('login', '=', 'agent')])
        team = self.env['collection.team'].search([('member_ids', 'in', agent.ids)])
        self.assertEqual(len(team), 1)
        self.assertEqual(team.supervisor_id.login, 'supervisor')
        mine = self.env['collection.case'].with_user(agent).search([])
        self.assertTrue(mine)
        self.assertEqual(set(mine.mapped('user_id')), {agent})
