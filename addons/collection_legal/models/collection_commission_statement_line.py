from odoo import fields, models


class CollectionCommissionStatementLine(models.Model):
    _name = 'collection.commission.statement.line'
    _description = 'Commission Statement Line'
    _order = 'statement_id, id'

    statement_id = fields.Many2one('collection.commission.statement', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one(related='statement_id.currency_id')
    placement_id = fields.Many2one('collection.placement', readonly=True)
    case_id = fields.Many2one('collection.case', readonly=True)
    partner_id = fields.Many2one(related='case_id.partner_id', string="Customer")
    bucket_id = fields.Many2one('collection.bucket', string="Bucket at Placement", readonly=True)
    payment_count = fields.Integer(string="Payments", readonly=True)
    recovered_amount = fields.Monetary(string="Recovered", readonly=True)
    rate = fields.Float(string="Rate (%)", digits=(7, 4), readonly=True)
    commission_uncapped = fields.Monetary(string="Commission before Cap", readonly=True)
    commission = fields.Monetary(readonly=True)
    is_capped = fields.Boolean(string="Capped", readonly=True)
    equipment_count = fields.Integer(string="Equipment Units", readonly=True)
    equipment_fee = fields.Monetary(readonly=True)
