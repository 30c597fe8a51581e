from odoo import fields, models


class CollectionRepossessionCheck(models.Model):
    _name = 'collection.repossession.check'
    _description = 'Repossession Condition Check'
    _order = 'repossession_id, sequence, id'

    repossession_id = fields.Many2one('collection.repossession', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='repossession_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Item", required=True)
    condition = fields.Selection([
        ('good', 'Good'),
        ('fair', 'Fair'),
        ('damaged', 'Damaged'),
        ('missing', 'Missing'),
    ])
    note = fields.Char()
