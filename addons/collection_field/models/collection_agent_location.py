"""Positions reported by field devices.

Pings arrive in batches of up to ``MAX_BATCH`` positions. Each position carries a client id so
that a retried batch stores nothing twice; the rows of a batch are written by one
``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` and the batch as a whole is one
event in the agent's hash chain.
"""
import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.geo import haversine_m
from ..tools.payload import ItemError, parse_bool, parse_client_id, parse_number, parse_position, parse_time

_logger = logging.getLogger(__name__)

MAX_BATCH = 500
CLEANUP_BATCH = 50000


class CollectionAgentLocation(models.Model):
    _name = 'collection.agent.location'
    _description = 'Field Agent Position'
    _order = 'device_time desc, id desc'
    _log_access = False
    _check_company_auto = True

    user_id = fields.Many2one('res.users', string="Agent", required=True, readonly=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True)
    latitude = fields.Float(required=True, readonly=True)
    longitude = fields.Float(required=True, readonly=True)
    accuracy = fields.Float(string="Accuracy (m)", readonly=True)
    speed = fields.Float(string="Speed (m/s)", readonly=True, help="As reported by the device.")
    heading = fields.Float(readonly=True)
    device_time = fields.Datetime(required=True, readonly=True)
    server_time = fields.Datetime(required=True, readonly=True)
    client_id = fields.Char(string="Client ID", required=True, readonly=True)
    device_id = fields.Char(readonly=True)
    source = fields.Selection([
        ('ping', 'Ping'),
        ('check_in', 'Check-in'),
    ], required=True, default='ping', readonly=True)
    is_mock_location = fields.Boolean(string="Mock Location", readonly=True)
    is_low_accuracy = fields.Boolean(readonly=True)
    is_speed_flagged = fields.Boolean(
        string="Impossible Speed", readonly=True,
        help="Reaching this position from the agent's previous one needs an impossible speed.")
    event_id = fields.Many2one('collection.field.event', readonly=True, index='btree_not_null')

    _user_client_uniq = models.Constraint(
        'unique(user_id, client_id)', "A position is stored once per client id.")
    _user_time_idx = models.Index('(user_id, device_time DESC, id DESC)')
    _device_time_idx = models.Index('(device_time)')

    @api.depends('user_id', 'device_time')
    def _compute_display_name(self):
        for location in self:
            location.display_name = f"{location.user_id.name} {fields.Datetime.to_string(location.device_time)}"

    # ------------------------------------------------------------------
    # Ingestion
    # ------------------------------------------------------------------

    @api.model
    def _ingest_positions(self, positions, device_id=None, batch_client_id=None):
        """Store a batch of positions of the current user.

        :param positions: list of dicts with ``client_id``, ``latitude``, ``longitude``,
            ``accuracy`` and ``timestamp`` (ISO 8601 or epoch ms); optional ``speed``,
            ``heading``, ``is_mock``
        :return: ``{'accepted', 'duplicates', 'errors': [{'index', 'client_id', 'field', 'reason'}]}``
        :raise ItemError: when the batch itself is unusable (not a list, over the limit)
        """
        if not isinstance(positions, list):
            raise ItemError('positions', self.env._("must be a list"))
        if len(positions) > MAX_BATCH:
            raise ItemError('positions', self.env._("has %(count)s items; a batch holds at most %(max)s",
                                                    count=len(positions), max=MAX_BATCH))
        user = self.env.user
        if not user.has_group('collection_field.collection_field_group_agent'):
            raise AccessError(self.env._("Only field agents send their positions."))
        company = user.company_id
        now = fields.Datetime.now()
        tolerance = company.collection_field_future_tolerance
        threshold = company.collection_field_accuracy_threshold
        errors = []
        rows = {}
        for index, item in enumerate(positions):
            client_id = None
            try:
                if not isinstance(item, dict):
                    raise ItemError('item', self.env._("must be an object"))
                client_id = parse_client_id(item)
                latitude, longitude, accuracy = parse_position(item)
                device_time = parse_time(item, 'timestamp', now, tolerance)
                speed = parse_number(item, 'speed', required=False, minimum=0.0)
                heading = parse_number(item, 'heading', required=False, minimum=0.0, maximum=360.0)
                is_mock = parse_bool(item, 'is_mock')
            except ItemError as error:
                errors.append(error.as_dict(index, client_id, self.env))
                continue
            if client_id in rows:
                continue  # the same position twice in one batch: stored once
            rows[client_id] = (latitude, longitude, accuracy, speed, heading, device_time, is_mock,
                               accuracy > threshold)
        accepted = self._insert_rows(user, rows, now, device_id) if rows else []
        duplicates = len(rows) - len(accepted)
        if accepted:
            self._flag_speeds(user, accepted)
            self._record_batch_event(user, rows, accepted, now, device_id, batch_client_id)
        return {'accepted': len(accepted), 'duplicates': duplicates, 'errors': errors}

    @api.model
    def _insert_rows(self, user, rows, now, device_id, source='ping'):
        """Insert ``rows`` ({client_id: values}); returns ``[(id, client_id, device_time)]`` of the
        rows actually inserted (retries are skipped by the unique constraint)."""
        client_ids = list(rows)
        columns = list(zip(*rows.values()))
        return self.env.execute_query(SQL("""
            INSERT INTO collection_agent_location
                   (user_id, company_id, client_id, latitude, longitude, accuracy, speed, heading,
                    device_time, is_mock_location, is_low_accuracy, server_time, device_id, source,
                    is_speed_flagged)
            SELECT %(uid)s, %(company)s, v.client_id, v.latitude, v.longitude, v.accuracy, v.speed, v.heading,
                   v.device_time, v.is_mock, v.low, %(now)s, %(device)s, %(source)s, FALSE
              FROM unnest(%(client_ids)s::varchar[], %(lat)s::float8[], %(lon)s::float8[], %(acc)s::float8[],
                          %(speed)s::float8[], %(heading)s::float8[], %(time)s::timestamp[],
                          %(mock)s::bool[], %(low)s::bool[])
                   AS v(client_id, latitude, longitude, accuracy, speed, heading, device_time, is_mock, low)
            ON CONFLICT (user_id, client_id) DO NOTHING
         RETURNING id, client_id, device_time
        """, uid=user.id, company=user.company_id.id, now=now, device=device_id or None, source=source,
            client_ids=client_ids, lat=list(columns[0]), lon=list(columns[1]), acc=list(columns[2]),
            speed=list(columns[3]), heading=list(columns[4]), time=list(columns[5]), mock=list(columns[6]),
            low=list(columns[7])))

    @api.model
    def _flag_speeds(self, user, inserted):
        """Flag the new positions that the agent could not have reached from the position before.

        The positions between the one just before the batch and the batch's last are read in
        device-time order, so that late (offline) batches are judged against their neighbours.
        The distance counts beyond both positions' accuracy, so GPS jitter is not a move.
        """
        new_ids = {row[0] for row in inserted}
        first = min(row[2] for row in inserted)
        last = max(row[2] for row in inserted)
        limit_mps = user.company_id.collection_field_max_speed_kmh / 3.6
        track = self.env.execute_query(SQL("""
            (SELECT id, latitude, longitude, COALESCE(accuracy, 0), device_time
               FROM collection_agent_location
              WHERE user_id = %(uid)s AND device_time < %(first)s
           ORDER BY device_time DESC, id DESC LIMIT 1)
            UNION ALL
            (SELECT id, latitude, longitude, COALESCE(accuracy, 0), device_time
               FROM collection_agent_location
              WHERE user_id = %(uid)s AND device_time BETWEEN %(first)s AND %(last)s)
            ORDER BY 5, 1
        """, uid=user.id, first=first, last=last))
        flagged = [current[0] for previous, current in zip(track, track[1:])
                   if current[0] in new_ids and is_impossible_move(previous, current, limit_mps)]
        if flagged:
            self.env.execute_query(SQL(
                "UPDATE collection_agent_location SET is_speed_flagged = TRUE WHERE id = ANY(%s)", flagged))
        return flagged

    @api.model
    def _record_batch_event(self, user, rows, accepted, now, device_id, batch_client_id):
        """One chained event per stored batch; its payload fingerprints the stored positions."""
        digest = hashlib.sha256()
        for _row_id, client_id, _time in sorted(accepted, key=lambda r: r[1]):
            latitude, longitude, accuracy, _speed, _heading, device_time, is_mock, _low = rows[client_id]
            digest.update(f"{client_id};{latitude!r};{longitude!r};{accuracy!r};"
                          f"{fields.Datetime.to_string(device_time)};{int(is_mock)}\n".encode())
        times = [row[2] for row in accepted]
        client_id = batch_client_id or 'batch-' + hashlib.sha256(
            ''.join(sorted(row[1] for row in accepted)).encode()).hexdigest()[:40]
        event, _created = self.env['collection.field.event']._record(
            user, 'ping_batch', client_id, max(times), {
                'count': len(accepted),
                'first_time': fields.Datetime.to_string(min(times)),
                'last_time': fields.Datetime.to_string(max(times)),
                'device_id': device_id or '',
                'positions_sha256': digest.hexdigest(),
            })
        self.env.execute_query(SQL(
            "UPDATE collection_agent_location SET event_id = %s WHERE id = ANY(%s)",
            event.id, [row[0] for row in accepted]))
        return event

    @api.model
    def _add_check_in_position(self, user, client_id, latitude, longitude, accuracy, device_time, is_mock, event):
        """Store a check-in as a position of the agent's track; returns whether its speed is impossible."""
        threshold = user.company_id.collection_field_accuracy_threshold
        inserted = self._insert_rows(user, {
            'checkin-' + client_id: (latitude, longitude, accuracy, None, None, device_time, is_mock,
                                     accuracy > threshold),
        }, fields.Datetime.now(), None, source='check_in')
        if not inserted:
            return False
        self.env.execute_query(SQL(
            "UPDATE collection_agent_location SET event_id = %s WHERE id = %s", event.id, inserted[0][0]))
        return bool(self._flag_speeds(user, inserted))

    # ------------------------------------------------------------------
    # History and retention
    # ------------------------------------------------------------------

    @api.model
    def _get_day_track(self, user, day):
        """The positions of ``user`` on ``day`` (UTC), in device-time order, as this model's records."""
        start = fields.Datetime.to_datetime(day)
        return self.search([
            ('user_id', '=', user.id), ('device_time', '>=', start), ('device_time', '<', start + timedelta(days=1)),
        ], order='device_time, id')

    def _to_geojson(self, track=True):
        """A GeoJSON FeatureCollection: the track as a LineString (one agent's positions in time
        order; ``track=False`` for positions of several agents), then each position as a Point."""
        features = []
        coordinates = [[loc.longitude, loc.latitude] for loc in self]
        if track and len(coordinates) > 1:
            features.append({
                'type': 'Feature',
                'geometry': {'type': 'LineString', 'coordinates': coordinates},
                'properties': {'kind': 'track', 'points': len(coordinates),
                               'agent': self.user_id[:1].name, 'agent_id': self.user_id[:1].id},
            })
        for loc in self:
            features.append({
                'type': 'Feature',
                'geometry': {'type': 'Point', 'coordinates': [loc.longitude, loc.latitude]},
                'properties': {
                    'kind': loc.source,
                    'agent': loc.user_id.name,
                    'agent_id': loc.user_id.id,
                    'time': fields.Datetime.to_string(loc.device_time) + 'Z',
                    'accuracy': loc.accuracy,
                    'flags': [flag for flag, value in (
                        ('mock', loc.is_mock_location), ('low_accuracy', loc.is_low_accuracy),
                        ('speed', loc.is_speed_flagged)) if value],
                },
            })
        return {'type': 'FeatureCollection', 'features': features}

    @api.model
    def _cron_clean_positions(self):
        """Delete positions older than each company's retention period, in batches."""
        cron = self.env['ir.cron']
        in_cron = bool(self.env.context.get('cron_id'))
        total = 0
        for company in self.env['res.company'].sudo().search([]):
            cutoff = fields.Datetime.now() - timedelta(days=company.collection_field_retention_days)
            while True:
                deleted = self.env.execute_query(SQL("""
                    DELETE FROM collection_agent_location
                     WHERE id IN (SELECT id FROM collection_agent_location
                                   WHERE company_id = %s AND device_time < %s LIMIT %s)
                 RETURNING id
                """, company.id, cutoff, CLEANUP_BATCH))
                if not deleted:
                    break
                total += len(deleted)
                if in_cron and not cron._commit_progress(len(deleted)):
                    break
                if len(deleted) < CLEANUP_BATCH:
                    break
        _logger.info("Deleted %s field positions older than their company's retention", total)
        self.invalidate_model()
        return total


def is_impossible_move(previous, current, limit_mps):
    """Whether moving between two ``(id, lat, lon, accuracy, time)`` positions beats ``limit_mps``.

    The distance counts beyond both positions' accuracy radius; two positions at the same
    second that are farther apart than that are impossible.
    """
    distance = haversine_m(previous[1], previous[2], current[1], current[2]) - (previous[3] or 0) - (current[3] or 0)
    if distance <= 0:
        return False
    seconds = (current[4] - previous[4]).total_seconds()
    return seconds <= 0 or distance / seconds > limit_mps
