from odoo import api, models


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
