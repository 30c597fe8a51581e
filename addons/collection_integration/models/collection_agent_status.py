from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.inbound import InboundError, invalid, read_batch, read_choice, read_datetime, read_str

# what the call centre reports; 'unknown' is Odoo's: never reported, or not heard from for the
# call centre connector's "stale after" minutes
REPORTED_STATUSES = [
    ('available', 'Available'),
    ('on_call', 'On a call'),
    ('wrap_up', 'Wrap-up'),
    ('paused', 'Paused'),
    ('offline', 'Offline'),
]
AGENT_STATUSES = REPORTED_STATUSES + [('unknown', 'Unknown')]
BUS_NOTIFICATION = 'collection.agent_status/updated'
MAX_EVENTS = 500


class CollectionAgentStatus(models.Model):
    """What a call-centre agent is doing now (one row per user), as the call centre last said.

    The call centre posts each change (``POST /collection/agent/status/<connector>``, see
    docs/integration.md); :meth:`_receive_agent_status` keeps this row and the history
    (``collection.agent.status.history``) in step, ignores what is older than the current
    status (it only fills the history in), and tells the supervisors' open boards through the bus.
    A status the call centre does not repeat within its connector's *Stale After* minutes turns
    *Unknown* (:meth:`_cron_mark_stale`).
    """

    _name = 'collection.agent.status'
    _description = 'Agent Status'
    _order = 'status_sequence, date desc, id'
    _rec_name = 'user_id'

    user_id = fields.Many2one('res.users', string="Agent", required=True, readonly=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    connector_id = fields.Many2one('collection.connector', string="Call Centre", readonly=True, ondelete='set null')
    agent_ref = fields.Char(string="Agent (call centre)", readonly=True, help="Login or extension the call centre sent.")
    status = fields.Selection(AGENT_STATUSES, required=True, default='unknown', readonly=True, index=True,
                              group_expand=True)
    status_sequence = fields.Integer(compute='_compute_status_sequence', store=True)
    reason = fields.Char(readonly=True, help="Why the agent paused, as the call centre said.")
    date = fields.Datetime(string="Since", readonly=True, help="When the agent took this status (call centre's clock).")
    last_seen = fields.Datetime(
        string="Last Heard", readonly=True,
        help="When Odoo last received a status of this agent (the same status repeated counts).")
    call_ref = fields.Char(string="Call", readonly=True, help="The call centre's id of the call the agent is on.")
    team_ids = fields.Many2many(related='user_id.collection_team_ids', string="Teams")
    duration_label = fields.Char(string="For", compute='_compute_duration_label')

    _user_uniq = models.Constraint('unique(user_id)', "An agent has one current status.")

    @api.depends('status')
    def _compute_status_sequence(self):
        order = [code for code, _label in AGENT_STATUSES]
        for record in self:
            record.status_sequence = order.index(record.status)

    def _compute_duration_label(self):
        now = fields.Datetime.now()
        for record in self:
            if not record.date:
                record.duration_label = False
                continue
            minutes = max(int((now - record.date).total_seconds() // 60), 0)
            record.duration_label = (self.env._("%(hours)s h %(minutes)02d", hours=minutes // 60, minutes=minutes % 60)
                                     if minutes >= 60 else self.env._("%(minutes)s min", minutes=minutes))

    # ------------------------------------------------------------------
    # receiving (POST /collection/agent/status/<connector>)
    # ------------------------------------------------------------------

    @api.model
    def _receive_agent_status(self, connector, payload):
        """Apply one status change, or several as ``{"events": [...]}``, all or nothing;
        ``(answer, current status rows)``."""
        events = [self._read_agent_event(connector, item) for item in read_batch(payload, 'events', MAX_EVENTS)]
        users = self._get_agents(connector, {event['agent_ref'] for event in events})
        answers = [None] * len(events)
        # oldest first, so that a batch in any order ends with the newest status
        for index in sorted(range(len(events)), key=lambda i: events[i]['date']):
            event = events[index]
            outcome = self._apply_agent_event(connector, users[event['agent_ref']], event)
            answers[index] = {'status': outcome, 'agent': event['agent_ref'], 'user_id': users[event['agent_ref']].id}
        currents = self.search([('user_id', 'in', [user.id for user in users.values()])])
        if any(answer['status'] == 'updated' for answer in answers):
            self._notify_boards(connector.company_id)
        if 'events' not in payload:
            answer = answers[0]
            current = currents.filtered(lambda c: c.user_id.id == answer['user_id'])
            answer['current'] = {'status': current.status, 'since': fields.Datetime.to_string(current.date)}
            return answer, current
        return {'status': 'applied', 'events': answers}, currents

    @api.model
    def _read_agent_event(self, connector, item):
        event = {
            'agent_ref': read_str(item, 'agent', max_length=100),
            'status': read_choice(item, 'status', dict(REPORTED_STATUSES)),
            'reason': read_str(item, 'reason', required=False, max_length=100) or False,
            'date': read_datetime(item, 'timestamp'),
            'call_ref': read_str(item, 'call_id', required=False, max_length=100) or False,
        }
        # a clock far ahead would hold every later status back as "older"
        if event['date'] > fields.Datetime.now() + timedelta(seconds=connector.signature_window):
            raise invalid('timestamp', f"'timestamp' {fields.Datetime.to_string(event['date'])} is in the future.")
        return event

    @api.model
    def _get_agents(self, connector, references):
        """``{reference: user}``; an unknown or ambiguous login or extension refuses the request."""
        Users = self.env['res.users']
        users, unknown = {}, []
        for reference in sorted(references):
            matches = Users._collection_search_agents(reference, connector.company_id)
            if len(matches) > 1:
                raise InboundError(400, 'ambiguous_agent', (
                    f"The login or dialer extension {reference!r} belongs to {len(matches)} users of "
                    f"{connector.company_id.name}."), field='agent')
            if not matches:
                unknown.append(reference)
            users[reference] = matches
        if unknown:
            raise InboundError(400, 'unknown_agent', (
                f"No user of {connector.company_id.name} has the login or dialer extension "
                f"{', '.join(repr(ref) for ref in unknown)}."), field='agent')
        return users

    @api.model
    def _apply_agent_event(self, connector, user, event):
        """Apply one event of ``user``: ``updated``, ``unchanged`` (the status again: the agent is
        still there), ``late`` (older than the current status: written in the history only) or
        ``duplicate``."""
        History = self.env['collection.agent.status.history']
        now = fields.Datetime.now()
        current = self.search([('user_id', '=', user.id)])
        seen = {'last_seen': now, 'connector_id': connector.id, 'agent_ref': event['agent_ref']}
        if History._find_same(user, event):
            current.write(seen)
            return 'duplicate'
        if current.date and event['date'] < current.date:
            History._insert_late(connector, user, event)
            current.write(seen)
            return 'late'
        if current.date and (current.status, current.reason) == (event['status'], event['reason']):
            current.write(dict(seen, call_ref=event['call_ref'] or current.call_ref))
            return 'unchanged'
        History._close_open(user, event['date'])
        History.create(History._prepare_values(connector, user, event))
        values = dict(seen, company_id=connector.company_id.id, status=event['status'], reason=event['reason'],
                      date=event['date'], call_ref=event['call_ref'])
        if current:
            current.write(values)
        else:
            self.create(dict(values, user_id=user.id))
        return 'updated'

    @api.model
    def _notify_boards(self, companies):
        """Tell the supervisors' open boards to reload (no personal data in the message: every
        supervisor receives it; the board reloads through the record rules)."""
        self.env['bus.bus']._sendone(self.env.ref('collection_base.collection_base_group_supervisor'),
                                     BUS_NOTIFICATION, {'company_ids': companies.ids})

    # ------------------------------------------------------------------
    # stale statuses
    # ------------------------------------------------------------------

    @api.model
    def _cron_mark_stale(self):
        """Statuses (other than offline) not heard of for longer than their call centre's *Stale
        After* minutes become *Unknown* from the last time they were heard of; their open history
        row ends there. Set-based: three statements whatever the number of agents."""
        self.flush_model()
        self.env['collection.agent.status.history'].flush_model()
        self.env['collection.connector'].flush_model(['agent_stale_minutes'])
        rows = self.env.execute_query(SQL("""
            WITH stale AS (
                UPDATE collection_agent_status s
                   SET status = 'unknown', status_sequence = %(unknown_sequence)s, reason = NULL, call_ref = NULL,
                       date = GREATEST(s.date, s.last_seen), write_uid = %(uid)s,
                       write_date = now() AT TIME ZONE 'UTC'
                  FROM collection_connector c
                 WHERE c.id = s.connector_id AND c.agent_stale_minutes > 0
                   AND s.status NOT IN ('unknown', 'offline')
                   AND s.last_seen < now() AT TIME ZONE 'UTC' - make_interval(mins => c.agent_stale_minutes)
             RETURNING s.user_id, s.company_id, s.connector_id, s.date
            ), closed AS (
                UPDATE collection_agent_status_history h
                   SET date_end = stale.date,
                       duration = EXTRACT(EPOCH FROM stale.date - h.date_start) / 3600.0,
                       write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                  FROM stale
                 WHERE h.user_id = stale.user_id AND h.date_end IS NULL
            )
            INSERT INTO collection_agent_status_history
                   (user_id, company_id, connector_id, status, date_start, create_uid, create_date, write_uid, write_date)
            SELECT user_id, company_id, connector_id, 'unknown', date,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM stale
         RETURNING company_id
        """, unknown_sequence=len(AGENT_STATUSES) - 1, uid=self.env.uid))
        self.invalidate_model()
        self.env['collection.agent.status.history'].invalidate_model()
        if rows:
            self._notify_boards(self.env['res.company'].browse({company_id for company_id, in rows}))
        return len(rows)

    # ------------------------------------------------------------------
    # the supervisors' board
    # ------------------------------------------------------------------

    @api.model
    def _ensure_team_agents(self):
        """A row (*Unknown*) for each agent of the teams the user sees on the board who has
        never been reported, so that the board shows the whole team. One statement."""
        domain = [] if self.env.user.has_group('collection_base.collection_base_group_manager') \
            else [('supervisor_id', '=', self.env.uid)]
        teams = self.env['collection.team'].search(domain)
        if not teams:
            return
        self.env.execute_query(SQL("""
            INSERT INTO collection_agent_status
                   (user_id, company_id, status, status_sequence, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (m.user_id) m.user_id, t.company_id, 'unknown', %(unknown_sequence)s,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM collection_team_member_rel m
              JOIN collection_team t ON t.id = m.team_id
              JOIN res_users u ON u.id = m.user_id AND u.active
             WHERE m.team_id IN %(teams)s
          ORDER BY m.user_id, t.id
                ON CONFLICT (user_id) DO NOTHING
        """, unknown_sequence=len(AGENT_STATUSES) - 1, uid=self.env.uid, teams=tuple(teams.ids)))

    @api.model
    def action_open_board(self):
        self._ensure_team_agents()
        return self.env['ir.actions.act_window']._for_xml_id('collection_integration.collection_agent_status_action')

    def action_open_history(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'collection_integration.collection_agent_status_history_action')
        action['domain'] = [('user_id', '=', self.user_id.id)]
        action['context'] = {}
        return action
