from odoo import fields, models
from odoo.exceptions import UserError


class CollectionCollateral(models.Model):
    _inherit = 'collection.collateral'

    status = fields.Selection(
        selection_add=[('collected', 'Collected, awaiting return')],
        ondelete={'collected': 'set default'})
    incident_id = fields.Many2one(
        'collection.recovery.incident', string="Recovery Incident", index='btree_not_null', copy=False)
    recovery_collected_date = fields.Date(string="Collected On", readonly=True, copy=False)
    recovery_collected_by_id = fields.Many2one('res.users', string="Collected By", readonly=True, copy=False)
    recovery_approved_date = fields.Date(
        string="Return Approved On", readonly=True, copy=False, index='btree_not_null',
        help="Date the return-management step accepted the equipment back.")
    recovery_approved_by_id = fields.Many2one('res.users', string="Return Approved By", readonly=True, copy=False)
    recovery_placement_id = fields.Many2one(
        'collection.placement', string="Recovered Under Placement", readonly=True, copy=False,
        index='btree_not_null', help="The agency placement credited with the recovery (equipment fee).")
    repossession_ids = fields.One2many('collection.repossession', 'collateral_id', string="Repossessions")

    def action_mark_collected(self):
        """The equipment was picked up at the customer's (by an officer or an agent)."""
        for incident, units in self.grouped('incident_id').items():
            if not incident:
                raise UserError(self.env._("%(asset)s is not part of a recovery incident.", asset=units[0].display_name))
            incident._collect_equipment(units)
        return True

    def action_approve_return(self):
        """Return management accepts the collected equipment."""
        for incident, units in self.grouped('incident_id').items():
            if not incident:
                raise UserError(self.env._("%(asset)s is not part of a recovery incident.", asset=units[0].display_name))
            incident._approve_return(units)
        return True
