from odoo import fields, models


class CollectionPtp(models.Model):
    _inherit = 'collection.ptp'

    hardship_id = fields.Many2one('collection.hardship.request', string="Hardship Plan", index='btree_not_null',
                                  readonly=True, copy=False)
