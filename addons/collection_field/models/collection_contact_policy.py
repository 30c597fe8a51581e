from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

CAP_WINDOW_DAYS = 7


class CollectionContactPolicy(models.Model):
    _inherit = 'collection.contact.policy'

    @api.model
    def _get_policy_values(self, channel):
        """Planning a day of visits asks every rule but the hours: the day is planned before its
        visiting hours start, and the check-in is judged against them."""
        values = super()._get_policy_values(channel)
        if self.env.context.get('collection_field_planning'):
            for policy in values.values():
                policy.update(hour_from=0.0, hour_to=24.0)
        return values

    def _query_contact_counts(self, rows, channel, at, evaluation):
        """When visits are planned for a day (context ``collection_field_planning``, the day),
        the 7-day visit cap also counts the open visits already planned around that day."""
        counts = super()._query_contact_counts(rows, channel, at, evaluation)
        day = self.env.context.get('collection_field_planning')
        if channel != 'visit' or not day:
            return counts
        capped = [row['id'] for row in rows if row['policy'] and row['policy']['max_per_week']]
        for case_id, week in self._query_planned_visit_counts(capped, day, at).items():
            today, posted_week = counts.get(case_id, (0, 0))
            counts[case_id] = (today, max(posted_week, week))
        return counts

    def _query_planned_visit_counts(self, case_ids, day, at):
        """``{case_id: n}``: the most visits, posted or planned, that any 7-day window holding
        ``day`` would see for each case (the visit being planned on ``day`` aside).

        A window is the 7 days up to ``day`` plus 0 to 6 days; a planned visit counts on its
        date, a posted visit action at its time. Open visits count when they are still to come
        (planned for today or later) or checked in (the customer was met, no action yet); a
        visit already on ``day`` is left to the "already planned" check. Two set-based queries.
        """
        if not case_ids:
            return {}
        self.env.flush_all()
        today = fields.Date.context_today(self)
        last = CAP_WINDOW_DAYS - 1
        planned = self.env.execute_query(SQL("""
            SELECT v.case_id, v.date
              FROM collection_visit v
             WHERE v.case_id = ANY(%(ids)s)
               AND v.date BETWEEN %(first)s AND %(last)s AND v.date <> %(day)s
               AND (v.state = 'checked_in' OR (v.state = 'planned' AND v.date >= %(today)s))
        """, ids=case_ids, first=day - timedelta(days=last), last=day + timedelta(days=last), day=day,
            today=today))
        posted = self.env.execute_query(SQL("""
            SELECT a.case_id, a.date
              FROM collection_action a
              JOIN collection_action_type t ON t.id = a.action_type_id
             WHERE a.case_id = ANY(%(ids)s) AND a.state = 'posted' AND a.channel = 'visit' AND t.is_outbound
               AND a.date > %(since)s AND a.date <= %(at)s
        """, ids=case_ids, since=at - timedelta(days=CAP_WINDOW_DAYS), at=at))
        planned_by_case, posted_by_case = {}, {}
        for case_id, date in planned:
            planned_by_case.setdefault(case_id, []).append(date)
        for case_id, moment in posted:
            posted_by_case.setdefault(case_id, []).append(moment)
        result = {}
        for case_id in planned_by_case.keys() | posted_by_case.keys():
            dates, moments = planned_by_case.get(case_id, []), posted_by_case.get(case_id, [])
            result[case_id] = max(
                sum(1 for date in dates if day + timedelta(days=shift - last) <= date <= day + timedelta(days=shift))
                + sum(1 for moment in moments if moment > at + timedelta(days=shift - CAP_WINDOW_DAYS))
                for shift in range(CAP_WINDOW_DAYS))
        return result
