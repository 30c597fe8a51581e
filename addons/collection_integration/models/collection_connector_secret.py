from odoo import fields, models


class CollectionConnectorSecret(models.Model):
    """The credentials of a connector, kept per company and readable by system administrators
    only (no other group has access rights on this model). ``data/neutralize.sql`` deletes them
    when a database is neutralized."""

    _name = 'collection.connector.secret'
    _description = 'Connector Credentials'
    _rec_name = 'connector_id'

    connector_id = fields.Many2one('collection.connector', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, index=True, ondelete='cascade')
    username = fields.Char()
    password = fields.Char()

    _connector_company_uniq = models.Constraint(
        'unique(connector_id, company_id)', "A connector has one set of credentials per company.")
