from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.geo import bounding_box

NEARBY_LIMIT = 50
# who may list the overdue customers around a position (names, overdue amounts): field work only
NEARBY_GROUPS = ('collection_field.collection_field_group_agent', 'collection_base.collection_base_group_supervisor')


class CollectionCase(models.Model):
    _inherit = 'collection.case'

    field_user_id = fields.Many2one(
        'res.users', string="Field Agent", index='btree_not_null', tracking=True, copy=False,
        help="The field agent of the case's latest assigned visit. A field agent sees the case while "
             "they have an open (planned or checked-in) visit of it.")
    visit_ids = fields.One2many(
        'collection.visit', 'case_id', string="Visits",
        groups='collection_base.collection_base_group_agent,collection_field.collection_field_group_agent')
    visit_count = fields.Integer(
        compute='_compute_visit_count',
        groups='collection_base.collection_base_group_agent,collection_field.collection_field_group_agent')

    # nearby customers: the cases worth a visit, looked up by customer (index-only)
    _nearby_visit_idx = models.Index(
        "(partner_id, company_id) INCLUDE (id) WHERE active AND total_overdue > 0 AND stage != 'closed'")

    def _compute_visit_count(self):
        Visit = self.env['collection.visit']
        # users outside collection (agency officers, ...) open cases without seeing visits
        counts = dict(Visit._read_group(
            [('case_id', 'in', self.ids)], ['case_id'], ['__count'])) if Visit.has_access('read') else {}
        for case in self:
            case.visit_count = counts.get(case, 0)

    def action_view_visits(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_field.collection_visit_action')
        action['domain'] = [('case_id', '=', self.id)]
        action['context'] = {'default_case_id': self.id}
        return action

    def action_plan_visit(self):
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Plan Visits"),
            'res_model': 'collection.visit.plan',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': self._name, 'active_ids': self.ids},
        }

    @api.model
    def _can_search_nearby(self):
        """Whether the current user may search nearby customers: field agents, supervisors and
        managers; not back-office agents nor other internal users (agency officers, ...)."""
        return self.env.su or any(self.env.user.has_group(group) for group in NEARBY_GROUPS)

    @api.model
    def _search_nearby(self, latitude, longitude, radius_m, limit=NEARBY_LIMIT, company=None):
        """Cases with an overdue amount whose customer's address lies within ``radius_m`` of the
        position, nearest first.

        A box around the position is matched against the GiST index on the addresses' points
        (``point(longitude, latitude) <@ box``), the cases against a partial index of the cases
        worth a visit; only the rows in the box get the exact great-circle distance.

        :return: list of dicts ``case_id``, ``partner_id``, ``distance`` (m), ``latitude``,
            ``longitude`` (of the nearest address of the customer)
        """
        company = company or self.env.company
        min_lat, min_lon, max_lat, max_lon = bounding_box(latitude, longitude, radius_m)
        distance = SQL("""2 * 6371008.8 * asin(least(1.0, sqrt(
            power(sin(radians(p.latitude::float8 - %(lat)s) / 2), 2)
            + cos(radians(%(lat)s)) * cos(radians(p.latitude::float8))
              * power(sin(radians(p.longitude::float8 - %(lon)s) / 2), 2))))""", lat=latitude, lon=longitude)
        return self.env.execute_query_dict(SQL("""
            SELECT case_id, partner_id, latitude, longitude, distance FROM (
                SELECT DISTINCT ON (c.id) c.id AS case_id, c.partner_id,
                       p.latitude::float8 AS latitude, p.longitude::float8 AS longitude, %(distance)s AS distance
                  FROM collection_contact_point p
                  JOIN collection_case c ON c.partner_id = p.partner_id
                 WHERE point(p.longitude::float8, p.latitude::float8)
                       <@ box(point(%(min_lon)s, %(min_lat)s), point(%(max_lon)s, %(max_lat)s))
                   AND p.kind = 'address' AND p.active AND p.latitude IS NOT NULL
                   AND c.active AND c.total_overdue > 0 AND c.stage != 'closed'
                   AND c.company_id = %(company)s
                   AND %(distance)s <= %(radius)s
              ORDER BY c.id, distance
            ) nearby
          ORDER BY distance, case_id
             LIMIT %(limit)s
        """, distance=distance, min_lat=min_lat, min_lon=min_lon, max_lat=max_lat, max_lon=max_lon,
            company=company.id, radius=radius_m, limit=limit))
