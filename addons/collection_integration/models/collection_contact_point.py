from odoo import api, models

# changes of these fields are worth telling other systems about
EVENT_FIELDS = ('kind', 'value', 'state', 'is_primary', 'is_do_not_call', 'active', 'source')


class CollectionContactPoint(models.Model):
    """Outbox event ``contact.updated`` when a contact point is added or changed."""

    _inherit = 'collection.contact.point'

    @api.model_create_multi
    def create(self, vals_list):
        points = super().create(vals_list)
        self.env['collection.event']._emit_each('contact.updated', points, lambda p: p._get_event_payload('created'))
        return points

    def write(self, vals):
        watched = [fname for fname in EVENT_FIELDS if fname in vals]
        before = {point.id: tuple(point[fname] for fname in watched) for point in self} if watched else {}
        result = super().write(vals)
        if watched:
            changed = self.filtered(lambda p: tuple(p[fname] for fname in watched) != before[p.id])
            self.env['collection.event']._emit_each(
                'contact.updated', changed, lambda p: p._get_event_payload('updated'))
        return result

    def _get_event_payload(self, change):
        self.ensure_one()
        return {
            'change': change,
            'contact_id': self.id,
            'cif': self.partner_id.cif or None,
            'partner_id': self.partner_id.id,
            'kind': self.kind,
            'value': self.value,
            'phone_e164': self.phone_e164 or None,
            'state': self.state,
            'source': self.source,
            'is_primary': self.is_primary,
            'is_do_not_call': self.is_do_not_call,
            'active': self.active,
        }
