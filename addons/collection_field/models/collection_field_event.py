"""The tamper-evident log of what field agents did.

Each event (check-in, outcome, receipt, ping batch) is one row with the client's id and
time, the server's time, its payload as canonical JSON, and a SHA-256 hash that covers all of
that and the hash of the agent's previous event. Changing, removing or inserting a row breaks
the chain from that row on, and ``_verify_chain`` finds the first broken link.
"""
import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

EVENT_TYPES = [
    ('check_in', 'Check-in'),
    ('outcome', 'Outcome'),
    ('receipt', 'Cash receipt'),
    ('ping_batch', 'Location batch'),
    ('photo', 'Photo'),
]
GENESIS_HASH = '0' * 64
VERIFY_CHUNK = 5000


def canonical_json(payload):
    return json.dumps(payload or {}, sort_keys=True, separators=(',', ':'), ensure_ascii=False, default=str)


def event_hash(prev_hash, user_id, sequence, event_type, client_id, client_time, server_time, payload_json):
    text = '|'.join([
        prev_hash, str(user_id), str(sequence), event_type, client_id,
        fields.Datetime.to_string(client_time), fields.Datetime.to_string(server_time), payload_json,
    ])
    return hashlib.sha256(text.encode()).hexdigest()


class CollectionFieldEvent(models.Model):
    _name = 'collection.field.event'
    _description = 'Field Event'
    _order = 'user_id, sequence desc'
    _rec_name = 'client_id'
    _check_company_auto = True

    user_id = fields.Many2one('res.users', string="Agent", required=True, readonly=True, index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    sequence = fields.Integer(required=True, readonly=True, help="Position of the event in the agent's chain.")
    event_type = fields.Selection(EVENT_TYPES, required=True, readonly=True, index=True)
    client_id = fields.Char(string="Client ID", required=True, readonly=True,
                            help="Identifier the device gave the event; a retry with the same id is stored once.")
    client_time = fields.Datetime(string="Device Time", required=True, readonly=True, index=True)
    server_time = fields.Datetime(string="Server Time", required=True, readonly=True)
    is_late = fields.Boolean(
        string="Delivered Late", readonly=True,
        help="The device's time is earlier than the device time of an event already received: "
             "the event was queued offline.")
    visit_id = fields.Many2one('collection.visit', readonly=True, index='btree_not_null')
    res_model = fields.Char(readonly=True)
    res_id = fields.Many2oneReference(model_field='res_model', readonly=True)
    payload = fields.Text(readonly=True, help="What the device sent, as canonical JSON (covered by the hash).")
    prev_hash = fields.Char(string="Previous Hash", required=True, readonly=True)
    hash = fields.Char(string="SHA-256", required=True, readonly=True)
    is_flagged = fields.Boolean(readonly=True, index=True)
    flag_reason = fields.Char(readonly=True)

    _user_sequence_uniq = models.Constraint(
        'unique(user_id, sequence)', "An agent's field events are numbered once each.")
    _user_client_uniq = models.Constraint(
        'unique(user_id, client_id)', "A field event is stored once per client id.")

    @api.depends('event_type', 'sequence', 'user_id')
    def _compute_display_name(self):
        labels = dict(EVENT_TYPES)
        for event in self:
            event.display_name = f"{event.user_id.name} #{event.sequence} {labels.get(event.event_type, '')}"

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------

    @api.model
    def _lock_chain(self, user):
        """Serialise the events of one agent (transaction-scoped advisory lock)."""
        self.env.execute_query(SQL(
            "SELECT pg_advisory_xact_lock(hashtext('collection.field.event'), %s)", user.id))

    @api.model
    def _find(self, user, client_id):
        return self.sudo().search([('user_id', '=', user.id), ('client_id', '=', client_id)], limit=1)

    @api.model
    def _record(self, user, event_type, client_id, client_time, payload, visit=None, record=None,
                is_flagged=False, flag_reason=False):
        """Append an event to ``user``'s chain, once per ``client_id``.

        :return: ``(event, created)``; a retry returns the stored event and ``False``
        """
        self._lock_chain(user)
        existing = self._find(user, client_id)
        if existing:
            return existing, False
        self.flush_model()
        last = self.env.execute_query(SQL("""
            SELECT sequence, hash, (SELECT max(client_time) FROM collection_field_event WHERE user_id = %(uid)s)
              FROM collection_field_event
             WHERE user_id = %(uid)s
          ORDER BY sequence DESC
             LIMIT 1
        """, uid=user.id))
        sequence, prev_hash, last_client_time = last[0] if last else (0, GENESIS_HASH, None)
        sequence += 1
        server_time = fields.Datetime.now().replace(microsecond=0)
        client_time = client_time.replace(microsecond=0)
        payload_json = canonical_json(payload)
        event = self.sudo().create({
            'user_id': user.id,
            'company_id': (record.company_id.id if record is not None and 'company_id' in record
                           else user.company_id.id),
            'sequence': sequence,
            'event_type': event_type,
            'client_id': client_id,
            'client_time': client_time,
            'server_time': server_time,
            'is_late': bool(last_client_time and client_time < last_client_time),
            'visit_id': visit.id if visit else False,
            'res_model': record._name if record is not None else False,
            'res_id': record.id if record is not None else False,
            'payload': payload_json,
            'prev_hash': prev_hash,
            'hash': event_hash(prev_hash, user.id, sequence, event_type, client_id, client_time,
                               server_time, payload_json),
            'is_flagged': is_flagged,
            'flag_reason': flag_reason,
        })
        return event, True

    def _link_record(self, record):
        """Point the event at the record it produced (not covered by the hash)."""
        self.sudo().write({'res_model': record._name, 'res_id': record.id})

    def _flag(self, reason):
        self.sudo().write({'is_flagged': True, 'flag_reason': reason})

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _verify_chain(self, user):
        """Recompute ``user``'s chain from the first event.

        :return: dict ``{'ok', 'checked', 'event_id', 'sequence', 'reason'}``; for a broken
            chain, the first event whose stored values do not match
        """
        self.flush_model()
        checked = 0
        prev_hash = GENESIS_HASH
        expected_sequence = 1
        last_sequence = 0
        while True:
            rows = self.env.execute_query(SQL("""
                SELECT id, sequence, event_type, client_id, client_time, server_time, payload, prev_hash, hash
                  FROM collection_field_event
                 WHERE user_id = %s AND sequence > %s
              ORDER BY sequence
                 LIMIT %s
            """, user.id, last_sequence, VERIFY_CHUNK))
            if not rows:
                break
            for (event_id, sequence, event_type, client_id, client_time, server_time, payload,
                 stored_prev, stored_hash) in rows:
                reason = None
                if sequence != expected_sequence:
                    reason = self.env._("event #%(expected)s is missing (next stored is #%(found)s)",
                                        expected=expected_sequence, found=sequence)
                elif stored_prev != prev_hash:
                    reason = self.env._("its previous hash does not match the hash of event #%(previous)s",
                                        previous=sequence - 1)
                elif stored_hash != event_hash(prev_hash, user.id, sequence, event_type, client_id,
                                               client_time, server_time, payload or ''):
                    reason = self.env._("its content does not match its hash")
                if reason:
                    return {'ok': False, 'checked': checked, 'event_id': event_id, 'sequence': sequence,
                            'reason': reason}
                checked += 1
                prev_hash = stored_hash
                expected_sequence += 1
                last_sequence = sequence
        return {'ok': True, 'checked': checked, 'event_id': False, 'sequence': False, 'reason': False}

    @api.model
    def _check_chain_verifier(self, users):
        """Managers verify any agent's chain; a supervisor the chains of the agents of the teams
        they supervise (in their current companies); nobody else."""
        me = self.env.user
        if self.env.su or me.has_group('collection_base.collection_base_group_manager'):
            return
        if not me.has_group('collection_base.collection_base_group_supervisor'):
            raise AccessError(self.env._("Only supervisors verify the field event chain of an agent."))
        teams = self.env['collection.team'].sudo().search([
            ('supervisor_id', '=', me.id), ('company_id', 'in', self.env.companies.ids)])
        others = users - teams.member_ids
        if others:
            raise AccessError(self.env._(
                "You verify the field event chains of the agents of the teams you supervise only; "
                "%(agents)s is not in one of them.", agents=", ".join(others.mapped('name'))))

    @api.model
    def _verify_chain_notification(self, users):
        """Verify the chain of each of ``users`` and say so in one notification."""
        self._check_chain_verifier(users)
        messages, intact = [], True
        for user in users:
            result = self._verify_chain(user)
            if result['ok']:
                messages.append(self.env._("The %(count)s field events of %(agent)s form an unbroken chain.",
                                           count=result['checked'], agent=user.name))
            else:
                intact = False
                messages.append(self.env._(
                    "The field event chain of %(agent)s breaks at event #%(sequence)s: %(reason)s. "
                    "The %(count)s events before it are intact.",
                    agent=user.name, sequence=result['sequence'], reason=result['reason'], count=result['checked']))
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("Field event chain"),
                'message': "\n".join(messages),
                'type': 'success' if intact else 'danger',
                'sticky': not intact,
            },
        }

    def action_verify_chain(self):
        """The Field Events list's button: verify the chains of the agents of the selected events."""
        return self._verify_chain_notification(self.user_id)
