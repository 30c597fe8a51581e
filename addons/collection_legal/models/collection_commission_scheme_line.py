from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CollectionCommissionSchemeLine(models.Model):
    _name = 'collection.commission.scheme.line'
    _description = 'Commission Rate Tier'
    _order = 'scheme_id, bucket_id, amount_from, id'

    scheme_id = fields.Many2one('collection.commission.scheme', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='scheme_id.company_id', store=True)
    currency_id = fields.Many2one(related='scheme_id.currency_id')
    bucket_id = fields.Many2one(
        'collection.bucket', string="Bucket at Placement",
        help="The tier applies to cases placed in this bucket; empty: to the buckets without tiers of their own.")
    amount_from = fields.Monetary(
        string="From Recovered", help="The rate applies to the agency's monthly recoveries in this bucket above "
                                      "this amount, up to the next tier.")
    rate = fields.Float(string="Rate (%)", digits=(5, 2), required=True)

    _tier_uniq = models.UniqueIndex(
        '(scheme_id, COALESCE(bucket_id, 0), amount_from)', "A scheme has one rate per bucket and threshold.")

    @api.constrains('rate', 'amount_from')
    def _check_rate(self):
        for line in self:
            if not 0 <= line.rate <= 100 or line.amount_from < 0:
                raise ValidationError(self.env._(
                    "A commission rate of %(scheme)s must be between 0 and 100%% from a positive amount.",
                    scheme=line.scheme_id.name))
