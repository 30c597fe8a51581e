import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

ACTIVITY_BATCH = 1000
UNLIMITED = 2 ** 31 - 1

# Count columns of a run, computed from the work table by _count_work().
WORK_COUNTS = {
    'matched_count': "TRUE",
    'excluded_count': "w.is_excluded",
    'treated_count': "NOT w.is_excluded",
    'champion_count': "NOT w.is_excluded AND w.grp = 'champion'",
    'challenger_count': "NOT w.is_excluded AND w.grp = 'challenger'",
    'routed_count': "NOT w.is_excluded AND w.route_team_id IS NOT NULL AND w.treatment_id IS NOT NULL",
    'team_changed_count': "NOT w.is_excluded AND w.team_id IS DISTINCT FROM w.prev_team_id",
    'assigned_count': "NOT w.is_excluded AND w.user_id IS NOT NULL AND w.user_id IS DISTINCT FROM w.prev_user_id",
    'unassigned_count': "NOT w.is_excluded AND w.need_agent AND w.user_id IS NULL",
    'priority_count': "NOT w.is_excluded AND w.priority IS DISTINCT FROM w.prev_priority",
    'next_action_count': "NOT w.is_excluded AND w.next_action_date IS DISTINCT FROM w.prev_next_action_date",
    'activity_count': "w.activity_id IS NOT NULL",
}


