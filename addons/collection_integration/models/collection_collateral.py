from odoo import models


class CollectionCollateral(models.Model):
    _inherit = 'collection.collateral'

    # the core-banking sync upserts collateral by its reference in the system of record
    _source_ref_company_uniq = models.UniqueIndex(
        '(source_ref, company_id) WHERE source_ref IS NOT NULL',
        "A collateral reference must be unique per company.")
