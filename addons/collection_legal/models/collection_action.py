from odoo import fields, models


class CollectionAction(models.Model):
    _inherit = 'collection.action'

    letter_template_id = fields.Many2one(
        'collection.letter.template', string="Letter Template", readonly=True, index='btree_not_null',
        help="The template of the letter this action sent.")
    collateral_id = fields.Many2one(
        'collection.collateral', string="Collateral", index='btree_not_null',
        domain="[('case_id', '=', case_id)]",
        help="The asset this action is about, e.g. the equipment collected.")
    incident_id = fields.Many2one('collection.recovery.incident', string="Recovery Incident", index='btree_not_null')
