from odoo import fields, models


class CollectionStrategyDate(models.Model):
    _name = 'collection.strategy.date'
    _description = 'Collection Strategy Run Date'
    _order = 'date'

    strategy_id = fields.Many2one('collection.strategy', required=True, index=True, ondelete='cascade')
    date = fields.Date(required=True)

    _strategy_date_uniq = models.Constraint(
        'unique(strategy_id, date)', "A run date is listed once per strategy.")
