from collections import Counter
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionTestCommon


class StrategyTestCommon(CollectionTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        states = cls.env['res.country.state'].search([('country_id.code', '=', 'US'), ('code', 'in', ('NY', 'CA'))])
        cls.ny = states.filtered(lambda s: s.code == 'NY')
        cls.ca = states.filtered(lambda s: s.code == 'CA')
        cls.admin = cls.env.ref('base.user_admin')
        cls.call_type = cls.env.ref('mail.mail_activity_data_call')

    def _strategy(self, name, domain, sequence=10, **treatment):
        strategy = self.env['collection.strategy'].create({
            'name': name, 'domain': domain if isinstance(domain, str) else str(domain),
            'sequence': sequence, 'schedule_type': 'manual'})
        if treatment:
            strategy.champion_treatment_ids.write(treatment)
        return strategy

    def _team(self, name, agents, **values):
        return self.env['collection.team'].create({'name': name, 'member_ids': [(6, 0, agents.ids)], **values})

    def _agents(self, prefix, count):
        return self.env['res.users'].create([{
            'name': f"{prefix} {index}", 'login': f"{prefix.lower()}{index}@example.com",
            'group_ids': [(6, 0, self.env.ref('collection_base.collection_base_group_agent').ids)],
        } for index in range(count)])


@tagged('post_install', '-at_install')
class TestStrategyMatching(StrategyTestCommon):

    def test_and_or_domain(self):
        late_ny = self._create_cases('LNY', 1, overdue_instalments=3, region=self.ny)
        early_ny = self._create_cases('ENY', 1, overdue_instalments=1, region=self.ny)
        early_ca = self._create_cases('ECA', 1, overdue_instalments=1, region=self.ca)
        current = self._create_cases('CUR', 1, overdue_instalments=0, region=self.ny)
        scope = ['|', '|', '|', ('partner_id.cif', '=like', 'LNY%'), ('partner_id.cif', '=like', 'ENY%'),
                 ('partner_id.cif', '=like', 'ECA%'), ('partner_id.cif', '=like', 'CUR%')]
        # (DPD over 60) OR (overdue at least 100 AND in New York)
        rule = ['&'] + scope + ['|', ('max_dpd', '>', 60), '&', ('total_overdue', '>=', 100), ('region_id', '=', self.ny.id)]
        strategy = self._strategy("AND/OR", rule, priority='2')
        run = strategy._run()
        self.assertEqual(run.matched_count, 2)
        self.assertEqual(run.line_ids.case_id, late_ny | early_ny)
        self.assertEqual((late_ny | early_ny).mapped('priority'), ['2', '2'])
        self.assertEqual((early_ca | current).mapped('priority'), ['0', '0'])
        self.assertEqual(late_ny.strategy_id, strategy)
        self.assertFalse(early_ca.strategy_id)

    def test_loan_fields_in_rule(self):
        auto = self.env['collection.product'].create({'name': "Auto", 'code': 'AUTO', 'product_type': 'auto'})
        cases = self._create_cases('PRD', 3)
        cases[0].loan_ids.write({'product_id': auto.id, 'branch': 'Downtown'})
        cases[1].loan_ids.write({'branch': 'Downtown'})
        strategy = self._strategy("Auto downtown", [
            ('loan_ids.product_id', '=', auto.id), ('loan_ids.branch', '=', 'Downtown')])
        self.assertEqual(strategy._run().line_ids.case_id, cases[0])

    def test_invalid_rule(self):
        with self.assertRaises(ValidationError):
            self._strategy("Broken", [('no_such_field', '=', 1)])

    def test_relative_dates_use_run_date(self):
        cases = self._create_cases('REL', 2)
        cases[0].next_action_date = self.today - timedelta(days=1)
        cases[1].next_action_date = self.today + timedelta(days=5)
        strategy = self._strategy(
            "Late follow-ups",
            "[('partner_id.cif', '=like', 'REL%'), ('next_action_date', '<', context_today().strftime('%Y-%m-%d'))]")
        self.assertEqual(strategy._run().line_ids.case_id, cases[0])
        later = strategy._run(run_date=self.today + timedelta(days=10))
        self.assertEqual(later.matched_count, 2, "relative dates count from the run date")
        self.assertEqual(later.line_ids.case_id, cases[1], "only the case entering the strategy gets a line")

    def test_company_scope(self):
        cases = self._create_cases('MCO', 2)
        other = self.env['res.company'].create({'name': "Other Lender"})
        foreign = self._strategy("Other company", [('partner_id.cif', '=like', 'MCO%')], priority='3')
        foreign.company_id = other
        run = foreign._run()
        self.assertEqual(run.matched_count, 0, "a strategy only handles the cases of its company")
        self.assertIn("Nothing matched", run.summary)
        self.assertEqual(cases.mapped('priority'), ['0', '0'])

    def test_copy_keeps_treatments(self):
        strategy = self._strategy("Original", [('max_dpd', '>', 30)], priority='2')
        strategy.write({'is_challenger_enabled': True, 'challenger_percent': 25,
                        'challenger_treatment_ids': [(0, 0, {'priority': '3'})]})
        copy = strategy.copy()
        self.assertEqual(copy.name, "Original (copy)")
        self.assertEqual(copy.champion_treatment_ids.priority, '2')
        self.assertEqual(copy.challenger_treatment_ids.priority, '3')
        self.assertEqual(len(copy.treatment_ids), 2)

    def test_closed_cases_are_ignored(self):
        cases = self._create_cases('CLO', 2)
        cases[0].stage = 'closed'
        strategy = self._strategy("All", [('partner_id.cif', '=like', 'CLO%')])
        self.assertEqual(strategy._run().line_ids.case_id, cases[1])

    def test_first_match_wins(self):
        cases = self._create_cases('FMW', 2, overdue_instalments=3) | self._create_cases('FMX', 2, overdue_instalments=1)
        scope = ('partner_id.cif', '=like', 'FM%')
        late = self._strategy("Late", [scope, ('max_dpd', '>', 60)], sequence=1, priority='3')
        overdue = self._strategy("Overdue", [scope, ('max_dpd', '>', 0)], sequence=2, priority='1')
        late_run, overdue_run = (late | overdue)._run().sorted(lambda r: r.strategy_id.sequence)
        self.assertEqual(late_run.matched_count, 2)
        self.assertEqual(overdue_run.matched_count, 2)
        self.assertEqual(overdue_run.skipped_count, 2, "the late cases belong to the first strategy")
        self.assertEqual(cases.filtered(lambda c: c.max_dpd > 60).mapped('priority'), ['3', '3'])
        self.assertEqual(cases.filtered(lambda c: c.max_dpd <= 60).mapped('priority'), ['1', '1'])
        # running the second strategy alone still leaves the first strategy's cases alone
        alone = overdue._run()
        self.assertEqual((alone.matched_count, alone.skipped_count), (2, 2))
        # unless the first strategy lets cases continue
        late.is_continue = True
        both = overdue._run()
        self.assertEqual((both.matched_count, both.skipped_count), (4, 0))
        self.assertEqual(set(cases.mapped('priority')), {'1'})

    def test_continuing_strategy_hands_cases_over(self):
        """The strategy after one that continues treats (and logs) the cases as the first one left
        them, not as they were before the run."""
        agents = self._agents("CNT", 2)
        team = self._team("Continue", agents)
        cases = self._create_cases('CNT', 2)
        cases.write({'team_id': self.team.id, 'user_id': self.agent.id, 'priority': '0'})
        scope = [('partner_id.cif', '=like', 'CNT%')]
        first = self._strategy("Move", scope, sequence=1, team_id=team.id, priority='3')
        first.is_continue = True
        second = self._strategy("Assign", scope, sequence=2, assign_method='round_robin')
        first_run, second_run = (first | second)._run().sorted(lambda r: r.strategy_id.sequence)
        self.assertEqual((first_run.matched_count, second_run.matched_count), (2, 2))
        self.assertEqual(cases.team_id, team, "the second strategy keeps the team the first one set")
        self.assertEqual(set(cases.mapped('priority')), {'3'})
        self.assertEqual(cases.user_id, agents, "agents of the new team, in turn")
        self.assertEqual(cases.strategy_id, second)
        self.assertEqual(second_run.line_ids.previous_team_id, team)
        self.assertEqual(set(second_run.line_ids.mapped('previous_priority')), {'3'})
        self.assertFalse(second_run.line_ids.previous_user_id, "the first strategy removed the old team's agent")

    def test_exclusion_and_routing_tags(self):
        cases = self._create_cases('TAG', 4)
        excluded = self.env['collection.tag'].create({'name': "Deceased", 'is_strategy_excluded': True})
        legal_team = self._team("Legal", self.agent_2)
        routing = self.env['collection.tag'].create({'name': "Legal hold", 'route_team_id': legal_team.id})
        cases[0].tag_ids = excluded
        cases[1].partner_id.collection_tag_ids = excluded
        cases[2].tag_ids = routing
        strategy = self._strategy("Tags", [('partner_id.cif', '=like', 'TAG%')],
                                  team_id=self.team.id, priority='2')
        run = strategy._run()
        self.assertEqual((run.matched_count, run.excluded_count, run.treated_count), (4, 2, 2))
        self.assertEqual(run.routed_count, 1)
        self.assertEqual(cases[:2].mapped('priority'), ['0', '0'], "excluded cases are untouched")
        self.assertFalse(cases[:2].strategy_id)
        self.assertEqual(cases[2].team_id, legal_team, "the routing tag's team wins over the treatment's")
        self.assertEqual(cases[3].team_id, self.team)
        self.assertEqual(run.line_ids.filtered('is_excluded').case_id, cases[:2])
        self.assertIn("2 excluded by tags", run.summary)


@tagged('post_install', '-at_install')
class TestStrategyAssignment(StrategyTestCommon):

    def test_round_robin_evenly(self):
        agents = self._agents("RR", 3)
        team = self._team("Round robin", agents)
        cases = self._create_cases('RRC', 9)
        strategy = self._strategy("RR", [('partner_id.cif', '=like', 'RRC%')],
                                  team_id=team.id, assign_method='round_robin')
        run = strategy._run()
        self.assertEqual(run.assigned_count, 9)
        self.assertEqual(sorted(Counter(case.user_id.id for case in cases).values()), [3, 3, 3])
        self.assertEqual(set(cases.team_id.ids), {team.id})
        # a second run leaves assigned cases alone; new cases continue the turn
        more = self._create_cases('RRD', 2)
        strategy.domain = "[('partner_id.cif', '=like', 'RR%')]"
        second = strategy._run()
        self.assertEqual(second.assigned_count, 2)
        self.assertEqual(sorted(Counter(case.user_id.id for case in cases | more).values()), [3, 4, 4])
        third = self._create_cases('RRE', 1)
        strategy._run()
        self.assertEqual(sorted(Counter(case.user_id.id for case in cases | more | third).values()), [4, 4, 4])

    def test_least_loaded_respects_capacity(self):
        busy, free = self._agents("LL", 2)
        team = self._team("Least loaded", busy | free, capacity_per_agent=3)
        self._create_cases('LLB', 2).write({'user_id': busy.id})
        cases = self._create_cases('LLC', 5)
        strategy = self._strategy("LL", [('partner_id.cif', '=like', 'LLC%')],
                                  team_id=team.id, assign_method='least_loaded')
        run = strategy._run()
        self.assertEqual(len(cases.filtered(lambda c: c.user_id == free)), 3)
        self.assertEqual(len(cases.filtered(lambda c: c.user_id == busy)), 1)
        self.assertEqual(run.unassigned_count, 1, "nobody has capacity for the fifth case")
        self.assertEqual(len(cases.filtered(lambda c: not c.user_id)), 1)
        self.assertEqual(run.line_ids.filtered('is_unassigned').case_id, cases.filtered(lambda c: not c.user_id))
        # closing a case frees capacity for the next run
        cases.filtered(lambda c: c.user_id == free)[:1].stage = 'closed'
        strategy._run()
        self.assertTrue(all(cases.filtered(lambda c: c.stage != 'closed').mapped('user_id')))

    def test_least_loaded_rebalance(self):
        first, second = self._agents("RB", 2)
        team = self._team("Rebalance", first | second, capacity_per_agent=0)
        cases = self._create_cases('RBC', 6)
        cases.write({'user_id': first.id, 'team_id': team.id})
        strategy = self._strategy("RB", [('partner_id.cif', '=like', 'RBC%')],
                                  team_id=team.id, assign_method='least_loaded')
        self.assertEqual(strategy._run().assigned_count, 0, "cases held by a team agent stay put")
        strategy.champion_treatment_ids.is_reassign = True
        strategy._run()
        self.assertEqual(sorted(Counter(case.user_id.id for case in cases).values()), [3, 3])

    def test_by_region(self):
        ny_agent, ca_agent = self._agents("RG", 2)
        ny_agent.collection_region_ids = self.ny
        ca_agent.collection_region_ids = self.ca
        east = self._team("East", ny_agent, region_ids=[(6, 0, self.ny.ids)], sequence=0)
        west = self._team("West", ca_agent, region_ids=[(6, 0, self.ca.ids)], sequence=0)
        ny_cases = self._create_cases('RGN', 3, region=self.ny)
        ca_cases = self._create_cases('RGC', 2, region=self.ca)
        strategy = self._strategy("Regions", [('partner_id.cif', '=like', 'RG%')],
                                  is_team_by_region=True, assign_method='region')
        strategy._run()
        self.assertEqual(set(ny_cases.mapped('team_id.id')), {east.id})
        self.assertEqual(set(ca_cases.mapped('team_id.id')), {west.id})
        self.assertEqual(set(ny_cases.mapped('user_id.id')), {ny_agent.id})
        self.assertEqual(set(ca_cases.mapped('user_id.id')), {ca_agent.id})

    def test_agents_by_region_within_team(self):
        ny_agent, ca_agent = self._agents("RW", 2)
        ny_agent.collection_region_ids = self.ny
        ca_agent.collection_region_ids = self.ca
        team = self._team("National", ny_agent | ca_agent)
        ny_cases = self._create_cases('RWN', 4, region=self.ny)
        ca_cases = self._create_cases('RWC', 1, region=self.ca)
        strategy = self._strategy("Regions", [('partner_id.cif', '=like', 'RW%')],
                                  team_id=team.id, assign_method='region')
        strategy._run()
        self.assertEqual(set(ny_cases.mapped('user_id.id')), {ny_agent.id})
        self.assertEqual(ca_cases.user_id, ca_agent)

    def test_priority_next_action_and_call_activity(self):
        cases = self._create_cases('PNA', 3)
        planned = self.today + timedelta(days=20)
        cases[0].next_action_date = planned
        cases.write({'user_id': self.agent.id, 'team_id': self.team.id})
        strategy = self._strategy("Call", [('partner_id.cif', '=like', 'PNA%')],
                                  priority='3', set_next_action=True, next_action_days=2,
                                  activity_type_id=self.call_type.id, activity_summary="Reminder call")
        run = strategy._run()
        self.assertEqual(cases.mapped('priority'), ['3', '3', '3'])
        self.assertEqual(cases[0].next_action_date, planned, "an existing next action date is kept")
        self.assertEqual(cases[1:].mapped('next_action_date'), [self.today + timedelta(days=2)] * 2)
        self.assertEqual((run.priority_count, run.next_action_count, run.activity_count), (3, 2, 3))
        activities = cases.activity_ids
        self.assertEqual(len(activities), 3)
        self.assertEqual(set(activities.mapped('user_id.id')), {self.agent.id})
        self.assertEqual(set(activities.mapped('date_deadline')), {self.today})
        self.assertEqual(set(activities.mapped('summary')), {"Reminder call"})
        self.assertEqual(run.line_ids.activity_id, activities)
        again = strategy._run()
        self.assertEqual(again.activity_count, 0, "no second call while the first is open")
        self.assertEqual(len(cases.activity_ids), 3)
        strategy.champion_treatment_ids.is_next_action_overwrite = True
        strategy._run()
        self.assertEqual(cases[0].next_action_date, self.today + timedelta(days=2))

    def test_activity_needs_an_agent(self):
        cases = self._create_cases('NOA', 2)
        cases[0].user_id = self.agent
        strategy = self._strategy("Call", [('partner_id.cif', '=like', 'NOA%')], activity_type_id=self.call_type.id)
        self.assertEqual(strategy._run().activity_count, 1)
        self.assertFalse(cases[1].activity_ids)

    def test_team_change_drops_foreign_agent(self):
        other = self._agents("TC", 1)
        team = self._team("Other", other)
        cases = self._create_cases('TCC', 1)
        cases.write({'user_id': self.agent.id, 'team_id': self.team.id})
        self._strategy("Move", [('partner_id.cif', '=like', 'TCC%')], team_id=team.id)._run()
        self.assertEqual(cases.team_id, team)
        self.assertFalse(cases.user_id, "the agent of the old team does not follow the case")


@tagged('post_install', '-at_install')
class TestStrategyChallenger(StrategyTestCommon):

    def test_stable_split(self):
        cases = self._create_cases('CHC', 200)
        strategy = self._strategy("Split", [('partner_id.cif', '=like', 'CHC%')], priority='1')
        strategy.write({
            'is_challenger_enabled': True,
            'challenger_percent': 30,
            'challenger_treatment_ids': [(0, 0, {'priority': '3'})],
        })
        run = strategy._run()
        groups = {case.id: case.strategy_group for case in cases}
        challengers = [case_id for case_id, group in groups.items() if group == 'challenger']
        self.assertEqual(run.challenger_count, len(challengers))
        self.assertEqual(run.champion_count + run.challenger_count, 200)
        self.assertTrue(40 <= len(challengers) <= 80, f"{len(challengers)} challengers for a 30% share of 200")
        threshold = strategy._get_challenger_threshold()
        for case in cases:
            expected = 'challenger' if strategy._get_challenger_bucket(case.id) < threshold else 'champion'
            self.assertEqual(case.strategy_group, expected, "SQL and Python split agree")
            self.assertEqual(case.priority, '3' if expected == 'challenger' else '1')
        second = strategy._run()
        self.assertEqual({case.id: case.strategy_group for case in cases}, groups, "same groups on every run")
        self.assertEqual(second.challenger_count, run.challenger_count)
        self.assertEqual(
            set(run.line_ids.filtered(lambda line: line.split_group == 'challenger').case_id.ids), set(challengers))
        self.assertFalse(second.line_ids, "a re-run that changes nothing leaves no line")

    def test_control_group(self):
        cases = self._create_cases('CTL', 50)
        strategy = self._strategy("Control", [('partner_id.cif', '=like', 'CTL%')], priority='2')
        strategy.write({'is_challenger_enabled': True, 'challenger_percent': 50})
        run = strategy._run()
        control = cases.filtered(lambda c: c.strategy_group == 'challenger')
        self.assertTrue(control)
        self.assertEqual(set(control.mapped('priority')), {'0'}, "no challenger treatment: nothing is done")
        self.assertEqual(set((cases - control).mapped('priority')), {'2'})
        self.assertEqual(run.priority_count, len(cases - control))

    def test_challenger_share_bounds(self):
        strategy = self._strategy("Bounds", [])
        with self.assertRaises(ValidationError):
            strategy.write({'is_challenger_enabled': True, 'challenger_percent': 0})


@tagged('post_install', '-at_install')
class TestStrategySchedule(StrategyTestCommon):

    def test_daily(self):
        strategy = self._strategy("Daily", [])
        strategy.schedule_type = 'daily'
        self.assertTrue(strategy._is_due(date(2025, 3, 4)))
        strategy.date_end = date(2025, 3, 3)
        self.assertFalse(strategy._is_due(date(2025, 3, 4)), "not in force after its end date")
        strategy.active = False
        self.assertFalse(strategy._is_due(date(2025, 3, 1)))

    def test_monthly(self):
        strategy = self._strategy("Monthly", [])
        strategy.write({'schedule_type': 'monthly', 'month_day': 31})
        self.assertTrue(strategy._is_due(date(2025, 1, 31)))
        self.assertFalse(strategy._is_due(date(2025, 1, 30)))
        self.assertTrue(strategy._is_due(date(2025, 2, 28)), "short months run on their last day")
        self.assertFalse(strategy._is_due(date(2025, 3, 28)))
        self.assertEqual(strategy._get_next_run_date(date(2025, 4, 2)), date(2025, 4, 30))
        strategy.month_day = 5
        self.assertTrue(strategy._is_due(date(2025, 6, 5)))
        self.assertFalse(strategy._is_due(date(2025, 6, 6)))
        with self.assertRaises(ValidationError):
            strategy.month_day = 32

    def test_dates(self):
        strategy = self._strategy("Dates", [])
        strategy.write({'schedule_type': 'dates', 'date_ids': [
            (0, 0, {'date': date(2025, 5, 2)}), (0, 0, {'date': date(2025, 5, 20)})]})
        self.assertTrue(strategy._is_due(date(2025, 5, 2)))
        self.assertTrue(strategy._is_due(date(2025, 5, 20)))
        self.assertFalse(strategy._is_due(date(2025, 5, 3)))
        self.assertEqual(strategy._get_next_run_date(date(2025, 5, 3)), date(2025, 5, 20))
        self.assertFalse(strategy._get_next_run_date(date(2025, 5, 21)))

    def test_range(self):
        strategy = self._strategy("Range", [])
        with self.assertRaises(ValidationError):
            strategy.schedule_type = 'range'
        strategy.write({'schedule_type': 'range', 'date_start': date(2025, 7, 1), 'date_end': date(2025, 7, 10)})
        self.assertFalse(strategy._is_due(date(2025, 6, 30)))
        self.assertTrue(strategy._is_due(date(2025, 7, 1)))
        self.assertTrue(strategy._is_due(date(2025, 7, 5)))
        self.assertTrue(strategy._is_due(date(2025, 7, 10)))
        self.assertFalse(strategy._is_due(date(2025, 7, 11)))
        with self.assertRaises(ValidationError):
            strategy.date_end = date(2025, 6, 1)

    def test_manual(self):
        strategy = self._strategy("Manual", [])
        self.assertFalse(strategy._is_due(self.today))
        self.assertFalse(strategy.next_run_date)

    def test_cron_runs_due_strategies_once_a_day(self):
        cases = self._create_cases('CRN', 2)
        daily = self._strategy("Daily", [('partner_id.cif', '=like', 'CRN%')], priority='2')
        daily.schedule_type = 'daily'
        manual = self._strategy("Manual", [('partner_id.cif', '=like', 'CRN%')], sequence=1, priority='3')
        manual.is_continue = True
        monthly = self._strategy("Monthly", [('partner_id.cif', '=like', 'CRN%')], sequence=20)
        monthly.write({'schedule_type': 'monthly', 'month_day': (self.today + timedelta(days=1)).day})
        cron = self.env.ref('collection_base.ir_cron_collection_run_strategies')
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(daily.run_ids.trigger, 'cron')
        self.assertEqual(daily.last_scheduled_date, self.today)
        self.assertFalse(manual.run_ids)
        self.assertFalse(monthly.run_ids)
        self.assertEqual(set(cases.mapped('priority')), {'2'})
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(len(daily.run_ids), 1, "the scheduled action runs a strategy once a day")
        # the same, without committing, for another day (what benchmarks and scripts call)
        tomorrow = self.today + timedelta(days=1)
        runs = self.env['collection.strategy']._run_all_strategies(today=tomorrow)
        self.assertIn(daily, runs.strategy_id)
        self.assertNotIn(manual, runs.strategy_id)
        self.assertEqual(runs.filtered(lambda r: r.strategy_id == daily).run_date, tomorrow)


@tagged('post_install', '-at_install')
class TestStrategyRunLog(StrategyTestCommon):

    def test_nothing_matched(self):
        strategy = self._strategy("Nobody", [('max_dpd', '>', 100000)])
        messages = len(strategy.message_ids)
        run = strategy._run()
        self.assertEqual(run.matched_count, 0)
        self.assertEqual(run.state, 'done')
        self.assertIn("Nothing matched", run.summary)
        self.assertEqual(len(strategy.message_ids), messages + 1)
        self.assertIn("Nothing matched", strategy.message_ids[0].body)

    def test_counts_and_one_message_per_run(self):
        cases = self._create_cases('LOG', 12)
        strategy = self._strategy("Log", [('partner_id.cif', '=like', 'LOG%')],
                                  team_id=self.team.id, assign_method='round_robin', priority='1')
        messages = len(strategy.message_ids)
        case_messages = sum(len(case.message_ids) for case in cases)
        run = strategy._run()
        self.assertEqual(len(strategy.message_ids), messages + 1, "one summary message per run")
        self.assertEqual(sum(len(case.message_ids) for case in cases), case_messages,
                         "no chatter message per case")
        self.assertEqual((run.matched_count, run.treated_count, run.assigned_count), (12, 12, 12))
        self.assertEqual((run.team_changed_count, run.priority_count), (12, 12))
        self.assertEqual(run.line_count, 12)
        self.assertIn("12 cases matched", run.summary)
        self.assertGreaterEqual(run.duration, 0)
        self.assertEqual(strategy.run_count, 1)
        self.assertEqual(strategy.case_count, 12)
        self.assertEqual(strategy.last_run_date, self.today)
        line = run.line_ids.filtered(lambda l: l.case_id == cases[0])
        self.assertEqual(line.team_id, self.team)
        self.assertFalse(line.previous_team_id)
        self.assertEqual(line.user_id, cases[0].user_id)
        self.assertTrue(line.is_assigned)

    def test_old_run_lines_are_forgotten(self):
        self._create_cases('GCL', 2)
        strategy = self._strategy("Old", [('partner_id.cif', '=like', 'GCL%')], priority='1')
        old = strategy._run(run_date=self.today - timedelta(days=200))
        strategy.champion_treatment_ids.priority = '2'
        recent = strategy._run(run_date=self.today - timedelta(days=10))
        self.assertEqual((old.line_count, recent.line_count), (2, 2))
        self.assertEqual(self.env['collection.strategy.run']._gc_run_lines(self.today), 2)
        self.assertEqual((old.line_count, recent.line_count), (0, 2))
        self.assertEqual(old.matched_count, 2, "the run and its counts stay")

    def test_run_now_button(self):
        self._create_cases('BTN', 1)
        strategy = self._strategy("Button", [('partner_id.cif', '=like', 'BTN%')])
        action = strategy.with_user(self.admin).action_run_now()
        run = self.env['collection.strategy.run'].browse(action['res_id'])
        self.assertEqual((run.trigger, run.matched_count), ('manual', 1))

    def test_access(self):
        strategy = self._strategy("Secret", [])
        run = strategy._run()
        with self.assertRaises(AccessError):
            strategy.with_user(self.manager).write({'name': "Changed"})
        with self.assertRaises(AccessError):
            strategy.with_user(self.agent).action_run_now()
        self.assertEqual(run.with_user(self.manager).matched_count, run.matched_count)
        with self.assertRaises(AccessError):
            run.with_user(self.supervisor).read(['matched_count'])

    def test_queries_do_not_grow_with_cases(self):
        """Matching, assignment and the case update are set-based: the query count of a run
        does not depend on the number of cases."""
        def queries_for(prefix, count):
            self._create_cases(prefix, count)
            strategy = self._strategy(prefix, [('partner_id.cif', '=like', f'{prefix}%')],
                                      team_id=self.team.id, assign_method='least_loaded', priority='2',
                                      set_next_action=True, next_action_days=1)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            run = strategy._run()
            self.assertEqual(run.assigned_count, count)
            return self.env.cr.sql_log_count - before

        queries_for('QCW', 2)  # warm the caches (models, templates) first
        few, many = queries_for('QCA', 5), queries_for('QCB', 60)
        self.assertLessEqual(abs(many - few), 3, f"{few} queries for 5 cases, {many} for 60")


# Wednesday, 10:30 in Colombo where these customers live: inside every default contact window.
CONTACT_HOURS = '2030-03-06 05:00:00'


@tagged('post_install', '-at_install')
@freeze_time(CONTACT_HOURS)
class TestStrategyCommunication(SMSCase, MockEmail, StrategyTestCommon):
    """SMS, email and letter treatments go through the notification and letter engines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # letters without the web assets: wkhtmltopdf falls back to the system fonts at once
        cls.env['ir.config_parameter'].set_param('report.url', 'http://127.0.0.1:9')
        cls.sms_overdue = cls.env.ref('collection_base.collection_sms_template_overdue')
        cls.mail_overdue = cls.env.ref('collection_base.collection_mail_template_overdue_notice')
        cls.warning = cls.env.ref('collection_base.collection_letter_template_warning')
        cls.reachable, cls.no_sms, cls.no_letter = [
            cls._create_contactable_case(name, f'COM{index}', f'+1 202 555 014{index}')
            for index, name in enumerate(["Rita Reachable", "Nils NoSms", "Lea NoLetter"])]
        cls.no_sms.partner_id.consent_sms = False
        cls.no_letter.partner_id.consent_letter = False

    @classmethod
    def _create_contactable_case(cls, name, cif, phone):
        customer = cls._create_customer(name, cif, phone)
        customer.write({'tz': 'Asia/Colombo', 'email': f'{cif.lower()}@example.com',
                        'street': "1 Main Street", 'city': "Springfield"})
        return cls._create_loan(customer, f'ACC-{cif}', overdue_instalments=1).case_id

    def test_sms_and_email(self):
        strategy = self._strategy("Reminders", [('partner_id.cif', '=like', 'COM%')],
                                  sms_template_id=self.sms_overdue.id, mail_template_id=self.mail_overdue.id)
        messages = len(strategy.message_ids)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            run = strategy._run()
        self.assertEqual((run.sms_sent_count, run.email_sent_count), (2, 3))
        self.assertEqual((run.blocked_count, run.blocked_reasons), (1, {"no consent": 1}))
        self.assertEqual(sorted(self._new_sms.mapped('number')), ['+12025550140', '+12025550142'])
        self.assertEqual(len(self._new_mails.filtered(lambda m: m.model == 'collection.case')), 3)
        line = run.line_ids.filtered(lambda l: l.case_id == self.no_sms)
        self.assertEqual(line.blocked_reason, "no consent to SMS")
        self.assertFalse(run.line_ids.filtered(lambda l: l.case_id == self.reachable).blocked_reason)
        self.assertIn("2 SMS and 3 emails sent, 1 blocked (no consent: 1)", run.summary)
        self.assertEqual(len(strategy.message_ids), messages + 1, "one summary message, not one per case")

    def test_letter(self):
        strategy = self._strategy("Warning letters", [('partner_id.cif', '=like', 'COM%')],
                                  letter_template_id=self.warning.id)
        run = strategy._run()
        self.assertEqual(run.letter_count, 2)
        self.assertEqual(run.blocked_count, 1)
        pdf = run.letter_attachment_id
        self.assertEqual((pdf.res_model, pdf.res_id, pdf.mimetype),
                         ('collection.strategy.run', run.id, 'application/pdf'))
        self.assertTrue(pdf.raw.startswith(b'%PDF-'))
        letters = self.env['ir.attachment'].search([
            ('res_model', '=', 'collection.case'), ('res_id', 'in', (self.reachable | self.no_sms | self.no_letter).ids),
            ('mimetype', '=', 'application/pdf')])
        self.assertEqual(set(letters.mapped('res_id')), {self.reachable.id, self.no_sms.id})
        line = run.line_ids.filtered(lambda l: l.case_id == self.no_letter)
        self.assertTrue(line.blocked_reason)
        self.assertIn("2 letters", run.summary)

    def test_failing_strategy_changes_nothing(self):
        letter = self.warning.copy({'code': 'MOVED', 'company_id': self.company.id})
        failing = self._strategy("Letter of another company", [('partner_id.cif', '=', 'COM0')], sequence=1,
                                 priority='3', letter_template_id=letter.id)
        working = self._strategy("Priority", [('partner_id.cif', '=like', 'COM%')], sequence=2, priority='2')
        # the template moves to another company after the strategy was set up: printing refuses
        letter.company_id = self.env['res.company'].create({'name': "Other Lender"})
        with mute_logger('odoo.addons.collection_base.models.collection_strategy_run'):
            failed, done = (failing | working)._run().sorted(lambda r: r.strategy_id.sequence)
        self.assertEqual((failed.state, failed.matched_count), ('failed', 1))
        self.assertIn(letter.name, failed.error)
        self.assertIn("failed and changed nothing", failed.summary)
        self.assertEqual(self.reachable.priority, '0', "the failed strategy's case writes are undone")
        self.assertFalse(failed.line_ids)
        self.assertEqual(done.state, 'done')
        self.assertEqual((self.no_sms | self.no_letter).mapped('priority'), ['2', '2'])
