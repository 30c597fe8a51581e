from collections import Counter
from datetime import timedelta

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import LegalTestCommon


@tagged('post_install', '-at_install')
class TestPlacement(LegalTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency_3 = cls.env['collection.agency'].create({'name': "Third Agency", 'capacity': 2})
        cls.portfolio = cls.env['collection.case']
        for index in range(9):
            cls.portfolio |= cls._create_loan(
                cls._create_customer(f"Debtor {index}", f'CIFP{index}'), f'ACC-P{index}',
                overdue_instalments=1 + index % 3, instalment=100.0 + index).case_id
        cls.portfolio.write({'team_id': cls.team.id})
        cls.Placement = cls.env['collection.placement']

    def _by_agency(self, placements):
        return Counter(placement.agency_id.name for placement in placements)

    def test_manual_placement_records_bucket_and_amount(self):
        self.assertEqual(self.placement.bucket_id, self.case.bucket_id)
        self.assertEqual(self.placement.amount_placed, self.case.total_outstanding)
        self.assertTrue(self.placement.is_valid)
        self.assertEqual(self.case.agency_id, self.agency)
        self.assertEqual(self.env['collection.case'].search([('agency_id', '=', self.agency.id)]), self.case)
        self.assertIn("Placed with Swift Recovery", self.case.message_ids[0].body)

    @mute_logger('odoo.sql_db')
    def test_one_agency_at_a_time(self):
        with self.assertRaises(psycopg2.IntegrityError), self.cr.savepoint():
            self.Placement.create({'case_id': self.case.id, 'agency_id': self.agency_2.id})
        # placing again leaves the placed case where it is
        self.assertFalse(self.Placement._place_cases(self.case, self.agency_2, method='round_robin'))

    def test_round_robin_continues_where_it_stopped(self):
        agencies = self.agency | self.agency_2 | self.agency_3
        first = self.Placement._place_cases(self.portfolio[:4], agencies, method='round_robin')
        self.assertEqual(len(first), 4)
        order = [placement.agency_id.id for placement in first.sorted('id')]
        self.assertEqual(order, [self.agency.id, self.agency_2.id, self.agency_3.id, self.agency.id])
        second = self.Placement._place_cases(self.portfolio[4:6], agencies, method='round_robin')
        self.assertEqual([p.agency_id.id for p in second.sorted('id')], [self.agency_2.id, self.agency_3.id])
        self.assertEqual(set(first.mapped('method')), {'round_robin'})
        self.assertEqual(first[0].date_end, self.today + timedelta(days=90), "the agency's validity")

    def test_capacity_fills_the_freest_agency_and_stops_when_full(self):
        self.agency.capacity = 3  # one case already placed: 2 free
        self.agency_2.capacity = 4
        placements = self.Placement._place_cases(self.portfolio, self.agency | self.agency_2 | self.agency_3,
                                                 method='capacity')
        counts = self._by_agency(placements)
        self.assertEqual(counts, {"Swift Recovery": 2, "Northern Collections": 4, "Third Agency": 2})
        self.assertEqual(len(placements), 8, "one case stays unplaced: the agencies are full")

    def test_weighted_by_recovery_rate(self):
        # history: the first agency recovered 3 times what the second did, on the same amounts placed
        old_a = self.Placement.create({'case_id': self.portfolio[0].id, 'agency_id': self.agency.id,
                                       'date_start': self.today - timedelta(days=60), 'date_end': self.today - timedelta(days=31)})
        old_b = self.Placement.create({'case_id': self.portfolio[1].id, 'agency_id': self.agency_2.id,
                                       'date_start': self.today - timedelta(days=60), 'date_end': self.today - timedelta(days=31)})
        old_a.amount_placed = old_b.amount_placed = 1000.0
        self._pay(old_a.case_id.loan_ids, 300.0, 'HIST-A', self.today - timedelta(days=40))
        self._pay(old_b.case_id.loan_ids, 100.0, 'HIST-B', self.today - timedelta(days=40))
        self.Placement._expire_placements()
        scores = (self.agency | self.agency_2)._get_scorecard()
        self.assertGreater(scores[self.agency.id]['recovery_rate'], scores[self.agency_2.id]['recovery_rate'])
        placements = self.Placement._place_cases(self.portfolio, self.agency | self.agency_2, method='weighted')
        counts = self._by_agency(placements)
        self.assertEqual(sum(counts.values()), 9)
        self.assertGreater(counts["Swift Recovery"], counts["Northern Collections"])

    def test_wizard_places_selected_cases(self):
        wizard = Form(self.env['collection.placement.assign'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=self.portfolio[:2].ids))
        wizard.method = 'manual'
        wizard.agency_ids.add(self.agency_2)
        action = wizard.save().action_place()
        placements = self.Placement.search(action['domain'])
        self.assertEqual(placements.case_id, self.portfolio[:2])
        self.assertEqual(placements.agency_id, self.agency_2)
        wizard = self.env['collection.placement.assign'].with_user(self.supervisor).create({
            'case_ids': [(6, 0, self.portfolio[:2].ids)], 'method': 'manual',
            'agency_ids': [(6, 0, (self.agency | self.agency_2).ids)]})
        with self.assertRaises(UserError):
            wizard.action_place()

    def test_recall_only_active(self):
        self.placement.action_recall()
        with self.assertRaises(UserError):
            self.placement.action_recall()

    def test_scorecard(self):
        self._pay(self.loan, 150.0, 'PAY-SC1', self.today - timedelta(days=5))
        self._pay(self.loan, 70.0, 'PAY-SC-OLD', self.today - timedelta(days=30))  # before the placement
        kept = self.env['collection.ptp'].create({'case_id': self.case.id, 'amount': 50.0, 'date': self.today})
        broken = self.env['collection.ptp'].create({'case_id': self.case.id, 'amount': 50.0, 'date': self.today})
        kept.state, broken.state = 'kept', 'broken'
        self.agency.invalidate_recordset()
        self.assertEqual(self.agency.placement_count, 1)
        self.assertEqual(self.agency.valid_placement_count, 1)
        self.assertEqual(self.agency.recovered_amount, 150.0)
        self.assertAlmostEqual(self.agency.recovery_rate, 100.0 * 150.0 / self.placement.amount_placed, places=2)
        self.assertEqual(self.agency.ptp_kept_rate, 50.0)

    def test_strategy_places_cases_with_agencies(self):
        strategy = self.env['collection.strategy'].create({
            'name': "Agency placement from 30 DPD",
            'domain': "[('max_dpd', '>=', 30), ('id', 'in', %s)]" % self.portfolio.ids,
            'treatment_ids': [(0, 0, {
                'split_group': 'champion', 'placement_method': 'round_robin',
                'placement_agency_ids': [(6, 0, (self.agency | self.agency_2).ids)], 'placement_days': 30,
            })],
        })
        run = strategy._run(self.today, 'manual')
        placements = self.Placement.search([('case_id', 'in', self.portfolio.ids), ('state', '=', 'active')])
        self.assertEqual(len(placements), 9, "every matching case is placed")
        self.assertEqual(run.placement_count, 9)
        self.assertEqual(set(self._by_agency(placements).values()), {4, 5}, "round-robin over the two agencies")
        self.assertEqual(set(placements.mapped('method')), {'round_robin'})
        self.assertTrue(all(p.date_end == self.today + timedelta(days=30) for p in placements))
        again = strategy._run(self.today, 'manual')
        self.assertEqual(again.placement_count, 0, "cases already placed stay where they are")

    def test_strategy_places_by_free_capacity_then_by_recovery_rate(self):
        def strategy(name, method, agencies):
            return self.env['collection.strategy'].create({
                'name': name, 'domain': "[('id', 'in', %s)]" % self.portfolio.ids,
                'treatment_ids': [(0, 0, {'split_group': 'champion', 'placement_method': method,
                                          'placement_agency_ids': [(6, 0, agencies.ids)]})]})

        self.agency.capacity = 3  # one case already placed: 2 free
        self.agency_2.capacity = 4
        by_capacity = strategy("By capacity", 'capacity', self.agency | self.agency_2)
        run = by_capacity._run(self.today, 'manual')
        placements = self.Placement.search([('case_id', 'in', self.portfolio.ids)])
        self.assertEqual(run.placement_count, 6, "3 cases stay unplaced: the agencies are full")
        self.assertEqual(self._by_agency(placements), {"Swift Recovery": 2, "Northern Collections": 4})
        self.assertEqual(set(placements.mapped('method')), {'capacity'})
        # the first agency recovered on its cases, the third has no history: weighted, it gets them all
        self._pay(self.loan, 100.0, 'PAY-W1')
        by_capacity.active = False  # a case goes to the first strategy that matches it
        run = strategy("By recovery rate", 'weighted', self.agency | self.agency_3)._run(self.today, 'manual')
        weighted = self.Placement.search([('case_id', 'in', self.portfolio.ids)]) - placements
        self.assertEqual(run.placement_count, 3)
        self.assertEqual(self._by_agency(weighted), {"Swift Recovery": 3})
        self.assertEqual(set(weighted.mapped('method')), {'weighted'})
        self.assertIn("Placed with agencies: 3 cases.", run.summary)
