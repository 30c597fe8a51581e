from odoo import fields, models


class CollectionCommissionStatementLine(models.Model):
    """One placement credited in a statement. Written in bulk by the statement's SQL: the case,
    customer and bucket are read through the placement (a stored foreign key costs a check per
    line, and a statement has tens of thousands of lines)."""
    _name = 'collection.commission.statement.line'
    _description = 'Commission Statement Line'
    _order = 'statement_id, id'

    statement_id = fields.Many2one('collection.commission.statement', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='statement_id.company_id')
    currency_id = fields.Many2one(related='statement_id.currency_id')
    placement_id = fields.Many2one('collection.placement', readonly=True)
    case_id = fields.Many2one(related='placement_id.case_id')
    partner_id = fields.Many2one(related='placement_id.partner_id', string="Customer")
    bucket_id = fields.Many2one(related='placement_id.bucket_id', string="Bucket at Placement")
    payment_count = fields.Integer(string="Payments", readonly=True)
    recovered_amount = fields.Monetary(string="Recovered", readonly=True)
    rate = fields.Float(string="Rate (%)", digits=(7, 4), readonly=True)
    commission_uncapped = fields.Monetary(string="Commission before Cap", readonly=True)
    commission = fields.Monetary(readonly=True)
    is_capped = fields.Boolean(string="Capped", readonly=True)
    equipment_count = fields.Integer(string="Equipment Units", readonly=True)
    equipment_fee = fields.Monetary(readonly=True)
