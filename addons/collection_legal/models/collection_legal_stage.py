from odoo import fields, models


class CollectionLegalStage(models.Model):
    _name = 'collection.legal.stage'
    _description = 'Legal Case Stage'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in Pipeline")
    is_closed = fields.Boolean(string="Closing Stage", help="Cases in this stage are finished.")
