from odoo.tests import Form, tagged

from .common import FieldTestCommon


@tagged('post_install', '-at_install')
class TestStrategyFieldVisit(FieldTestCommon):
    """The "field visit" treatment of strategies plans visits through the contact policy."""

    def _strategy(self, **treatment):
        strategy = self.env['collection.strategy'].create({
            'name': "Field follow-up", 'domain': str([('partner_id.cif', '=like', 'F-%')]),
            'schedule_type': 'manual'})
        strategy.champion_treatment_ids.write(treatment)
        return strategy

    def test_strategy_plans_visits(self):
        self.case_b.partner_id.is_do_not_contact = True
        strategy = self._strategy(field_visit_assign='region', field_visit_days=0)
        self.assertIn("field visit", strategy.champion_treatment_ids.name)
        run = strategy._run()
        self.assertEqual(run.state, 'done', run.error)
        self.assertEqual((run.field_visit_count, run.field_visit_skipped_count, run.field_visit_unassigned_count),
                         (2, 1, 0))
        self.assertIn("Field visits: 2 planned", run.summary)
        visits = run.field_visit_ids
        self.assertEqual(visits.case_id, self.case_a | self.case_c)
        self.assertEqual(set(visits.mapped('origin')), {'strategy'})
        self.assertEqual(set(visits.mapped('date')), {self.today})
        by_case = {visit.case_id: visit.user_id for visit in visits}
        self.assertEqual(by_case, {self.case_a: self.field_agent, self.case_c: self.field_agent_2})
        # the treated cases have run lines; a second run the same day plans nothing twice
        self.assertTrue(run.line_count >= 2)
        again = strategy._run()
        self.assertEqual((again.field_visit_count, again.field_visit_skipped_count), (0, 3))

    def test_treatment_form(self):
        strategy = self._strategy()
        with Form(strategy.champion_treatment_ids) as treatment:
            treatment.field_visit_assign = 'nearest'
            treatment.field_visit_days = 2
        run = strategy._run()
        visits = run.field_visit_ids
        self.assertEqual(len(visits), 3)
        self.assertEqual(set(visits.mapped('date')), {self.today.fromordinal(self.today.toordinal() + 2)})
        self.assertTrue(all(visits.mapped('user_id')))
        self.assertEqual(run.action_open_field_visits()['domain'], [('strategy_run_id', '=', run.id)])
