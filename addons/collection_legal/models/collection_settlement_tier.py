from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionSettlementTier(models.Model):
    """Who approves a settlement, by its discount: the first tier whose limit covers the discount."""
    _name = 'collection.settlement.tier'
    _description = 'Settlement Approval Tier'
    _order = 'max_discount, id'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name')
    company_id = fields.Many2one('res.company', index=True, help="Empty: the tier applies in every company.")
    max_discount = fields.Float(
        string="Up to Discount (%)", required=True, digits=(5, 2),
        help="Settlements with a discount up to this share of the balance are approved at this tier.")
    group_id = fields.Many2one(
        'res.groups', string="Approved By", required=True,
        help="Users of this group (and of the groups that include it) approve at this tier.")

    _limit_uniq = models.UniqueIndex(
        '(COALESCE(company_id, 0), max_discount)', "Two tiers cannot have the same limit.")

    @api.depends('max_discount', 'group_id')
    def _compute_name(self):
        for tier in self:
            tier.name = self.env._("Up to %(limit)s%%: %(group)s", limit=tier.max_discount,
                                   group=tier.group_id.name or '')

    @api.constrains('max_discount')
    def _check_max_discount(self):
        for tier in self:
            if not 0 <= tier.max_discount <= 100:
                raise ValidationError(self.env._("A tier's discount limit is between 0 and 100%%."))

    @api.model
    def _get_tier(self, discount_pct, company):
        """The tier that approves ``discount_pct`` in ``company`` (its own tiers replace the shared ones)."""
        tiers = self.search([('company_id', '=', company.id)]) or self.search([('company_id', '=', False)])
        for tier in tiers.sorted('max_discount'):
            if discount_pct <= tier.max_discount + 1e-6:
                return tier
        raise UserError(self.env._(
            "No approval tier covers a discount of %(discount).2f%%: add one in the settlement tiers.",
            discount=discount_pct))