class CollectionStrategyRun(models.Model):
    """The log of one strategy run, and the set-based engine that applies treatments.

    During a run the matched cases live in a temporary work table (one row per strategy and
    case, see _create_work_tables); treatments are UPDATEs of that table, then one UPDATE
    writes the cases, and one INSERT keeps the rows as run lines.
    """
    _name = 'collection.strategy.run'
    _description = 'Collection Strategy Run'
    _order = 'date_start desc, id desc'
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    strategy_id = fields.Many2one(
        'collection.strategy', required=True, index=True, ondelete='cascade', readonly=True, check_company=True)
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    run_date = fields.Date(required=True, readonly=True, index=True)
    date_start = fields.Datetime(string="Started", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(12, 2), readonly=True)
    trigger = fields.Selection(
        [('manual', "Manual"), ('cron', "Scheduled")], required=True, default='manual', readonly=True)
    state = fields.Selection([('done', "Done"), ('failed', "Failed")], required=True, default='done', readonly=True)
    matched_count = fields.Integer(string="Matched", readonly=True, aggregator='sum')
    skipped_count = fields.Integer(
        string="Handled Earlier", readonly=True, aggregator='sum',
        help="Cases matching the rule that belong to a strategy with a lower sequence.")
    excluded_count = fields.Integer(string="Excluded", readonly=True, aggregator='sum')
    treated_count = fields.Integer(string="Treated", readonly=True, aggregator='sum')
    champion_count = fields.Integer(string="Champion", readonly=True, aggregator='sum')
    challenger_count = fields.Integer(string="Challenger", readonly=True, aggregator='sum')
    routed_count = fields.Integer(string="Routed by Tag", readonly=True, aggregator='sum')
    team_changed_count = fields.Integer(string="Team Changed", readonly=True, aggregator='sum')
    assigned_count = fields.Integer(string="Agents Assigned", readonly=True, aggregator='sum')
    unassigned_count = fields.Integer(
        string="Left Without Agent", readonly=True, aggregator='sum',
        help="Cases to assign for which no agent of the team had capacity left.")
    priority_count = fields.Integer(string="Priority Changed", readonly=True, aggregator='sum')
    next_action_count = fields.Integer(string="Next Action Set", readonly=True, aggregator='sum')
    activity_count = fields.Integer(string="Activities", readonly=True, aggregator='sum')
    sms_sent_count = fields.Integer(string="SMS Sent", readonly=True, aggregator='sum')
    email_sent_count = fields.Integer(string="Emails Sent", readonly=True, aggregator='sum')
    blocked_count = fields.Integer(string="Messages Blocked", readonly=True, aggregator='sum')
    blocked_reasons = fields.Json(readonly=True, help="Blocked messages by reason.")
    letter_count = fields.Integer(string="Letters", readonly=True, aggregator='sum')
    letter_attachment_id = fields.Many2one('ir.attachment', string="Letters PDF", readonly=True)
    summary = fields.Text(readonly=True)
    error = fields.Text(readonly=True)
    line_ids = fields.One2many('collection.strategy.run.line', 'run_id', string="Lines")
    line_count = fields.Integer(compute='_compute_line_count')

    def _compute_line_count(self):
        counts = dict(self.env['collection.strategy.run.line']._read_group(
            [('run_id', 'in', self.ids)], ['run_id'], ['__count']))
        for run in self:
            run.line_count = counts.get(run, 0)

    @api.model
    def _gc_run_lines(self, today):
        """Forget the run lines of runs older than ``collection_base.strategy_run_line_days``
        days (180 by default; 0 keeps them forever). Runs and their counts stay."""
        days = int(self.env['ir.config_parameter'].sudo().get_param('collection_base.strategy_run_line_days', 180))
        if days <= 0:
            return 0
        rows = self.env.execute_query(SQL("""
            DELETE FROM collection_strategy_run_line l
             USING collection_strategy_run r
             WHERE r.id = l.run_id AND r.run_date < %s
         RETURNING l.id
        """, today - timedelta(days=days)))
        self.env['collection.strategy.run.line'].invalidate_model()
        self.invalidate_model(['line_ids', 'line_count'])
        return len(rows)

    def action_open_lines(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_base.collection_strategy_run_line_action')
        action['domain'] = [('run_id', '=', self.id)]
        return action

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------

    @api.model
    def _create_work_tables(self):
        self.env.cr.execute(SQL("""
            DROP TABLE IF EXISTS pg_temp.collection_strategy_work;
            DROP TABLE IF EXISTS pg_temp.collection_strategy_claim;
            CREATE TEMPORARY TABLE collection_strategy_work (
                strategy_id integer NOT NULL,
                case_id integer NOT NULL,
                grp varchar NOT NULL,
                treatment_id integer,
                is_excluded boolean NOT NULL DEFAULT FALSE,
                route_team_id integer,
                region_id integer,
                prev_user_id integer,
                user_id integer,
                prev_team_id integer,
                team_id integer,
                prev_priority varchar,
                priority varchar,
                prev_next_action_date date,
                next_action_date date,
                prev_strategy_id integer,
                prev_grp varchar,
                need_agent boolean NOT NULL DEFAULT FALSE,
                activity_id integer,
                blocked_reason varchar
            ) ON COMMIT DROP;
            CREATE TEMPORARY TABLE collection_strategy_claim (
                case_id integer PRIMARY KEY,
                strategy_id integer NOT NULL
            ) ON COMMIT DROP;
        """))

    @api.model
    def _index_work_tables(self):
        """Index the work table once it is filled (cheaper than maintaining the index while inserting)."""
        self.env.execute_query(SQL("""
            CREATE UNIQUE INDEX ON collection_strategy_work (strategy_id, case_id);
            ANALYZE collection_strategy_work;
        """))

    @api.model
    def _execute(self, strategy, run_date, trigger, match_seconds=0.0, skipped=0):
        """Apply the treatments of ``strategy`` to its rows of the work table and log the run."""
        started = time.monotonic()
        run = self.create({
            'name': self.env._("%(strategy)s on %(date)s", strategy=strategy.name, date=run_date),
            'strategy_id': strategy.id,
            'company_id': strategy.company_id.id,
            'run_date': run_date,
            'date_start': fields.Datetime.now(),
            'trigger': trigger,
            'skipped_count': skipped,
        })
        try:
            with self.env.cr.savepoint():
                values = run._apply_treatments(run_date)
        except Exception as exc:  # noqa: BLE001 -- a failing strategy is logged, the others still run
            _logger.exception("Collection strategy %s failed", strategy.display_name)
            self.env.invalidate_all()
            values = {'state': 'failed', 'error': str(exc),
                      **self._count_work(strategy, only=('matched_count', 'excluded_count'))}
        run.write(values)
        if run.state == 'done':
            run._insert_lines()
        run.duration = match_seconds + time.monotonic() - started
        run.summary = run._compose_summary()
        strategy._post_run_summary(run)
        return run

    def _apply_treatments(self, run_date):
        """Set-based treatments of the run strategy's work rows; returns the run's counts."""
        self.ensure_one()
        strategy = self.strategy_id
        self._treat_work_rows(strategy, run_date)
        self._treat_agents(strategy)
        self._write_cases(strategy)
        self._treat_activities(strategy, run_date)
        counts = {'sms_sent_count': 0, 'email_sent_count': 0}
        blocked = {}
        for field_name, channel in self.env['collection.strategy.treatment']._get_message_treatments():
            sent, channel_blocked = self._treat_messages(strategy, field_name, channel)
            counts[f'{channel}_sent_count'] = counts.get(f'{channel}_sent_count', 0) + sent
            for reason, count in channel_blocked.items():
                blocked[reason] = blocked.get(reason, 0) + count
        letters, letters_blocked, attachment = self._treat_letters(strategy)
        if letters_blocked:
            label = self.env._("letter held back by the contact policy")
            blocked[label] = blocked.get(label, 0) + letters_blocked
        counts.update(self._count_work(strategy))
        counts.update({
            'blocked_count': sum(blocked.values()),
            'blocked_reasons': blocked or False,
            'letter_count': letters,
            'letter_attachment_id': attachment.id,
        })
        return counts

    @api.model
    def _treat_work_rows(self, strategy, run_date):
        """One pass over the strategy's rows: the treated team, priority and next action date.

        Team: the routing tag's team, else the treatment's team, else (team by region) the first
        team covering the case's region, else the current team. Priority and next action date
        as the treatment says. Excluded rows and rows without treatment keep the case's values.
        The rows hold the case's values (``prev_*``, copied when matched, read again by
        ``_refresh_work_rows`` when an earlier strategy of the run may have changed them); only
        the rows that change are written.
        """
        self._refresh_work_rows(strategy)
        region_rel = self.env['collection.team']._fields['region_ids']
        self.env.execute_query(SQL("""
            WITH region_team AS (
                SELECT DISTINCT ON (rr.%(region_col)s) rr.%(region_col)s AS region_id, tm.id AS team_id
                  FROM %(region_rel)s rr
                  JOIN collection_team tm ON tm.id = rr.%(team_col)s
                 WHERE tm.active AND tm.company_id = %(company)s
              ORDER BY rr.%(region_col)s, tm.sequence, tm.id
            ), src AS (
                SELECT w.case_id,
                       CASE WHEN w.is_excluded OR t.id IS NULL THEN w.prev_team_id
                            ELSE COALESCE(w.route_team_id, t.team_id,
                                          CASE WHEN t.is_team_by_region THEN rt.team_id END, w.prev_team_id)
                       END AS new_team_id,
                       CASE WHEN NOT w.is_excluded AND t.priority IS NOT NULL THEN t.priority
                            ELSE w.prev_priority END AS new_priority,
                       CASE WHEN NOT w.is_excluded AND t.set_next_action
                                 AND (t.is_next_action_overwrite OR w.prev_next_action_date IS NULL)
                            THEN %(run_date)s::date + COALESCE(t.next_action_days, 0)
                            ELSE w.prev_next_action_date END AS new_next_action_date
                  FROM collection_strategy_work w
             LEFT JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             LEFT JOIN region_team rt ON rt.region_id = w.region_id
                 WHERE w.strategy_id = %(sid)s
            )
            UPDATE collection_strategy_work w
               SET team_id = src.new_team_id, priority = src.new_priority,
                   next_action_date = src.new_next_action_date
              FROM src
             WHERE w.strategy_id = %(sid)s AND w.case_id = src.case_id
               AND (w.team_id, w.priority, w.next_action_date)
                   IS DISTINCT FROM (src.new_team_id, src.new_priority, src.new_next_action_date)
        """, region_rel=SQL.identifier(region_rel.relation), team_col=SQL.identifier(region_rel.column1),
            region_col=SQL.identifier(region_rel.column2), company=strategy.company_id.id, sid=strategy.id,
            run_date=run_date))

    @api.model
    def _refresh_work_rows(self, strategy):
        """Read the case's values again for the rows whose case an earlier strategy of this run
        treated: only a strategy that continues to the next ones shares cases with them (the
        others claim theirs), and it may have changed them since they were matched."""
        earlier = self.env['collection.strategy'].search([
            ('company_id', '=', strategy.company_id.id), ('is_continue', '=', True),
        ]).filtered(lambda s: (s.sequence, s.id) < (strategy.sequence, strategy.id))
        if not earlier:
            return
        self.env.flush_all()
        self.env.execute_query(SQL("""
            UPDATE collection_strategy_work w
               SET prev_user_id = c.user_id, user_id = c.user_id, prev_team_id = c.team_id, team_id = c.team_id,
                   prev_priority = c.priority, priority = c.priority,
                   prev_next_action_date = c.next_action_date, next_action_date = c.next_action_date,
                   prev_strategy_id = c.strategy_id, prev_grp = c.strategy_group
              FROM collection_case c
             WHERE w.strategy_id = %(sid)s AND c.id = w.case_id
               AND EXISTS (SELECT 1 FROM collection_strategy_work x
                            WHERE x.case_id = w.case_id AND x.strategy_id = ANY(%(earlier)s::int[]))
        """, sid=strategy.id, earlier=earlier.ids))

    @api.model
    def _treat_agents(self, strategy):
        """Clear the agents to replace, then fill them team by team with the treatment's method."""
        members = self.env['collection.team']._fields['member_ids']
        is_member = SQL("""
            EXISTS (SELECT 1 FROM %(rel)s m JOIN res_users u ON u.id = m.%(user_col)s
                     WHERE u.active AND m.%(team_col)s = w.team_id AND m.%(user_col)s = w.user_id)
        """, rel=SQL.identifier(members.relation), team_col=SQL.identifier(members.column1),
            user_col=SQL.identifier(members.column2))
        self.env.execute_query(SQL("""
            UPDATE collection_strategy_work w
               SET need_agent = t.assign_method != 'none', user_id = NULL
              FROM collection_strategy_treatment t
             WHERE w.strategy_id = %(sid)s AND NOT w.is_excluded AND t.id = w.treatment_id
               AND w.team_id IS NOT NULL
               AND ((t.assign_method != 'none' AND (w.user_id IS NULL OR t.is_reassign OR NOT %(is_member)s))
                    OR (t.assign_method = 'none' AND w.user_id IS NOT NULL
                        AND w.team_id IS DISTINCT FROM w.prev_team_id AND NOT %(is_member)s))
        """, sid=strategy.id, is_member=is_member))
        if not self.env.cr.rowcount:
            return
        # fresh statistics: the plans of the assignment steps depend on how many rows need an agent
        self.env.execute_query(SQL("ANALYZE collection_strategy_work"))
        partitions = self.env.execute_query(SQL("""
            SELECT DISTINCT w.team_id, t.assign_method
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %s AND w.need_agent
          ORDER BY w.team_id, t.assign_method
        """, strategy.id))
        for team_id, method in partitions:
            team = self.env['collection.team'].browse(team_id)
            agents = team.member_ids.filtered('active').sorted('id')
            if not agents:
                continue
            scope = SQL("w.team_id = %s AND t.assign_method = %s", team_id, method)
            if method == 'round_robin':
                self._assign_round_robin(strategy, team, agents, scope)
            elif method == 'least_loaded':
                self._assign_least_loaded(strategy, team, agents, scope)
            else:
                self._assign_by_region(strategy, team, agents, scope)

    @api.model
    def _rank_cases(self, strategy, scope):
        """The work rows of ``scope`` still without agent, numbered from 1 by urgency."""
        return SQL("""
            SELECT w.case_id,
                   ROW_NUMBER() OVER (ORDER BY w.priority DESC NULLS LAST, c.total_overdue DESC, w.case_id) AS rn
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
              JOIN collection_case c ON c.id = w.case_id
             WHERE w.strategy_id = %(sid)s AND w.need_agent AND w.user_id IS NULL AND %(scope)s
        """, sid=strategy.id, scope=scope)

    @api.model
    def _assign_round_robin(self, strategy, team, agents, scope):
        """Agents in turn, starting after the agent who got the team's last round-robin case."""
        offset = team.round_robin_index
        rows = self.env.execute_query(SQL("""
            WITH ranked AS (%(ranked)s)
            UPDATE collection_strategy_work w
               SET user_id = (%(agents)s::int[])[1 + MOD(%(offset)s + ranked.rn - 1, %(size)s)]
              FROM ranked
             WHERE w.strategy_id = %(sid)s AND w.case_id = ranked.case_id
         RETURNING w.case_id
        """, ranked=self._rank_cases(strategy, scope), agents=agents.ids, offset=offset,
            size=len(agents), sid=strategy.id))
        if rows:
            self.env.execute_query(SQL(
                "UPDATE collection_team SET round_robin_index = %s WHERE id = %s",
                (offset + len(rows)) % len(agents), team.id))
            team.invalidate_recordset(['round_robin_index'])

    @api.model
    def _assign_least_loaded(self, strategy, team, agents, scope):
        """Fill the least loaded agents first, up to the team's capacity per agent.

        Each agent offers the slots load+1 .. capacity; slots are taken in order of their
        rank (every agent's next case before anyone's case after that), so loads even out.
        The load of an agent counts their open cases, minus the cases this run takes away from
        them (their work rows to reassign: the case still holds them as agent, ``prev_user_id``),
        plus the cases this run already gave them.
        """
        loads = dict(self.env.execute_query(SQL("""
            SELECT a.user_id, COALESCE(held.n, 0) - COALESCE(taken.n, 0) + COALESCE(given.n, 0)
              FROM UNNEST(%(agents)s::int[]) AS a(user_id)
         LEFT JOIN (SELECT c.user_id, COUNT(*) AS n
                      FROM collection_case c
                     WHERE c.user_id = ANY(%(agents)s::int[]) AND c.active AND c.stage != 'closed'
                  GROUP BY c.user_id) held ON held.user_id = a.user_id
         LEFT JOIN (SELECT x.prev_user_id AS user_id, COUNT(*) AS n
                      FROM collection_strategy_work x
                     WHERE x.strategy_id = %(sid)s AND x.need_agent AND x.prev_user_id = ANY(%(agents)s::int[])
                  GROUP BY x.prev_user_id) taken ON taken.user_id = a.user_id
         LEFT JOIN (SELECT x.user_id, COUNT(*) AS n
                      FROM collection_strategy_work x
                     WHERE x.strategy_id = %(sid)s AND x.need_agent AND x.user_id = ANY(%(agents)s::int[])
                  GROUP BY x.user_id) given ON given.user_id = a.user_id
        """, agents=agents.ids, sid=strategy.id)))
        capacity = team.capacity_per_agent if team.capacity_per_agent > 0 else UNLIMITED
        if all(load >= capacity for load in loads.values()):
            return
        self.env.execute_query(SQL("""
            WITH ranked AS (%(ranked)s),
            slots AS (
                SELECT l.user_id, ROW_NUMBER() OVER (ORDER BY k, l.user_id) AS rn
                  FROM UNNEST(%(agents)s::int[], %(loads)s::int[]) AS l(user_id, load)
            CROSS JOIN LATERAL GENERATE_SERIES(
                           l.load + 1, LEAST(%(capacity)s::bigint, l.load + (SELECT COUNT(*) FROM ranked))) AS k
            )
            UPDATE collection_strategy_work w
               SET user_id = slots.user_id
              FROM ranked
              JOIN slots ON slots.rn = ranked.rn
             WHERE w.strategy_id = %(sid)s AND w.case_id = ranked.case_id
        """, ranked=self._rank_cases(strategy, scope), sid=strategy.id, agents=list(loads),
            loads=list(loads.values()), capacity=capacity))

    @api.model
    def _assign_by_region(self, strategy, team, agents, scope):
        """Least loaded among the agents working the case's region, region by region."""
        regions = self.env.execute_query(SQL("""
            SELECT DISTINCT w.region_id
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %(sid)s AND w.need_agent AND %(scope)s
        """, sid=strategy.id, scope=scope))
        for (region_id,) in regions:
            local = agents.filtered(lambda agent: region_id in agent.collection_region_ids.ids) or agents
            region_scope = SQL("%s AND w.region_id IS NOT DISTINCT FROM %s", scope, region_id)
            self._assign_least_loaded(strategy, team, local, region_scope)

    @api.model
    def _write_cases(self, strategy):
        """One UPDATE of the cases whose agent, team, priority, next date or strategy changes."""
        self.env.execute_query(SQL("""
            UPDATE collection_case c
               SET user_id = w.user_id, team_id = w.team_id, priority = w.priority,
                   next_action_date = w.next_action_date, strategy_id = w.strategy_id, strategy_group = w.grp,
                   write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
              FROM collection_strategy_work w
             WHERE w.strategy_id = %(sid)s AND NOT w.is_excluded AND c.id = w.case_id
               AND (w.user_id, w.team_id, w.priority, w.next_action_date, w.strategy_id, w.grp)
                   IS DISTINCT FROM
                   (w.prev_user_id, w.prev_team_id, w.prev_priority, w.prev_next_action_date,
                    w.prev_strategy_id, w.prev_grp)
        """, uid=self.env.uid, sid=strategy.id))
        self.env['collection.case'].invalidate_model([
            'user_id', 'team_id', 'priority', 'next_action_date', 'strategy_id', 'strategy_group',
            'write_uid', 'write_date'])

    @api.model
    def _treat_activities(self, strategy, run_date):
        """Schedule the treatment's activity for the case's agent, unless one of that type is open."""
        rows = self.env.execute_query(SQL("""
            SELECT w.case_id, w.user_id, t.activity_type_id, t.activity_summary
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %(sid)s AND NOT w.is_excluded
               AND t.activity_type_id IS NOT NULL AND w.user_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM mail_activity a
                                WHERE a.res_model = 'collection.case' AND a.res_id = w.case_id
                                  AND a.activity_type_id = t.activity_type_id AND a.active)
          ORDER BY w.case_id
        """, sid=strategy.id))
        if not rows:
            return
        model_id = self.env['ir.model']._get_id('collection.case')
        Activity = self.env['mail.activity'].with_context(mail_activity_quick_update=True)
        for start in range(0, len(rows), ACTIVITY_BATCH):
            batch = rows[start:start + ACTIVITY_BATCH]
            activities = Activity.create([{
                'res_model_id': model_id,
                'res_id': case_id,
                'user_id': user_id,
                'activity_type_id': type_id,
                'summary': summary or False,
                'date_deadline': run_date,
            } for case_id, user_id, type_id, summary in batch])
            self.env.execute_query(SQL("""
                UPDATE collection_strategy_work w
                   SET activity_id = src.activity_id
                  FROM UNNEST(%(cases)s::int[], %(activities)s::int[]) AS src(case_id, activity_id)
                 WHERE w.strategy_id = %(sid)s AND w.case_id = src.case_id
            """, cases=[row[0] for row in batch], activities=activities.ids, sid=strategy.id))

    @api.model
    def _treat_messages(self, strategy, field_name, channel):
        """Send the treatment's template of ``channel`` through the contact policy.

        The cases the policy (or the gateway) refuses keep why on ``contact_blocked_reason``;
        it is copied on their work rows for the run lines.
        :return: (sent, {reason: blocked})
        """
        Case = self.env['collection.case']
        comodel = self.env['collection.strategy.treatment']._fields[field_name].comodel_name
        sent, blocked = 0, {}
        for template_id, case_ids in self._get_cases_by_treatment_field(strategy, field_name):
            result = Case.browse(case_ids)._send_collection_notification(self.env[comodel].browse(template_id), channel)
            sent += result.get('sent', 0)
            for reason, count in (result.get('blocked') or {}).items():
                blocked[reason] = blocked.get(reason, 0) + count
            self.env.flush_all()
            self.env.execute_query(SQL("""
                UPDATE collection_strategy_work w
                   SET blocked_reason = CONCAT_WS('; ', w.blocked_reason, c.contact_blocked_reason)
                  FROM collection_case c
                 WHERE w.strategy_id = %(sid)s AND w.case_id = ANY(%(cases)s::int[]) AND c.id = w.case_id
                   AND c.contact_blocked_channel = %(channel)s AND c.contact_blocked_reason IS NOT NULL
            """, sid=strategy.id, cases=case_ids, channel=channel))
        return sent, blocked

    def _treat_letters(self, strategy):
        """Print the treatment's letter in one batch per template, the merged PDF kept on the run.

        :return: (letters printed, letters held back, merged PDF attachment of the last batch)
        """
        printed, held_back = 0, 0
        attachment = self.env['ir.attachment']
        for template_id, case_ids in self._get_cases_by_treatment_field(strategy, 'letter_template_id'):
            template = self.env['collection.letter.template'].browse(template_id)
            result = template._print_letters(self.env['collection.case'].browse(case_ids), batch_owner=self)
            printed += len(result['printed'])
            held_back += len(result['blocked'])
            attachment = result['attachment'] or attachment
            if result['blocked']:
                self.env.execute_query(SQL("""
                    UPDATE collection_strategy_work w
                       SET blocked_reason = CONCAT_WS('; ', w.blocked_reason, v.reason)
                      FROM UNNEST(%(cases)s::int[], %(reasons)s::varchar[]) AS v(case_id, reason)
                     WHERE w.strategy_id = %(sid)s AND w.case_id = v.case_id
                """, sid=strategy.id, cases=list(result['blocked']), reasons=list(result['blocked'].values())))
        return printed, held_back, attachment

    @api.model
    def _get_cases_by_treatment_field(self, strategy, field_name):
        """[(value of the treatment's ``field_name``, [case ids])] of the strategy's treated rows."""
        return self.env.execute_query(SQL("""
            SELECT t.%(field)s, ARRAY_AGG(w.case_id ORDER BY w.case_id)
              FROM collection_strategy_work w
              JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %(sid)s AND NOT w.is_excluded AND t.%(field)s IS NOT NULL
          GROUP BY t.%(field)s
        """, field=SQL.identifier(field_name), sid=strategy.id))

    @api.model
    def _count_work(self, strategy, only=None):
        names = only or list(WORK_COUNTS)
        columns = SQL(", ").join(
            SQL("COUNT(*) FILTER (WHERE %s) AS %s", SQL(WORK_COUNTS[name]), SQL.identifier(name)) for name in names)
        return self.env.execute_query_dict(SQL(
            "SELECT %s FROM collection_strategy_work w WHERE w.strategy_id = %s", columns, strategy.id))[0]

    def _insert_lines(self):
        """Keep, as run lines, the work rows of this run where something was done, in one INSERT.

        A case gets a line when it is excluded, enters the strategy, changes agent, team,
        priority or next action date, gets an activity or is sent a message: what a daily
        re-run leaves as it was leaves no line.
        """
        self.ensure_one()
        messaged = SQL(" OR ").join(
            SQL("t.%s IS NOT NULL", SQL.identifier(field_name))
            for field_name in self.env['collection.strategy.treatment']._get_communication_fields())
        self.env.execute_query(SQL("""
            INSERT INTO collection_strategy_run_line (
                run_id, case_id, split_group, is_excluded, route_team_id,
                previous_user_id, user_id, previous_team_id, team_id, previous_priority, priority,
                next_action_date, is_assigned, is_unassigned, activity_id, blocked_reason)
            SELECT %(run)s, w.case_id, w.grp, w.is_excluded,
                   CASE WHEN w.treatment_id IS NOT NULL THEN w.route_team_id END,
                   w.prev_user_id, w.user_id, w.prev_team_id, w.team_id, w.prev_priority, w.priority,
                   w.next_action_date,
                   w.user_id IS NOT NULL AND w.user_id IS DISTINCT FROM w.prev_user_id,
                   w.need_agent AND w.user_id IS NULL, w.activity_id, w.blocked_reason
              FROM collection_strategy_work w
         LEFT JOIN collection_strategy_treatment t ON t.id = w.treatment_id
             WHERE w.strategy_id = %(sid)s
               AND (w.is_excluded OR w.activity_id IS NOT NULL OR (%(messaged)s)
                    OR w.prev_strategy_id IS DISTINCT FROM w.strategy_id
                    OR w.user_id IS DISTINCT FROM w.prev_user_id OR w.team_id IS DISTINCT FROM w.prev_team_id
                    OR w.priority IS DISTINCT FROM w.prev_priority
                    OR w.next_action_date IS DISTINCT FROM w.prev_next_action_date)
        """, run=self.id, sid=self.strategy_id.id, messaged=messaged))
        self.invalidate_recordset(['line_ids', 'line_count'])

    def _compose_summary(self):
        """A few plain sentences on what the run did, for the run form and the strategy's chatter."""
        self.ensure_one()
        _ = self.env._
        if self.state == 'failed':
            return _("The run failed and changed nothing: %(error)s", error=self.error)
        lines = []
        if not self.matched_count:
            lines.append(_("Nothing matched: no open case of %(company)s fits the rule of this strategy.",
                           company=self.company_id.name))
        else:
            lines.append(_("%(matched)s cases matched: %(excluded)s excluded by tags, %(treated)s treated "
                           "(%(champion)s champion, %(challenger)s challenger).",
                           matched=self.matched_count, excluded=self.excluded_count, treated=self.treated_count,
                           champion=self.champion_count, challenger=self.challenger_count))
        if self.skipped_count:
            lines.append(_("%(count)s other matching cases were left to strategies that come first.",
                           count=self.skipped_count))
        if self.matched_count:
            lines.append(_("Assignment: %(assigned)s agents assigned, %(unassigned)s cases left without agent, "
                           "%(teams)s cases changed team (%(routed)s routed by tags).",
                           assigned=self.assigned_count, unassigned=self.unassigned_count,
                           teams=self.team_changed_count, routed=self.routed_count))
            lines.append(_("Priority changed on %(priority)s cases, next action date set on %(next)s; "
                           "%(activities)s activities scheduled.",
                           priority=self.priority_count, next=self.next_action_count,
                           activities=self.activity_count))
            reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted((self.blocked_reasons or {}).items()))
            lines.append(_("Messages: %(sms)s SMS and %(email)s emails sent, %(blocked)s blocked%(reasons)s; "
                           "%(letters)s letters.",
                           sms=self.sms_sent_count, email=self.email_sent_count, blocked=self.blocked_count,
                           reasons=f" ({reasons})" if reasons else "", letters=self.letter_count))
        lines.append(_("Took %(seconds)s s.", seconds=f"{self.duration:.2f}"))
        return "\n".join(lines)
