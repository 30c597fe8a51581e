from odoo import fields, models


class CollectionConnectorSecret(models.Model):
    """The secrets of gateway connectors, next to the sync's credentials (system administrators
    only, wiped by ``data/neutralize.sql``)."""

    _inherit = 'collection.connector.secret'

    signing_secret = fields.Char()
    api_token = fields.Char()
    verify_token = fields.Char()
