from datetime import timedelta

from odoo import api, fields, models


class CollectionHearingMixin(models.AbstractModel):
    """A hearing (mediation board or court) of a case, kept in the calendar of the people attending it.

    The events are private: other users see the time as busy, not the customer or the case.
    """
    _name = 'collection.hearing.mixin'
    _description = 'Hearing in the Calendar'

    date_start = fields.Datetime(string="Date", required=True, tracking=True)
    duration = fields.Float(string="Duration (hours)", default=1.0)
    venue = fields.Char(tracking=True)
    calendar_event_id = fields.Many2one('calendar.event', string="Calendar Event", readonly=True, copy=False)

    def _get_event_attendees(self):
        """res.users attending the hearing (the event's organizer is the first)."""
        raise NotImplementedError

    def _get_event_name(self):
        raise NotImplementedError

    def _get_event_values(self):
        self.ensure_one()
        users = self._get_event_attendees()
        return {
            'name': self._get_event_name(),
            'start': self.date_start,
            'stop': self.date_start + timedelta(hours=self.duration or 1.0),
            'duration': self.duration or 1.0,
            'location': self.venue,
            'privacy': 'private',
            # nobody attending (an officer recalled): the case's agent keeps it in view
            'user_id': users[:1].id or self.case_id.user_id.id or self.env.uid,
            'partner_ids': [(6, 0, users.partner_id.ids)],
            'res_model_id': self.env['ir.model']._get_id(self._name),
            'res_id': self.id,
        }

    def _sync_calendar_events(self):
        Event = self.env['calendar.event'].sudo()
        for hearing in self:
            values = hearing._get_event_values()
            if hearing.calendar_event_id:
                hearing.calendar_event_id.sudo().write(values)
            else:
                hearing.calendar_event_id = Event.create(values)

    @api.model_create_multi
    def create(self, vals_list):
        hearings = super().create(vals_list)
        hearings._sync_calendar_events()
        return hearings

    def write(self, vals):
        result = super().write(vals)
        if {'date_start', 'duration', 'venue'} & vals.keys() or self._get_attendee_fields() & vals.keys():
            self._sync_calendar_events()
        return result

    def _get_attendee_fields(self):
        return set()

    @api.ondelete(at_uninstall=False)
    def _unlink_calendar_events(self):
        self.calendar_event_id.sudo().unlink()

    def action_open_calendar_event(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'calendar.event',
            'res_id': self.calendar_event_id.id,
            'view_mode': 'form',
        }
