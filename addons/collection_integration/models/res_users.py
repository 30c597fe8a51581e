from odoo import fields, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    collection_dialer_extension = fields.Char(
        string="Dialer Extension", help="Your extension on the call centre's dialer: click-to-dial rings it first.")

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ['collection_dialer_extension']

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ['collection_dialer_extension']
