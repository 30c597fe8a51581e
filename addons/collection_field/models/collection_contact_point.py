from odoo import models


class CollectionContactPoint(models.Model):
    _inherit = 'collection.contact.point'

    # nearby customers: a box around a position matched against the addresses' points; the
    # included columns let the search read the index alone (index-only scan)
    _address_point_gist_idx = models.Index(
        "USING gist (point(longitude::float8, latitude::float8)) INCLUDE (partner_id, latitude, longitude) "
        "WHERE kind = 'address' AND active AND latitude IS NOT NULL")
