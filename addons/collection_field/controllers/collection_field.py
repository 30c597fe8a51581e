"""HTTP endpoints of field devices.

Two flavours of the same calls:

- ``/collection_field/<call>`` (``type='jsonrpc'``, session): the Odoo web client / mobile app;
- ``/collection_field/api/<call>`` (``type='http'``, ``auth='bearer'``): devices and integrations
  with an API key, JSON in and out; a batch with invalid items answers HTTP 400 with one error
  per item (field and reason) after storing the valid items.
"""
import json

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import LazyTranslate

from ..tools.payload import ItemError, parse_number, parse_position

_lt = LazyTranslate(__name__)


def _json_response(payload, status=200, content_type='application/json'):
    return request.make_response(
        json.dumps(payload, default=str), headers=[('Content-Type', content_type)], status=status)


def _use_user_lang():
    """Answer an API-key call in the language of the key's user (the request's own context
    only knows the browser's language)."""
    lang = request.env.user.lang
    if lang and lang != request.env.lang:
        request.update_context(lang=lang)


def _read_json_body():
    try:
        body = json.loads(request.httprequest.get_data(as_text=True) or 'null')
    except ValueError:
        raise ItemError('body', _lt("is not valid JSON")) from None
    if not isinstance(body, dict):
        raise ItemError('body', _lt("must be a JSON object"))
    return body


class CollectionFieldController(http.Controller):

    # ------------------------------------------------------------------
    # Pings
    # ------------------------------------------------------------------

    @http.route('/collection_field/pings', type='jsonrpc', auth='user', methods=['POST'])
    def pings(self, positions, device_id=None, batch_id=None):
        try:
            return request.env['collection.agent.location']._ingest_positions(
                positions, device_id=device_id, batch_client_id=batch_id)
        except ItemError as error:
            return {'accepted': 0, 'duplicates': 0, 'errors': [error.as_dict(env=request.env)]}

    @http.route('/collection_field/api/pings', type='http', auth='bearer', methods=['POST'], csrf=False,
                save_session=False)
    def api_pings(self):
        _use_user_lang()
        try:
            body = _read_json_body()
            result = request.env['collection.agent.location']._ingest_positions(
                body.get('positions'), device_id=body.get('device_id'), batch_client_id=body.get('batch_id'))
        except ItemError as error:
            return _json_response(
                {'accepted': 0, 'duplicates': 0, 'errors': [error.as_dict(env=request.env)]}, status=400)
        return _json_response(result, status=400 if result['errors'] else 200)

    # ------------------------------------------------------------------
    # Events (check-in, outcome, photo), possibly delivered late from an offline queue
    # ------------------------------------------------------------------

    @http.route('/collection_field/events', type='jsonrpc', auth='user', methods=['POST'])
    def events(self, events):
        try:
            return request.env['collection.visit']._process_events(events)
        except ItemError as error:
            return {'accepted': 0, 'duplicates': 0, 'errors': [error.as_dict(env=request.env)], 'results': []}

    @http.route('/collection_field/api/events', type='http', auth='bearer', methods=['POST'], csrf=False,
                save_session=False)
    def api_events(self):
        _use_user_lang()
        try:
            body = _read_json_body()
            result = request.env['collection.visit']._process_events(body.get('events'))
        except ItemError as error:
            return _json_response({'accepted': 0, 'duplicates': 0, 'errors': [error.as_dict(env=request.env)],
                                   'results': []}, status=400)
        return _json_response(result, status=400 if result['errors'] else 200)

    # ------------------------------------------------------------------
    # Nearby customers
    # ------------------------------------------------------------------

    @http.route('/collection_field/nearby', type='jsonrpc', auth='user', methods=['POST'])
    def nearby(self, latitude, longitude, accuracy=0.0, radius=None):
        env = request.env
        Case = env['collection.case']
        if not Case._can_search_nearby():
            return self._nearby_forbidden('user', env._(
                "only field agents, supervisors and managers search nearby customers"))
        try:
            company = env.company  # refuses a company outside the user's companies
        except AccessError as error:
            return self._nearby_forbidden('company', str(error))
        try:
            latitude, longitude, _accuracy = parse_position(
                {'latitude': latitude, 'longitude': longitude, 'accuracy': accuracy})
            radius = parse_number({'radius': radius}, 'radius', required=False, minimum=1.0, maximum=50000.0)
        except ItemError as error:
            return {'errors': [error.as_dict()], 'cases': []}
        radius = radius or company.collection_field_nearby_radius
        found = Case._search_nearby(latitude, longitude, radius, company=company)
        cases = Case.sudo().browse([row['case_id'] for row in found])
        return {'errors': [], 'cases': [{
            'case_id': case.id,
            'customer': case.partner_id.name,
            'overdue': case.total_overdue,
            'currency': case.currency_id.name,
            'distance': round(row['distance'], 1),
            'latitude': row['latitude'],
            'longitude': row['longitude'],
        } for row, case in zip(found, cases)]}

    @staticmethod
    def _nearby_forbidden(field, reason):
        """The nearby search refused to this user: a 403-style answer (JSON-RPC stays HTTP 200)."""
        return {'status': 403, 'errors': [{'field': field, 'reason': reason}], 'cases': []}

    # ------------------------------------------------------------------
    # Route history and last positions as GeoJSON
    # ------------------------------------------------------------------

    @http.route('/collection_field/track/<int:user_id>/<string:day>.geojson', type='http', auth='user',
                methods=['GET'])
    def track_geojson(self, user_id, day):
        env = request.env
        try:
            day = fields.Date.to_date(day)
        except ValueError:
            raise NotFound() from None
        user = env['res.users'].browse(user_id).exists()
        if not user:
            raise NotFound()
        # the search applies the record rules: agents get their own track, supervisors their team's
        track = env['collection.agent.location']._get_day_track(user, day)
        return _json_response(track._to_geojson(), content_type='application/geo+json')

    @http.route('/collection_field/team/<int:team_id>/positions.geojson', type='http', auth='user',
                methods=['GET'])
    def team_positions_geojson(self, team_id):
        team = request.env['collection.team'].browse(team_id).exists()
        if not team:
            raise NotFound()
        positions = team._get_last_positions()._filtered_access('read')
        return _json_response(positions._to_geojson(track=False), content_type='application/geo+json')
