import calendar
import hashlib
import logging
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime as safe_datetime, dateutil as safe_dateutil, safe_eval, time as safe_time

_logger = logging.getLogger(__name__)

# Champion/challenger split: a case falls in the challenger group when its bucket (0..9999,
# from the md5 of "<strategy id>-<case id>") is below the challenger share in basis points.
# The same formula is used in SQL (runs) and in Python (_get_challenger_bucket).
SPLIT_BUCKETS = 10000
SCHEDULE_TYPES = [
    ('manual', "Manual only"),
    ('daily', "Every day"),
    ('monthly', "Monthly, on a day of the month"),
    ('dates', "On given dates"),
    ('range', "Every day over a date range"),
]


class CollectionStrategy(models.Model):
    _name = 'collection.strategy'
    _description = 'Collection Strategy'
    _inherit = ['mail.thread']
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(
        default=10, tracking=True,
        help="Strategies are evaluated in this order; a case is handled by the first one whose rule it matches.")
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    description = fields.Text()
    domain = fields.Char(
        string="Rule", required=True, default='[]', tracking=True,
        help="Which open cases this strategy handles: conditions on case and loan fields, combined with AND/OR.")
    is_continue = fields.Boolean(
        string="Continue to Next Strategies", tracking=True,
        help="When set, the cases this strategy handles are still offered to the strategies after it. "
             "By default the first matching strategy stops the evaluation for a case.")
    schedule_type = fields.Selection(SCHEDULE_TYPES, string="Schedule", required=True, default='daily', tracking=True)
    month_day = fields.Integer(
        string="Day of Month", default=1,
        help="Day of the month the strategy runs; in shorter months it runs on the last day.")
    date_ids = fields.One2many('collection.strategy.date', 'strategy_id', string="Run Dates", copy=True)
    date_start = fields.Date(string="From", tracking=True, help="The strategy is not in force before this date.")
    date_end = fields.Date(string="To", tracking=True, help="The strategy is not in force after this date.")
    treatment_ids = fields.One2many('collection.strategy.treatment', 'strategy_id', string="Treatments", copy=True)
    champion_treatment_ids = fields.One2many(
        'collection.strategy.treatment', 'strategy_id', string="Treatment",
        domain=[('split_group', '=', 'champion')], context={'default_split_group': 'champion'})
    challenger_treatment_ids = fields.One2many(
        'collection.strategy.treatment', 'strategy_id', string="Challenger Treatment",
        domain=[('split_group', '=', 'challenger')], context={'default_split_group': 'challenger'})
    is_challenger_enabled = fields.Boolean(
        string="Champion/Challenger", tracking=True,
        help="Split the matched cases: a stable share gets the challenger treatment, the rest the champion one.")
    challenger_percent = fields.Float(
        string="Challenger Share (%)", default=10.0, digits=(5, 2), tracking=True,
        help="Share of the cases that get the challenger treatment. A case stays in the same group on every run.")
    run_ids = fields.One2many('collection.strategy.run', 'strategy_id', string="Runs")
    run_count = fields.Integer(compute='_compute_run_count')
    case_count = fields.Integer(string="Cases", compute='_compute_case_count')
    last_run_date = fields.Date(readonly=True, copy=False)
    last_scheduled_date = fields.Date(
        readonly=True, copy=False, help="Last day the scheduled action ran this strategy.")
    next_run_date = fields.Date(compute='_compute_next_run_date')

    _challenger_percent_range = models.Constraint(
        'CHECK(challenger_percent >= 0 AND challenger_percent <= 100)',
        "The challenger share must be between 0 and 100%.")

    def _compute_run_count(self):
        counts = dict(self.env['collection.strategy.run']._read_group(
            [('strategy_id', 'in', self.ids)], ['strategy_id'], ['__count']))
        for strategy in self:
            strategy.run_count = counts.get(strategy, 0)

    def _compute_case_count(self):
        counts = dict(self.env['collection.case']._read_group(
            [('strategy_id', 'in', self.ids)], ['strategy_id'], ['__count']))
        for strategy in self:
            strategy.case_count = counts.get(strategy, 0)

    @api.depends('schedule_type', 'month_day', 'date_ids.date', 'date_start', 'date_end', 'active')
    @api.depends_context('tz')
    def _compute_next_run_date(self):
        today = fields.Date.context_today(self)
        for strategy in self:
            strategy.next_run_date = strategy._get_next_run_date(today)

    @api.constrains('domain', 'company_id')
    def _check_domain(self):
        for strategy in self:
            try:
                self.env['collection.case'].sudo()._search(strategy._get_case_domain())
            except (ValueError, KeyError, SyntaxError, NameError, TypeError) as error:
                raise ValidationError(self.env._(
                    "The rule of strategy %(strategy)s is not a valid domain on cases: %(error)s",
                    strategy=strategy.name, error=error)) from error

    @api.constrains('schedule_type', 'month_day', 'date_start', 'date_end')
    def _check_schedule(self):
        for strategy in self:
            if strategy.schedule_type == 'monthly' and not 1 <= strategy.month_day <= 31:
                raise ValidationError(self.env._(
                    "Strategy %(strategy)s runs monthly: its day of the month must be between 1 and 31.",
                    strategy=strategy.name))
            if strategy.schedule_type == 'range' and not (strategy.date_start and strategy.date_end):
                raise ValidationError(self.env._(
                    "Strategy %(strategy)s runs over a date range: set both its start and end dates.",
                    strategy=strategy.name))
            if strategy.date_start and strategy.date_end and strategy.date_start > strategy.date_end:
                raise ValidationError(self.env._(
                    "Strategy %(strategy)s ends (%(end)s) before it starts (%(start)s).",
                    strategy=strategy.name, start=strategy.date_start, end=strategy.date_end))

    @api.constrains('is_challenger_enabled', 'challenger_percent')
    def _check_challenger(self):
        for strategy in self:
            if strategy.is_challenger_enabled and not 0 < strategy.challenger_percent < 100:
                raise ValidationError(self.env._(
                    "Strategy %(strategy)s: the challenger share must be above 0 and below 100%%.",
                    strategy=strategy.name))

    @api.model_create_multi
    def create(self, vals_list):
        strategies = super().create(vals_list)
        without_champion = strategies.filtered(lambda s: not s.champion_treatment_ids)
        self.env['collection.strategy.treatment'].create([
            {'strategy_id': strategy.id, 'split_group': 'champion'} for strategy in without_champion])
        return strategies

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=self.env._("%s (copy)", strategy.name)) for strategy, vals in zip(self, vals_list)]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_run_now(self):
        """Run these strategies today, whatever their schedule, and open the run log."""
        # the run writes cases in SQL: only those who may log runs (administrators) may start one
        self.env['collection.strategy.run'].check_access('create')
        self.check_access('write')
        runs = self._run(trigger='manual')
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_strategy_run_action')
        if len(runs) == 1:
            action.update({'res_id': runs.id, 'view_mode': 'form', 'views': [(False, 'form')]})
        else:
            action['domain'] = [('id', 'in', runs.ids)]
        return action

    def action_open_runs(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_strategy_run_action')
        action['domain'] = [('strategy_id', '=', self.id)]
        action['context'] = {'default_strategy_id': self.id}
        return action

    def action_open_cases(self):
        """The cases this strategy handled last."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action.update({'domain': [('strategy_id', '=', self.id)], 'context': {'search_default_open': 1}})
        return action

    def action_preview_cases(self):
        """The open cases matching the rule today, before exclusions and earlier strategies."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_case_action')
        action.update({
            'name': self.env._("Cases matching %s", self.name),
            'domain': list(self._get_match_domain(fields.Date.context_today(self))),
            'context': {},
        })
        return action

    # ------------------------------------------------------------------
    # Rule and schedule
    # ------------------------------------------------------------------

    def _get_domain_eval_context(self, run_date=None):
        run_date = run_date or fields.Date.context_today(self)
        return {
            'datetime': safe_datetime,
            'dateutil': safe_dateutil,
            'time': safe_time,
            'relativedelta': relativedelta,
            'context_today': lambda: run_date,
            'uid': self.env.uid,
            'user': self.env.user,
            'company_id': self.company_id.id,
        }

    def _get_case_domain(self, run_date=None):
        """The rule as a Domain on collection.case; relative dates are counted from ``run_date``."""
        self.ensure_one()
        return Domain(safe_eval(self.domain or '[]', self._get_domain_eval_context(run_date)))

    def _get_match_domain(self, run_date=None):
        """The rule restricted to the strategy's company and to open cases."""
        return self._get_case_domain(run_date) & Domain([
            ('company_id', '=', self.company_id.id),
            ('stage', '!=', 'closed'),
        ])

    def _is_in_force(self, day):
        self.ensure_one()
        return (self.active
                and (not self.date_start or self.date_start <= day)
                and (not self.date_end or day <= self.date_end))

    def _is_due(self, day):
        """Whether the schedule runs this strategy on ``day``."""
        self.ensure_one()
        if not self._is_in_force(day) or self.schedule_type == 'manual':
            return False
        if self.schedule_type == 'monthly':
            last_day = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.month_day, last_day)
        if self.schedule_type == 'dates':
            return day in self.date_ids.mapped('date')
        return True  # daily, or every day of the range (bounded by _is_in_force)

    def _get_next_run_date(self, day):
        """First day from ``day`` on which the schedule runs the strategy (within a year), or False."""
        self.ensure_one()
        if self.schedule_type == 'manual' or not self.active:
            return False
        if self.schedule_type == 'dates':
            upcoming = sorted(d for d in self.date_ids.mapped('date') if d >= day and self._is_in_force(d))
            return upcoming[0] if upcoming else False
        for offset in range(366):
            candidate = day + timedelta(days=offset)
            if self.date_end and candidate > self.date_end:
                return False
            if self._is_due(candidate):
                return candidate
        return False

    def _get_challenger_bucket(self, case_id):
        """Python twin of the SQL split: the case's bucket in 0..9999 for this strategy."""
        self.ensure_one()
        digest = hashlib.md5(f"{self.id}-{case_id}".encode()).hexdigest()
        return int(digest[:7], 16) % SPLIT_BUCKETS

    def _get_challenger_threshold(self):
        """Challenger share in basis points; 0 when the split is off or there is no challenger."""
        self.ensure_one()
        if not self.is_challenger_enabled:
            return 0
        return int(round(self.challenger_percent * SPLIT_BUCKETS / 100))

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------

    @api.model
    def _cron_run_strategies(self):
        """Scheduled action: the strategies due today, committed company by company."""
        self._run_all_strategies(commit=True)

    @api.model
    def _run_all_strategies(self, today=None, commit=False):
        """Run every strategy due on ``today`` that the scheduled action has not run that day,
        company by company; then forget old run lines. Returns the runs.

        :param commit: commit after each company (through ``ir.cron._commit_progress``, so only
            from the scheduled action); otherwise the caller's transaction holds everything
        """
        today = today or fields.Date.context_today(self)
        due = self.search([('schedule_type', '!=', 'manual')]).filtered(
            lambda s: s._is_due(today) and s.last_scheduled_date != today)
        by_company = list(due.grouped('company_id').items())
        runs = self.env['collection.strategy.run']
        for index, (company, strategies) in enumerate(by_company):
            runs |= strategies.with_company(company)._run(run_date=today, trigger='cron')
            if commit:
                self.env['ir.cron']._commit_progress(len(strategies), remaining=len(by_company) - index - 1)
        self.env['collection.strategy.run']._gc_run_lines(today)
        return runs

    def _run(self, run_date=None, trigger='manual'):
        """Run these strategies on ``run_date`` and return their run records (one per strategy)."""
        run_date = run_date or fields.Date.context_today(self)
        runs = self.env['collection.strategy.run']
        for company, strategies in self.grouped('company_id').items():
            runs |= strategies._run_company(company, run_date, trigger)
        return runs

    def _run_company(self, company, run_date, trigger):
        """Match and treat the cases of one company.

        Every strategy of the company in force on ``run_date`` is evaluated in sequence, so a
        case goes to the first strategy whose rule it matches even when that strategy is not
        run today (it then stays untouched). Matching happens first for all strategies, against
        the cases as they are before the run; treatments are applied afterwards, strategy by
        strategy, each in a savepoint so that a failing strategy does not undo the others.
        """
        self.env.flush_all()
        locked = self.env.execute_query(SQL(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", self._get_lock_key(), company.id))[0][0]
        if not locked:
            raise UserError(self.env._(
                "Strategies of %(company)s are already running; try again when that run is finished.",
                company=company.name))
        chain = (self.search([('company_id', '=', company.id)]).filtered(lambda s: s._is_in_force(run_date))
                 | self).sorted(lambda s: (s.sequence, s.id))
        last_key = max((s.sequence, s.id) for s in self)
        Run = self.env['collection.strategy.run']
        Run._create_work_tables()
        match_seconds, skipped, claimers = {}, {}, []
        for strategy in chain:
            if (strategy.sequence, strategy.id) > last_key:
                break
            started = time.monotonic()
            if strategy in self:
                skipped[strategy] = strategy._match_into_work(run_date, claimers)
                if not strategy.is_continue:
                    claimers.append(strategy.id)  # its work rows are its claims
            elif not strategy.is_continue:
                strategy._claim_cases(run_date)
            match_seconds[strategy] = time.monotonic() - started
        Run._index_work_tables()
        runs = Run
        for strategy in self.sorted(lambda s: (s.sequence, s.id)):
            runs |= Run._execute(strategy, run_date, trigger, match_seconds[strategy], skipped[strategy])
        self.write({'last_run_date': run_date})
        if trigger == 'cron':
            self.write({'last_scheduled_date': run_date})
        return runs

    @api.model
    def _get_lock_key(self):
        return int(hashlib.md5(b'collection.strategy.run').hexdigest()[:7], 16)

    def _match_into_work(self, run_date, claimers=()):
        """Insert this strategy's matching cases, less those claimed by earlier strategies, into
        the work table with their champion/challenger group and their current values.

        Cases are claimed by the earlier strategies not run now (claim table) and by the
        earlier strategies of this run that stop the evaluation (``claimers``, their work rows).
        Returns how many matching cases were claimed by earlier strategies."""
        self.ensure_one()
        claimed_in_run = SQL("""
            SELECT DISTINCT x.case_id FROM collection_strategy_work x WHERE x.strategy_id = ANY(%s::int[])
        """, list(claimers)) if claimers else SQL("SELECT NULL::int AS case_id WHERE FALSE")
        match = self.env['collection.case']._search(self._get_match_domain(run_date))
        threshold = self._get_challenger_threshold()
        if threshold:
            group = SQL("""
                CASE WHEN MOD(('x' || SUBSTR(MD5(%(strategy)s::text || '-' || m.id::text), 1, 7))::bit(28)::int,
                              %(buckets)s) < %(threshold)s
                     THEN 'challenger' ELSE 'champion' END
            """, strategy=self.id, buckets=SPLIT_BUCKETS, threshold=threshold)
        else:
            group = SQL("'champion'")
        skipped = self.env.execute_query(SQL("""
            WITH matched AS (
                SELECT c.id, c.region_id, c.user_id, c.team_id, c.priority, c.next_action_date, c.strategy_id,
                       c.strategy_group, (claim.case_id IS NOT NULL OR run_claim.case_id IS NOT NULL) AS is_claimed
                  FROM collection_case c
             LEFT JOIN collection_strategy_claim claim ON claim.case_id = c.id
             LEFT JOIN (%(claimed_in_run)s) run_claim ON run_claim.case_id = c.id
                 WHERE c.id IN %(match)s
            ), grouped AS (
                SELECT m.*, %(group)s AS grp FROM matched m WHERE NOT m.is_claimed
            ), inserted AS (
                INSERT INTO collection_strategy_work (
                    strategy_id, case_id, grp, treatment_id, region_id,
                    prev_user_id, user_id, prev_team_id, team_id, prev_priority, priority,
                    prev_next_action_date, next_action_date, prev_strategy_id, prev_grp)
                SELECT %(strategy)s, g.id, g.grp,
                       CASE WHEN g.grp = 'challenger' THEN %(challenger)s ELSE %(champion)s END,
                       g.region_id, g.user_id, g.user_id, g.team_id, g.team_id, g.priority, g.priority,
                       g.next_action_date, g.next_action_date, g.strategy_id, g.strategy_group
                  FROM grouped g
            )
            SELECT COUNT(*) FILTER (WHERE is_claimed) FROM matched
        """, strategy=self.id, group=group, champion=self.champion_treatment_ids[:1].id or None,
            challenger=self.challenger_treatment_ids[:1].id or None, match=match.subselect(),
            claimed_in_run=claimed_in_run))[0][0]
        self._flag_tagged_cases()
        return skipped

    def _flag_tagged_cases(self):
        """Mark the work rows whose case (or customer) carries an excluding or routing tag."""
        Tag = self.env['collection.tag'].sudo()
        if not Tag.search_count([('is_strategy_excluded', '=', True)], limit=1) \
                and not Tag.search_count([('route_team_id', '!=', False)], limit=1):
            return
        case_rel = self.env['collection.case']._fields['tag_ids']
        partner_rel = self.env['res.partner']._fields['collection_tag_ids']
        tagged = SQL("""
            SELECT cr.%(case_col)s AS case_id, cr.%(case_tag)s AS tag_id FROM %(case_rel)s cr
            UNION ALL
            SELECT c.id, pr.%(partner_tag)s FROM %(partner_rel)s pr
              JOIN collection_case c ON c.partner_id = pr.%(partner_col)s
        """, case_rel=SQL.identifier(case_rel.relation), case_col=SQL.identifier(case_rel.column1),
            case_tag=SQL.identifier(case_rel.column2), partner_rel=SQL.identifier(partner_rel.relation),
            partner_col=SQL.identifier(partner_rel.column1), partner_tag=SQL.identifier(partner_rel.column2))
        self.env.execute_query(SQL("""
            WITH flags AS (
                SELECT tagged.case_id,
                       BOOL_OR(t.is_strategy_excluded) AS excluded,
                       MIN(tm.id) FILTER (WHERE tm.id IS NOT NULL) AS route_team_id
                  FROM (%(tagged)s) tagged
                  JOIN collection_tag t ON t.id = tagged.tag_id AND t.active
             LEFT JOIN collection_team tm ON tm.id = t.route_team_id AND tm.active AND tm.company_id = %(company)s
                 WHERE t.is_strategy_excluded OR t.route_team_id IS NOT NULL
              GROUP BY tagged.case_id
            )
            UPDATE collection_strategy_work w
               SET is_excluded = COALESCE(f.excluded, FALSE), route_team_id = f.route_team_id
              FROM flags f
             WHERE w.strategy_id = %(strategy)s AND w.case_id = f.case_id
        """, tagged=tagged, company=self.company_id.id, strategy=self.id))

    def _claim_cases(self, run_date):
        """Reserve the matching cases of this strategy, not run now, so that later strategies skip them."""
        self.ensure_one()
        match = self.env['collection.case']._search(self._get_match_domain(run_date))
        self.env.execute_query(SQL("""
            INSERT INTO collection_strategy_claim (case_id, strategy_id)
            SELECT src.id, %(strategy)s FROM (%(source)s) AS src(id)
            ON CONFLICT (case_id) DO NOTHING
        """, strategy=self.id, source=match.select()))

    def _post_run_summary(self, run):
        self.ensure_one()
        body = Markup("<p><strong>%s</strong></p>") % run.name + Markup("").join(
            Markup("<p>%s</p>") % line for line in (run.summary or '').splitlines())
        self.message_post(body=body, subtype_xmlid='mail.mt_note')

