from odoo import models


class CollectionTeam(models.Model):
    _inherit = 'collection.team'

    def _get_last_positions(self):
        """The last known position of each agent of the team, as ``collection.agent.location`` rows."""
        self.ensure_one()
        last = self.member_ids._get_last_field_positions()
        return self.env['collection.agent.location'].browse([row['id'] for row in last.values()])

    def action_view_last_positions(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Last positions of %(team)s", team=self.name),
            'res_model': 'collection.agent.location',
            'view_mode': 'list,form',
            'domain': [('id', 'in', self._get_last_positions().ids)],
            'context': {'create': False},
        }

    def action_verify_field_chains(self):
        """Verify the field event chain of each agent of the team."""
        self.ensure_one()
        agents = self.member_ids.filtered(lambda user: user.has_group('collection_field.collection_field_group_agent'))
        return self.env['collection.field.event']._verify_chain_notification(agents)

    def action_download_positions_geojson(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': f"/collection_field/team/{self.id}/positions.geojson",
                'target': 'new'}

    def action_view_flagged_visits(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('collection_field.collection_visit_action_flagged')
        action['domain'] = [('team_id', '=', self.id), ('is_flagged', '=', True)]
        return action
