from odoo import fields, models


class CollectionLegalLineMixin(models.AbstractModel):
    """A dated line of a litigation file (a cost, an enforcement step), in its currency."""
    _name = 'collection.legal.line.mixin'
    _description = 'Legal Case Line'
    _order = 'date, id'

    legal_case_id = fields.Many2one('collection.legal.case', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='legal_case_id.company_id', store=True)
    currency_id = fields.Many2one(related='legal_case_id.currency_id')
    date = fields.Date(required=True, default=fields.Date.context_today)
