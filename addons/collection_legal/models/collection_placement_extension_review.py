from odoo import models


class CollectionPlacementExtension(models.Model):
    """The review of an extension request is a step of a collection manager: an officer requests,
    and cannot create a request already approved or refused (see collection.legal.approval.mixin)."""
    _name = 'collection.placement.extension'
    _inherit = ['collection.placement.extension', 'collection.legal.approval.mixin']
    _approval_fields = ('state', 'reviewed_by_id', 'review_date')
