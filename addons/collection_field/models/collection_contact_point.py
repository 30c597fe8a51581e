from odoo import models


class CollectionContactPoint(models.Model):
    _inherit = 'collection.contact.point'

    # nearby customers: a box around a position matched against the addresses' points
    _address_point_gist_idx = models.Index(
        "USING gist (point(longitude::float8, latitude::float8)) "
        "WHERE kind = 'address' AND active AND latitude IS NOT NULL")
