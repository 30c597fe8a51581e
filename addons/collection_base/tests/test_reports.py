from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestReports(CollectionTestCommon):
    """Report figures on prepared data; loans' figures are set by SQL before each snapshot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_other_team()
        cls.bucket = {code: cls.env['collection.bucket'].search([('code', '=', code)]) for code in ('B0', 'B1', 'B2', 'B3')}
        cls.auto = cls.env['collection.product'].create({'name': "Auto loan", 'code': 'AL', 'product_type': 'auto'})
        loans = {}
        for key, agent, team in (('a', cls.agent, cls.team), ('b', cls.agent, cls.team),
                                 ('c', cls.agent_2, cls.team), ('d', cls.agent_2, cls.team),
                                 ('e', cls.agent, cls.team), ('f', cls.other_agent, cls.other_team),
                                 ('g', cls.agent_2, cls.team)):
            loan = cls._create_loan(cls._create_customer(f"Customer {key}", f'CIF-{key}'), f'ACC-{key}')
            loan.case_id.write({'user_id': agent.id, 'team_id': team.id})
            loans[key] = loan
        loans['d'].product_id = cls.auto
        cls.loan.state = 'closed'  # the shared fixture loan stays out of the snapshots
        cls.loans = loans
        cls.Snapshot = cls.env['collection.loan.snapshot']
        cls.start, cls.end, cls.month = date(2024, 2, 1), date(2024, 2, 29), date(2024, 2, 1)

    @classmethod
    def _set_figures(cls, figures):
        """``figures``: {key: (dpd, outstanding), or the state of a loan out of the book}."""
        for key, values in figures.items():
            loan = cls.loans[key]
            if isinstance(values, str):
                loan.state = values
                continue
            dpd, outstanding = values
            bucket = cls.env['collection.bucket']._get_bucket_for_dpd(dpd)
            cls.env.flush_all()
            cls.env.execute_query(SQL("""
                UPDATE collection_loan SET state = 'active', dpd = %s, bucket_id = %s,
                       outstanding_amount = %s, overdue_amount = %s WHERE id = %s
            """, dpd, bucket.id, outstanding, outstanding / 10 if dpd else 0, loan.id))
            loan.invalidate_recordset()

    def _prepare_month(self):
        # a: current -> 1-30 (rolls forward); b: 1-30 -> current (cured); c: 31-60 -> 61-90;
        # d: 31-60 -> 31-60 (stays); e: new in the month; f: 1-30 then written off;
        # g: 1-30 then paid off and closed
        self._set_figures({'a': (0, 1000), 'b': (10, 2000), 'c': (45, 3000), 'd': (40, 4000),
                           'e': 'closed', 'f': (20, 5000), 'g': (5, 7000)})
        self.Snapshot._take_snapshot(self.start)
        self._set_figures({'a': (15, 900), 'b': (0, 1800), 'c': (75, 3000), 'd': (55, 3900),
                           'e': (0, 6000), 'f': 'written_off', 'g': 'closed'})
        self.Snapshot._take_snapshot(self.end)

    def _group(self, model, groupby, aggregates, domain=(), user=None):
        Model = self.env[model].with_user(user) if user else self.env[model]
        return Model._read_group(list(domain), groupby, aggregates)

    def test_roll_rate_matrix(self):
        self._prepare_month()
        Report = self.env['collection.roll.rate.report']
        rows = Report.search([('month', '=', self.month)])
        self.assertEqual(len(rows), 7, "one row per loan and month")
        matrix = {
            (from_bucket.code, to_bucket.code): (count, outstanding)
            for from_bucket, to_bucket, count, outstanding in self._group(
                'collection.roll.rate.report', ['from_bucket_id', 'to_bucket_id'],
                ['loan_count:sum', 'from_outstanding:sum'], [('month', '=', self.month)])
        }
        self.assertEqual(matrix, {
            ('B0', 'B1'): (1, 1000),   # a
            ('B1', 'B0'): (1, 2000),   # b
            ('B2', 'B3'): (1, 3000),   # c
            ('B2', 'B2'): (1, 4000),   # d
            (False, 'B0'): (1, 0),     # e, new in the month
            ('B1', False): (2, 12000), # f and g left the book
        })
        rates = dict(self._group('collection.roll.rate.report', ['from_bucket_id'], ['roll_forward_rate:avg'],
                                 [('month', '=', self.month)]))
        self.assertEqual(rates[self.bucket['B2']], 50.0, "one of the two 31-60 loans rolled forward")
        self.assertEqual(rates[self.bucket['B0']], 100.0)
        self.assertEqual(rates[self.bucket['B1']], 0.0, "b improved, f and g left")
        self.assertFalse(rates[self.env['collection.bucket']], "a new loan has no roll rate")
        flags = {row.loan_id: (row.is_new, row.has_left, row.movement) for row in rows}
        self.assertEqual(flags[self.loans['e']], (True, False, 'new'))
        self.assertEqual(flags[self.loans['f']], (False, True, 'left'))
        self.assertEqual(flags[self.loans['a']], (False, False, 'worse'))
        self.assertEqual(flags[self.loans['b']], (False, False, 'better'))
        row_c = rows.filtered(lambda r: r.loan_id == self.loans['c'])
        self.assertEqual((row_c.from_dpd, row_c.to_dpd, row_c.to_overdue), (45, 75, 300.0))

    def test_roll_rate_uses_first_and_last_snapshot_of_the_month(self):
        self._prepare_month()
        self._set_figures({'a': (35, 900)})
        self.Snapshot._take_snapshot(date(2024, 2, 15))  # a mid-month snapshot changes nothing
        self.Snapshot._take_snapshot(date(2024, 3, 1))   # nor does the next month's
        row = self.env['collection.roll.rate.report'].search(
            [('month', '=', self.month), ('loan_id', '=', self.loans['a'].id)])
        self.assertEqual((row.from_bucket_id.code, row.to_bucket_id.code), ('B0', 'B1'))
        march = self.env['collection.roll.rate.report'].search([('month', '=', date(2024, 3, 1))])
        self.assertEqual(len(march), 5, "a, b, c, d and e are in the March snapshot")
        self.assertEqual(set(march.mapped('movement')), {'same'}, "one snapshot in March: nothing moves")

    def test_cure_rate_by_bucket_and_product(self):
        self._prepare_month()
        domain = [('month', '=', self.month), ('is_delinquent_at_start', '=', True)]
        [(overall, count)] = self._group('collection.roll.rate.report', [], ['cure_rate:avg', 'loan_count:sum'], domain)
        self.assertEqual(count, 5, "b, c, d, f and g were past due at the start")
        self.assertEqual(overall, 40.0, "b is current at the end and g was paid off; f was written off")
        by_bucket = dict(self._group('collection.roll.rate.report', ['from_bucket_id'], ['cure_rate:avg'], domain))
        self.assertAlmostEqual(by_bucket[self.bucket['B1']], 200 / 3)
        self.assertEqual(by_bucket[self.bucket['B2']], 0.0)
        by_product = dict(self._group('collection.roll.rate.report', ['product_id'], ['cure_rate:avg'], domain))
        self.assertEqual(by_product, {self.product: 50.0, self.auto: 0.0})
        # current and new loans do not weigh on the cure rate, whatever the grouping
        [(all_loans,)] = self._group('collection.roll.rate.report', [], ['cure_rate:avg'], [('month', '=', self.month)])
        self.assertEqual(all_loans, 40.0)

    def test_ptp_kept_rate_by_agent_team_and_month(self):
        Ptp = self.env['collection.ptp']
        for case, agent, state, day in (
            (self.case, self.agent, 'kept', date(2024, 2, 5)),
            (self.case, self.agent, 'kept', date(2024, 2, 6)),
            (self.case, self.agent, 'partial', date(2024, 2, 7)),
            (self.case, self.agent, 'broken', date(2024, 3, 8)),
            (self.case, self.agent, 'open', date(2024, 3, 9)),
            (self.case, self.agent, 'cancelled', date(2024, 3, 10)),
            (self.loans['f'].case_id, self.other_agent, 'kept', date(2024, 2, 11)),
        ):
            Ptp.create({'case_id': case.id, 'user_id': agent.id, 'amount': 100.0, 'date': day}).state = state
        by_agent = {user: (rate, evaluated, count) for user, rate, evaluated, count in self._group(
            'collection.ptp.report', ['user_id'], ['kept_rate:avg', 'evaluated_count:sum', 'ptp_count:sum'])}
        self.assertEqual(by_agent[self.agent], (50.0, 4, 6), "2 kept of 4 evaluated; open and cancelled do not count")
        self.assertEqual(by_agent[self.other_agent], (100.0, 1, 1))
        by_team = dict(self._group('collection.ptp.report', ['team_id'], ['kept_rate:avg']))
        self.assertEqual(by_team, {self.team: 50.0, self.other_team: 100.0})
        by_month = {(user, month): rate for user, month, rate in self._group(
            'collection.ptp.report', ['user_id', 'date:month'], ['kept_rate:avg'])}
        self.assertAlmostEqual(by_month[self.agent, date(2024, 2, 1)], 200 / 3)
        self.assertEqual(by_month[self.agent, date(2024, 3, 1)], 0.0)

    def test_collected_by_agent_and_day(self):
        Payment = self.env['collection.payment']
        for name, loan, amount, day, user in (
            ('P1', self.loans['a'], 100.0, date(2024, 2, 5), self.agent),
            ('P2', self.loans['b'], 50.0, date(2024, 2, 5), self.agent),
            ('P3', self.loans['c'], 70.0, date(2024, 2, 6), self.agent_2),
            ('P4', self.loans['a'], 30.0, date(2024, 2, 6), self.agent),
            ('P5', self.loans['f'], 999.0, date(2024, 2, 6), self.other_agent),
        ):
            Payment.create({'name': name, 'loan_id': loan.id, 'amount': amount, 'date': day, 'user_id': user.id,
                            'team_id': loan.case_id.team_id.id})
        Payment.search([('name', '=', 'P5')]).action_reverse("Bounced")
        Payment.create({'name': 'P6', 'loan_id': self.loans['d'].id, 'amount': 20.0,
                        'date': date(2024, 2, 6), 'state': 'failed'})
        collected = {(user, day): amount for user, day, amount in self._group(
            'collection.payment.report', ['user_id', 'date:day'], ['amount:sum'])}
        self.assertEqual(collected, {
            (self.agent, date(2024, 2, 5)): 150.0,
            (self.agent, date(2024, 2, 6)): 30.0,
            (self.agent_2, date(2024, 2, 6)): 70.0,
        }, "reversed and failed payments are not collected")
        by_team = dict(self._group('collection.payment.report', ['team_id'], ['amount:sum']))
        self.assertEqual(by_team, {self.team: 250.0})

    def test_workload_against_capacity(self):
        self.team.capacity_per_agent = 2
        unassigned = self._create_loan(self._create_customer("Una Assigned", 'CIF-U'), 'ACC-U').case_id
        unassigned.team_id = self.team
        rows = self.env['collection.workload.report'].search([('team_id', '=', self.team.id)])
        load = {row.user_id: (row.case_count, row.capacity, row.free_capacity, row.load_rate) for row in rows}
        # agent: fixture case + a, b, e; agent_2: c, d, g
        self.assertEqual(load[self.agent], (4, 2, -2, 200.0))
        self.assertEqual(load[self.agent_2], (3, 2, -1, 150.0))
        self.assertEqual(load[self.env['res.users']], (1, 0, -1, 0.0), "the team's unassigned cases")
        self.loans['a'].case_id.stage = 'closed'
        self.env['collection.workload.report'].invalidate_model()  # the view's rows keep their ids
        rows = self.env['collection.workload.report'].search(
            [('team_id', '=', self.team.id), ('user_id', '=', self.agent.id)])
        self.assertEqual(rows.case_count, 3, "closed cases are not workload")

    def test_report_rows_follow_the_agent_supervisor_manager_split(self):
        self._prepare_month()
        for key, agent in (('a', self.agent), ('c', self.agent_2), ('f', self.other_agent)):
            case = self.loans[key].case_id
            self.env['collection.ptp'].create({'case_id': case.id, 'user_id': agent.id, 'amount': 10.0,
                                               'date': date(2024, 2, 3)})
            self.env['collection.payment'].create({'name': f'PR-{key}', 'loan_id': self.loans[key].id, 'amount': 10.0})
        for model in ('collection.roll.rate.report', 'collection.loan.snapshot', 'collection.ptp.report',
                      'collection.payment.report', 'collection.workload.report'):
            Report = self.env[model]
            everything = Report.search([])
            mine = Report.with_user(self.agent).search([])
            self.assertTrue(mine < everything, f"{model}: an agent sees a part")
            self.assertEqual(mine.user_id, self.agent, f"{model}: an agent sees only own rows")
            team_rows = Report.with_user(self.supervisor).search([])
            self.assertEqual(team_rows.team_id, self.team, f"{model}: a supervisor sees the team's rows")
            self.assertTrue(mine < team_rows)
            self.assertEqual(Report.with_user(self.manager).search([]), everything, f"{model}: a manager sees all")
        rows = self.env['collection.roll.rate.report'].with_user(self.other_supervisor).search([])
        self.assertEqual(rows.loan_id, self.loans['f'])
