from odoo import api, fields, models
from odoo.tools import SQL
from odoo.exceptions import ValidationError


class CollectionBucket(models.Model):
    _name = 'collection.bucket'
    _description = 'Delinquency Bucket'
    _order = 'dpd_from'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short code used in roll-rate reports, e.g. B1.")
    dpd_from = fields.Integer(string="DPD From", required=True)
    dpd_to = fields.Integer(
        string="DPD To", required=True, default=99999,
        help="Inclusive upper bound; the last bucket keeps a large number such as 99999.")
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint('unique(code)', "A bucket code must be unique.")

    @api.constrains('dpd_from', 'dpd_to', 'active')
    def _check_range(self):
        for bucket in self:
            if bucket.dpd_from < 0 or bucket.dpd_to < bucket.dpd_from:
                raise ValidationError(self.env._(
                    "Bucket %(name)s: the DPD range %(start)s-%(end)s is not valid.",
                    name=bucket.name, start=bucket.dpd_from, end=bucket.dpd_to))
        buckets = self.search([('active', '=', True)])
        for bucket in buckets:
            for other in buckets - bucket:
                if bucket.dpd_from <= other.dpd_to and other.dpd_from <= bucket.dpd_to:
                    raise ValidationError(self.env._(
                        "Buckets %(first)s and %(second)s overlap.",
                        first=bucket.name, second=other.name))

    @api.model
    def _get_bucket_for_dpd(self, dpd):
        """Return the active bucket whose range holds ``dpd`` (empty recordset if none)."""
        for bucket in self.search([('active', '=', True)]):
            if bucket.dpd_from <= dpd <= bucket.dpd_to:
                return bucket
        return self.browse()

    @api.model
    def _bucket_id_sql(self, dpd):
        """SQL expression for the id of the active bucket holding ``dpd`` (an SQL expression),
        for set-based updates of loans and cases."""
        return SQL("""(SELECT b.id FROM collection_bucket b
                        WHERE b.active AND b.dpd_from <= %(dpd)s AND %(dpd)s <= b.dpd_to
                     ORDER BY b.dpd_from LIMIT 1)""", dpd=dpd)
